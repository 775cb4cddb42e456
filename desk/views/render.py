"""Server-rendered pages (Jinja2 with autoescaping: every shopper text is HTML-escaped)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from desk.agents import presence_of
from desk.context import desk_of
from desk.security import csrf_token, session_of


async def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    desk = desk_of(request)
    session = await session_of(request)
    agent = context.get("agent")
    presence = await presence_of(desk.engine, agent.id) if agent else None  # shown in the top bar of every page
    html = desk.templates.get_template(template).render(
        csrf_token=csrf_token(session), presence=presence, path=request.path, **context
    )
    return web.Response(text=html, status=status, content_type="text/html")
