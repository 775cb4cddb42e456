"""Signing in and out."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp_session import new_session

from desk import agents
from desk.auth import current_agent
from desk.context import desk_of
from desk.rate_limits import LimitsUnavailable
from desk.security import client_address, csrf_token, session_of
from desk.views.render import render

log = logging.getLogger(__name__)


async def login_page(request: web.Request) -> web.Response:
    return await render(request, "login.html", username="")


async def login(request: web.Request) -> web.Response:
    desk = desk_of(request)
    form = await request.post()
    username = str(form.get("username", ""))[:80]
    password = str(form.get("password", ""))[:1024]
    address = client_address(request, desk.settings.trusted_proxies)
    try:
        if not await desk.login_limiter.allowed(username, address):
            log.warning("sign-in rate limit reached")
            error = "Too many failed attempts. Wait a minute, then try again."
            return await render(request, "login.html", status=429, username=username, error=error)
        agent = await agents.authenticate(desk.engine, username, password)
        if agent is None:
            await desk.login_limiter.failed(username, address)
            return await render(request, "login.html", status=401, username=username, error="Wrong username or password.")
    except LimitsUnavailable as error:
        # Closed, not open: a guess that cannot be counted is not checked (desk/rate_limits.py).
        log.warning("sign-in refused: rate limits unavailable (%s)", error)
        return await render(request, "login.html", status=503, username=username,
                            error="Signing in is not possible right now. Try again shortly.")
    session = await new_session(request)  # a fresh session (and CSRF token) on every sign-in
    session["agent_id"] = agent.id
    session["generation"] = agent.session_generation
    csrf_token(session)
    await agents.sign_in(desk.engine, agent.id, desk.clock())
    raise web.HTTPSeeOther("/")


async def logout(request: web.Request) -> web.Response:
    await agents.sign_out(desk_of(request).engine, current_agent(request).id)
    (await session_of(request)).invalidate()
    raise web.HTTPSeeOther("/login")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
