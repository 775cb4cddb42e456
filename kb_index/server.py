"""Publishing over HTTP, for a CMS or CI: ``python -m kb_index serve --port 5090``.

``POST /publish`` (``Authorization: Bearer $KB_PUBLISH_TOKEN``) validates the
KB, builds what changed, publishes it, pushes it to the action servers of
``kb.reload_urls`` (kb_index/push.py) and answers with how many of them reloaded
and the evaluation of the new live version on ``kb.publish_eval_queries``. A second publish while one
runs gets 409; a KB with errors gets 422 with every problem, and the live
version keeps serving. ``GET /health`` names the live version (no token); ``GET /ready``
is 200 once the encoder is loaded and a live version opens; ``GET /metrics`` is Prometheus text
(bearer ``METRICS_TOKEN`` when set).
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
from kb_index.index import META_FILE
from kb_index.lexical import stop_words
from kb_index.push import push_reload
from kb_index.service import build, get_encoder, open_index
from kb_index.settings import KBSettings
from kb_index.store import IndexStore
from monitoring.http import metrics_allowed, readiness
from monitoring.metrics import PUBLISHES, exposition

log = logging.getLogger(__name__)
TOKEN_ENV = "KB_PUBLISH_TOKEN"
SETTINGS_KEY = web.AppKey("settings", KBSettings)
TOKEN_KEY = web.AppKey("token", str)
RUNNING_KEY = web.AppKey("running", asyncio.Lock)
MAX_BODY_BYTES = 64 * 1024


def publish_and_evaluate(settings: KBSettings, full: bool = False) -> dict[str, Any]:
    """Build + publish, then evaluate the live version; raises KBValidationError for a bad KB."""
    result = build(settings, full=full)
    # The push waits for the action servers' answers: ``pushed.reloaded`` of them serve the new version already.
    summary: dict[str, Any] = {"build": asdict(result), "pushed": asdict(push_reload(settings, result.version))}
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
        PUBLISHES.labels("busy").inc()
        return web.json_response({"error": "a publish is already running; try again when it has finished"}, status=409)
    full = request.query.get("full", "").lower() in {"1", "true", "yes"}
    async with running:
        loop = asyncio.get_running_loop()
        try:
            summary = await loop.run_in_executor(None, publish_and_evaluate, request.app[SETTINGS_KEY], full)
        except KBValidationError as exc:
            settings = request.app[SETTINGS_KEY]
            problems = [relative_to_kb(str(p), settings.source_paths) for p in exc.problems]
            PUBLISHES.labels("invalid").inc()
            return web.json_response({"error": "the KB has errors; nothing was published", "problems": problems}, status=422)
    PUBLISHES.labels("published").inc()
    log.info("published index %s over HTTP", summary["build"]["version"])
    return web.json_response(summary)


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"live": IndexStore(request.app[SETTINGS_KEY].index_dir).live_version()})


def _ready_problem(settings: KBSettings) -> str | None:
    live = IndexStore(settings.index_dir).live_dir()
    if live is None or not (live / META_FILE).exists():
        return f"no KB index published at {settings.index_dir}"
    get_encoder(settings.encoder)  # loaded at start; cached, so this is instant afterwards
    return None


async def _ready(request: web.Request) -> web.Response:
    problem = await asyncio.get_running_loop().run_in_executor(None, _ready_problem, request.app[SETTINGS_KEY])
    body, status = readiness({"kb_index": problem})
    return web.json_response(body, status=status)


async def _metrics(request: web.Request) -> web.Response:
    if not metrics_allowed(request.headers.get("Authorization")):
        return web.json_response({"error": "a valid metrics token is required"}, status=401)
    body, content_type = exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


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
    app.router.add_get("/ready", _ready)
    app.router.add_get("/metrics", _metrics)
    return app


def serve(settings: KBSettings, host: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = make_app(settings, os.environ.get(TOKEN_ENV, ""))
    # Loaded now, not during the first publish an editor waits for: the encoder, and the stop words a
    # build's lexical vocabulary needs (spaCy and scikit-learn: 5-9 s of imports made the first
    # one-article publish take 10.9 s against 2 s for the next ones, bench/kb_publish.py).
    get_encoder(settings.encoder)
    stop_words()
    web.run_app(app, host=host, port=port, print=None)
