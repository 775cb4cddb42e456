"""The Rasa server runs its model graph without dask (bot/graph_runner.py), with the same outcome.

Run with .venv-rasa's Python in a fresh interpreter: the trained model is loaded twice, with Rasa's
``DaskGraphRunner`` and as the Rasa server process loads it, and the same conversation (greetings, shop
questions, an order, a handoff, Polish, Russian, nonsense) goes through both; every event each
conversation stored is compared, intents, confidences, entities and predicted actions included.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.processes import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
MESSAGES = [
    "hello", "can I pay with paypal?", "where is my order 10234?", "I want to talk to a person",
    "dzień dobry", "jak długo trwa dostawa?", "привет", "можно вернуть товар?", "qwpoeiru zxcmv", "thanks, bye",
]
PROBE = """
import asyncio, json, logging, sys
from rasa.core.agent import Agent
from rasa.shared.core.trackers import EventVerbosity
from bot.rasa_process import configure_process

logging.disable(logging.CRITICAL)  # the KB action has no action server here: both runs log the same failure

def without_volatile(value):
    if isinstance(value, dict):
        return {k: without_volatile(v) for k, v in value.items() if k not in ("timestamp", "message_id")}
    if isinstance(value, list):
        return [without_volatile(v) for v in value]
    return value

async def conversation():
    agent = Agent.load("models")
    replies = [await agent.handle_text(text, sender_id="probe") for text in json.loads(sys.argv[1])]
    tracker = await agent.tracker_store.retrieve("probe")
    return {"runner": type(agent.processor.graph_runner).__name__, "replies": replies,
            "events": without_volatile(tracker.current_state(EventVerbosity.ALL)["events"])}

rasas = asyncio.run(conversation())
configure_process()
ours = asyncio.run(conversation())
print(json.dumps({"rasa": rasas, "ours": ours}))
"""


@pytest.fixture(scope="module")
def runs() -> dict:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", PROBE, json.dumps(MESSAGES)], cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_rasa_server_runs_its_model_without_dask(runs):
    assert runs["rasa"]["runner"] == "DaskGraphRunner"
    assert runs["ours"]["runner"] == "SequentialGraphRunner"


def test_a_conversation_goes_exactly_as_with_rasas_runner(runs):
    user_turns = [e for e in runs["ours"]["events"] if e["event"] == "user"]
    assert [e["text"] for e in user_turns] == MESSAGES
    assert {e["parse_data"]["intent"]["name"] for e in user_turns} >= {"greet"}  # the model really ran
    assert runs["ours"]["events"] == runs["rasa"]["events"]
    assert runs["ours"]["replies"] == runs["rasa"]["replies"]
