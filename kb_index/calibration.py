"""Choosing the answer policy's thresholds from measurements instead of guesses.

``choose_thresholds`` takes search results of labelled questions and picks the
answer score and margin that answer the most questions correctly while
keeping the share of wrong answers (over all questions, in scope or not)
under a bound; then the suggest score that best separates "offer articles"
from "hand off".

Where do labelled questions come from? From the shop's own evaluation set
(``calibrate --queries``) or, without one, from the KB itself
(``self_calibration``): some of each article's questions are held out as
queries, and some whole articles are held out as pseudo out-of-scope topics.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kb_index.evaluation import LabelledQuery
from kb_index.index import Entry, Hit, Searcher, lexical_key
from kb_index.settings import JUDGE_ON, JudgeOn, Thresholds

MISSED_HAND_OFF_COST = 0.5
MARGINS = tuple(round(float(m), 3) for m in np.arange(0.0, 0.2001, 0.01))


@dataclass(frozen=True)
class Calibration:
    thresholds: Thresholds
    expected_correct: float  # share of in-scope questions answered right, on the calibration data
    expected_wrong: float  # share of all questions answered wrong
    queries: int
    method: str

    @classmethod
    def from_meta(cls, meta: dict) -> Calibration:
        about = meta["calibration"]
        return cls(
            Thresholds.from_dict(meta), about["expected_answered_correctly"], about["expected_wrong_answer_rate"],
            about["queries"], about["method"],
        )

    def as_meta(self) -> dict:
        return {
            # Unrounded: a bound rounded up would exclude the very question it was chosen to include.
            "answer": self.thresholds.answer,
            "suggest": self.thresholds.suggest,
            "margin": self.thresholds.margin,
            "judge_on": self.thresholds.judge_on,
            "calibration": {
                "method": self.method,
                "queries": self.queries,
                "expected_answered_correctly": round(self.expected_correct, 4),
                "expected_wrong_answer_rate": round(self.expected_wrong, 4),
            },
        }


MIN_QUERIES_PER_LANGUAGE = 20


def calibrate_by_language(
    queries: Sequence[LabelledQuery],
    results: Sequence[list[Hit]],
    max_wrong: float,
    *,
    method: str,
    weights: np.ndarray | None = None,
    judge_on: Sequence[JudgeOn] = JUDGE_ON,
) -> dict:
    """Thresholds for an index version's meta: over all queries, and for each language with enough of its own.

    A language needs ``MIN_QUERIES_PER_LANGUAGE`` queries, some answerable and
    some not; one without them uses the thresholds chosen over all queries.
    """
    meta = choose_thresholds(queries, results, max_wrong, weights=weights, method=method, judge_on=judge_on).as_meta()
    by_language = {}
    for lang in sorted({q.lang for q in queries if q.lang}):
        rows = [n for n, q in enumerate(queries) if q.lang == lang]
        kinds = {queries[n].article_id is None for n in rows}
        if len(rows) >= MIN_QUERIES_PER_LANGUAGE and kinds == {True, False}:
            subset, found = [queries[n] for n in rows], [results[n] for n in rows]
            chosen = choose_thresholds(
                subset, found, max_wrong, weights=None if weights is None else weights[rows], method=f"{method} [{lang}]",
                judge_on=judge_on,
            )
            by_language[lang] = chosen.as_meta()
    if by_language:
        meta["by_language"] = by_language
    return meta


@dataclass(frozen=True)
class _Table:
    """Search results as arrays: one row per question."""

    top1: np.ndarray  # best article's score
    gap: np.ndarray  # best minus runner-up
    top1_right: np.ndarray  # the best article is the expected one
    in_scope: np.ndarray
    right_score: np.ndarray  # score of the expected article among the hits, -inf if absent
    weights: np.ndarray


def _table(
    queries: Sequence[LabelledQuery], results: Sequence[list[Hit]], weights: np.ndarray | None, judge_on: JudgeOn
) -> _Table:
    top1 = np.array([hits[0].score_on(judge_on) if hits else -np.inf for hits in results])
    second = np.array([hits[1].score_on(judge_on) if len(hits) > 1 else 0.0 for hits in results])
    right = np.array([bool(hits) and hits[0].article_id == q.article_id for q, hits in zip(queries, results, strict=True)])
    right_score = np.array(
        [next((h.score_on(judge_on) for h in hits if h.article_id == q.article_id), -np.inf)
         for q, hits in zip(queries, results, strict=True)]
    )
    in_scope = np.array([q.article_id is not None for q in queries])
    w = np.ones(len(queries)) if weights is None else np.asarray(weights, dtype=float)
    return _Table(top1, top1 - second, right & in_scope, in_scope, right_score, w)


def choose_thresholds(
    queries: Sequence[LabelledQuery],
    results: Sequence[list[Hit]],
    max_wrong: float,
    *,
    weights: np.ndarray | None = None,
    method: str = "labelled",
    judge_on: Sequence[JudgeOn] = JUDGE_ON,
) -> Calibration:
    """Thresholds maximising correct answers with (weighted) wrong-answer rate <= ``max_wrong``.

    Each score in ``judge_on`` is tried. The first is the default; another
    replaces it only where it answers clearly more of the same questions right
    (``_clearly_better``): a calibration set has tens of questions per
    language, and near-identical vectors (one model on two runtimes) must not
    flip the operating point on a difference of a question or two.
    """
    if not queries:
        raise ValueError("no questions to calibrate on")
    default, *others = (_choose_on(scale, queries, results, max_wrong, weights, method) for scale in judge_on)
    default_right = _answered_right(queries, results, weights, default.thresholds)
    better = [c for c in others if _clearly_better(_answered_right(queries, results, weights, c.thresholds), default_right)]
    return max(better, key=lambda c: (round(c.expected_correct, 9), -round(c.expected_wrong, 9)), default=default)


SIGN_TEST_Z = 1.645  # one-sided 5 %


def _answered_right(
    queries: Sequence[LabelledQuery], results: Sequence[list[Hit]], weights: np.ndarray | None, thresholds: Thresholds
) -> np.ndarray:
    """Each question's weight where ``thresholds`` answer it with the right article, else 0."""
    t = _table(queries, results, weights, thresholds.judge_on)
    answered = (t.top1 >= thresholds.answer) & (t.gap >= thresholds.margin)
    return np.where(t.top1_right & answered, t.weights, 0.0)


def _clearly_better(candidate: np.ndarray, default: np.ndarray) -> bool:
    """A paired sign test on the questions only one of the two answers right."""
    gained = float(candidate[default == 0].sum())
    lost = float(default[candidate == 0].sum())
    return gained - lost > SIGN_TEST_Z * np.sqrt(gained + lost)


def _choose_on(
    judge_on: JudgeOn,
    queries: Sequence[LabelledQuery],
    results: Sequence[list[Hit]],
    max_wrong: float,
    weights: np.ndarray | None,
    method: str,
) -> Calibration:
    t = _table(queries, results, weights, judge_on)
    total = t.weights.sum()
    in_scope_total = t.weights[t.in_scope].sum() or 1.0
    never = float(np.max(t.top1[np.isfinite(t.top1)], initial=0.0)) + 1e-3  # "never answer" is always allowed
    best_key, best = (0.0, 0.0, 0.0, -never), (0.0, 0.0, never, 0.0)
    for margin in MARGINS:
        for answer, correct, wrong in _sweep(t, margin, total, in_scope_total):
            if wrong > max_wrong:
                continue
            # Ties go to the lower wrong rate, then the smaller margin and lower bar (fewer needless hand-offs).
            key = (round(correct, 9), -round(wrong, 9), -margin, -answer)
            if key > best_key:
                best_key, best = key, (correct, wrong, answer, margin)
    correct, wrong, answer, margin = best
    suggest = _choose_suggest(t, answer)
    thresholds = Thresholds(answer=answer, suggest=suggest, margin=margin, judge_on=judge_on)
    return Calibration(thresholds, correct, wrong, len(queries), method)


def _sweep(t: _Table, margin: float, total: float, in_scope_total: float) -> list[tuple[float, float, float]]:
    """(answer bound, correct share, wrong share) for every distinct answer bound, at one margin."""
    clear = np.flatnonzero((t.gap >= margin) & np.isfinite(t.top1))
    if not clear.size:
        return []
    order = clear[np.argsort(-t.top1[clear], kind="stable")]
    scores = t.top1[order]
    correct = np.cumsum(t.weights[order] * t.top1_right[order]) / in_scope_total
    wrong = np.cumsum(t.weights[order] * ~t.top1_right[order]) / total
    # Answering every question scoring >= scores[i]: the last position of each distinct score counts.
    last = np.flatnonzero(np.append(scores[1:] != scores[:-1], True))
    return [(float(scores[i]), float(correct[i]), float(wrong[i])) for i in last]


def _choose_suggest(t: _Table, answer: float) -> float:
    """The suggest bound maximising (in-scope questions whose article is offered) + ½ (out-of-scope ones handed off).

    A hand-off missed costs less than an answer missed: the suggestions always
    come with a button to a person, while "I don't know" to an answerable
    question leaves the shopper without the article.
    """
    out_total = t.weights[~t.in_scope].sum()
    in_total = t.weights[t.in_scope].sum()
    if not out_total or not in_total:
        return answer  # nothing to balance against: only confident answers
    candidates = np.unique(np.concatenate([t.top1[np.isfinite(t.top1)], [answer]]))
    candidates = candidates[candidates <= answer]
    best_value, best_suggest = -1.0, answer
    for suggest in candidates:
        offered = t.in_scope & (t.right_score >= suggest)
        handed_off = ~t.in_scope & (t.top1 < suggest)
        value = t.weights[offered].sum() / in_total + MISSED_HAND_OFF_COST * t.weights[handed_off].sum() / out_total
        if value > best_value:
            best_value, best_suggest = value, float(suggest)
    return best_suggest


@dataclass(frozen=True)
class SelfCalibrationPlan:
    """How the KB's own questions stand in for labelled shopper questions.

    Naive cross-validation over-estimates how well live questions score: an
    editor's questions for one article are paraphrases of each other (often
    near-copies), so a held-out one finds its twin and scores higher than any
    shopper's wording would; and the held-out articles that play "out of
    scope" make up whatever share of the queries the fold sizes happen to give.
    Both push the answer bound up until half the answerable questions are
    handed off. So: a held-out question's near-duplicates leave the fold's
    index with it, and the pseudo out-of-scope questions are weighted to the
    share of unanswerable questions expected in live traffic.
    """

    folds: int = 5
    held_out_articles: float = 0.2  # share of articles playing "out of scope" in each fold
    duplicate_similarity: float | None = 0.9  # None = naive cross-validation
    out_of_scope_share: float | None = 0.3  # None = as many as the folds give; see estimate_out_of_scope_share


@dataclass(frozen=True)
class Fold:
    """One round of self-calibration: the entries indexed, and the questions asked of them."""

    kept: list[int]  # entry rows
    asked: list[tuple[int, str | None]]  # (entry row, expected article; None = its article is held out)


def self_calibration_folds(
    entries: Sequence[Entry], vectors: np.ndarray, plan: SelfCalibrationPlan, seed: int = 0
) -> list[Fold]:
    """The folds of SelfCalibrationPlan: held-out questions without their near-duplicates, held-out articles."""
    by_article: dict[str, list[int]] = {}
    for n, entry in enumerate(entries):
        by_article.setdefault(entry.article_id, []).append(n)
    ids = sorted(by_article)
    random.Random(seed).shuffle(ids)
    per_fold = max(1, round(len(ids) * plan.held_out_articles))
    folds = []
    for fold in range(plan.folds):
        outside = set(ids[fold::plan.folds][:per_fold]) if len(ids) > 2 else set()
        kept: list[int] = []
        asked: list[tuple[int, str | None]] = []
        for article_id, rows in by_article.items():
            questions = [n for n in rows if entries[n].kind == "question"]
            if article_id in outside:
                asked += [(n, None) for n in questions]
                continue
            held = questions[fold::plan.folds] if len(questions) > 1 else []
            remaining = [n for n in rows if n not in set(held)]
            if held and plan.duplicate_similarity is not None:
                similarity = vectors[held] @ vectors[remaining].T
                twins = similarity.max(axis=0) >= plan.duplicate_similarity
                # Never empty an article: its passage stays whatever it resembles.
                remaining = [n for n, twin in zip(remaining, twins, strict=True) if not twin or entries[n].kind == "passage"]
            asked += [(n, article_id) for n in held]
            kept += remaining
        if asked and kept:
            folds.append(Fold(kept, asked))
    return folds


def fold_searcher(entries: Sequence[Entry], vectors: np.ndarray, fold: Fold, scoring: dict) -> Searcher:
    """The bot's own scoring over the fold's entries, in memory."""
    documents: dict[str, list[str]] = {}
    for n in fold.kept:
        documents.setdefault(lexical_key(entries[n].article_id, entries[n].lang), []).append(entries[n].text)
    joined = {key: " ".join(texts) for key, texts in documents.items()}
    return Searcher.in_memory([entries[n] for n in fold.kept], vectors[fold.kept], joined, scoring)


def out_of_scope_weights(queries: Sequence[LabelledQuery], share: float | None) -> np.ndarray | None:
    """Weights giving the pseudo out-of-scope questions ``share`` of the total (None: as they come)."""
    outside = np.array([q.article_id is None for q in queries])
    if share is None or not outside.any() or outside.all():
        return None
    return np.where(outside, share / outside.sum(), (1 - share) / (~outside).sum())


def self_calibration_data(
    entries: Sequence[Entry], vectors: np.ndarray, scoring: dict, plan: SelfCalibrationPlan, seed: int = 0
) -> tuple[list[LabelledQuery], list[list[Hit]], np.ndarray | None]:
    """Labelled questions, their search results and weights, from the KB's own questions (see SelfCalibrationPlan)."""
    queries: list[LabelledQuery] = []
    results: list[list[Hit]] = []
    for fold in self_calibration_folds(entries, vectors, plan, seed):
        rows = [n for n, _ in fold.asked]
        results += fold_searcher(entries, vectors, fold, scoring).search_vectors(
            vectors[rows], [entries[n].text for n in rows], 3)
        queries += [LabelledQuery(entries[n].text, label, entries[n].lang) for n, label in fold.asked]
    return queries, results, out_of_scope_weights(queries, plan.out_of_scope_share)


# What self-calibration judges on. Held-out KB questions share words with their sibling
# questions, so on them the lexical term looks better than it is on live questions: judged
# on the hybrid score, the chosen bounds answered unanswerable questions (HINT3: 10.9 % of
# test questions answered wrong for a 5 % bound); judged on the dense score while ranking
# by the hybrid one, 4.7 % (bench/kb_quality.py). Labelled questions can tell; these cannot.
SELF_CALIBRATION_JUDGE_ON: JudgeOn = "dense"


def self_calibrate(
    entries: Sequence[Entry],
    vectors: np.ndarray,
    scoring: dict,
    max_wrong: float,
    plan: SelfCalibrationPlan | None = None,
    live_results: Sequence[list[Hit]] | None = None,
) -> dict:
    """Thresholds from the KB alone, no labelled questions needed; per language as ``calibrate_by_language``.

    With ``live_results`` (the search results of questions shoppers really
    asked, e.g. from the tracker store) the out-of-scope share is estimated
    from them instead of taken from the plan.
    """
    plan = plan or SelfCalibrationPlan()
    method = "self" if plan.duplicate_similarity is not None else "self-naive"
    if live_results is not None and len(live_results) and plan.duplicate_similarity is not None:
        unweighted = SelfCalibrationPlan(plan.folds, plan.held_out_articles, plan.duplicate_similarity, None)
        queries, results, _ = self_calibration_data(entries, vectors, scoring, unweighted)
        share = estimate_out_of_scope_share(queries, results, live_results, SELF_CALIBRATION_JUDGE_ON)
        plan = SelfCalibrationPlan(plan.folds, plan.held_out_articles, plan.duplicate_similarity, share)
        method = f"self, out-of-scope share {share:.2f} estimated from {len(live_results)} live questions"
    queries, results, weights = self_calibration_data(entries, vectors, scoring, plan)
    return calibrate_by_language(
        queries, results, max_wrong, method=method, weights=weights, judge_on=(SELF_CALIBRATION_JUDGE_ON,)
    )


def estimate_out_of_scope_share(
    queries: Sequence[LabelledQuery], results: Sequence[list[Hit]], live_results: Sequence[list[Hit]], judge_on: JudgeOn
) -> float:
    """How many live questions the KB cannot answer, from their scores alone (no labels).

    Half of the pseudo out-of-scope questions score below their median ``m``,
    and a share ``q`` of the answerable ones do; so if a share ``F`` of live
    questions scores below ``m``, then F = 0.5 p + q (1 - p). Held-out KB
    questions score higher than live ones, so ``q`` is low and the estimate
    leans high (measured in bench/kb_quality.py): on the safe side for the
    wrong-answer bound. Clipped to [0.05, 0.9] so neither kind is ignored.
    """
    top = np.array([hits[0].score_on(judge_on) if hits else -np.inf for hits in results])
    live_top = np.array([hits[0].score_on(judge_on) if hits else -np.inf for hits in live_results])
    outside = np.array([q.article_id is None for q in queries])
    if not outside.any() or outside.all():
        return SelfCalibrationPlan.out_of_scope_share or 0.3
    median = float(np.median(top[outside]))
    below_in_scope = float(np.mean(top[~outside] < median))
    below_live = float(np.mean(live_top < median))
    share = (below_live - below_in_scope) / max(0.5 - below_in_scope, 1e-6)
    return float(np.clip(share, 0.05, 0.9))


# The pseudo out-of-scope score quantiles the share bound is read at: below the lower ones
# too few fold questions lie for a ratio that means anything.
SHARE_BOUND_QUANTILES = tuple(round(float(q), 2) for q in np.arange(0.25, 0.951, 0.05))
MAX_OUT_OF_SCOPE_SHARE = 0.9


def bound_out_of_scope_share(
    queries: Sequence[LabelledQuery], results: Sequence[list[Hit]], live_results: Sequence[list[Hit]], judge_on: JudgeOn
) -> float:
    """An upper bound on the share of live questions the KB cannot answer, from their scores alone (no labels).

    If a share ``p`` of live traffic is unanswerable and unanswerable questions
    score like the pseudo out-of-scope ones, then for every score ``t``:
    P_live(score < t) >= p * P_pseudo(score < t), so p <= the smallest ratio of
    the two over ``t``. Unlike estimate_out_of_scope_share this assumes nothing
    about the answerable live questions, whose scores the KB's own held-out
    questions do not predict in either direction (HINT3's score lower, HWU64's
    higher; bench/kb_quality.py). The estimate went under the true share where
    the KB's questions were harder than live ones; the bound cannot.
    """
    top = np.array([hits[0].score_on(judge_on) if hits else -np.inf for hits in results])
    live_top = np.array([hits[0].score_on(judge_on) if hits else -np.inf for hits in live_results])
    outside = np.array([q.article_id is None for q in queries])
    if not outside.any() or not len(live_top):
        return MAX_OUT_OF_SCOPE_SHARE
    pseudo = top[outside]
    ratios = [np.mean(live_top < np.quantile(pseudo, q)) / q for q in SHARE_BOUND_QUANTILES]
    return float(np.clip(min(ratios), 0.05, MAX_OUT_OF_SCOPE_SHARE))
