"""Past conversations and offline tickets: the filtered list, a ticket with its transcript, an e-mail reply to it."""

from __future__ import annotations

from aiohttp import web

from desk.auth import current_agent
from desk.context import desk_of
from desk.history import STATUSES, HistoryFilter, filter_choices, search_history
from desk.reasons import reason_label
from desk.ticket_replies import ReplyNotSent, replies_for, reply_to_ticket
from desk.tickets import get_ticket
from desk.views.agent_views import text_from_json
from desk.views.render import render
from desk.views.serialize import iso


async def history_page(request: web.Request) -> web.Response:
    desk = desk_of(request)
    wanted = HistoryFilter.from_query(request.query)
    rows = await search_history(desk.engine, wanted)
    return await render(
        request, "history.html", agent=current_agent(request), rows=rows, wanted=wanted, statuses=STATUSES,
        choices=await filter_choices(desk.engine), reason_label=reason_label,
    )


async def _ticket_or_404(request: web.Request) -> dict:
    ticket = await get_ticket(desk_of(request).engine, request.match_info["ticket_id"][:32])
    if ticket is None:
        raise web.HTTPNotFound()
    return ticket


async def ticket_page(request: web.Request) -> web.Response:
    desk = desk_of(request)
    ticket = await _ticket_or_404(request)
    return await render(
        request, "ticket.html", agent=current_agent(request), ticket=ticket, reason=reason_label(ticket["reason"]),
        replies=await replies_for(desk.engine, ticket["id"]), email_on=desk.settings.smtp is not None,
    )


async def ticket_reply(request: web.Request) -> web.Response:
    desk = desk_of(request)
    ticket = await _ticket_or_404(request)
    text = await text_from_json(request)
    agent = current_agent(request)
    now = desk.clock()
    try:
        reply_id = await reply_to_ticket(desk.engine, desk.settings.smtp, ticket, agent, text, now)
    except ReplyNotSent as error:
        return web.json_response({"error": f"Not sent: {error}."}, status=502)
    reply = {"id": reply_id, "text": text, "agent_name": agent.display_name, "at": iso(now)}
    return web.json_response({"reply": reply}, status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/history", history_page)
    app.router.add_get("/tickets/{ticket_id}", ticket_page)
    app.router.add_post("/tickets/{ticket_id}/reply", ticket_reply)
