"""Everything a request handler needs, in one object stored on the aiohttp app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncEngine

from business_hours import SupportHours
from desk.delivery import TicketDelivery
from desk.follower import EventFollower
from desk.live import LiveChanges
from desk.rasa_client import RasaClient
from desk.security import LoginLimiter
from desk.settings import DeskSettings
from desk.transcript_mail import TranscriptMailer
from desk.typing import TypingBoard


@dataclass
class Desk:
    settings: DeskSettings
    hours: SupportHours
    clock: Callable[[], datetime]
    templates: Environment
    login_limiter: LoginLimiter = field(default_factory=LoginLimiter)
    typing: TypingBoard = field(default_factory=TypingBoard)
    live: LiveChanges = field(default_factory=LiveChanges)
    # Set while the app runs (see desk.app.lifecycle).
    engine: AsyncEngine | None = None
    rasa: RasaClient | None = None
    follower: EventFollower | None = None
    delivery: TicketDelivery | None = None
    transcripts: TranscriptMailer | None = None


DESK = web.AppKey("desk", Desk)


def desk_of(request: web.Request) -> Desk:
    return request.app[DESK]
