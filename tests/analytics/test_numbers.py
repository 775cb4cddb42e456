"""The analytics numbers against the generator's ground truth, over conversations saved by Rasa's SQLTrackerStore."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from analytics.report import format_report, full_report, tables, to_csv
from analytics.store import open_store, refresh
from bench.analytics_traffic import UNKNOWN, generate, truth, write_desk, write_tracker
from business_hours import load_support_hours
from kb_index.service import get_encoder
from kb_index.settings import load_kb_settings

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
START = NOW - timedelta(days=30)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, dict, object]]:
    folder: Path = tmp_path_factory.mktemp("analytics")
    traffic = generate(150, 30, START)
    write_tracker(traffic, f"sqlite:///{folder / 'tracker.db'}")  # through Rasa's own store (.venv-rasa)
    write_desk(traffic, f"sqlite:///{folder / 'desk.db'}", NOW)
    encoder = get_encoder(load_kb_settings().encoder)
    engine = open_store(f"sqlite:///{folder / 'analytics.db'}")
    first = refresh(engine, str(folder / "tracker.db"), encoder, load_support_hours(), 3, ("verified_order",))
    again = refresh(engine, str(folder / "tracker.db"), encoder, load_support_hours(), 3, ("verified_order",))
    assert first.senders == len(traffic.conversations) and again.senders == 0  # nothing new: nothing re-read
    desk = sa.create_engine(f"sqlite:///{folder / 'desk.db'}")
    report = full_report(engine, desk, START, NOW, near_duplicate=encoder.near_duplicate)
    yield report, truth(traffic), (engine, desk, encoder, folder)
    engine.dispose()
    desk.dispose()


def test_deflection_counts_only_customers_who_did_not_come_back(month) -> None:
    report, expected, _ = month
    bot = report["bot"]
    for key in ("conversations", "questions", "answered_outright", "suggested_and_picked", "unknown",
                "deflected_naive", "recontacted", "deflected"):
        assert bot[key] == expected[key], key
    assert expected["recontacted"] > 0 and bot["deflection"] < bot["deflection_naive"]
    assert bot["deflection_overstated_by"] == round((bot["deflected_naive"] - bot["deflected"]) / bot["questions"], 4)


def test_handoffs_csat_and_tickets_match_what_happened(month) -> None:
    report, expected, _ = month
    assert {r["reason"]: r["count"] for r in report["handoffs"]["by_reason"] if r["count"]} == expected["handoffs_by_reason"]
    assert sum(h["in_hours"] + h["out_of_hours"] for h in report["handoffs"]["by_hour"]) == report["handoffs"]["total"]
    csat = report["desk"]["csat"]
    assert (csat["count"], csat["average"], csat["distribution"]) == (
        expected["csat_count"], expected["csat_average"], expected["csat_distribution"]
    )
    assert sum(day["count"] for day in csat["trend"]) == csat["count"]
    assert sum(agent["ratings"] for agent in report["desk"]["agents"]) == csat["count"]
    assert report["desk"]["tickets"]["count"] == expected["tickets"]
    assert report["desk"]["first_reply_minutes"]["count"] == report["desk"]["handoffs_taken"] > 0


def test_the_seeded_unknown_topics_are_clusters_in_their_language(month) -> None:
    report, _, _ = month
    for lang in ("en", "pl"):
        found = {text for cluster in report["clusters"][lang] for text in cluster["examples"]}
        for topic, texts in UNKNOWN.items():
            assert found & set(texts[lang]), (lang, topic)
        for cluster in report["clusters"][lang]:  # one topic per cluster
            topics = {t for t, texts in UNKNOWN.items() for e in cluster["examples"] if e in texts[lang]}
            assert len(topics) <= 1, cluster


def test_no_email_phone_or_order_number_reaches_the_report_or_its_exports(month) -> None:
    report, _, _ = month
    exported = "".join(to_csv(*table) for table in tables(report).values())
    text = f"{report}{exported}{format_report(report)}"
    assert "@example.com" not in text and "600 100 200" not in text and "1000" not in text.replace("10000", "")
    assert "[e-mail]" in text


def test_an_agent_sees_only_their_own_handoffs(month) -> None:
    report, _, (engine, desk, encoder, _) = month
    own = full_report(engine, desk, START, NOW, near_duplicate=encoder.near_duplicate, agent_id=1)
    assert "bot" not in own and "clusters" not in own
    assert [a["agent"] for a in own["desk"]["agents"]] in ([], ["Anna"])
    assert own["desk"]["handoffs_taken"] < report["desk"]["handoffs_taken"]


def test_the_cli_reports_the_same_numbers(month) -> None:
    _, _, (engine, desk, encoder, folder) = month
    first, last = (datetime(d.year, d.month, d.day, tzinfo=UTC) for d in (START, NOW))
    report = full_report(engine, desk, first, last, near_duplicate=encoder.near_duplicate)
    env = {**os.environ, "TRACKER_DB": str(folder / "tracker.db"), "DESK_DATABASE": f"sqlite:///{folder / 'desk.db'}",
           "ANALYTICS_DATABASE": f"sqlite:///{folder / 'analytics.db'}"}
    command = [sys.executable, "-m", "desk", "report", "--since", START.date().isoformat(), "--until", NOW.date().isoformat()]
    as_json = json.loads(subprocess.run([*command, "--json"], env=env, capture_output=True, text=True, check=True).stdout)
    assert as_json["bot"] == report["bot"] and as_json["desk"]["csat"] == report["desk"]["csat"]
    table = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    assert f"deflection (re-contact)   {100 * report['bot']['deflection']:.1f} %" in table
    bad = subprocess.run([*command[:-2], "--until", "yesterday"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "is not a date like" in bad.stderr
