"""Shoppers' files for signed-in agents (the auth middleware lets nobody else reach ``/attachments/``)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from desk.attachments import IMAGE_TYPES, get_attachment
from desk.context import desk_of


async def attachment(request: web.Request) -> web.Response:
    found = await get_attachment(desk_of(request).engine, request.match_info["attachment_id"])
    if found is None:
        raise web.HTTPNotFound(text="no such file")
    disposition = "inline" if found["content_type"] in IMAGE_TYPES else "attachment"
    # Images show in the page; anything else is downloaded, never rendered by the browser as the desk's
    # (the desk's own headers add nosniff and its script-free CSP).
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found['filename'], safe='')}"}
    return web.Response(body=found["data"], content_type=found["content_type"], headers=headers)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/attachments/{attachment_id}", attachment)
