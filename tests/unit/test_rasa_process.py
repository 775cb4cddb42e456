"""The Rasa server process (bot/rasa_process.py): action server responses are checked as strictly as Rasa checks them.

Run with .venv-rasa's Python in a fresh interpreter: what Rasa itself does (``jsonschema.validate``
with its action response schema) is compared with what our process does instead, response by response.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.processes import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
RESPONSES = {
    "a KB answer": {"events": [{"event": "slot", "name": "kb_outcome", "value": "answer", "timestamp": None}],
                    "responses": [{"text": "We accept PayPal.", "buttons": [{"title": "Yes", "payload": "/kb_helpful"}]}]},
    "nothing to do": {"events": [], "responses": []},
    "an event Rasa does not know": {"events": [{"event": "teleport"}], "responses": []},
    "a slot event without a name": {"events": [{"event": "slot", "value": 1}], "responses": []},
    "events that are not a list": {"events": {"event": "slot"}, "responses": []},
}
PROBE = """
import json, sys
from datetime import datetime
import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events as E
from rasa.utils.endpoints import EndpointConfig
from bot.rasa_process import configure_process

# One of each event Rasa knows, as an action server sends them; then each with one field of the wrong type.
EVENTS = [
    E.UserUttered("hi", {"name": "greet", "confidence": 0.9}, [{"entity": "language", "value": "pl", "start": 0, "end": 2}]),
    E.BotUttered("hello", {"buttons": [{"title": "Yes", "payload": "/affirm"}]}), E.SlotSet("kb_outcome", "answer"),
    E.Restarted(), E.AllSlotsReset(), E.ReminderScheduled("greet", datetime(2026, 1, 1)), E.ReminderCancelled(name="r"),
    E.ActionReverted(), E.UserUtteranceReverted(), E.ActionExecuted("action_listen"), E.AgentUttered("agent text"),
    E.ActiveLoop("order_status_form"), E.FollowupAction("utter_greet"), E.ConversationPaused(), E.ConversationResumed(),
    E.StoryExported(), E.SessionStarted(), E.ActionExecutionRejected("order_status_form"), E.LoopInterrupted(True),
    E.EntitiesAdded([{"entity": "order_id", "value": "1"}]),
]
responses = json.loads(sys.argv[1])
for event in EVENTS:
    data = event.as_dict()
    responses[f"{data['event']} event"] = {"events": [data], "responses": []}
    for field in [key for key in data if key != "event"]:
        for wrong in (7, "text", {"x": 1}, [1], None):
            responses[f"{data['event']} event, {field}={wrong!r}"] = {"events": [{**data, field: wrong}], "responses": []}

def outcome(check, response):
    try:
        check(response)
        return "accepted"
    except jsonschema.ValidationError as error:
        return error.message

rasas = {name: outcome(lambda r: RemoteAction("probe", None)._validate_action_result(r), r) for name, r in responses.items()}
configure_process()
action = RemoteAction("probe", EndpointConfig("http://127.0.0.1:9/webhook"))
ours = {name: outcome(action._validate_action_result, r) for name, r in responses.items()}
print(json.dumps({"rasa": rasas, "ours": ours}))
"""


def run_in_rasas_python(probe: str, *args: str) -> dict:
    """Run ``probe`` in a fresh interpreter of the Rasa server's environment; what it printed last, as JSON."""
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", probe, *args], cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def outcomes() -> dict[str, dict[str, str]]:
    return run_in_rasas_python(PROBE, json.dumps(RESPONSES))


def test_well_formed_responses_are_accepted(outcomes):
    assert outcomes["ours"]["a KB answer"] == outcomes["ours"]["nothing to do"] == "accepted"


@pytest.mark.parametrize("name", ["an event Rasa does not know", "a slot event without a name", "events that are not a list"])
def test_a_malformed_response_is_refused_with_rasas_own_message(outcomes, name):
    assert outcomes["ours"][name] != "accepted"
    assert "Failed to validate Action server response" in outcomes["ours"][name]
    assert outcomes["ours"][name] == outcomes["rasa"][name]


def test_every_response_gets_the_verdict_rasa_would_give(outcomes):
    verdicts = outcomes["rasa"].values()
    assert sum(v == "accepted" for v in verdicts) > 50 and sum(v != "accepted" for v in verdicts) > 50  # both kinds tried
    assert outcomes["ours"] == outcomes["rasa"]


FREEZE_PROBE = """
import asyncio, gc, json
from types import SimpleNamespace
import rasa.core.run
from rasa.core.agent import Agent
from bot.rasa_process import configure_process

configure_process()
before = gc.get_freeze_count()
app = SimpleNamespace(ctx=SimpleNamespace())  # what Rasa's listener uses of its Sanic app
agent = asyncio.run(rasa.core.run.load_agent_on_start("models/assistant.tar.gz", None, None, app, None))
print(json.dumps({"agent": isinstance(agent, Agent) and agent.is_ready(), "before": before, "frozen": gc.get_freeze_count()}))
"""


def test_what_rasa_loads_at_start_is_kept_out_of_full_garbage_collections():
    """Each full collection scanned the ~500,000 objects of a loaded Rasa (130-500 ms, its event loop stopped)."""
    loaded = run_in_rasas_python(FREEZE_PROBE)
    assert loaded["agent"] is True and loaded["before"] == 0
    assert loaded["frozen"] > 100_000


BURST_PROBE = """
import json
import rasa.core.run
from bot.rasa_process import configure_process
from tests.support.connection_burst import burst_then_stop, unused_port

configure_process()
port, result = unused_port(), {}
app = rasa.core.run.configure_app(enable_api=False, port=port)
app.register_listener(burst_then_stop(port, result), "after_server_start")
app.run(host="127.0.0.1", port=port, workers=1, access_log=False)
print(json.dumps(result))
"""


def test_shoppers_connecting_together_are_all_taken_in_at_once():
    """uvloop took one new connection per turn of the loop: under 32 shoppers the last first greeting waited 1.5 s."""
    burst = run_in_rasas_python(BURST_PROBE)
    assert burst["taken_in"] == burst["shoppers"], burst
