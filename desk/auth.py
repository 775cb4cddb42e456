"""The gate in front of every page and API: agents by session cookie, the bot by bearer token."""

from __future__ import annotations

from aiohttp import web

from desk import agents
from desk.context import desk_of
from desk.security import SAFE_METHODS, Handler, bearer_token, csrf_ok, session_of, tokens_match

PUBLIC_PREFIXES = ("/static/",)
# Health and readiness for the balancer and the process manager; /metrics checks its own token.
OPS_PATHS = ("/health", "/ready", "/metrics")
LOGIN_PATH = "/login"
AGENT = web.RequestKey("agent", agents.Agent)
# Presence is written at most this often per agent (every poll would be a write).
PRESENCE_WRITE_SECONDS = 30


def _refuse(request: web.Request, status: int, message: str) -> web.StreamResponse:
    wants_page = request.method == "GET" and "text/html" in request.headers.get("Accept", "")
    if status == 401 and wants_page:
        raise web.HTTPSeeOther(LOGIN_PATH)
    return web.json_response({"error": message}, status=status)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    desk = desk_of(request)
    if request.path.startswith("/api/bot/"):
        if not tokens_match(bearer_token(request), desk.settings.bot_token):
            return web.json_response({"error": "a valid bot token is required"}, status=401)
        return await handler(request)
    if request.path.startswith(PUBLIC_PREFIXES) or request.path in OPS_PATHS:
        return await handler(request)
    session = await session_of(request)
    if request.method not in SAFE_METHODS and not await csrf_ok(request, session):
        return web.json_response({"error": "missing or wrong CSRF token; reload the page"}, status=403)
    if request.path == LOGIN_PATH:
        return await handler(request)
    if "agent_id" not in session:
        return _refuse(request, 401, "sign in first")
    agent = await agents.get_agent(desk.engine, session["agent_id"])
    if agent is None or session.get("generation") != agent.session_generation:
        session.invalidate()  # signed out elsewhere, or the account was disabled
        return _refuse(request, 401, "sign in first")
    request[AGENT] = agent
    await _note_presence(request, session, agent)
    return await handler(request)


async def _note_presence(request: web.Request, session, agent: agents.Agent) -> None:
    desk = desk_of(request)
    now = desk.clock()
    last = session.get("presence_written", 0)
    if now.timestamp() - last >= PRESENCE_WRITE_SECONDS:
        await agents.touch(desk.engine, agent.id, now)
        session["presence_written"] = now.timestamp()


def current_agent(request: web.Request) -> agents.Agent:
    return request[AGENT]
