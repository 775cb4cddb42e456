"""Choosing thresholds from measurements, storing them with the index version, and the bot using them."""

from __future__ import annotations

import pytest

from kb_index import build, open_index
from kb_index.calibration import (
    Calibration,
    SelfCalibrationPlan,
    bound_out_of_scope_share,
    choose_thresholds,
    estimate_out_of_scope_share,
    self_calibrate,
)
from kb_index.evaluation import LabelledQuery, score_results
from kb_index.index import Hit
from kb_index.store import IndexStore
from tests.support.small_kb import cli
from tests.unit.kb.conftest import write_article


def results(*rows: tuple[str | None, str, float, float]) -> tuple[list[LabelledQuery], list[list[Hit]]]:
    """(expected article, best article, best score, runner-up score) per question."""
    queries = [LabelledQuery(f"q{n}", expected) for n, (expected, _, _, _) in enumerate(rows)]
    hits = [[Hit(best, score, "", score), Hit("other", second, "", second)] for _, best, score, second in rows]
    return queries, hits


RIGHT_HIGH = [("a", "a", 0.9 - n / 100, 0.3) for n in range(8)]  # 8 right answers scoring 0.83-0.90


def test_the_bound_on_wrong_answers_holds_and_correct_answers_are_maximised():
    queries, hits = results(*RIGHT_HIGH, (None, "a", 0.8, 0.3), ("b", "a", 0.7, 0.3), ("a", "a", 0.6, 0.3))
    strict = choose_thresholds(queries, hits, max_wrong=0.0)
    assert 0.8 < strict.thresholds.answer <= 0.83 + 1e-9 and strict.expected_wrong == 0.0
    assert score_results(queries, hits, strict.thresholds).wrong_answer_rate == 0.0
    lenient = choose_thresholds(queries, hits, max_wrong=0.2)  # two wrong answers of 11 are allowed: then the 0.6 one is answered
    assert lenient.thresholds.answer <= 0.6
    assert score_results(queries, hits, lenient.thresholds).answered_correctly == 0.9  # all but the misrouted "b"


def test_a_margin_keeps_ambiguous_wrong_answers_out_while_clear_ones_are_answered():
    ambiguous_wrong = [("b", "a", 0.95, 0.94), ("c", "a", 0.92, 0.915)]
    queries, hits = results(*RIGHT_HIGH, *ambiguous_wrong)
    calibration = choose_thresholds(queries, hits, max_wrong=0.0)
    assert calibration.thresholds.margin > 0.01
    report = score_results(queries, hits, calibration.thresholds)
    assert report.answered_correctly == 0.8 and report.wrong_answer_rate == 0.0  # every right top-1 answered, no wrong one


def test_suggest_bound_separates_offered_articles_from_hand_offs():
    queries, hits = results(*RIGHT_HIGH, ("a", "a", 0.55, 0.5), (None, "a", 0.3, 0.2), (None, "a", 0.35, 0.2))
    thresholds = choose_thresholds(queries, hits, max_wrong=0.0).thresholds
    assert 0.35 < thresholds.suggest <= 0.55 <= thresholds.answer


def test_calibration_judges_on_the_score_that_separates_better():
    # Unanswerable questions the lexical term lifts among the right answers: on the hybrid
    # score no bound keeps them out without losing answers; their dense part stays low.
    queries = [LabelledQuery(f"q{n}", "a") for n in range(8)] + [LabelledQuery("off", None), LabelledQuery("off2", None)]
    hits = [[Hit("a", 0.9 - n / 100, "", 0.8 - n / 100), Hit("other", 0.3, "", 0.3)] for n in range(8)]
    hits += [[Hit("a", 0.95, "", 0.5), Hit("other", 0.3, "", 0.3)], [Hit("a", 0.85, "", 0.45), Hit("other", 0.3, "", 0.3)]]
    chosen = choose_thresholds(queries, hits, max_wrong=0.0)
    assert chosen.thresholds.judge_on == "dense" and chosen.expected_correct == 1.0
    assert score_results(queries, hits, chosen.thresholds).wrong_answer_rate == 0.0
    hybrid_only = choose_thresholds(queries, hits, max_wrong=0.0, judge_on=("hybrid",))
    assert hybrid_only.thresholds.judge_on == "hybrid" and hybrid_only.expected_correct == 0.0
    # Where the lexical term is what ranks answers above the unanswerable ones, hybrid stays.
    swapped = [[Hit(h.article_id, h.dense, "", h.score) for h in row] for row in hits]
    assert choose_thresholds(queries, swapped, max_wrong=0.0).thresholds.judge_on == "hybrid"


def test_a_question_more_on_another_score_does_not_flip_the_default():
    # The dense score answers one question more than hybrid: within what a small calibration
    # set's noise gives (the same model on another runtime flipped the demo KB's English this way).
    queries = [LabelledQuery(f"q{n}", "a") for n in range(8)] + [LabelledQuery("off", None)]
    hits = [[Hit("a", 0.9 - n / 100, "", 0.8 - n / 100), Hit("other", 0.3, "", 0.3)] for n in range(7)]
    hits += [[Hit("a", 0.70, "", 0.73), Hit("other", 0.3, "", 0.3)], [Hit("a", 0.75, "", 0.5), Hit("other", 0.3, "", 0.3)]]
    assert choose_thresholds(queries, hits, max_wrong=0.0, judge_on=("dense",)).expected_correct == 1.0
    chosen = choose_thresholds(queries, hits, max_wrong=0.0)
    assert chosen.thresholds.judge_on == "hybrid" and chosen.expected_correct == 7 / 8


def test_self_calibration_needs_no_labelled_questions(settings):
    build(settings)
    index = open_index(settings)
    calibration = Calibration.from_meta(
        self_calibrate(index.entries, index.vectors, index.meta["scoring"], 0.05, SelfCalibrationPlan(folds=3))
    )
    t = calibration.thresholds
    assert calibration.queries >= 20 and calibration.method == "self"
    assert t.judge_on == "dense"  # held-out KB questions cannot tell how far the lexical term carries over
    assert 0.0 < t.suggest <= t.answer and calibration.expected_wrong <= 0.05


def test_cli_calibrate_stores_thresholds_in_a_new_live_version_that_search_uses(settings, tmp_path):
    assert cli(settings, "build").returncode == 0
    built = IndexStore(settings.index_dir).live_version()
    queries = tmp_path / "labelled.csv"
    queries.write_text(
        "text,article_id\nmy parcel still hasn't come,delivery\ncan I pay with a visa card,payment\n"
        "send the vase back,returns\nwhat's the weather tomorrow,\na voucher for my sister,gift-cards\n"
    )
    calibrated = cli(settings, "calibrate", "--queries", str(queries), "--max-wrong", "0")
    assert calibrated.returncode == 0, calibrated.stderr
    store = IndexStore(settings.index_dir)
    live = store.live_version()
    assert live != built and built in store.versions()  # the old version stays for rollback
    index = open_index(settings)
    stored = index.meta["thresholds"]
    assert stored["calibration"]["method"].startswith("labelled") and stored["calibration"]["queries"] == 5
    assert index.thresholds(settings.thresholds).answer == stored["answer"]
    assert f"answer >= {stored['answer']:.3f}" in cli(settings, "search", "delivery time").stdout
    # An article edit keeps the calibrated thresholds with the new version.
    write_article(settings.articles_dir, "payment", "Cards, PayPal, BLIK and Klarna.")
    assert cli(settings, "build").returncode == 0
    assert open_index(settings).meta["thresholds"]["answer"] == stored["answer"]


def test_cli_self_calibration_without_queries(settings):
    assert cli(settings, "build").returncode == 0
    result = cli(settings, "calibrate", "--max-wrong", "0.05")
    assert result.returncode == 0, result.stderr
    assert "(self)" in result.stdout and "now live" in result.stdout
    stored = open_index(settings).meta["thresholds"]
    assert stored["calibration"]["method"] == "self" and stored["judge_on"] == "dense"
    assert "on the dense score" in cli(settings, "search", "delivery time").stdout


def test_out_of_scope_share_is_estimated_from_unlabelled_live_scores():
    # Held-out answerable questions score 0.8-0.9, pseudo out-of-scope ones 0.3-0.5 (median 0.4).
    queries, hits = results(*RIGHT_HIGH, *[(None, "a", s, 0.1) for s in (0.3, 0.35, 0.4, 0.45, 0.5)])
    _, mostly_unanswerable = results(*[(None, "a", s, 0.1) for s in [0.2] * 8 + [0.85] * 2])
    _, mostly_answerable = results(*[(None, "a", s, 0.1) for s in [0.2] * 1 + [0.85] * 9])
    assert estimate_out_of_scope_share(queries, hits, mostly_unanswerable, "dense") == pytest.approx(0.9)  # 1.6, clipped
    assert estimate_out_of_scope_share(queries, hits, mostly_answerable, "dense") == pytest.approx(0.2)


def test_the_out_of_scope_share_bound_is_not_fooled_by_answerable_questions_scoring_low_on_the_kb():
    # Some held-out KB questions score as low as the pseudo out-of-scope ones (0.3-0.5); live
    # traffic is 3 unanswerable questions (0.2) and 7 answerable ones that all score high.
    low_in_scope = [("a", "a", 0.35, 0.1)] * 4
    queries, hits = results(*RIGHT_HIGH, *low_in_scope, *[(None, "a", s, 0.1) for s in (0.3, 0.35, 0.4, 0.45, 0.5)])
    _, live = results(*[(None, "a", s, 0.1) for s in [0.2] * 3 + [0.9] * 7])
    assert estimate_out_of_scope_share(queries, hits, live, "dense") == pytest.approx(0.05)  # under the true 0.3
    bound = bound_out_of_scope_share(queries, hits, live, "dense")
    assert 0.3 <= bound <= 0.35
    assert bound_out_of_scope_share(queries, hits, [], "dense") == 0.9  # no traffic: the worst case
