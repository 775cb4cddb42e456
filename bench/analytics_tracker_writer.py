"""Writes generated conversations through Rasa's own SQLTrackerStore (run with .venv-rasa's python).

    .venv-rasa/bin/python bench/analytics_tracker_writer.py conversations.jsonl sqlite:////path/tracker.db

Each input line is {"sender_id": ..., "events": [Rasa event dicts]}; the tracker is
rebuilt with the domain's slots and saved exactly as the Rasa server saves it, so the
analytics read what a live deployment would have written.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

DOMAIN = Path(__file__).resolve().parent.parent / "bot" / "domain.yml"


def tracker_store(url: str, domain: Domain) -> SQLTrackerStore:
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        return SQLTrackerStore(domain, dialect="sqlite", db=parsed.database)
    return SQLTrackerStore(
        domain, dialect=dialect, host=parsed.host, port=parsed.port, db=parsed.database,
        username=parsed.username, password=parsed.password,
    )


async def write(lines: Path, url: str) -> int:
    domain = Domain.load(str(DOMAIN))
    store = tracker_store(url, domain)
    written = 0
    with lines.open(encoding="utf-8") as handle:
        for line in handle:
            conversation = json.loads(line)
            tracker = DialogueStateTracker.from_dict(conversation["sender_id"], conversation["events"], domain.slots)
            await store.save(tracker)
            written += 1
    return written


if __name__ == "__main__":
    print(asyncio.run(write(Path(sys.argv[1]), sys.argv[2])), "trackers saved")
