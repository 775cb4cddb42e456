"""The action server's operations endpoints and per-turn metrics.

- ``GET /health`` is rasa-sdk's own (the process answers).
- ``GET /ready``: 200 once the live KB index and its encoder are loaded (they are loaded when
  the server starts, so the first shopper does not wait for them), 503 with the reason before.
- ``GET /metrics``: Prometheus text (bearer ``METRICS_TOKEN`` when set).
- ``POST /kb/reload`` (bearer ``ACTION_SERVER_TOKEN``, like every route but the three above): loads the
  published KB version now instead of at the next look at the ``live`` link; answers ``{"live": version}``.
  A publisher calls it after each publish (kb_index/push.py).
- Every ``/webhook`` call is timed and counted by action, with the KB decision and handoffs it
  returned (monitoring.turns), and logged on one line.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import pluggy
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from actions.kb_answer import LIVE_INDEX
from kb_index.settings import RELOAD_PATH
from monitoring.http import metrics_allowed, readiness
from monitoring.metrics import exposition
from monitoring.turns import action_name, outcome_of, record

hookimpl = pluggy.HookimplMarker("rasa_sdk")
log = logging.getLogger(__name__)


def kb_problem() -> str | None:
    try:
        LIVE_INDEX.get()
    except Exception as error:  # not published yet, or a broken version: not ready
        return f"KB index not loaded ({type(error).__name__}: {error})"
    return None


async def load_first_index(loading: dict[str, bool]) -> None:
    """The live KB index loaded at start (what keeps it from loading logged), then ``loading["done"]``.

    Then what the server has loaded, which lives as long as it, is moved out of the full garbage
    collections that scanned it (~200,000 objects, over 100 ms with the event loop stopped, every few
    seconds under load; bot/rasa_process.py says more). The first KB version is frozen with the rest:
    after a publish replaces it, reference counting frees it, any cycles in it stay. Later versions
    stay collectable.
    """
    problem = await asyncio.get_running_loop().run_in_executor(None, kb_problem)
    loading["done"] = True
    if problem:
        log.warning(problem)
    gc.collect()
    gc.freeze()


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    loading = {"done": False}

    @app.before_server_start
    async def start_loading(app: Sanic) -> None:
        app.add_task(load_first_index(loading))

    @app.get("/ready")
    async def ready(_: Request) -> HTTPResponse:
        # Until the first load is over a check would wait for it; afterwards it is cheap and
        # follows later publishes (a broken one keeps the previous version live, so still ready).
        problem = await asyncio.get_running_loop().run_in_executor(None, kb_problem) if loading["done"] else "loading"
        body, status = readiness({"kb_index": problem})
        return response.json(body, status=status)

    @app.get("/metrics")
    async def metrics(request: Request) -> HTTPResponse:
        if not metrics_allowed(request.headers.get("Authorization")):
            return response.json({"error": "a valid metrics token is required"}, status=401)
        body, content_type = exposition()
        return response.raw(body, content_type=content_type)

    @app.post(RELOAD_PATH)
    async def reload_kb(_: Request) -> HTTPResponse:
        # The same load as the watch's, in a thread: shoppers' turns go on with the current version meanwhile.
        live = await asyncio.get_running_loop().run_in_executor(None, LIVE_INDEX.refresh)
        return response.json({"live": live})

    @app.on_request
    async def start_clock(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @app.on_response
    async def count_turn(request: Request, answer: HTTPResponse) -> None:
        if request.path != "/webhook" or not hasattr(request.ctx, "started"):
            return
        try:
            call = request.json
        except Exception:  # a body that is not JSON: rasa-sdk already refused it
            call = None
        outcome = outcome_of(action_name(call), answer.status, answer.body)
        sender = call.get("sender_id") if isinstance(call, dict) else None
        record(outcome, time.perf_counter() - request.ctx.started, str(sender or "-"))
