"""The tracker store (bot/persistence.py) reads and saves conversations as Rasa's own SQLTrackerStore does.

Run with .venv-rasa's Python in a fresh interpreter: one SQLite file, written turn by turn through
our store as Rasa's processor uses it (read the latest session, add a turn's events, save), over
two conversation sessions, then read back by ours and by Rasa's class.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
PROBE = """
import asyncio, json, sys
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore as RasasStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from bot.persistence import SQLTrackerStore

domain = Domain.load("bot/domain.yml")
clock = iter(range(1, 1000))

def session_start():
    return [ActionExecuted("action_session_start", timestamp=next(clock)), SessionStarted(timestamp=next(clock)),
            SlotSet("language", "pl", timestamp=next(clock)), ActionExecuted("action_listen", timestamp=next(clock))]

def turn(text):
    return [UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=next(clock)),
            BotUttered(f"re: {text}", timestamp=next(clock)), ActionExecuted("action_listen", timestamp=next(clock))]

def texts(tracker):
    return None if tracker is None else [e.as_dict().get("text") or e.as_dict().get("event") for e in tracker.events]

async def main(db):
    ours = SQLTrackerStore(domain=domain, dialect="sqlite", db=db)
    orm_queries = []
    sa.event.listen(ours.sessionmaker, "do_orm_execute", lambda state: orm_queries.append(str(state.statement)))
    plan = {"anna": [session_start(), turn("hello"), turn("paypal?"), session_start(), turn("back again")],
            "boris": [session_start(), turn("hi")]}
    for sender, steps in plan.items():
        for events in steps:  # a turn as Rasa runs it: the latest session read, a few events added, all of it saved
            tracker = await ours.retrieve(sender) or ours.init_tracker(sender)
            for event in events:
                tracker.update(event)
            await ours.save(tracker)
    rasas = RasasStore(domain=domain, dialect="sqlite", db=db)
    reads = {}
    for name, store in {"ours": ours, "rasa": rasas}.items():
        reads[name] = {}
        for sender in ["anna", "boris", "nobody"]:
            latest, everything = await store.retrieve(sender), await store.retrieve_full_tracker(sender)
            reads[name][sender] = {"latest": texts(latest), "all": texts(everything)}
    with sa.create_engine(f"sqlite:///{db}").connect() as connection:
        stored = dict(connection.execute(sa.text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")).all())
    print(json.dumps({"reads": reads, "stored": stored, "planned": {s: sum(map(len, steps)) for s, steps in plan.items()},
                      "orm_queries": orm_queries}))

asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    db: Path = tmp_path_factory.mktemp("tracker-store") / "tracker.db"
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", PROBE, str(db)], cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_conversation_reads_back_as_rasas_own_store_reads_it(probe):
    assert probe["reads"]["ours"] == probe["reads"]["rasa"]


def test_a_returning_shopper_gets_only_the_latest_session_and_the_full_history_on_request(probe):
    anna = probe["reads"]["ours"]["anna"]
    assert anna["latest"][0] == "session_started" and "back again" in anna["latest"] and "hello" not in anna["latest"]
    assert [text for text in anna["all"] if text in ("hello", "paypal?", "back again")] == ["hello", "paypal?", "back again"]
    assert "hi" in probe["reads"]["ours"]["boris"]["latest"] and "hello" not in probe["reads"]["ours"]["boris"]["all"]
    assert probe["reads"]["ours"]["nobody"] == {"latest": None, "all": None}


def test_every_event_is_stored_once_however_often_the_conversation_is_saved(probe):
    assert probe["stored"] == probe["planned"]


def test_reads_and_saves_run_prepared_statements_not_the_orm(probe):
    # The ORM built and compiled Rasa's conversation query anew on every read and save: a fifth of the
    # Rasa process's CPU under 32 shoppers (bot/persistence.py).
    assert probe["orm_queries"] == []
