"""The analytics page and its CSV exports: an admin sees everything, any other agent only their own numbers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import sqlalchemy.exc
from aiohttp import web
from multidict import MultiMapping

from analytics.report import tables, to_csv
from business_hours import SupportHours
from business_hours.calendar import WEEKDAYS
from desk.auth import current_agent
from desk.context import Desk, desk_of
from desk.views.render import render

log = logging.getLogger(__name__)
PERIODS = {"7": "7 days", "30": "30 days", "90": "90 days", "365": "a year"}
DEFAULT_PERIOD = "30"
# The desk's KB pages (kb_edit_views): ?question=...&lang=... fills in a new article, or the questions to add to one.
KB_NEW_ARTICLE = "/kb/articles/new"
KB_ADD_QUESTIONS = "/kb/articles/add-questions"


@dataclass(frozen=True)
class Filters:
    since: datetime
    until: datetime
    days: str | None  # the preset chosen, or None for dates
    channel: str | None
    lang: str | None
    problem: str | None = None  # a filter that could not be read, and what was shown instead

    @property
    def first_day(self) -> str:
        return _day(self.since)

    @property
    def last_day(self) -> str:
        return _day(self.until - timedelta(microseconds=1))

    def query(self) -> dict[str, str]:
        """The query string that shows the same numbers (for the exports and links)."""
        period = {"days": self.days} if self.days else {"since": self.first_day, "until": self.last_day}
        return {**period, **({"channel": self.channel} if self.channel else {}), **({"lang": self.lang} if self.lang else {})}


def _day(at: datetime) -> str:
    return at.date().isoformat()


def read_filters(query: MultiMapping[str], now: datetime) -> Filters:
    """Period (a preset, or first and last day, UTC), channel and language from the query string."""
    channel = query.get("channel", "").strip()[:64] or None
    lang = query.get("lang", "").strip()[:16] or None
    if query.get("since"):
        try:
            since = datetime.strptime(query["since"], "%Y-%m-%d").replace(tzinfo=UTC)
            last = datetime.strptime(query.get("until") or _day(now), "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            problem = "Dates look like 2026-11-01; showing the last 30 days instead."
        else:
            if last >= since:
                return Filters(since, last + timedelta(days=1), None, channel, lang)
            problem = "The first day is after the last one; showing the last 30 days instead."
        return Filters(now - timedelta(days=int(DEFAULT_PERIOD)), now, DEFAULT_PERIOD, channel, lang, problem)
    days = query.get("days", DEFAULT_PERIOD)
    days = days if days in PERIODS else DEFAULT_PERIOD
    return Filters(now - timedelta(days=int(days)), now, days, channel, lang)


def support_hours_text(hours: SupportHours) -> str:
    """The weekly support hours in one line, for the handoffs-by-hour chart."""
    parts = []
    for number, name in enumerate(WEEKDAYS):
        spans = hours.weekly.get(number) or ()
        text = ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in spans) or "closed"
        parts.append(f"{name[:3].capitalize()} {text}")
    return f"{'; '.join(parts)} ({hours.timezone.key})"


async def _report(request: web.Request, filters: Filters) -> dict[str, Any]:
    desk = desk_of(request)
    agent = current_agent(request)
    own = None if agent.is_admin else agent.id
    return await asyncio.to_thread(
        desk.analytics.report, filters.since, filters.until, channel=filters.channel, lang=filters.lang, agent_id=own
    )


def _now(desk: Desk) -> datetime:
    """The clock to the minute: a preset period ("30 days") is then one filter for a minute, cached once
    for the page and its exports (analytics.service)."""
    return desk.clock().replace(second=0, microsecond=0)


def _kb_link(lang: str, question: str) -> str:
    return f"{KB_NEW_ARTICLE}?{urlencode({'question': question, 'lang': lang})}"


def _add_link(lang: str, questions: list[str]) -> str:
    return f"{KB_ADD_QUESTIONS}?{urlencode([('lang', lang), *(('question', q) for q in questions)])}"


async def analytics_page(request: web.Request) -> web.Response:
    desk = desk_of(request)
    agent = current_agent(request)
    filters = read_filters(request.query, _now(desk))
    report: dict[str, Any] | None = None
    problem = None
    try:
        report = await _report(request, filters)
        segments = await asyncio.to_thread(desk.analytics.segments)
    except FileNotFoundError:
        problem, segments = "No conversations are recorded yet.", {"channels": [], "languages": []}
    except sqlalchemy.exc.SQLAlchemyError as error:
        log.error("analytics: a database could not be read (%s)", type(error).__name__)
        problem, segments = "The numbers could not be read; try again in a moment.", {"channels": [], "languages": []}
    charts = {name: {"columns": columns, "rows": rows} for name, (columns, rows) in tables(report or {}).items()}
    unheard = [f"No conversation came in on {what} {value!r}." for what, value, known in (
        ("channel", filters.channel, segments["channels"]), ("language", filters.lang, segments["languages"]),
    ) if value and known and value not in known]
    return await render(
        request, "analytics.html", agent=agent, report=report, problem=problem, filters=filters, periods=PERIODS,
        segments=segments, charts=charts, export_query=urlencode(filters.query()), kb_link=_kb_link, add_link=_add_link,
        support_hours=support_hours_text(desk.hours), unheard=unheard,
    )


async def analytics_export(request: web.Request) -> web.Response:
    """One chart's numbers as CSV: the same filters and role as the page, texts masked."""
    name = request.match_info["name"]
    filters = read_filters(request.query, _now(desk_of(request)))
    try:
        report = await _report(request, filters)
    except FileNotFoundError:
        raise web.HTTPNotFound(text="No conversations are recorded yet.") from None
    table = tables(report).get(name)
    if table is None:
        raise web.HTTPNotFound(text=f"There is no export called {name!r} for you.")
    filename = f"analytics-{name}-{filters.first_day}-{filters.last_day}.csv"
    return web.Response(
        text=to_csv(*table), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/analytics", analytics_page)
    app.router.add_get(r"/analytics/export/{name:[a-z_]+}.csv", analytics_export)
