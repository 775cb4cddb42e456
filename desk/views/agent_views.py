"""The agents' desk: the live queue, a conversation, claim, reply, notes and end."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from desk import agents, handoffs, kb_learning
from desk.auth import current_agent
from desk.context import desk_of
from desk.live import stream
from desk.operations import can_send_files, end_handoff, reply_as_agent
from desk.rasa_client import RasaError
from desk.ratings import ratings_for_handoff
from desk.reasons import reason_label
from desk.views.customer_views import other_conversations
from desk.views.render import render
from desk.views.serialize import display_value, handoff_json, iso, message_json, note_json
from monitoring.metrics import DELIVERY_FAILURES

log = logging.getLogger(__name__)
MAX_TEXT_CHARS = 4000
TYPING_RECHECK_SECONDS = 1.0
# Fixed messages shown after a redirect (?notice=...): never text taken from the request.
NOTICES = {
    "taken": "Another agent has just taken that conversation.",
    "ended": "The conversation is back with the bot.",
    "rasa_down": "The bot could not be reached, so the conversation is still open. Try again in a moment.",
    "not_yours": "Only the agent who took this conversation can do that.",
    "transferred": "The conversation is now with your colleague.",
    "no_agent": "Choose a colleague to hand the conversation to.",
}


async def _handoff_or_404(request: web.Request) -> dict:
    try:
        handoff_id = int(request.match_info["handoff_id"])
    except ValueError as error:
        raise web.HTTPNotFound() from error
    handoff = await handoffs.get_handoff(desk_of(request).engine, handoff_id)
    if handoff is None:
        raise web.HTTPNotFound()
    return handoff


async def text_from_json(request: web.Request) -> str:
    try:
        body = await request.json()
    except ValueError:
        body = None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
        raise web.HTTPBadRequest(
            text=f'{{"error": "text must be 1 to {MAX_TEXT_CHARS} characters"}}', content_type="application/json"
        )
    return text.strip()


async def _queue_state(request: web.Request) -> dict:
    desk = desk_of(request)
    now = desk.clock()
    agent = current_agent(request)
    rows = [handoff_json(row, agent) for row in await handoffs.open_handoffs(desk.engine)]
    return {
        "server_time": iso(now),
        "open": desk.hours.is_open(now),
        "agents_online": await agents.count_online(desk.engine, now, desk.settings.agent_idle_minutes),
        "waiting": [row for row in rows if row["status"] == "waiting"],
        "active": [row for row in rows if row["status"] == "active"],
    }


async def queue_page(request: web.Request) -> web.Response:
    state = await _queue_state(request)
    notice = NOTICES.get(request.query.get("notice", ""))
    return await render(request, "queue.html", agent=current_agent(request), state=state, notice=notice)


async def queue_json(request: web.Request) -> web.Response:
    return web.json_response(await _queue_state(request))


async def attention(request: web.Request) -> web.Response:
    """What may need the agent: the waiting conversations, and the shopper's message count in each of theirs.

    Every desk page reads it when told of a change (desk/static/alerts.js) and alerts on what is new.
    """
    desk = desk_of(request)
    waiting = [row for row in await handoffs.open_handoffs(desk.engine) if row["status"] == "waiting"]
    counts = await handoffs.shopper_message_counts(desk.engine, current_agent(request).id)
    return web.json_response(
        {
            "waiting": [
                {"id": row["id"], "reason_label": reason_label(row["reason"]), "channel": row["channel"]} for row in waiting
            ],
            "mine": {str(handoff_id): count for handoff_id, count in counts.items()},
        }
    )


async def events(request: web.Request) -> web.StreamResponse:
    return await stream(request, desk_of(request).changes)


async def conversation_page(request: web.Request) -> web.Response:
    desk = desk_of(request)
    handoff = await _handoff_or_404(request)
    agent = current_agent(request)
    message_rows = await handoffs.messages_after(desk.engine, handoff["id"])
    return await render(
        request,
        "conversation.html",
        agent=agent,
        handoff=handoff,
        mine=handoff["claimed_by"] == agent.id,
        reason=reason_label(handoff["reason"]),
        verified_order=display_value(handoff["verified_order"]),
        order_status=display_value(handoff["order_status"]),
        kb_candidates=desk.kb_articles.candidates(handoff["kb_candidates"], handoff["language"]),
        messages=[message_json(row) for row in message_rows],
        last_message_id=message_rows[-1]["id"] if message_rows else 0,
        notes=[note_json(row) for row in await handoffs.notes_for(desk.engine, handoff["id"])],
        ratings=await ratings_for_handoff(desk.engine, handoff["id"]),
        colleagues=await agents.colleagues(desk.engine, agent.id, desk.clock(), desk.settings.agent_idle_minutes),
        notice=NOTICES.get(request.query.get("notice", "")),
        others=await other_conversations(request, handoff),
        can_send_files=can_send_files(desk.files, handoff["channel"]),
        file_types=",".join(desk.files.settings.types),
    )


async def conversation_updates(request: web.Request) -> web.Response:
    """What changed since the page's last message, so new shopper messages appear without reload.

    ``wait=<seconds>`` (long polling): when there is no new message and the status and the
    shopper's typing are as the page shows them (``status``, ``typing``), the answer waits until
    something changes (desk/live.py), at most that long.
    """
    desk = desk_of(request)
    try:
        after = int(request.query.get("after", "0"))
        wait = float(request.query.get("wait", "0"))
    except ValueError:
        after, wait = 0, 0.0
    deadline = time.monotonic() + wait
    while True:
        seen = desk.changes.version  # before looking: a change from here on ends the wait below at once
        handoff = await _handoff_or_404(request)
        messages = await handoffs.messages_after(desk.engine, handoff["id"], after)
        typing_now = desk.typing.is_typing(handoff["sender_id"], desk.clock())
        unchanged = handoff["status"] == request.query.get("status") and str(typing_now).lower() == request.query.get("typing")
        left = deadline - time.monotonic()
        if messages or not unchanged or left <= 0:
            break
        # A typing signal ends by itself, without a change to wake us: look again soon while one is shown.
        await desk.changes.wait_after(seen, min(left, TYPING_RECHECK_SECONDS) if typing_now else left)
    return web.json_response(
        {
            "status": handoff["status"],
            "agent_name": handoff["agent_name"],
            "mine": handoff["claimed_by"] == current_agent(request).id,
            "messages": [message_json(row) for row in messages],
            "notes": [note_json(row) for row in await handoffs.notes_for(desk.engine, handoff["id"])],
            "shopper_typing": typing_now,
        }
    )


async def typing(request: web.Request) -> web.Response:
    """The agent is typing a reply (or stopped): shown in the shopper's widget as "<name> is typing"."""
    desk = desk_of(request)
    handoff = await _handoff_or_404(request)
    agent = current_agent(request)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if handoff["status"] != "active" or handoff["claimed_by"] != agent.id:
        return web.json_response({"error": NOTICES["not_yours"]}, status=409)
    now_typing = bool(isinstance(body, dict) and body.get("typing"))
    try:
        await desk.rasa.agent_typing(handoff["sender_id"], agent.display_name, now_typing)
    except RasaError as error:  # only a hint to the shopper: the reply itself still goes
        log.info("handoff %s: typing not shown: %s", handoff["id"], error)
        return web.json_response({"ok": False}, status=202)
    return web.json_response({"ok": True})


async def claim(request: web.Request) -> web.Response:
    desk = desk_of(request)
    handoff = await _handoff_or_404(request)
    if await handoffs.claim(desk.engine, handoff["id"], current_agent(request).id, desk.clock()):
        desk.changes.bump()
        raise web.HTTPSeeOther(f"/conversations/{handoff['id']}")
    raise web.HTTPSeeOther("/?notice=taken")


async def reply(request: web.Request) -> web.Response:
    desk = desk_of(request)
    handoff = await _handoff_or_404(request)
    agent = current_agent(request)
    text = await text_from_json(request)
    if handoff["status"] != "active" or handoff["claimed_by"] != agent.id:
        return web.json_response({"error": NOTICES["not_yours"]}, status=409)
    now = desk.clock()
    try:
        message_id = await reply_as_agent(desk.engine, desk.rasa, handoff, agent, text, now)
    except RasaError as error:
        log.warning("handoff %s: reply not delivered: %s", handoff["id"], error)
        DELIVERY_FAILURES.labels("agent_reply").inc()
        return web.json_response({"error": "Not sent: the bot could not be reached. Try again."}, status=502)
    await kb_learning.learn_from_agent_reply(desk, handoff, text)
    message = {"id": message_id, "role": "agent", "text": text, "author_name": agent.display_name, "created_at": now}
    return web.json_response({"message": message_json(message)}, status=201)


async def add_note(request: web.Request) -> web.Response:
    desk = desk_of(request)
    handoff = await _handoff_or_404(request)
    text = await text_from_json(request)
    await handoffs.add_note(desk.engine, handoff["id"], current_agent(request).id, text, desk.clock())
    desk.changes.bump()
    return web.json_response(
        {"notes": [note_json(row) for row in await handoffs.notes_for(desk.engine, handoff["id"])]}, status=201
    )


async def end(request: web.Request) -> web.Response:
    desk = desk_of(request)
    handoff = await _handoff_or_404(request)
    target = f"/conversations/{handoff['id']}"
    # A waiting conversation may be closed by anyone (the shopper left); an active one only by its agent.
    if handoff["status"] == "active" and handoff["claimed_by"] != current_agent(request).id:
        raise web.HTTPSeeOther(f"{target}?notice=not_yours")
    try:
        await end_handoff(desk.engine, desk.rasa, handoff, "agent", desk.clock())
    except RasaError as error:
        log.warning("handoff %s: end not delivered: %s", handoff["id"], error)
        raise web.HTTPSeeOther(f"{target}?notice=rasa_down") from error
    desk.changes.bump()
    raise web.HTTPSeeOther(f"{target}?notice=ended")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", queue_page)
    app.router.add_get("/queue.json", queue_json)
    app.router.add_get("/attention.json", attention)
    app.router.add_get("/events", events)
    app.router.add_get("/conversations/{handoff_id}", conversation_page)
    app.router.add_get("/conversations/{handoff_id}/updates.json", conversation_updates)
    app.router.add_post("/conversations/{handoff_id}/claim", claim)
    app.router.add_post("/conversations/{handoff_id}/reply", reply)
    app.router.add_post("/conversations/{handoff_id}/notes", add_note)
    app.router.add_post("/conversations/{handoff_id}/typing", typing)
    app.router.add_post("/conversations/{handoff_id}/end", end)
