"""The KB report: how the shoppers' questions the bot answered from the KB fared (kb_index/traffic.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import sqlalchemy.exc
from aiohttp import web

from desk.auth import current_agent
from desk.context import desk_of
from desk.views.render import render
from kb_index.traffic import OUTCOMES, TrafficReport, kb_turns, traffic_report

log = logging.getLogger(__name__)
PERIODS = {"1": "24 hours", "7": "7 days", "30": "30 days", "90": "90 days"}
DEFAULT_PERIOD = "7"
LISTED = 15  # questions per list


async def kb_report_page(request: web.Request) -> web.Response:
    desk = desk_of(request)
    days = request.query.get("days", DEFAULT_PERIOD)
    days = days if days in PERIODS else DEFAULT_PERIOD
    since = (desk.clock() - timedelta(days=int(days))).timestamp()
    report: TrafficReport | None = None
    problem = None
    try:
        turns = await asyncio.to_thread(kb_turns, desk.settings.tracker_store, since)
        report = traffic_report(turns, LISTED)
    except FileNotFoundError:
        problem = "No conversations are recorded yet."
    except sqlalchemy.exc.SQLAlchemyError as error:
        log.error("KB report: tracker store unreadable (%s)", type(error).__name__)
        problem = "The conversation store could not be read; try again in a moment."
    return await render(
        request, "kb.html", agent=current_agent(request), report=report, problem=problem, days=days, periods=PERIODS,
        outcomes=OUTCOMES,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/kb", kb_report_page)
