"""The desk's aiohttp application: wiring of settings, database, Rasa, background followers and routes."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import aiohttp
import aiohttp_session
from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from business_hours import SupportHours, load_support_hours
from customers import CustomerDirectory, IdentityDigests
from desk import closing
from desk.attachments import AttachmentRules, expire_files
from desk.auth import auth_middleware
from desk.broker import EventSource, open_event_source
from desk.channels import channel_icon, channel_name
from desk.context import DESK, Desk
from desk.db import open_database, utcnow
from desk.delivery import TicketDelivery
from desk.follower import EventFollower
from desk.kb_articles import KBArticles
from desk.live import Changes, bump_after_posts
from desk.live_relay import open_relay
from desk.rasa_client import RasaClient
from desk.rate_limits import DeskLimits
from desk.security import LoginLimiter, SessionCookies, security_headers
from desk.settings import DeskSettings
from desk.transcript_mail import TranscriptMailer
from desk.views import (
    agent_views,
    analytics_views,
    attachment_views,
    auth_views,
    bot_api,
    customer_views,
    history_views,
    kb_edit_views,
    kb_views,
    ops_views,
    tools_views,
)
from desk.views.text import linkify
from http_guard import body_size_limit

log = logging.getLogger(__name__)
# aiohttp-session 2.12 stores its session under plain string keys, which aiohttp warns about on every request.
warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module="aiohttp_session")
HERE = Path(__file__).resolve().parent
SESSION_HOURS = 12
MAX_BODY_BYTES = 64 * 1024  # the largest form or JSON the desk takes: a 4,000-character reply is far below


def templates() -> Environment:
    environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    environment.filters.update(channel_name=channel_name, channel_icon=channel_icon, linkify=linkify)
    return environment


def build_app(
    settings: DeskSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    hours: SupportHours | None = None,
    event_source: EventSource | None = None,
    run_background: bool = True,
) -> web.Application:
    """The desk app. Tests pass a clock and ``run_background=False`` to drive the follower themselves."""
    if not settings.session_key:
        raise SystemExit("DESK_SESSION_KEY is not set (a Fernet key; `make run` writes one into var/run.env)")
    if not settings.bot_token:
        log.warning("DESK_BOT_TOKEN is not set: the bot API refuses every call, so the bot works as if nobody were there")
    # Shoppers' files come to the bot API as a stream of their own size (desk/attachments.py).
    # Agents' files come to attachment_views.UPLOAD_PATH the same way.
    file_bytes = settings.attachments.max_bytes
    size_limit = body_size_limit(MAX_BODY_BYTES, {bot_api.ATTACHMENTS_PATH: file_bytes, attachment_views.UPLOAD_PATH: file_bytes})
    relay = open_relay(settings.live_url)
    changes = Changes(relay)
    app = web.Application(middlewares=[security_headers, size_limit, bump_after_posts(changes)], client_max_size=MAX_BODY_BYTES)
    # Built once: the three users count in one storage, shared with the other desk processes, each under its prefix.
    limits = DeskLimits(settings.limits_storage)
    limiter = LoginLimiter(limits.counter("desk-sign-in-failed"), settings.login_limit_per_account,
                           settings.login_limit_per_address)
    app[DESK] = Desk(
        settings, hours or load_support_hours(settings.config_path), clock, templates(), limiter, changes,
        KBArticles(settings.config_path), relay=relay, limits=limits,
        files=AttachmentRules(settings.attachments, attachment_key(settings), limits.counter("desk-upload")),
    )
    storage = SessionCookies(
        settings.session_key,
        settings.trusted_proxies,
        settings.always_secure_cookies,
        cookie_name="desk_session",
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="Strict",
    )
    aiohttp_session.setup(app, storage)
    app.middlewares.append(auth_middleware)
    app.on_shutdown.append(_end_streams)
    source = event_source or open_event_source(settings.event_broker_url, settings.event_broker_queue)
    app.cleanup_ctx.append(_lifecycle(source, run_background))
    auth_views.add_routes(app)
    agent_views.add_routes(app)
    attachment_views.add_routes(app)
    bot_api.add_routes(app)
    kb_views.add_routes(app)
    customer_views.add_routes(app)
    ops_views.add_routes(app)
    kb_edit_views.add_routes(app)
    history_views.add_routes(app)
    tools_views.add_routes(app)
    analytics_views.add_routes(app)
    app.router.add_static("/static/", HERE / "static")
    return app


def customer_key(settings: DeskSettings) -> bytes:
    """DESK_CUSTOMER_KEY, or a key derived from the session key (build_app requires that one)."""
    if settings.customer_key:
        return settings.customer_key.encode()
    return hmac.new(str(settings.session_key).encode(), b"customer identities", hashlib.sha256).digest()


def attachment_key(settings: DeskSettings) -> bytes:
    """The key of the shoppers' file links, derived from the session key (rotating it ends the old links)."""
    return hmac.new(str(settings.session_key).encode(), b"attachment links", hashlib.sha256).digest()


async def _end_streams(app: web.Application) -> None:
    """Open event streams end, so a shutdown does not wait for them."""
    app[DESK].changes.close()


def _lifecycle(source: EventSource, run_background: bool):
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        # Imported here: the analytics (numpy, the KB encoder's modules) load when the desk serves,
        # not for every CLI command that only touches accounts.
        from analytics.service import AnalyticsService
        from analytics.weekly import AnalyticsSchedule

        desk = app[DESK]
        settings = desk.settings
        desk.engine = await open_database(settings.database_url)
        async with aiohttp.ClientSession() as http:
            desk.rasa = RasaClient(settings.rasa_url, settings.rasa_token, http, channel_token=settings.bot_token)
            desk.transcripts = TranscriptMailer(desk.rasa, settings.smtp, desk.limits.counter("desk-transcript-mail"), desk.files)
            desk.customers = CustomerDirectory(desk.engine, IdentityDigests(customer_key(settings)))
            desk.follower = EventFollower(
                desk.engine, source, desk.rasa, desk.clock, customers=desk.customers, on_change=desk.changes.bump
            )
            desk.delivery = TicketDelivery(
                desk.engine, http, desk.clock, settings.smtp, settings.ticket_webhook_url, settings.ticket_webhook_secret
            )
            desk.analytics = await asyncio.to_thread(AnalyticsService.for_config, settings.config_path, settings, desk.hours)
            schedule = AnalyticsSchedule(desk.analytics, settings.smtp, desk.clock)
            await desk.relay.start(_from_other_desks(desk))

            # Called again each time this process leads anew (its lock lapsed meanwhile): every loop starts afresh.
            async def background() -> None:
                await asyncio.gather(desk.follower.run(), desk.delivery.run(), schedule.run(),
                                     closing.run(desk.engine, desk.rasa, desk.hours, desk.clock),
                                     expire_files(desk.engine, desk.files, desk.clock))

            # One desk process at a time follows the broker and sends tickets and reports (desk/live_relay.py).
            tasks = [asyncio.create_task(desk.relay.lead(background, desk.follower.stand_by))] if run_background else []
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await desk.relay.close()
                await source.close()
                desk.analytics.close()
                await desk.engine.dispose()

    return lifecycle


def _from_other_desks(desk: Desk) -> Callable[[dict], None]:
    """What another desk process published: a shopper typing is shown here too; any change wakes the pages."""

    def deliver(message: dict) -> None:
        if message.get("kind") == "typing" and isinstance(message.get("sender_id"), str):
            desk.typing.set(message["sender_id"], bool(message.get("typing")), desk.clock())
        desk.changes.heard()

    return deliver
