"""The desk's aiohttp application: wiring of settings, database, Rasa, background followers and routes."""

from __future__ import annotations

import asyncio
import contextlib
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
from desk import closing
from desk.auth import auth_middleware
from desk.broker import EventSource
from desk.broker.sql_broker import SQLEventSource
from desk.context import DESK, Desk
from desk.db import open_database, utcnow
from desk.delivery import TicketDelivery
from desk.follower import EventFollower
from desk.rasa_client import RasaClient
from desk.security import LoginLimiter, SessionCookies, security_headers
from desk.settings import DeskSettings
from desk.transcript_mail import TranscriptMailer
from desk.views import agent_views, auth_views, bot_api, kb_views
from http_guard import body_size_limit

log = logging.getLogger(__name__)
# aiohttp-session 2.12 stores its session under plain string keys, which aiohttp warns about on every request.
warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module="aiohttp_session")
HERE = Path(__file__).resolve().parent
SESSION_HOURS = 12
MAX_BODY_BYTES = 64 * 1024  # the largest form or JSON the desk takes: a 4,000-character reply is far below


def templates() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))


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
    app = web.Application(middlewares=[security_headers, body_size_limit(MAX_BODY_BYTES)], client_max_size=MAX_BODY_BYTES)
    limiter = LoginLimiter(settings.login_limit_per_account, settings.login_limit_per_address)
    app[DESK] = Desk(settings, hours or load_support_hours(settings.config_path), clock, templates(), limiter)
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
    app.cleanup_ctx.append(_lifecycle(event_source or SQLEventSource(settings.event_broker_url), run_background))
    auth_views.add_routes(app)
    agent_views.add_routes(app)
    bot_api.add_routes(app)
    kb_views.add_routes(app)
    app.router.add_static("/static/", HERE / "static")
    return app


def _lifecycle(source: EventSource, run_background: bool):
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        desk = app[DESK]
        settings = desk.settings
        desk.engine = await open_database(settings.database_url)
        async with aiohttp.ClientSession() as http:
            desk.rasa = RasaClient(settings.rasa_url, settings.rasa_token, http, channel_token=settings.bot_token)
            desk.transcripts = TranscriptMailer(desk.rasa, settings.smtp)
            desk.follower = EventFollower(desk.engine, source, desk.rasa, desk.clock, on_change=desk.live.changed)
            desk.delivery = TicketDelivery(
                desk.engine, http, desk.clock, settings.smtp, settings.ticket_webhook_url, settings.ticket_webhook_secret
            )
            tasks = [
                asyncio.create_task(desk.follower.run()),
                asyncio.create_task(desk.delivery.run()),
                asyncio.create_task(closing.run(desk.engine, desk.rasa, desk.hours, desk.clock)),
            ] if run_background else []
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await source.close()
                await desk.engine.dispose()

    return lifecycle
