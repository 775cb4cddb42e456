"""Files in a handoff for signed-in agents (the auth middleware lets nobody else reach these routes).

``GET /attachments/<id>``: a file of any conversation. ``POST /attachments?handoff=<id>&name=<file name>``:
the agent who has the conversation sends an image or PDF (the raw bytes as the body), delivered like
a text reply (desk/operations.py).
"""

from __future__ import annotations

import logging

from aiohttp import web

from desk.attachments import AttachmentRefused, get_attachment, serving_headers
from desk.auth import current_agent
from desk.context import desk_of
from desk.handoffs import get_handoff
from desk.operations import can_send_files, send_agent_file
from desk.rasa_client import RasaError
from desk.views.serialize import message_json
from monitoring.metrics import DELIVERY_FAILURES

log = logging.getLogger(__name__)
UPLOAD_PATH = "/attachments"


async def attachment(request: web.Request) -> web.Response:
    found = await get_attachment(desk_of(request).engine, request.match_info["attachment_id"])
    if found is None:
        raise web.HTTPNotFound(text="no such file")
    return web.Response(body=found["data"], headers=serving_headers(found))


def _refused(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def upload(request: web.Request) -> web.Response:
    desk = desk_of(request)
    agent = current_agent(request)
    try:
        handoff = await get_handoff(desk.engine, int(request.query.get("handoff", "")))
    except ValueError:
        handoff = None
    if handoff is None:
        return _refused(404, "no such conversation")
    if handoff["status"] != "active" or handoff["claimed_by"] != agent.id:
        return _refused(409, "Only the agent who took this conversation can do that.")
    if not can_send_files(desk.files, handoff["channel"]):
        return _refused(409, "To send files to messenger conversations, set attachments.public_url; send a text reply instead.")
    # Read as a stream: the app's body limit is for forms (a chunked body is cut off here).
    data = await request.content.read(desk.files.settings.max_bytes + 1)
    try:
        message = await send_agent_file(desk.engine, desk.rasa, desk.files, handoff, agent, request.query.get("name"),
                                        data, desk.clock())
    except AttachmentRefused as refusal:
        return _refused(413 if refusal.code == "too_big" else 415, f"Not sent: {refusal}.")
    except RasaError as error:
        log.warning("handoff %s: file not delivered: %s", handoff["id"], error)
        DELIVERY_FAILURES.labels("agent_reply").inc()
        return _refused(502, "Not sent: the bot could not be reached. Try again.")
    return web.json_response({"message": message_json(message)}, status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/attachments/{attachment_id}", attachment)
    app.router.add_post(UPLOAD_PATH, upload)
