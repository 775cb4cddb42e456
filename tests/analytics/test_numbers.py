"""The analytics numbers against the generator's ground truth, over conversations saved by Rasa's SQLTrackerStore."""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from analytics import store
from analytics.report import format_report, full_report, tables, to_csv
from analytics.service import AnalyticsService
from bench.analytics_traffic import UNKNOWN, Generator, write_tracker
from business_hours import load_support_hours
from tests.analytics.conftest import NOW, PRIVATE, START, Month, run_desk_cli, write_analytics_config


def test_deflection_counts_only_customers_who_did_not_come_back(month: Month) -> None:
    report, expected = month.report, month.truth
    bot = report["bot"]
    for key in ("conversations", "questions", "answered_outright", "suggested_and_picked", "unknown",
                "deflected_naive", "recontacted", "deflected"):
        assert bot[key] == expected[key], key
    assert expected["recontacted"] > 0 and bot["deflection"] < bot["deflection_naive"]
    assert bot["deflection_overstated_by"] == round((bot["deflected_naive"] - bot["deflected"]) / bot["questions"], 6)


def test_a_customer_on_several_channels_is_one_customer_as_the_customer_directory_links_them(month: Month) -> None:
    senders: dict[int, set[str]] = defaultdict(set)
    for question in month.traffic.questions:
        senders[question.customer].add(question.sender)
    several = {customer: group for customer, group in senders.items() if len(group) > 1}
    # Came back checking another order than the first time: linked by the verified e-mail address alone.
    by_email = {sender for sender, events in month.traffic.conversations.items()
                if any(e.get("name") == "verified_order" and e["value"].startswith("2") for e in events)}
    assert several and by_email & set().union(*several.values())
    q = store.questions
    with month.service.store.connect() as connection:
        keys = dict(connection.execute(sa.select(q.c.sender_id, q.c.customer).distinct()).all())
    assert all(len({keys[sender] for sender in group}) == 1 for group in several.values())
    assert len({keys[sender] for group in several.values() for sender in group}) == len(several)  # nobody else merged
    assert len(set(keys.values())) == len(senders)  # every other sender is a customer of its own


def test_handoffs_csat_and_tickets_match_what_happened(month: Month) -> None:
    report, expected = month.report, month.truth
    assert {r["reason"]: r["count"] for r in report["handoffs"]["by_reason"] if r["count"]} == expected["handoffs_by_reason"]
    # By hour of the support calendar's day, inside and outside the support hours.
    assert [[h["in_hours"], h["out_of_hours"]] for h in report["handoffs"]["by_hour"]] == expected["handoffs_by_hour"]
    assert report["handoffs"]["out_of_hours"] == sum(out for _, out in expected["handoffs_by_hour"]) > 0
    desk = report["desk"]
    assert desk["first_reply_minutes"] == expected["first_reply_minutes"] and desk["first_reply_minutes"]["count"] > 0
    assert desk["resolution_minutes"] == expected["resolution_minutes"]
    csat = desk["csat"]
    assert (csat["count"], csat["average"], csat["distribution"]) == (
        expected["csat_count"], expected["csat_average"], expected["csat_distribution"]
    )
    assert {d["day"]: (d["count"], d["average"]) for d in csat["trend"]} == expected["csat_trend"]
    assert len(csat["comments"]) == min(expected["csat_comments"], 20)
    assert {a["agent"]: {"handoffs": a["handoffs"], "ratings": a["ratings"], "csat": a["csat"]}
            for a in desk["agents"]} == expected["agents"]
    assert desk["tickets"]["count"] == expected["tickets"]
    assert desk["tickets"]["reply_hours"] == expected["ticket_reply_hours"] and expected["ticket_reply_hours"]["count"] > 0
    answered = {a["article"]: a["answered"] for a in report["articles"] if a["answered"]}
    assert answered == expected["answered_by_article"]


def test_the_seeded_unknown_topics_are_clusters_in_their_language(month: Month) -> None:
    report = month.report
    for lang in ("en", "pl"):
        found = {text for cluster in report["clusters"][lang] for text in cluster["examples"]}
        for topic, texts in UNKNOWN.items():
            assert found & set(texts[lang]), (lang, topic)
        for cluster in report["clusters"][lang]:  # one topic per cluster
            topics = {t for t, texts in UNKNOWN.items() for e in cluster["examples"] if e in texts[lang]}
            assert len(topics) <= 1, cluster
        for topic, texts in UNKNOWN.items():  # every time a topic was asked is counted in its cluster
            counted = sum(c["count"] for c in report["clusters"][lang] if set(c["examples"]) & set(texts[lang]))
            assert counted == month.truth["unknown_by_topic"].get((lang, topic), 0), (lang, topic)


def test_no_email_phone_or_order_number_reaches_the_report_or_its_exports(month: Month) -> None:
    report = month.report
    exported = "".join(to_csv(*table) for table in tables(report).values())
    text = f"{report}{exported}{format_report(report)}"
    assert "@example.com" not in text and "600 100 200" not in text and "1000" not in text.replace("10000", "")
    assert "[e-mail]" in text


def test_an_agent_sees_only_their_own_handoffs(month: Month) -> None:
    report = month.report
    own = month.service.report(START, NOW, agent_id=1)
    assert "bot" not in own and "clusters" not in own
    assert [a["agent"] for a in own["desk"]["agents"]] in ([], ["Anna"])
    assert own["desk"]["handoffs_taken"] < report["desk"]["handoffs_taken"]


def test_the_cli_reports_the_same_numbers(month: Month) -> None:
    first, last = (datetime(d.year, d.month, d.day, tzinfo=UTC) for d in (START, NOW))
    service = month.service
    report = full_report(service.store, service.desk, first, last, near_duplicate=service.encoder.near_duplicate)
    dates = ["--since", START.date().isoformat(), "--until", NOW.date().isoformat()]
    as_json = json.loads(run_desk_cli(month, "report", *dates, "--json").stdout)
    assert as_json["bot"] == report["bot"] and as_json["desk"]["csat"] == report["desk"]["csat"]
    assert f"deflection (re-contact)   {100 * report['bot']['deflection']:.1f} %" in format_report(as_json)
    table = run_desk_cli(month, "report", *dates)
    assert table.returncode == 0 and table.stdout.strip() == format_report(report), table.stderr
    fractions = re.compile(r"\d+\.\d+")  # shares such as 0.163043 are no order number
    assert not PRIVATE.search(fractions.sub("", table.stdout + json.dumps(as_json, ensure_ascii=False)))
    bad = run_desk_cli(month, "report", "--since", START.date().isoformat(), "--until", "yesterday")
    assert bad.returncode == 2 and "is not a date like" in bad.stderr


def test_a_report_is_computed_once_per_filter_until_new_events_are_precomputed(month: Month, tmp_path: Path) -> None:
    for name in ("tracker.db", "desk.db", "analytics.db"):  # the month as it is now, to add a conversation to
        for part in (month.folder / name, month.folder / f"{name}-wal"):  # the desk database is in WAL mode
            if part.exists():
                shutil.copy(part, tmp_path / part.name)
    service = AnalyticsService.for_config(write_analytics_config(tmp_path))
    try:
        first = service.report(START, NOW)
        assert first["bot"] == month.report["bot"]
        assert service.report(START, NOW) is first  # the page's exports read the page's numbers: not computed again
        own = service.report(START, NOW, agent_id=1)
        assert own is not first and "bot" not in own  # another filter, another report
        shopper = Generator(1, START, 30, load_support_hours(), 3)
        shopper.conversation(10**6, "rest-came-today", (NOW - timedelta(hours=1)).timestamp(), "rest", "en", None, "?moon")
        write_tracker(shopper.traffic, f"sqlite:///{tmp_path / 'tracker.db'}", through_rasa=False)
        after = service.report(START, NOW)  # precomputes the new conversation, so the kept numbers are forgotten
        assert after["bot"]["conversations"] == first["bot"]["conversations"] + 1
        assert after["bot"]["questions"] == first["bot"]["questions"] + 1
        assert after["bot"]["unknown"] == first["bot"]["unknown"] + 1
        assert service.report(START, NOW) is after
    finally:
        service.close()
