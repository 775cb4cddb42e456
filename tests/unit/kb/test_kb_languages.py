"""The KB in several languages: thresholds per language, calibration at build time, lint and eval per language."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from kb_index import build, open_index
from kb_index.articles import KBValidationError
from kb_index.calibration import SelfCalibrationPlan, calibrate_by_language, self_calibrate
from kb_index.evaluation import LabelledQuery, format_report, score_results
from kb_index.index import Entry, Hit
from kb_index.lexical import LexicalScorer, fold
from kb_index.lint import lint
from kb_index.settings import Thresholds
from kb_index.sources import load_sources
from kb_index.store import IndexStore
from tests.support.small_kb import cli
from tests.unit.kb.conftest import write_article

POLISH_PAYMENT = """---
id: payment
lang: pl
title: Jak mogę zapłacić?
url: https://shop.example/pl/payment
questions:
  - jakie formy płatności akceptujecie
  - czy mogę zapłacić kartą
  - czy jest płatność BLIK
  - płatność przy odbiorze
  - czy można zapłacić przelewem
  - płatności online
---
Akceptujemy karty, PayPal i BLIK.
"""


def labelled(lang: str, rows: list[tuple[str | None, float]]) -> tuple[list[LabelledQuery], list[list[Hit]]]:
    """(expected article, score of the top hit "a") per question; the runner-up is far behind."""
    queries = [LabelledQuery(f"{lang}{n}", expected, lang) for n, (expected, _) in enumerate(rows)]
    return queries, [[Hit("a", score, "", score), Hit("b", 0.1, "", 0.1)] for _, score in rows]


def test_each_language_gets_thresholds_from_its_own_questions():
    # English scores spread low, Polish ones high (as e5 does): one bound cannot serve both.
    en = labelled("en", [("a", 0.7)] * 15 + [(None, 0.4)] * 10)
    pl = labelled("pl", [("a", 0.95)] * 15 + [(None, 0.85)] * 10)
    meta = calibrate_by_language(en[0] + pl[0], en[1] + pl[1], 0.0, method="test")
    by_language = meta["by_language"]
    assert 0.4 < by_language["en"]["answer"] <= 0.7 and 0.85 < by_language["pl"]["answer"] <= 0.95
    report = score_results(en[0] + pl[0], en[1] + pl[1], lambda lang: Thresholds.from_dict(by_language[lang]))
    for lang in ("en", "pl"):
        assert report.by_language[lang].answered_correctly == 1.0 and report.by_language[lang].out_of_scope_recall == 1.0
    # With the thresholds over both languages, Polish unanswerable questions get answers.
    pooled = score_results(en[0] + pl[0], en[1] + pl[1], Thresholds.from_dict(meta))
    assert pooled.by_language["pl"].out_of_scope_recall < 1.0 or pooled.by_language["en"].answered_correctly < 1.0
    assert "by language" in format_report(report)


def test_a_language_with_too_few_questions_uses_the_overall_thresholds():
    en = labelled("en", [("a", 0.7)] * 15 + [(None, 0.4)] * 10)
    ru = labelled("ru", [("a", 0.9), (None, 0.3)])
    meta = calibrate_by_language(en[0] + ru[0], en[1] + ru[1], 0.0, method="test")
    assert set(meta["by_language"]) == {"en"}


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_self_calibration_gives_each_language_of_a_kb_its_own_thresholds():
    # Six articles in en and pl; every Polish vector shares an offset, so Polish questions sit
    # near *every* Polish article (e5's compressed scale): their bounds must be higher.
    rng = np.random.default_rng(0)
    topics, polish = unit(rng.normal(size=(6, 32))), unit(rng.normal(size=32))
    entries, vectors = [], []
    for lang, offset in (("en", 0.0), ("pl", 2.0)):
        for a, topic in enumerate(topics):
            for n in range(8):
                entries.append(Entry(f"a{a}", lang, "question", f"{lang} question {n} about a{a}", "h"))
                vectors.append(unit(topic + 0.6 * unit(rng.normal(size=32)) + offset * polish))
    meta = self_calibrate(entries, np.array(vectors, dtype=np.float32), {"top_entries": 3, "lexical_weight": 0.0}, 0.05,
                          SelfCalibrationPlan(duplicate_similarity=0.95))
    by_language = meta["by_language"]
    assert set(by_language) == {"en", "pl"} and by_language["pl"]["calibration"]["method"] == "self [pl]"
    assert by_language["pl"]["suggest"] > by_language["en"]["suggest"] + 0.2


def test_build_calibrates_per_language_and_the_index_serves_each_language_its_thresholds(settings, tmp_path):
    (settings.articles_dir / "pl").mkdir()
    (settings.articles_dir / "pl" / "payment.md").write_text(POLISH_PAYMENT, encoding="utf-8")
    english = [("how long until my package comes", "delivery"), ("can I send back a lamp", "returns"),
               ("do you take visa", "payment"), ("what is the capital of peru", None), ("who won the match", None)]
    polish = [("czy moge placic blikiem", "payment"), ("karta kredytowa ok?", "payment"), ("jaka jest pogoda w krakowie", None),
              ("kto wygral mecz", None)]
    files = []
    for lang, rows in (("en", english), ("pl", polish)):
        path = tmp_path / f"{lang}.jsonl"
        rows = [{"text": text, "article_id": article or "", "lang": lang} for text, article in rows * 5]
        path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
        files.append(path)
    stale = tmp_path / "stale.csv"
    stale.write_text("text,article_id,lang\nwhere do I find the size guide,size-guide,en\n", encoding="utf-8")
    calibrated = replace(settings, calibration_queries=(*files, stale), calibration_max_wrong=0.0)
    built = build(calibrated)
    index = open_index(calibrated)
    thresholds = index.meta["thresholds"]
    assert set(thresholds["by_language"]) == {"en", "pl"}
    # The question about an article the KB does not have was left out, not counted as a miss.
    assert thresholds["calibration"]["queries"] == 45
    assert index.thresholds(settings.thresholds, "pl") == Thresholds.from_dict(thresholds["by_language"]["pl"])
    assert index.thresholds(settings.thresholds, "de") == Thresholds.from_dict(thresholds)  # no own calibration
    # Nothing changed: no rebuild. A changed calibration file: a new version with new thresholds.
    assert build(calibrated).up_to_date
    files[1].write_text(files[1].read_text(encoding="utf-8").replace("kto wygral mecz", "jaki jest kurs euro"), encoding="utf-8")
    assert build(calibrated).version != built.version


def test_search_takes_the_shoppers_language(settings):
    assert cli(settings, "build").returncode == 0
    result = cli(settings, "search", "can I pay by card", "--lang", "pl")
    assert result.returncode == 0 and "decision:" in result.stdout


def test_lint_reports_articles_missing_a_translation(settings):
    (settings.articles_dir / "pl").mkdir()
    (settings.articles_dir / "pl" / "payment.md").write_text(POLISH_PAYMENT, encoding="utf-8")
    report = lint(load_sources([settings.articles_dir]), None)
    missing = sorted(p.message for p in report.warnings if "version" in p.message)
    assert missing == [
        f"article '{article}' has no pl version (the KB has en, pl)" for article in ("delivery", "gift-cards", "returns")
    ]
    assert cli(settings, "lint").returncode == 0  # warnings only: the English answers still serve


def test_lexical_match_ignores_diacritics_and_stop_words():
    assert fold("Zwrócić łóżko, ещё") == "zwrocic lozko, еще"
    scorer = LexicalScorer.fit({"returns@pl": "jak zwrócić towar zwrot", "delivery@pl": "ile to jest dni dostawy"})
    scores = dict(zip(scorer.article_ids, scorer.scores(["jak zwrocic"])[0], strict=True))
    assert scores["returns@pl"] > 0 and scores["delivery@pl"] == 0
    # Only stop words in common ("ile", "to", "jest"): no lexical evidence for delivery.
    assert scorer.scores(["ile to jest 17 razy 23"])[0].max() == 0


def test_a_publish_reuses_the_calibration_questions_vectors(settings, tmp_path, monkeypatch):
    queries = tmp_path / "calibration.csv"
    rows = ["how long until my package comes,delivery", "send back a lamp,returns", "weather in Oslo,", "who won the match,"]
    queries.write_text("text,article_id\n" + "\n".join(rows * 6) + "\n", encoding="utf-8")
    calibrated = replace(settings, calibration_queries=(queries,))
    build(calibrated)
    encoder = open_index(calibrated).encoder
    encoded: list[str] = []
    original = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda texts, kind: encoded.extend(texts) or original(texts, kind=kind))
    write_article(settings.articles_dir, "payment", "Cards, PayPal, BLIK and Klarna.")
    build(calibrated)
    # Only the edited article was embedded; the calibration questions came from the previous version.
    assert encoded and not set(encoded) & {row.split(",")[0] for row in rows}
    assert open_index(calibrated).meta["thresholds"]["calibration"]["queries"] == 24


def test_an_unreadable_calibration_file_is_reported_and_nothing_goes_live(settings, tmp_path):
    good = build(settings)
    broken = tmp_path / "calibration.yml"
    broken.write_text("lang: pl\nquestions:\n  - text: \"czy mogę płacić blikiem\n    article: payment\n", encoding="utf-8")
    missing_column = tmp_path / "calibration.csv"
    missing_column.write_text("question,article_id\nhow long is delivery,delivery\n", encoding="utf-8")
    for path in (broken, missing_column):
        with pytest.raises(KBValidationError) as raised:
            build(replace(settings, calibration_queries=(path,)), full=True)
        assert str(path) in str(raised.value.problems[0]) and "calibration questions unreadable" in str(raised.value.problems[0])
        assert IndexStore(settings.index_dir).live_version() == good.version
    result = cli(settings, "build", "--full", env={"KB_CALIBRATION_QUERIES": str(missing_column)})
    assert result.returncode == 1 and "calibration questions unreadable" in result.stderr
    assert "live index is unchanged" in result.stderr


def test_a_missing_calibration_file_is_named_in_a_warning(settings, tmp_path):
    typo = tmp_path / "calibraton.yml"
    result = cli(settings, "build", env={"KB_CALIBRATION_QUERIES": str(typo)})
    assert result.returncode == 0 and f"calibration questions {typo} not found" in result.stderr
