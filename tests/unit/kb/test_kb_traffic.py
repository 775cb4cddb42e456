"""`traffic`: how real shoppers' questions fared, from the tracker store."""

from __future__ import annotations

import json

from kb_index.traffic import kb_turns, redact, traffic_report
from tests.support.small_kb import cli
from tests.support.tracker_store import CONVERSATIONS, tracker_with


def test_each_kb_question_is_followed_to_what_the_shopper_did_next(tmp_path):
    db = tmp_path / "tracker.db"
    tracker_with(db, CONVERSATIONS)
    turns = {(t.sender, t.text): t for t in kb_turns(db)}
    assert len(turns) == 6  # greetings and picked articles are not questions
    moon = turns[("s1", "do you ship to the moon?")]
    assert (moon.outcome, moon.next_step, moon.lang) == ("unknown", "person", "en")
    vase = turns[("s2", "where do I send back a vase, my mail is anna.nowak@example.com")]
    assert (vase.outcome, vase.article_id, vase.next_step) == ("answer", "returns", "person")
    card = turns[("s3", "card payment?")]
    assert (card.outcome, card.article_id, card.next_step) == ("suggest", "payment", "picked")  # not overwritten by the pick
    assert turns[("s4", "czy wysyłacie na księżyc")].next_step == "left"
    assert turns[("s5", "Do you ship to the Moon?")].next_step == "asked"
    assert turns[("s5", "how long is delivery")].outcome == "answer"


def test_the_report_counts_outcomes_and_lists_what_an_editor_should_fix_first(tmp_path):
    db = tmp_path / "tracker.db"
    tracker_with(db, CONVERSATIONS)
    report = traffic_report(kb_turns(db))
    assert (report.questions, report.conversations) == (6, 5)
    assert report.outcomes == {"unknown": 3, "answer": 2, "suggest": 1}
    assert report.next_steps["unknown"] == {"person": 1, "left": 1, "asked": 1}
    assert report.next_steps["suggest"] == {"picked": 1}
    assert report.by_language == {"en": {"unknown": 2, "answer": 2, "suggest": 1}, "pl": {"unknown": 1}}
    # The same question in other capitals is one gap, asked twice.
    assert report.unanswered[0] == {"text": "do you ship to the moon?", "lang": "en", "times": 2}
    assert report.doubtful_answers == [
        {"text": "where do i send back a vase, my mail is [e-mail]", "article_id": "returns", "times": 1}
    ]


def test_since_leaves_out_older_conversations(tmp_path):
    db = tmp_path / "tracker.db"
    tracker_with(db, CONVERSATIONS, started={"s1": 1000.0, "s2": 2000.0, "s3": 2000.0, "s4": 2000.0, "s5": 2000.0})
    assert [t.sender for t in kb_turns(db, since=1000.0)] == ["s1", "s2", "s3", "s4", "s5", "s5"]
    assert {t.sender for t in kb_turns(db, since=1500.0)} == {"s2", "s3", "s4", "s5"}


def test_personal_data_never_reaches_the_report():
    typed = "order 100234, mail anna.nowak@example.com, tel. +48 601 222 333"
    assert redact(typed) == "order [number], mail [e-mail], tel. [number]"
    assert redact("is it open on 24 december") == "is it open on 24 december"


def test_cli_traffic_prints_the_table_and_json(settings, tmp_path):
    db = tmp_path / "tracker.db"
    tracker_with(db, CONVERSATIONS)
    table = cli(settings, "traffic", "--tracker-db", str(db))
    assert table.returncode == 0, table.stderr
    assert "6 KB questions in 5 conversations" in table.stdout
    assert "x2    [en] do you ship to the moon?" in table.stdout
    assert "handed to a person after a KB reply: 2 (33.3% of questions)" in table.stdout
    assert "anna.nowak" not in table.stdout and "-> returns" in table.stdout
    as_json = json.loads(cli(settings, "traffic", "--tracker-db", str(db), "--json", "--top", "1").stdout)
    assert as_json["outcomes"]["answer"] == 2 and len(as_json["unanswered"]) == 1
    empty = cli(settings, "traffic", "--tracker-db", str(db), "--since", "2030-01-01")
    assert empty.returncode == 0 and "no KB questions" in empty.stdout


def test_cli_traffic_explains_bad_input(settings, tmp_path):
    bad_date = cli(settings, "traffic", "--tracker-db", str(tmp_path / "x.db"), "--since", "last week")
    assert bad_date.returncode == 2 and "not an ISO 8601 date or time: 'last week'" in bad_date.stderr
    missing = cli(settings, "traffic", "--tracker-db", str(tmp_path / "nowhere.db"))
    assert missing.returncode == 1 and "no tracker store at" in missing.stderr


def test_the_answer_to_did_this_help_is_the_next_step_of_an_answer(tmp_path):
    from tests.support.tracker_store import EN, KB, outcome

    db = tmp_path / "tracker.db"
    tracker_with(db, {
        "h1": [EN, ("user", "how long is delivery"), KB, *outcome("answer", "delivery"), ("user", "/kb_helpful")],
        "h2": [EN, ("user", "can I pay by card"), KB, *outcome("answer", "delivery"), ("user", "/kb_not_helpful")],
    })
    report = traffic_report(kb_turns(db))
    assert report.questions == 2  # the feedback buttons are not questions
    assert report.next_steps["answer"] == {"helpful": 1, "not_helpful": 1}
