"""Files between the widget and the agent during a handoff, through the socket.io channel (shoppers reach nothing else).

``POST /webhooks/socketio/attachments``, a ``multipart/form-data`` body (a "simple" request: no CORS
preflight) with ``session_id`` and ``file``:

- only while a person has the conversation (the tracker is paused); otherwise 409 ``not_in_handoff``
  with the bot's "I read text only, a person can look at photos" in the conversation's language;
- the desk checks the file (type from its bytes, size, uploads per conversation and per client
  address, desk/attachments.py) and keeps it: 201 with its description and the conversation's
  file token, or the desk's refusal ``{code, error}`` (413 too_big, 415 bad_type, 429 limited);
- then the shopper's message ``[photo] box.jpg``, naming the file in its metadata as a messenger's
  photo does (bot/channels/media.py), goes into the conversation: the agent sees the photo.

``GET /webhooks/socketio/attachments/<id>?t=<token>``: the file for the widget, with the desk's
headers (exact type, nosniff, a sandboxing CSP, PDF as a download); 404 for a wrong, missing or
other conversation's token, exactly as for a file that does not exist.

The widget is on the shop's pages, so the answers carry CORS headers for the shop's origins only.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.common import non_text_reply
from bot.channels.desk_link import DeskLink
from bot.channels.guards import sender_id_problem, shop_origins
from bot.channels.media import ATTACHMENT_METADATA
from bot.channels.metadata import client_address, with_client_address

ATTACHMENT_ID = re.compile(r"[0-9a-f]{32}")
TOKEN = re.compile(r"[0-9a-f]{32}")
REFUSALS = {413: "too_big", 415: "bad_type", 429: "limited"}
MIN_SESSION_ID_CHARS = 32  # the widget's 128-bit ids: the session id is the conversation's secret


def max_upload_bytes(config: dict[str, Any]) -> int:
    """``attachments.max_bytes`` of assistant.yml (the desk enforces the same number)."""
    return int((config.get("attachments") or {}).get("max_bytes", 10 * 1024 * 1024))


def add_file_routes(blueprint: Blueprint, desk: DeskLink, channel: str, max_bytes: int,
                    new_message: Callable[[UserMessage], Awaitable[Any]],
                    output_for: Callable[[], OutputChannel]) -> None:
    """The two routes on the socket.io channel's blueprint; ``new_message`` takes the shopper's message naming the file."""
    origins = set(shop_origins())

    def answer(request: Request, body: dict[str, Any], status: int) -> response.HTTPResponse:
        headers = {"Vary": "Origin"}
        if request.headers.get("Origin") in origins:
            headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        return response.json(body, status=status, headers=headers)

    @blueprint.route("/attachments", methods=["POST"])
    async def upload(request: Request) -> response.HTTPResponse:
        if (request.headers.get("Content-Length") or "").isdigit() and int(request.headers["Content-Length"]) > max_bytes + 65536:
            return answer(request, {"code": "too_big"}, 413)
        session_id = request.form.get("session_id") if request.form else None
        upload = (request.files or {}).get("file")
        if not isinstance(session_id, str) or sender_id_problem(session_id) or len(session_id) < MIN_SESSION_ID_CHARS:
            return answer(request, {"code": "bad_session_id"}, 400)
        if upload is None:
            return answer(request, {"code": "empty"}, 400)
        tracker = await request.app.ctx.agent.tracker_store.retrieve(session_id)
        if tracker is None or not tracker.is_paused():
            # The bot reads text only; the widget's "Talk to a person" is always there.
            reply = non_text_reply(tracker.get_slot("language") if tracker is not None else None)
            return answer(request, {"code": "not_in_handoff", "message": reply}, 409)
        address = client_address(request)
        params = {"sender_id": session_id, "kind": "file", "name": upload.name or "", "client": address}
        status, body = await desk.upload_file(params, upload.body)
        if status != 201:
            # The desk's own size check answers before reading, without a code.
            code = body.get("code") or REFUSALS.get(status, "unavailable")
            return answer(request, {"code": code}, status if status in REFUSALS else 503)
        metadata = with_client_address({ATTACHMENT_METADATA: {"id": body["id"], "kind": body["kind"]}}, address)
        label = f"[{body['kind']}] {body['filename']}"
        await new_message(UserMessage(label, output_for(), session_id, input_channel=channel, metadata=metadata))
        return answer(request, body, 201)

    @blueprint.route("/attachments/<attachment_id>", methods=["GET"])
    async def serve(request: Request, attachment_id: str) -> response.HTTPResponse:
        token = request.args.get("t") or ""
        wellformed = ATTACHMENT_ID.fullmatch(attachment_id) and TOKEN.fullmatch(token)
        found = await desk.file(attachment_id, token) if wellformed else None
        if found is None:
            return response.text("no such file", status=404, headers={"X-Content-Type-Options": "nosniff"})
        data, headers = found
        return response.raw(data, headers={**headers, "Referrer-Policy": "no-referrer"},
                            content_type=headers.get("Content-Type", "application/octet-stream"))
