"""Publishing over HTTP, for a CMS or CI: ``python -m kb_index serve --port 5090``.

``POST /publish`` (``Authorization: Bearer $KB_PUBLISH_TOKEN``) validates the
KB, builds what changed, publishes it and answers with the evaluation of the
new live version on ``kb.publish_eval_queries``. A second publish while one
runs gets 409; a KB with errors gets 422 with every problem, and the live
version keeps serving. ``GET /health`` names the live version (no token).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from aiohttp import web

from http_guard import body_size_limit
from kb_index.articles import KBValidationError
from kb_index.evaluation import evaluate, load_queries
from kb_index.service import build, get_encoder, open_index
from kb_index.settings import KBSettings
from kb_index.store import IndexStore

log = logging.getLogger(__name__)
TOKEN_ENV = "KB_PUBLISH_TOKEN"
SETTINGS_KEY = web.AppKey("settings", KBSettings)
TOKEN_KEY = web.AppKey("token", str)
RUNNING_KEY = web.AppKey("running", asyncio.Lock)
MAX_BODY_BYTES = 64 * 1024


def publish_and_evaluate(settings: KBSettings, full: bool = False) -> dict[str, Any]:
    """Build + publish, then evaluate the live version; raises KBValidationError for a bad KB."""
    result = build(settings, full=full)
    summary: dict[str, Any] = {"build": asdict(result)}
    files = [path for path in settings.publish_eval_queries if path.exists()]
    if files:
        index = open_index(settings)
        queries = [q for path in files for q in load_queries(path)]
        report = evaluate(index, queries, settings.thresholds, settings.max_suggestions)
        summary["eval"] = report.as_dict() | {"query_files": [path.name for path in files]}
    return summary


def relative_to_kb(problem: str, sources: Sequence[Path]) -> str:
    """A problem with its file named relative to the KB source it is in: the server's folders are nobody's business."""
    for source in sorted(sources, key=lambda path: len(str(path)), reverse=True):
        if source.is_dir():
            problem = problem.replace(f"{source}{os.sep}", "")
        problem = problem.replace(str(source), source.name)
    return problem


def _authorised(request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, supplied = header.partition(" ")
    # compare_digest: the time taken must not reveal how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(supplied.encode(), request.app[TOKEN_KEY].encode())


async def _publish(request: web.Request) -> web.Response:
    if not _authorised(request):
        return web.json_response({"error": "missing or wrong token"}, status=401, headers={"WWW-Authenticate": "Bearer"})
    running = request.app[RUNNING_KEY]
    if running.locked():
        return web.json_response({"error": "a publish is already running; try again when it has finished"}, status=409)
    full = request.query.get("full", "").lower() in {"1", "true", "yes"}
    async with running:
        loop = asyncio.get_running_loop()
        try:
            summary = await loop.run_in_executor(None, publish_and_evaluate, request.app[SETTINGS_KEY], full)
        except KBValidationError as exc:
            settings = request.app[SETTINGS_KEY]
            problems = [relative_to_kb(str(p), settings.source_paths) for p in exc.problems]
            return web.json_response({"error": "the KB has errors; nothing was published", "problems": problems}, status=422)
    log.info("published index %s over HTTP", summary["build"]["version"])
    return web.json_response(summary)


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"live": IndexStore(request.app[SETTINGS_KEY].index_dir).live_version()})


def make_app(settings: KBSettings, token: str) -> web.Application:
    if not token:
        raise ValueError(f"set {TOKEN_ENV} to the token publishers must send")
    # POST /publish takes no body (the KB is read from disk): anything large is refused unread.
    app = web.Application(middlewares=[body_size_limit(MAX_BODY_BYTES)], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS_KEY] = settings
    app[TOKEN_KEY] = token
    app[RUNNING_KEY] = asyncio.Lock()
    app.router.add_post("/publish", _publish)
    app.router.add_get("/health", _health)
    return app


def serve(settings: KBSettings, host: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = make_app(settings, os.environ.get(TOKEN_ENV, ""))
    get_encoder(settings.encoder)  # loaded now, not during the first publish an editor waits for
    web.run_app(app, host=host, port=port, print=None)
