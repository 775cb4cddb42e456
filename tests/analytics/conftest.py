"""One generated month for every analytics test: written once per test run (through Rasa's SQLTrackerStore), derived once.

``month`` holds the databases and the generator's truth; ``desk`` is the desk as `make run`
starts it (``python -m desk serve``) over those databases, with Anna made an admin through
the CLI and Ben a plain agent.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from analytics.service import AnalyticsService
from bench.analytics_traffic import Traffic, generate, truth, write_customers, write_desk, write_tracker
from desk import db as desk_db
from desk.agents import HASHER
from tests.desk.desk_process import DeskProcess, desk_env, start_desk
from tests.desk.fake_rasa import FakeRasa
from tests.desk.support import PASSWORD
from tests.support.processes import REPO_ROOT
from tests.support.threaded_server import serve_in_thread

# What the generator's shoppers typed: e-mail addresses, a phone number, order numbers (100001..., 200001...).
PRIVATE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|600 100 200|\b[12]\d{5}\b")
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
START = NOW - timedelta(days=30)
# The whole generated month in the page's own terms: first and last day (UTC).
PAGE_PERIOD = {"since": START.date().isoformat(), "until": NOW.date().isoformat()}
PAGE_SINCE = datetime(START.year, START.month, START.day, tzinfo=UTC)
PAGE_UNTIL = datetime(NOW.year, NOW.month, NOW.day, tzinfo=UTC) + timedelta(days=1)


@dataclass
class Month:
    folder: Path
    config: Path
    traffic: Traffic
    truth: dict[str, Any]
    service: AnalyticsService
    report: dict[str, Any]  # every number from START to NOW

    @property
    def env(self) -> dict[str, str]:
        """What points the desk and the CLI at this month's databases."""
        return {"ASSISTANT_CONFIG": str(self.config), "TRACKER_DB": str(self.folder / "tracker.db"),
                "DESK_DATABASE": f"sqlite:///{self.folder / 'desk.db'}",
                "ANALYTICS_DATABASE": f"sqlite:///{self.folder / 'analytics.db'}"}


def write_analytics_config(folder: Path, **analytics: Any) -> Path:
    """The repository's assistant.yml with this folder's databases (and the given analytics settings)."""
    raw = yaml.safe_load((REPO_ROOT / "assistant.yml").read_text(encoding="utf-8"))
    raw["desk"].update(database="sqlite:///desk.db", event_broker_database="events.db", tracker_store="tracker.db")
    raw["analytics"].update(database="analytics.db", **analytics)
    calibration = raw["kb"]["calibration"]  # a desk publish calibrates on the repository's questions
    calibration["queries"] = [str(REPO_ROOT / path) for path in calibration["queries"]]
    path = folder / "assistant.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.fixture(scope="package")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Month]:
    folder = tmp_path_factory.mktemp("analytics-month")
    traffic = generate(150, 30, START)
    write_tracker(traffic, f"sqlite:///{folder / 'tracker.db'}")  # through Rasa's own store (.venv-rasa)
    write_desk(traffic, f"sqlite:///{folder / 'desk.db'}", NOW)
    write_customers(traffic, f"sqlite:///{folder / 'desk.db'}")  # who is whom, as the desk's follower links them
    engine = sa.create_engine(f"sqlite:///{folder / 'desk.db'}")
    with engine.begin() as connection:  # the generated agents get a password they can sign in with
        connection.execute(sa.update(desk_db.agents).values(password_hash=HASHER.hash(PASSWORD)))
    engine.dispose()
    config = write_analytics_config(folder)
    service = AnalyticsService.for_config(config)
    first = service.refresh()
    again = service.refresh()
    assert first.senders == len(traffic.conversations) and again.senders == 0  # nothing new: nothing re-read
    report = service.report(START, NOW)
    yield Month(folder, config, traffic, truth(traffic), service, report)
    service.close()


def run_desk_cli(month: Month, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desk", *args], env={**os.environ, **month.env}, cwd=REPO_ROOT,
                          capture_output=True, text=True, input=input, timeout=300)


def kb_copy(folder: Path) -> dict[str, str]:
    """A copy of the demo KB and its built index in ``folder``, and what points the desk at them.

    Adding questions and publishing from the desk then change nothing in the repository;
    the built versions are copied too, so a publish re-embeds only what changed.
    """
    kb, index = folder / "kb", folder / "kb_index"
    shutil.copytree(REPO_ROOT / "data" / "kb", kb)
    shutil.copytree(REPO_ROOT / "var" / "kb_index", index, symlinks=True)
    return {"KB_ARTICLES_DIR": str(kb), "KB_INDEX_DIR": str(index), "KB_LIVE_LABELS": str(folder / "live_labels.yml")}


@pytest.fixture(scope="package")
def desk(month: Month) -> Iterator[DeskProcess]:
    """The desk process over the month and a copy of the KB: Anna an admin (set through the CLI), Ben and Chloe not."""
    made = run_desk_cli(month, "set-role", "--username", "anna", "--role", "admin")
    assert made.returncode == 0, made.stderr
    fake = FakeRasa(month.folder / "events.db", token=secrets.token_urlsafe(8))
    with serve_in_thread(fake.app()) as rasa_url:
        env = {**os.environ, **desk_env(month.config, rasa_url, fake.token), **month.env, **kb_copy(month.folder)}
        env.pop("KB_SOURCES", None)
        running = start_desk(env)
        try:
            yield running
        finally:
            running.stop()
