"""Approving what shoppers taught: the article's own file changes, through the CLI's validation, or nothing does."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_index.articles import KBValidationError, load_kb
from kb_index.evaluation import LabelledQuery, load_queries
from kb_index.feedback import ArticleEdit, KBSources, enough_per_language, make_signal, read_signal, write_live_labels
from tests.support.small_kb import write_article


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    for article_id in ("returns", "delivery", "payment"):
        write_article(folder, article_id)
    return folder


def test_an_approved_question_is_added_to_the_article_file_the_cli_reads(kb: Path) -> None:
    KBSources([kb]).add_question("returns", "en", "can i   send back shoes that dont fit")
    returns = next(a for a in load_kb(kb) if a.id == "returns")
    assert returns.questions[-1] == "can i send back shoes that dont fit"
    assert returns.answer == "Send it back within 30 days with the free label."
    KBSources([kb]).add_question("returns", "en", "Can I send back shoes that dont fit")  # the same, asked again
    assert len(next(a for a in load_kb(kb) if a.id == "returns").questions) == len(returns.questions)


def test_a_question_for_an_article_that_is_gone_is_refused(kb: Path) -> None:
    with pytest.raises(KBValidationError, match="no article 'gift-cards' in language 'en'"):
        KBSources([kb]).add_question("gift-cards", "en", "can i buy a voucher")


def test_a_bad_edit_is_refused_with_every_problem_and_the_file_stays_as_it_was(kb: Path) -> None:
    before = (kb / "en" / "payment.md").read_text()
    edit = ArticleEdit("payment", "en", "", "https://shop.example/payment", (), "We accept cards.")
    with pytest.raises(KBValidationError) as refused:
        KBSources([kb]).save(edit)
    messages = [p.message for p in refused.value.problems]
    assert "'title' is missing or empty" in messages and "'questions' must be a non-empty list" in messages
    assert (kb / "en" / "payment.md").read_text() == before


def test_a_new_article_gets_its_file_and_a_duplicate_or_bad_id_is_refused(kb: Path) -> None:
    sources = KBSources([kb])
    sources.save(ArticleEdit("gift-cards", "pl", "Karty podarunkowe", "https://shop.example/pl/gift", ("czy macie karty?",),
                             "Tak."), new=True)
    assert (kb / "pl" / "gift-cards.md").exists()
    assert [a.title for a in load_kb(kb) if a.id == "gift-cards"] == ["Karty podarunkowe"]
    with pytest.raises(KBValidationError, match="exists already"):
        sources.save(ArticleEdit("returns", "en", "T", "u", ("q",), "a"), new=True)
    with pytest.raises(KBValidationError, match="lowercase letters"):
        sources.save(ArticleEdit("../etc", "en", "T", "u", ("q",), "a"), new=True)


def test_signals_are_checked_before_the_desk_uses_them() -> None:
    signal = make_signal("picked", " when do i get\nmy money ", "refund-timing", "en")
    assert read_signal(signal) == {"kind": "picked", "question": "when do i get my money", "article_id": "refund-timing",
                                   "lang": "en"}
    assert read_signal({**signal, "kind": "loved"}) is None
    assert read_signal({**signal, "article_id": 3}) is None
    assert read_signal("helpful") is None


def test_live_labels_are_calibration_questions_and_count_only_for_languages_with_enough(tmp_path: Path) -> None:
    path = tmp_path / "live.yml"
    assert write_live_labels(path, [("q1", "returns", "en"), ("q2", "returns", "en"), ("p1", "returns", "pl")]) == 3
    queries = load_queries(path)
    assert queries[0] == LabelledQuery("q1", "returns", "en")
    assert [q.text for q in enough_per_language(queries, 2)] == ["q1", "q2"]


def test_a_build_calibrates_on_the_confirmed_questions_of_languages_with_enough_beside_the_labelled_files(tmp_path):
    from dataclasses import replace

    from kb_index.service import calibration_fingerprint, load_calibration_queries
    from kb_index.settings import load_kb_settings

    labelled = tmp_path / "en.yml"
    labelled.write_text("lang: en\nquestions:\n  - text: where is my parcel\n    article: delivery\n  - text: moon?\n")
    live = tmp_path / "live.yml"
    settings = replace(load_kb_settings(), calibration_queries=(labelled,), live_labels=live, live_labels_min_per_language=2)
    without = calibration_fingerprint(settings)
    write_live_labels(live, [("q1", "returns", "en"), ("q2", "payment", "en"), ("p1", "returns", "pl")])
    assert calibration_fingerprint(settings) != without  # new confirmed questions: the next build calibrates again
    assert [q.text for q in load_calibration_queries(settings)] == ["where is my parcel", "moon?", "q1", "q2"]
    alone = replace(settings, calibration_queries=())
    assert load_calibration_queries(alone) == [] and calibration_fingerprint(alone) is None  # never alone
