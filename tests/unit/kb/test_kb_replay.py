"""`replay`: logged shopper questions against a candidate version and the live one."""

from __future__ import annotations

import json

from kb_index.replay import Asked, kb_questions
from tests.support.small_kb import cli
from tests.support.tracker_store import tracker_with

LOG = {
    "a": [("user", "hello"), ("action", "utter_greet"), ("user", "I'd like a present card for my brother"),
          ("action", "action_answer_from_kb"), ("user", '/choose_article{"article_id": "gift-cards"}'),
          ("action", "action_answer_from_kb")],
    "b": [("user", "I'd like a present card for my brother"), ("action", "action_answer_from_kb"),
          ("user", "how long is shipping"), ("action", "action_answer_from_kb")],
    "c": [("user", "ile kosztuje wysyłka"), ("slot", "language=pl"), ("action", "action_answer_from_kb")],
}


def test_only_questions_the_kb_answered_are_replayed(tmp_path):
    db = tmp_path / "tracker.db"
    tracker_with(db, LOG)
    assert kb_questions(db) == {
        Asked("I'd like a present card for my brother", None): 2,
        Asked("how long is shipping", None): 1,
        Asked("ile kosztuje wysyłka", "pl"): 1,  # replayed with the Polish thresholds
    }


def test_replay_lists_questions_whose_answer_changes_or_drops(settings, tmp_path):
    db = tmp_path / "tracker.db"
    tracker_with(db, LOG)
    assert cli(settings, "build").returncode == 0
    # The candidate has no gift-card article any more: that question is no longer answered.
    (settings.articles_dir / "en" / "gift-cards.md").unlink()
    assert cli(settings, "build", "--no-publish").returncode == 0
    result = cli(settings, "replay", "--tracker-db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    (difference,) = json.loads(result.stdout)
    assert difference["text"] == "I'd like a present card for my brother" and difference["times_asked"] == 2
    assert difference["live"] == {"decision": "answer", "article_id": "gift-cards"} and difference["dropped"]
    table = cli(settings, "replay", "--tracker-db", str(db))
    assert "3 distinct shopper questions" in table.stdout and "1 of them no longer answered outright" in table.stdout


def test_self_calibration_estimates_the_out_of_scope_share_from_logged_questions(settings, tmp_path):
    db = tmp_path / "tracker.db"
    tracker_with(db, LOG)
    assert cli(settings, "build").returncode == 0
    result = cli(settings, "calibrate", "--traffic", str(db))
    assert result.returncode == 0, result.stderr
    assert "estimated from 3 live questions" in result.stdout and "now live" in result.stdout
