"""Answer quality on public customer-service data: our index against Rasa's own FAQ approach, same data, same run.

Datasets (see bench/kb_datasets.py): Banking77 (67 labels as articles, 10
held out so their test questions must be handed off) and HINT3 Powerplay11
(``NO_NODES_DETECTED`` = must hand off). Articles' questions = training
sentences; queries = test sentences.

ours       the real index (build_index + KBIndex, configured encoder and scoring);
           thresholds chosen WITHOUT test labels by self-calibration on the KB's own
           questions (kb_index/calibration.py; articles ranked by the hybrid score,
           answer / suggest / hand off decided on its dense part), then checked on test;
naive CV   the same, calibrated by plain cross-validation (no near-duplicate
           removal, pseudo out-of-scope share as the folds give it): what the
           issue warns about;
oracle     the best thresholds on the test labels themselves (unreachable in
           practice): how far the chosen ones land from it;
variants   other scorings (best entry only, top-3 mean without/with lexical
           weight), each self-calibrated the same way;
Rasa       every article an intent, Rasa 3.6's default NLU pipeline (DIET +
           FallbackClassifier 0.3/0.1) trained with .venv-rasa in this run, at its
           default fallback thresholds and at the threshold that gives it our
           wrong-answer rate on test (chosen on test: favours Rasa); and the
           project's own Rasa pipeline (logistic regression, config.yml).

Usage: .venv/bin/python -m bench.kb_quality [--quick] [--diet-epochs 100] [--rasa-questions-per-label N]
       [--rasa-budget-minutes M] [--out FILE]
Prints a JSON result, then one summary line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench import rasa_faq
from bench.kb_datasets import Dataset, banking77, hint3_powerplay11, hwu64
from kb_index.calibration import Calibration, SelfCalibrationPlan, choose_thresholds, self_calibrate
from kb_index.evaluation import LabelledQuery, Report, score_results
from kb_index.index import Hit, KBIndex, build_index, read_meta, write_meta
from kb_index.learning import self_calibrate_judged
from kb_index.service import calibrate_on_queries, get_encoder, learn, load_calibration_queries
from kb_index.settings import REPO_ROOT, Thresholds, load_kb_settings
from kb_index.sources import load_sources

DATASETS = {"hint3": hint3_powerplay11, "banking77": banking77, "hwu64": hwu64}
MAX_WRONG = 0.05
# The judge's second encoder measured against the configured one alone (kb.judge_encoder).
SECOND_ENCODER = {"type": "onnx", "model": "packaged:all-MiniLM-L6-v2", "languages": ["en"]}
NAIVE = SelfCalibrationPlan(duplicate_similarity=None, out_of_scope_share=None)
VARIANTS = {
    "best entry": {"top_entries": 1, "lexical_weight": 0.0},
    "top-3 mean": {"top_entries": 3, "lexical_weight": 0.0},
    "top-3 mean + 0.25 lexical": {"top_entries": 3, "lexical_weight": 0.25},
    "top-3 mean + 0.5 lexical": {"top_entries": 3, "lexical_weight": 0.5},
}
LOGREG_PIPELINE = [
    {"name": "WhitespaceTokenizer"}, {"name": "RegexFeaturizer"}, {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"}, {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "LogisticRegressionClassifier", "max_iter": 200, "solver": "lbfgs", "tol": 0.0001, "random_state": 42},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]


def outcome(report: Report) -> dict[str, float]:
    return {
        "answered_correctly": round(report.answered_correctly, 4),  # share of in-scope questions
        "right_article_suggested": round(report.suggested_correctly, 4),
        "out_of_scope_recall": round(report.out_of_scope_recall, 4),
        "wrong_answer_rate": round(report.wrong_answer_rate, 4),  # share of all questions
        "top1_accuracy": round(report.top1_accuracy, 4),
        "offered_as_buttons": round(report.suggestion_rate, 4),  # share of all questions
    }


def demo_outcome(report: Report) -> dict[str, float]:
    """The issue's demo-KB targets: right article answered outright / answered or offered, off-topic handed off."""
    return outcome(report) | {"answered_or_offered": round(report.answered_correctly + report.suggested_correctly, 4)}


def thresholds_dict(t: Thresholds) -> dict[str, float]:
    return {"answer": round(t.answer, 4), "suggest": round(t.suggest, 4), "margin": round(t.margin, 3), "judge_on": t.judge_on}


def checked(calibration: Calibration, queries: list[LabelledQuery], results: list[list[Hit]], oracle: Calibration) -> dict:
    report = score_results(queries, results, calibration.thresholds)
    return {
        "thresholds": thresholds_dict(calibration.thresholds),
        "expected_on_kb": {"answered_correctly": round(calibration.expected_correct, 4),
                           "wrong_answer_rate": round(calibration.expected_wrong, 4)},
        "test": outcome(report),
        "answer_threshold_minus_oracle": round(calibration.thresholds.answer - oracle.thresholds.answer, 4),
        "correct_answers_lost_vs_oracle": round(oracle.expected_correct - report.answered_correctly, 4),
    }


class CachedEncoder:
    """The configured encoder, remembering vectors on disk between runs (--vectors-cache).

    Encoding Banking77 and HWU64 takes most of a run on this shared machine;
    the vectors do not change while the scoring and the policy are worked on.
    """

    def __init__(self, encoder: Any, folder: Path | None):
        self._encoder, self._folder = encoder, folder
        self.name, self.dimension, self.near_duplicate = encoder.name, encoder.dimension, encoder.near_duplicate
        self._known: dict[tuple[str, str], np.ndarray] = {}
        if folder is not None:
            for path in folder.glob("*.npz"):
                with np.load(path, allow_pickle=False) as saved:
                    for kind, text, vector in zip(saved["kinds"], saved["texts"], saved["vectors"], strict=True):
                        self._known[(str(kind), str(text))] = vector

    def encode(self, texts: list[str], *, kind: str) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (kind, t) not in self._known]
        if missing:
            vectors = self._encoder.encode(missing, kind=kind)
            self._known.update({(kind, t): v for t, v in zip(missing, vectors, strict=True)})
            if self._folder is not None:
                self._folder.mkdir(parents=True, exist_ok=True)
                name = f"{self.name.replace(':', '-')}-{time.time_ns()}.npz"
                np.savez(self._folder / name, kinds=np.array([kind] * len(missing)), texts=np.array(missing),
                         vectors=vectors)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._known[(kind, t)] for t in texts])


def judged_variant(
    dataset: Dataset, folder: Path, encoder: Any, settings: Any, second: Any, query_vectors: np.ndarray
) -> tuple[dict[str, Any], list[list[Hit]]]:
    """The judge as ``settings`` configure it (with ``second`` as its second encoder, if any), calibrated blind."""
    for stale in folder.glob("judge.npz"):
        stale.unlink()
    started = time.monotonic()
    learned = learn(folder, encoder, settings, second)  # what `kb_index build` trains and stores
    learn_seconds = time.monotonic() - started
    index = KBIndex(folder, encoder, second if settings.judge_encoder else None)
    texts = [q.text for q in dataset.queries]
    latency = search_latency(index, query_vectors, texts)
    results = index.search_vectors(query_vectors, texts, 3)
    # The test questions without their labels play the tracker store's logged traffic.
    ours = Calibration.from_meta(self_calibrate_judged(learned, MAX_WRONG, live_results=results))
    without_traffic = Calibration.from_meta(self_calibrate_judged(learned, MAX_WRONG))
    oracle = choose_thresholds(dataset.queries, results, MAX_WRONG, method="oracle", judge_on=("confidence",))
    true_share = float(np.mean([q.article_id is None for q in dataset.queries]))
    return {
        "learn_seconds": round(learn_seconds, 1),
        "search_ms_per_question": latency,
        "judged": checked(ours, dataset.queries, results, oracle) | {
            "method": ours.method, "true_out_of_scope_share": round(true_share, 3)},
        "judged_without_traffic": checked(without_traffic, dataset.queries, results, oracle) | {
            "method": without_traffic.method},
        "judged_oracle_on_test": {"thresholds": thresholds_dict(oracle.thresholds), "test": outcome(
            score_results(dataset.queries, results, oracle.thresholds))},
    }, learned


def evaluate_ours(dataset: Dataset, workdir: Path, encoder: Any, second: Any) -> dict[str, Any]:
    """Neighbours only (as before the judge), the judge over the configured encoder, and the judge with ``second``'s vote."""
    settings = replace(load_kb_settings(), judge_encoder=None)
    folder = workdir / dataset.name
    started = time.monotonic()
    build_index(dataset.articles, encoder, settings.encoder, settings.scoring, folder)
    texts = [q.text for q in dataset.queries]
    query_vectors = encoder.encode(texts, kind="query")
    build_and_encode = time.monotonic() - started
    single, learned = judged_variant(dataset, folder, encoder, settings, second, query_vectors)
    two = replace(settings, judge_encoder=dict(SECOND_ENCODER))
    both, _ = judged_variant(dataset, folder, encoder, two, second, query_vectors)
    for stale in folder.glob("judge.npz"):  # the neighbours alone from here on
        stale.unlink()
    index = KBIndex(folder, encoder)
    unjudged = index.searcher.search_vectors(query_vectors, texts, 3)
    # Today's design, for the baseline: neighbours only, one bound on the dense score, self-calibrated.
    plan = SelfCalibrationPlan(duplicate_similarity=encoder.near_duplicate)
    before = Calibration.from_meta(self_calibrate(index.entries, index.vectors, settings.scoring, MAX_WRONG, plan, unjudged))
    before_oracle = choose_thresholds(dataset.queries, unjudged, MAX_WRONG, judge_on=(before.thresholds.judge_on,))
    classifier_only = [[replace(h, confidence=p) for h, p in zip(hits, top, strict=False)]
                       for hits, top in classifier_hits(learned.judge, query_vectors)]
    return {
        "scoring": settings.scoring,
        "build_and_encode_seconds": round(build_and_encode, 1),
        "e5_judge": single,
        "two_encoder_judge": both | {"second_encoder": SECOND_ENCODER},
        "before_neighbours_only": checked(before, dataset.queries, unjudged, before_oracle) | {"method": before.method},
        "before_oracle_on_test": outcome(score_results(dataset.queries, unjudged, before_oracle.thresholds)),
        "classifier_alone_oracle_on_test": outcome(score_results(dataset.queries, classifier_only, choose_thresholds(
            dataset.queries, classifier_only, MAX_WRONG, judge_on=("confidence",)).thresholds)),
    }


def evaluate_demo_kb(encoder: Any, second: Any, workdir: Path) -> dict[str, Any]:
    """The demo KB (data/kb) as `kb_index build` makes it, asked its unseen questions (tests/data) per language.

    Thresholds are chosen per language on data/kb_calibration/ exactly as a build
    does; without the judge, with it (kb.judge), and with its second encoder's vote.
    """
    from bench.kb_languages import test_queries

    base = replace(load_kb_settings(REPO_ROOT / "assistant.yml"), judge_encoder=None)
    articles = load_sources([REPO_ROOT / "data" / "kb"])
    queries = test_queries()
    texts = [q.text for q in queries]
    vectors = encoder.encode(texts, kind="query")
    measured: dict[str, Any] = {"test_questions": len(queries)}
    variants = {"neighbours_only": None, "judged": base, "two_encoder_judge": replace(base, judge_encoder=SECOND_ENCODER)}
    for name, settings in variants.items():
        folder = workdir / f"demo-{name}"
        build_index(articles, encoder, base.encoder, base.scoring, folder)
        if settings is not None:
            learn(folder, encoder, settings, second)
        voting = second if settings is not None and settings.judge_encoder else None
        index = KBIndex(folder, encoder, voting)
        thresholds = calibrate_on_queries(index, load_calibration_queries(base), base)
        write_meta(folder, read_meta(folder) | {"thresholds": thresholds})
        index = KBIndex(folder, encoder, voting)
        results = index.search_vectors(vectors, texts, base.max_suggestions)
        report = score_results(queries, results, lambda lang, index=index: index.thresholds(base.thresholds, lang))
        measured[name] = {lang: demo_outcome(r) for lang, r in report.by_language.items()} | {
            "search_ms_per_question": search_latency(index, vectors, texts)}
    return measured


def classifier_hits(judge: Any, vectors: np.ndarray) -> list[tuple[list[Hit], list[float]]]:
    """The classifier's own ranking, its probability as the confidence (a variant measured against the judge)."""
    probabilities = judge.classifier.probabilities(vectors)
    found = []
    for row in probabilities:
        order = np.argsort(-row)[:3]
        found.append(([Hit(judge.classifier.labels[n], float(row[n]), "", float(row[n])) for n in order],
                      [float(row[n]) for n in order]))
    return found


def search_latency(index: KBIndex, vectors: np.ndarray, texts: list[str], sample: int = 200) -> dict[str, float]:
    """Per-question search cost after encoding (the turn's KB cost besides the encoder), neighbours alone and judged."""
    rows = range(min(sample, len(texts)))

    def per_question(search: Any) -> float:
        started = time.perf_counter()
        for n in rows:
            search(vectors[n : n + 1], [texts[n]], 3)
        return round(1000 * (time.perf_counter() - started) / len(rows), 2)

    return {"neighbours_only": per_question(index.searcher.search_vectors), "judged": per_question(index.search_vectors)}


def rasa_results(rankings: list[list[tuple[str, float]]]) -> list[list[Hit]]:
    return [[Hit(name.replace("_", "-"), confidence, "", confidence) for name, confidence in ranking[:3]] for ranking in rankings]


def evaluate_rasa(
    dataset: Dataset, folder: Path, pipeline: list[dict] | None, epochs: int, cache: Path | None, train: bool = True,
    deadline: float | None = None,
) -> dict[str, Any] | None:
    """Rasa trained on the dataset's KB and asked its test questions; from ``cache`` when this exact run was made.

    DIET's 100 epochs take long on this machine, and its answers depend only on
    the project files and the questions, so they are kept under a hash of those.
    Training still running at ``deadline`` (time.monotonic()) is stopped and
    reported as how far it got (``not_finished``).
    """
    rasa_faq.write_project(dataset.articles, folder, epochs)
    if pipeline is not None:  # another Rasa pipeline on the same data
        import yaml

        config = yaml.safe_load((folder / "config.yml").read_text())
        (folder / "config.yml").write_text(yaml.safe_dump(config | {"pipeline": pipeline}, sort_keys=False))
    texts = [q.text for q in dataset.queries]
    key = hashlib.sha256(json.dumps([(folder / "config.yml").read_text(), (folder / "nlu.yml").read_text(), texts])
                         .encode()).hexdigest()[:20]
    cached = cache / f"{dataset.name}-{key}.json" if cache is not None else None
    from_cache = cached is not None and cached.exists()
    if from_cache:
        saved = json.loads(cached.read_text())
        rankings, seconds = saved["rankings"], saved["train_seconds"]
    elif not train:  # --rasa-cached-only: what is not in the cache is left out
        return None
    else:
        log = folder / "train.log"
        started = time.monotonic()
        try:
            model, seconds = rasa_faq.train(folder, log, None if deadline is None else max(1.0, deadline - started))
        except subprocess.TimeoutExpired:
            return {"not_finished": f"stopped at the --rasa-budget-minutes deadline after {rasa_faq.epochs_done(log)} "
                    f"of {epochs} epochs", "epochs": epochs, "epochs_done": rasa_faq.epochs_done(log),
                    "train_seconds_so_far": round(time.monotonic() - started, 1),
                    "questions_trained_on": sum(len(a.questions) for a in dataset.articles)}
        rankings = rasa_faq.classify(model, texts, folder)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps({"train_seconds": seconds, "rankings": rankings}))
    results = rasa_results(rankings)
    fallback = Thresholds(answer=rasa_faq.FALLBACK["threshold"], suggest=rasa_faq.FALLBACK["threshold"],
                          margin=rasa_faq.FALLBACK["ambiguity_threshold"])
    return {"train_seconds": round(seconds, 1), "epochs": epochs if pipeline is None else None, "results": results,
            "from_cache": from_cache,
            "default_fallback": outcome(score_results(dataset.queries, results, fallback))}


def at_wrong_rate(dataset: Dataset, rasa: dict, wrong_rate: float) -> dict:
    """Rasa at the threshold giving it (at most) our wrong-answer rate, picked on the test labels."""
    best = choose_thresholds(dataset.queries, rasa["results"], wrong_rate)
    return {"thresholds": thresholds_dict(best.thresholds), "test": outcome(score_results(dataset.queries, rasa["results"],
                                                                                        best.thresholds))}


def run_rasa_in_background(
    datasets: list[Dataset], workdir: Path, epochs: int, cache: Path | None, train: bool = True,
    deadline: float | None = None,
) -> tuple[threading.Thread, dict]:
    """Rasa trains in its own processes while our index is evaluated: same run, less waiting.

    The quick logistic-regression pipeline first on every dataset, then DIET,
    so a deadline cuts the slow one, not both.
    """
    found: dict[str, dict] = {}

    def work() -> None:
        for dataset in datasets:
            name = dataset.name
            found[f"{name}/logreg"] = evaluate_rasa(dataset, workdir / f"rasa-logreg-{name}", LOGREG_PIPELINE, 0, cache,
                                                    train, deadline)
        for dataset in datasets:
            name = dataset.name
            found[f"{name}/diet"] = evaluate_rasa(dataset, workdir / f"rasa-diet-{name}", None, epochs, cache, train,
                                                  deadline)

    thread = threading.Thread(target=work)
    thread.start()
    return thread, found


def subsample(dataset: Dataset, labels: int, held_out: int) -> Dataset:
    """--quick: the first ``labels`` articles, ``held_out`` of them removed from the KB."""
    kept = dataset.articles[:labels]
    outside = {a.id for a in kept[:held_out]}
    ids = {a.id for a in kept}
    queries = [replace(q, article_id=None if q.article_id in outside else q.article_id)
               for q in dataset.queries if q.article_id in ids]
    return Dataset(dataset.name, [a for a in kept if a.id not in outside], queries)


def fewer_questions(dataset: Dataset, per_article: int) -> Dataset:
    """Each article keeps ``per_article`` of its questions (a fixed random pick): a KB that
    Rasa's default DIET can be trained on for its full 100 epochs within a session here."""
    rng = random.Random(0)
    articles = [
        replace(a, questions=tuple(rng.sample(a.questions, per_article)) if len(a.questions) > per_article else a.questions)
        for a in dataset.articles
    ]
    return Dataset(dataset.name, articles, dataset.queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Banking77 and HWU64 cut to 25 labels, DIET 10 epochs")
    parser.add_argument("--diet-epochs", type=int, default=100, help="DIET epochs (Rasa's default 100)")
    parser.add_argument("--rasa-questions-per-label", type=int, default=10,
                        help="Rasa is trained on this many training sentences per Banking77 / HWU64 label so that it "
                        "finishes on 2 shared cores (HINT3: all of them); ours always gets all of them")
    parser.add_argument("--no-rasa", action="store_true", help="skip Rasa (ours only)")
    parser.add_argument("--vectors-cache", type=Path, default=REPO_ROOT / "var" / "bench-vectors",
                        help="keep the encoder's vectors in this folder between runs (default var/bench-vectors)")
    parser.add_argument("--rasa-cached-only", action="store_true",
                        help="compare with Rasa only where its answers are in --rasa-cache (no training)")
    parser.add_argument("--rasa-cache", type=Path, default=REPO_ROOT / "var" / "bench-rasa",
                        help="keep Rasa's answers in this folder, keyed by a hash of its project and the questions "
                        "(default var/bench-rasa); a run with the same data reuses them instead of training again")
    parser.add_argument("--rasa-budget-minutes", type=float,
                        help="stop Rasa's training this many minutes after the start and report how far each got "
                        "(DIET's 100 epochs can take hours on a loaded machine)")
    parser.add_argument("--second-vectors-cache", type=Path, default=REPO_ROOT / "var" / "bench-vectors-minilm",
                        help="the same for the judge's second encoder (default var/bench-vectors-minilm)")
    parser.add_argument("--datasets", nargs="+", choices=sorted(DATASETS), default=list(DATASETS),
                        help="only these public datasets (default all)")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo KB")
    parser.add_argument("--out", type=Path, help="also write the JSON result to this file")
    args = parser.parse_args()
    datasets = [DATASETS[name]() for name in args.datasets]
    if args.quick:
        datasets = [d if d.name == "hint3-powerplay11" else subsample(d, 25, 4) for d in datasets]
    epochs = 10 if args.quick else args.diet_epochs
    for_rasa = [d if d.name == "hint3-powerplay11" else fewer_questions(d, args.rasa_questions_per_label)
                for d in datasets]
    settings = load_kb_settings()
    encoder = CachedEncoder(get_encoder(settings.encoder), args.vectors_cache)
    second_settings = {key: value for key, value in SECOND_ENCODER.items() if key != "languages"}
    second = CachedEncoder(get_encoder(second_settings), args.second_vectors_cache)
    result: dict[str, Any] = {"max_wrong": MAX_WRONG, "quick": args.quick, "encoder": settings.encoder}
    with tempfile.TemporaryDirectory(prefix="kb-quality-") as tmp:
        workdir = Path(tmp)
        deadline = None if args.rasa_budget_minutes is None else time.monotonic() + 60 * args.rasa_budget_minutes
        rasa_thread, rasa = run_rasa_in_background([] if args.no_rasa else for_rasa, workdir, epochs, args.rasa_cache,
                                                     not args.rasa_cached_only, deadline)
        if not args.no_demo:
            result["demo-kb"] = evaluate_demo_kb(encoder, second, workdir)
        for dataset, rasa_data in zip(datasets, for_rasa, strict=True):
            result[dataset.name] = {
                "articles": len(dataset.articles),
                "questions_in_kb": sum(len(a.questions) for a in dataset.articles),
                "rasa_questions_in_kb": sum(len(a.questions) for a in rasa_data.articles),
                "test_queries": len(dataset.queries),
                "test_out_of_scope": sum(q.article_id is None for q in dataset.queries),
                "ours": evaluate_ours(dataset, workdir, encoder, second),
            }
        if args.out:  # ours is done; Rasa may still take long on this machine
            args.out.write_text(json.dumps(result | {"rasa": "still training"}, indent=1))
        rasa_thread.join()
        for dataset in datasets if not args.no_rasa else []:
            our_wrong = result[dataset.name]["ours"]["two_encoder_judge"]["judged"]["test"]["wrong_answer_rate"]
            for kind in ("diet", "logreg"):
                found = rasa[f"{dataset.name}/{kind}"]
                if found is None:
                    result[dataset.name][f"rasa_{kind}"] = "not in the cache (--rasa-cached-only)"
                    continue
                if "not_finished" in found:
                    result[dataset.name][f"rasa_{kind}"] = found
                    continue
                top1 = score_results(dataset.queries, found["results"], Thresholds(1, 1)).top1_accuracy
                result[dataset.name][f"rasa_{kind}"] = {key: value for key, value in found.items() if key != "results"} | {
                    "top1_accuracy": round(top1, 4), "at_our_wrong_rate": at_wrong_rate(dataset, found, our_wrong)}
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print("kb_quality: " + " | ".join([summary(dataset.name, result[dataset.name]) for dataset in datasets]
                                      + ([] if args.no_demo else [demo_summary(result["demo-kb"])])))


def summary(name: str, r: dict) -> str:
    ours = r["ours"]["two_encoder_judge"]["judged"]
    test = ours["test"]
    single = r["ours"]["e5_judge"]["judged"]["test"]
    before = r["ours"]["before_neighbours_only"]["test"]
    line = (
        f"{name}: two-encoder judge answers {test['answered_correctly']:.1%} right at {test['wrong_answer_rate']:.1%} "
        f"wrong (top-1 {test['top1_accuracy']:.1%}, oos recall {test['out_of_scope_recall']:.1%}, "
        f"{ours['correct_answers_lost_vs_oracle']:.1%} fewer right than test-best; e5 judge "
        f"{single['answered_correctly']:.1%} at {single['wrong_answer_rate']:.1%}; "
        f"neighbours only as before {before['answered_correctly']:.1%} right at {before['wrong_answer_rate']:.1%} wrong)"
    )
    if isinstance(r.get("rasa_diet"), dict) and "not_finished" in r["rasa_diet"]:
        line += f" vs Rasa DIET not finished ({r['rasa_diet']['epochs_done']}/{r['rasa_diet']['epochs']} epochs)"
    elif isinstance(r.get("rasa_diet"), dict):
        diet = r["rasa_diet"]["at_our_wrong_rate"]["test"]
        ratio = test["answered_correctly"] / diet["answered_correctly"] if diet["answered_correctly"] else float("inf")
        line += f" vs Rasa DIET {diet['answered_correctly']:.1%} at the same wrong rate ({ratio:.2f}x)"
    return line


def demo_summary(r: dict) -> str:
    def line(kind: str) -> str:
        return ", ".join(
            f"{lang} {m['answered_correctly']:.0%} outright / {m['answered_or_offered']:.0%} offered / "
            f"{m['wrong_answer_rate']:.1%} wrong / {m['out_of_scope_recall']:.0%} off-topic handed off"
            for lang, m in r[kind].items() if lang in ("en", "pl", "ru"))

    return (f"demo KB two-encoder judge: {line('two_encoder_judge')}; e5 judge: {line('judged')}; "
            f"neighbours only: {line('neighbours_only')}")


if __name__ == "__main__":
    main()
