"""Operations endpoints, no sign-in: ``/health`` (the process answers), ``/ready`` (database and
event broker reachable), ``/metrics`` (Prometheus; bearer ``METRICS_TOKEN`` when set)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from desk import handoffs
from desk.context import desk_of
from monitoring.http import metrics_allowed, readiness
from monitoring.metrics import QUEUE_LENGTH, exposition


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    desk = desk_of(request)
    try:
        async with desk.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        database = None
    except Exception as error:  # any driver's error means the same: not reachable
        database = f"unreachable ({type(error).__name__})"
    follower = desk.follower.problem if desk.follower else "not started"
    body, status = readiness({"database": database, "event_broker": follower})
    return web.json_response(body, status=status)


async def metrics(request: web.Request) -> web.Response:
    if not metrics_allowed(request.headers.get("Authorization")):
        return web.json_response({"error": "a valid metrics token is required"}, status=401)
    desk = desk_of(request)
    try:
        counts = await handoffs.counts(desk.engine)
        QUEUE_LENGTH.set(counts.waiting)
    except Exception:  # the database is down: /ready says so; the other metrics are still worth scraping
        pass
    body, content_type = exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/metrics", metrics)
