"""Working faster: presence (available / away), saved replies, the KB search box, handing a conversation to a colleague."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from desk import agents, handoffs
from desk.auth import current_agent
from desk.canned import add_canned, delete_canned, fill, list_canned, order_number, parse_canned, shopper_name
from desk.context import desk_of
from desk.views.render import render

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 200


def _local_path(value: object, default: str = "/") -> str:
    """Where to go back to: a path on this desk only (never another site)."""
    text = str(value or "")
    return text if text.startswith("/") and not text.startswith("//") and "\\\\" not in text else default


async def set_presence(request: web.Request) -> web.Response:
    desk = desk_of(request)
    form = await request.post()
    try:
        await agents.set_presence(desk.engine, current_agent(request).id, str(form.get("status", "")), desk.clock())
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from error
    raise web.HTTPSeeOther(_local_path(form.get("next")))


async def canned_page(
    request: web.Request, error: str | None = None, status: int = 200, draft: object = None
) -> web.Response:
    desk = desk_of(request)
    return await render(
        request, "canned.html", status=status, agent=current_agent(request), replies=await list_canned(desk.engine),
        error=error, draft=draft or {},
    )


async def add_canned_reply(request: web.Request) -> web.Response:
    desk = desk_of(request)
    form = await request.post()
    try:
        reply = parse_canned(form)
    except ValueError as error:  # the form comes back as it was typed
        return await canned_page(request, str(error), status=400, draft=form)
    await add_canned(desk.engine, reply, desk.clock())
    raise web.HTTPSeeOther("/canned")


async def delete_canned_reply(request: web.Request) -> web.Response:
    try:
        canned_id = int(request.match_info["canned_id"])
    except ValueError as error:
        raise web.HTTPNotFound() from error
    await delete_canned(desk_of(request).engine, canned_id)
    raise web.HTTPSeeOther("/canned")


async def _handoff(request: web.Request) -> dict:
    try:
        handoff = await handoffs.get_handoff(desk_of(request).engine, int(request.match_info["handoff_id"]))
    except ValueError:
        handoff = None
    if handoff is None:
        raise web.HTTPNotFound()
    return handoff


async def canned_for_conversation(request: web.Request) -> web.Response:
    """The saved replies in the conversation's language, placeholders filled for it."""
    desk = desk_of(request)
    handoff = await _handoff(request)
    values = {
        "agent_name": current_agent(request).display_name,
        "order": order_number(handoff["verified_order"]),
        "shopper_name": shopper_name(handoff["verified_order"]),
    }
    replies = await list_canned(desk.engine, handoff["language"])
    filled = [{"id": r["id"], "title": r["title"], "text": fill(r["body"], values)} for r in replies]
    return web.json_response({"replies": filled})


async def kb_search(request: web.Request) -> web.Response:
    desk = desk_of(request)
    text = request.query.get("q", "").strip()[:MAX_QUERY_CHARS]
    lang = request.query.get("lang", "en")[:16]
    if not text:
        return web.json_response({"articles": []})
    try:
        found = await asyncio.to_thread(desk.kb_articles.search, text, lang)
    except FileNotFoundError as error:
        log.warning("KB search: %s", error)
        return web.json_response({"error": "The knowledge base is not available right now."}, status=503)
    return web.json_response({"articles": found})


async def transfer(request: web.Request) -> web.Response:
    desk = desk_of(request)
    handoff = await _handoff(request)
    me = current_agent(request)
    form = await request.post()
    target = f"/conversations/{handoff['id']}"
    try:
        to_id = int(str(form.get("agent_id", "")))
    except ValueError:
        raise web.HTTPSeeOther(f"{target}?notice=no_agent") from None
    colleague = await agents.get_agent(desk.engine, to_id)
    if colleague is None or colleague.id == me.id:
        raise web.HTTPSeeOther(f"{target}?notice=no_agent")
    if not await handoffs.transfer(desk.engine, handoff["id"], me.id, colleague.id, desk.clock()):
        raise web.HTTPSeeOther(f"{target}?notice=not_yours")
    note = f"Handed to {colleague.display_name} by {me.display_name}."
    await handoffs.add_note(desk.engine, handoff["id"], me.id, note, desk.clock())
    raise web.HTTPSeeOther(f"{target}?notice=transferred")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/presence", set_presence)
    app.router.add_get("/canned", canned_page)
    app.router.add_post("/canned", add_canned_reply)
    app.router.add_post("/canned/{canned_id}/delete", delete_canned_reply)
    app.router.add_get("/conversations/{handoff_id}/canned.json", canned_for_conversation)
    app.router.add_get("/kb/search.json", kb_search)
    app.router.add_post("/conversations/{handoff_id}/transfer", transfer)
