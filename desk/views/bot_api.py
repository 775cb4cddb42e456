"""The API the action server calls (docs/handoff.md, "Bot -> desk"); the bearer token is checked in desk.auth."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from desk import agents, handoffs
from desk.attachments import AttachmentRefused, get_for_conversation, serving_headers, store_attachment
from desk.availability import availability
from desk.context import desk_of
from desk.rasa_client import unroutable_reason
from desk.ratings import parse_rating, store_rating
from desk.tickets import create_ticket, parse_ticket_request

ATTACHMENTS_PATH = "/api/bot/attachments"


async def _json_body(request: web.Request) -> Any:
    """The parsed body; None when it is not JSON (the parsers then refuse it)."""
    try:
        return await request.json()
    except ValueError:
        return None


def _bad_request(error: ValueError) -> web.Response:
    return web.json_response({"error": str(error)}, status=400)


async def get_availability(request: web.Request) -> web.Response:
    desk = desk_of(request)
    now = desk.clock()
    online = await agents.count_online(desk.engine, now, desk.settings.agent_idle_minutes)
    queue = await handoffs.counts(desk.engine)
    answer = availability(desk.hours, now, online, queue.waiting, queue.active, desk.settings.minutes_per_conversation)
    return web.json_response(answer)


async def post_ticket(request: web.Request) -> web.Response:
    desk = desk_of(request)
    try:
        ticket_request = parse_ticket_request(await _json_body(request))
    except ValueError as error:
        return _bad_request(error)
    delivery = desk.delivery
    ticket = await create_ticket(
        desk.engine, desk.rasa, desk.hours, ticket_request, desk.clock(), email=delivery.email_on, webhook=delivery.webhook_on
    )
    delivery.wake()
    reply_by = ticket["promised_reply_by"]
    return web.json_response(
        {
            "ticket_id": ticket["id"],
            "promised_reply_by": reply_by.isoformat() if reply_by else None,
            "promised_reply_text": ticket["promised_reply_text"],
        }
    )


async def post_csat(request: web.Request) -> web.Response:
    desk = desk_of(request)
    try:
        rating = parse_rating(await _json_body(request))
    except ValueError as error:
        return _bad_request(error)
    await store_rating(desk.engine, rating, desk.clock())
    return web.json_response({"ok": True})


async def post_attachment(request: web.Request) -> web.Response:
    """A file a shopper sent during a handoff: the raw bytes as the body; ``sender_id``, ``kind``, ``name`` in the query.

    ``client``: the shopper's address where the channel knows it (the widget), for the per-address limit.
    A refusal is ``{"error", "code"}`` (too_big, bad_type, empty, limited), which the widget shows in words.
    """
    desk = desk_of(request)
    sender_id = request.query.get("sender_id", "")
    if not sender_id or unroutable_reason(sender_id) is not None:
        return web.json_response({"error": "sender_id is missing or not a conversation id"}, status=400)
    refused = {"too_big": 413, "limited": 429}
    try:
        await desk.files.take_upload(sender_id, request.query.get("client"))
        # Read as a stream: the app's body limit is for forms, a photo is bigger.
        data = await request.content.read(desk.files.settings.max_bytes + 1)
        attachment = await store_attachment(desk.engine, desk.files, sender_id, request.query.get("kind", ""),
                                            request.query.get("name"), data, desk.clock())
    except AttachmentRefused as refusal:
        return web.json_response({"error": str(refusal), "code": refusal.code}, status=refused.get(refusal.code, 415),
                                 headers={"Connection": "close"} if refusal.code == "too_big" else None)
    return web.json_response(attachment, status=201)


async def get_attachment_for_shopper(request: web.Request) -> web.Response:
    """A file of the conversation whose token ``t`` is (the socket.io channel passes it on for the widget); else 404."""
    desk = desk_of(request)
    found = await get_for_conversation(desk.engine, desk.files, request.match_info["attachment_id"], request.query.get("t"))
    if found is None:
        raise web.HTTPNotFound(text="no such file")
    return web.Response(body=found["data"], headers=serving_headers(found))


async def post_typing(request: web.Request) -> web.Response:
    """The shopper is typing (or stopped): from the widget through the socket.io channel."""
    desk = desk_of(request)
    body = await _json_body(request)
    sender_id = body.get("sender_id") if isinstance(body, dict) else None
    if not isinstance(sender_id, str) or not sender_id:
        return web.json_response({"error": "sender_id is required"}, status=400)
    desk.typing.set(sender_id, bool(body.get("typing")), desk.clock())
    desk.relay.publish({"kind": "typing", "sender_id": sender_id, "typing": bool(body.get("typing"))})
    desk.changes.bump()
    return web.json_response({"ok": True})


async def post_transcript(request: web.Request) -> web.Response:
    """The shopper asked for the conversation by e-mail (widget, through the socket.io channel)."""
    body = await _json_body(request)
    sender_id = body.get("sender_id") if isinstance(body, dict) else None
    if not isinstance(sender_id, str) or not sender_id:
        return web.json_response({"error": "sender_id is required"}, status=400)
    return web.json_response(await desk_of(request).transcripts.send(sender_id))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/bot/availability", get_availability)
    app.router.add_post("/api/bot/tickets", post_ticket)
    app.router.add_post("/api/bot/csat", post_csat)
    app.router.add_post(ATTACHMENTS_PATH, post_attachment)
    app.router.add_get(ATTACHMENTS_PATH + "/{attachment_id}", get_attachment_for_shopper)
    app.router.add_post("/api/bot/typing", post_typing)
    app.router.add_post("/api/bot/transcripts", post_transcript)
