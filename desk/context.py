"""Everything a request handler needs, in one object stored on the aiohttp app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncEngine

from business_hours import SupportHours
from customers import CustomerDirectory
from desk.attachments import AttachmentRules
from desk.delivery import TicketDelivery
from desk.follower import EventFollower
from desk.kb_articles import KBArticles
from desk.kb_editor import KBEditor
from desk.live import Changes
from desk.live_relay import LiveRelay, LocalRelay
from desk.rasa_client import RasaClient
from desk.rate_limits import DeskLimits
from desk.security import LoginLimiter
from desk.settings import DeskSettings
from desk.transcript_mail import TranscriptMailer
from desk.typing import TypingBoard
from kb_index.settings import load_kb_settings

if TYPE_CHECKING:  # analytics imports desk modules; the desk reaches it only at run time
    from analytics.service import AnalyticsService


@dataclass
class Desk:
    settings: DeskSettings
    hours: SupportHours
    clock: Callable[[], datetime]
    templates: Environment
    login_limiter: LoginLimiter
    changes: Changes = field(default_factory=Changes)  # bumped on every change agents see (desk.live)
    kb_articles: KBArticles = field(default_factory=lambda: KBArticles(None))
    typing: TypingBoard = field(default_factory=TypingBoard)  # who is typing now (desk/typing.py)
    relay: LiveRelay = field(default_factory=LocalRelay)  # the other desk processes, if any (desk/live_relay.py)
    files: AttachmentRules | None = None  # limits and link key of the files in handoffs (desk/attachments.py)
    limits: DeskLimits = field(default_factory=DeskLimits)  # every rate limit's shared storage (desk/rate_limits.py)
    # Set while the app runs (see desk.app.lifecycle).
    engine: AsyncEngine | None = None
    rasa: RasaClient | None = None
    follower: EventFollower | None = None
    delivery: TicketDelivery | None = None
    transcripts: TranscriptMailer | None = None
    analytics: AnalyticsService | None = None
    customers: CustomerDirectory | None = None
    _kb_editor: KBEditor | None = field(default=None, repr=False)
    _kb_configured: bool | None = field(default=None, repr=False)

    def kb_editor(self) -> KBEditor | None:
        """The KB's sources and index (the ``kb:`` section of the same assistant.yml), built on first use; None without one."""
        if self._kb_configured is None:
            try:
                self._kb_editor = KBEditor(load_kb_settings(self.settings.config_path))
            except KeyError:
                self._kb_editor = None
            self._kb_configured = self._kb_editor is not None
        return self._kb_editor


DESK = web.AppKey("desk", Desk)


def desk_of(request: web.Request) -> Desk:
    return request.app[DESK]
