"""The analytics numbers against the generator's ground truth, over conversations saved by Rasa's SQLTrackerStore."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from analytics.report import format_report, full_report, tables, to_csv
from bench.analytics_traffic import UNKNOWN
from tests.analytics.conftest import NOW, START, Month, run_desk_cli


def test_deflection_counts_only_customers_who_did_not_come_back(month: Month) -> None:
    report, expected = month.report, month.truth
    bot = report["bot"]
    for key in ("conversations", "questions", "answered_outright", "suggested_and_picked", "unknown",
                "deflected_naive", "recontacted", "deflected"):
        assert bot[key] == expected[key], key
    assert expected["recontacted"] > 0 and bot["deflection"] < bot["deflection_naive"]
    assert bot["deflection_overstated_by"] == round((bot["deflected_naive"] - bot["deflected"]) / bot["questions"], 4)


def test_handoffs_csat_and_tickets_match_what_happened(month: Month) -> None:
    report, expected = month.report, month.truth
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


def test_the_seeded_unknown_topics_are_clusters_in_their_language(month: Month) -> None:
    report = month.report
    for lang in ("en", "pl"):
        found = {text for cluster in report["clusters"][lang] for text in cluster["examples"]}
        for topic, texts in UNKNOWN.items():
            assert found & set(texts[lang]), (lang, topic)
        for cluster in report["clusters"][lang]:  # one topic per cluster
            topics = {t for t, texts in UNKNOWN.items() for e in cluster["examples"] if e in texts[lang]}
            assert len(topics) <= 1, cluster


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
    bad = run_desk_cli(month, "report", "--since", START.date().isoformat(), "--until", "yesterday")
    assert bad.returncode == 2 and "is not a date like" in bad.stderr
