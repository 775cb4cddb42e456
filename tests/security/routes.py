"""Every route an aiohttp app has, read from its own router: a route added without auth is attacked too."""

from __future__ import annotations

import re

from aiohttp import web


def app_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path) of every route, parameters filled in with "1"; static folders as their prefix plus a file."""
    routes = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        if "prefix" in info:
            path = info["prefix"].rstrip("/") + "/desk.css"
        else:
            path = re.sub(r"\{[^}]+\}", "1", info.get("path") or info.get("formatter", ""))
        if route.method != "HEAD":
            routes.append((route.method, path))
    return sorted(set(routes))
