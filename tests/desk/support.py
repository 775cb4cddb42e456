"""Shared pieces of the desk tests: a test settings file, a settable clock, signing in through the pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from aiohttp.test_utils import TestClient

from business_hours import SupportHours

# Monday 23 November 2026, 10:00 in Warsaw: inside the test calendar's hours.
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
CALENDAR = {
    "timezone": "Europe/Warsaw",
    "weekly": {day: ["08:00-20:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    | {"saturday": ["09:00-15:00"], "sunday": []},
    "holidays": [{"date": "2026-12-24", "name": "Christmas Eve"}],
    "ticket_reply_within_hours": 8,
}
ALWAYS_OPEN = {
    "timezone": "Europe/Warsaw",
    "weekly": {day: ["00:00-23:59:59"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
    "holidays": [],
    "ticket_reply_within_hours": 8,
}


class Clock:
    """The desk's idea of now, moved by the test."""

    def __init__(self, now: datetime = MONDAY_MORNING):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def calendar() -> SupportHours:
    return SupportHours.from_dict(CALENDAR)


def write_config(folder: Path, support_hours: dict | None = None, **desk: object) -> Path:
    """An assistant.yml with the desk's databases in ``folder``."""
    settings = {
        "support_hours": support_hours or CALENDAR,
        "desk": {
            "url": "http://127.0.0.1:5080",
            "database": "sqlite:///desk.db",
            "event_broker_database": "events.db",
            "agent_idle_minutes": 5,
            "minutes_per_conversation": 6,
            "smtp": {"host": "", "port": 25, "sender": "desk@shop.example", "to": "support@shop.example"},
            "ticket_webhook_url": "",
            **desk,
        },
    }
    path = folder / "assistant.yml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


CSRF_IN_PAGE = re.compile(r'name="csrf[-_]token" (?:value|content)="([^"]+)"')


async def page_csrf(client: TestClient, path: str = "/login") -> str:
    response = await client.get(path, headers={"Accept": "text/html"})
    match = CSRF_IN_PAGE.search(await response.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> int:
    """Sign in through the form as a browser would; returns the HTTP status of the attempt."""
    token = await page_csrf(client)
    response = await client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, allow_redirects=False
    )
    return response.status
