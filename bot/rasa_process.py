"""The Rasa server process: Rasa's own CLI (``rasa run ...``) with the per-process set-up our stack needs.

scripts/rasa_server.sh starts ``python -m bot.rasa_process run ...`` instead of the ``rasa`` script;
the arguments are Rasa's.

What is set up, and why:

- Rasa 3.6 checks every action server response with ``jsonschema.validate(result, spec)``, which
  first validates the schema itself against the JSON Schema meta-schema, on every call. That
  check was a third of the Rasa process's CPU on a greeting (py-spy, issue 16), and a KB answer
  makes two action calls. Here the schema is checked once per process and one validator is kept;
  responses are validated against the same schema, with the same error as Rasa's, each event
  against the one event schema its name selects (``ActionResponseValidator``).
- The model's graph (NLU pipeline, policies) is run by ``bot.graph_runner.SequentialGraphRunner``,
  not ``DaskGraphRunner``: the same nodes in the same dependency order, without dask's per-run
  scheduling, a tenth of the process's CPU under load.
- Once the model is loaded, every object then alive (Rasa's modules, TensorFlow's, the model) is
  moved out of the garbage collector's reach (``gc.freeze``). Python's full collections scan every
  tracked object; with the ~500,000 a loaded Rasa holds, one took 130-500 ms, the event loop stopped
  meanwhile, and under 32 shoppers one came every few seconds (gc callbacks in both servers, issue 16).
  Frozen objects are still freed by reference counting; only reference cycles among them stay, and
  they live as long as the process anyway. (A model replaced through Rasa's HTTP API would stay in
  memory: the stack never does that; it loads its one model at start.)
- Sanic serves on asyncio's own event loop, not uvloop. uvloop's libuv (>= 1.45) accepts one new
  connection per turn of the loop, and under load a turn of Rasa's loop takes 20-100 ms: 32 shoppers
  arriving together were taken in one by one over 1-2 s (strace: one ``accept4`` per turn), so a
  first greeting waited up to 1.5 s while greetings on open connections took under 0.5 s. asyncio
  accepts the whole waiting backlog in one turn (issue 16).
"""

from __future__ import annotations

import copy
import functools
import gc
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

import jsonschema
import rasa.core.processor
import rasa.core.run
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

from bot.graph_runner import SequentialGraphRunner


class ActionResponseValidator:
    """Rasa's action response schema, checked once, and a quick way to accept a valid response.

    Each event of a response must match exactly one of the schema's ~30 event schemas (``oneOf``),
    so a full check tries all of them for every event: 0.8 ms for a KB answer, 6 % of the Rasa
    process's CPU under 32 shoppers (py-spy). Every one of those schemas fixes a different ``event``
    name, so an event can only ever match the one its name selects: a response is valid when it
    matches the schema without that ``oneOf`` and each event matches its own schema. Anything that
    fails this is checked in full, for Rasa's own error.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        validator_class = jsonschema.validators.validator_for(spec)
        validator_class.check_schema(spec)
        self.full = validator_class(spec)
        envelope = copy.deepcopy(spec)
        branches = envelope["properties"]["events"]["items"].pop("oneOf")
        names = [branch.get("properties", {}).get("event", {}).get("const") for branch in branches]
        distinct = all(isinstance(name, str) for name in names) and len(set(names)) == len(names)
        self._envelope = validator_class(envelope)
        # Without distinct names the shortcut would not be exact: then every response is checked in full.
        self._by_event = None
        if distinct:
            self._by_event = {name: validator_class(branch) for name, branch in zip(names, branches, strict=True)}

    def surely_valid(self, response: Any) -> bool:
        """True only for a response the full schema accepts (False says nothing: check it in full)."""
        if self._by_event is None or not self._envelope.is_valid(response):
            return False
        for event in response.get("events") or []:
            schema = self._by_event.get(event["event"])
            if schema is None or not schema.is_valid(event):
                return False
        return True


@lru_cache(maxsize=1)
def action_response_validator() -> ActionResponseValidator:
    return ActionResponseValidator(RemoteAction.action_response_format_spec())


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result without re-checking the schema: True, or Rasa's ValidationError."""
    validator = action_response_validator()
    if validator.surely_valid(result):
        return True
    error = jsonschema.exceptions.best_match(validator.full.iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def freeze_after(load: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``load`` (Rasa's agent loading at start), then every object alive moved out of full collections."""

    @functools.wraps(load)
    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        gc.collect()  # what start-up left behind goes now, not into the frozen generation
        gc.freeze()
        return agent

    return load_then_freeze


def configure_process() -> None:
    """Everything above, before Rasa serves its first request."""
    RemoteAction._validate_action_result = validate_action_result
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # the runner MessageProcessor loads the model with
    rasa.core.run.load_agent_on_start = freeze_after(rasa.core.run.load_agent_on_start)
    rasa.core.run.configure_app = functools.partial(rasa.core.run.configure_app, use_uvloop=False)


def main() -> None:
    from rasa.__main__ import main as rasa_main

    configure_process()
    rasa_main()


if __name__ == "__main__":
    main()
