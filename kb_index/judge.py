"""What an index version learns from its KB's own questions at build time, and how it judges a question.

One cosine bound tuned on the KB's questions was both too cautious (it handed
off most answerable HINT3 questions) and not cautious enough (a bank's
unsupported products, next to its supported ones, went over the 5 % bound).
So each build learns two small models, stored as plain arrays with the
version (no pickles, loaded in milliseconds):

``ArticleClassifier``
    logistic regression from a question's vector to its article, trained on
    the articles' questions: it weighs the directions that tell this KB's
    articles apart, which a nearest-neighbour cosine cannot.
``CorrectnessModel``
    logistic regression over signals of one candidate article for one
    question (classifier probability and its lead, nearest-neighbour dense and
    hybrid scores and their leads, whether classifier and neighbours agree,
    question length) giving the probability that answering with it is right.
    It is trained on folds of the KB: questions held out of their article and
    whole articles held out to play the unanswerable neighbouring topics that
    live traffic brings.

A second encoder (``kb.judge_encoder``, e.g. MiniLM on ONNX Runtime, ~3 ms a
question) may add a second classifier over its own vectors; its probability,
lead and agreement with the first head become signals too, for questions in the
languages it knows (MiniLM: English; elsewhere its signals are zero and an
indicator says so, so it cannot hurt Polish or Russian questions). Two heads
agreeing was the strongest signal measured on HWU64 (bench/kb_signals.py).

The index ranks candidates (the neighbours' and the classifier's best) by that
probability and reports it as ``Hit.confidence``; calibration then bounds it
like any other score (``judge_on: confidence``). Measured in bench/kb_quality.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from kb_index.hits import Hit

JUDGE_FILE = "judge.npz"
# Candidates judged per question: the best few of each ranking. More adds
# nothing measurable (the right article is almost always in both top-3s).
CANDIDATES_EACH = 3
# Neighbour hits fetched to judge from: a classifier candidate absent from them gets the lowest one.
NEIGHBOURS = 10
# Inverse regularisation of the article classifier over standardised vectors (bench/kb_quality.py).
CLASSIFIER_C = 1.0
FEATURES = (
    "probability", "probability_lead", "log_probability", "dense", "dense_lead", "hybrid_lead", "lexical",
    "classifier_top", "neighbours_top", "both_top", "length",
)
# With a second encoder: whether it speaks the question's language, then its head's signals (0 when it does not).
SECOND_FEATURES = ("second_used", "second_probability", "second_lead", "second_top", "heads_agree", "heads_mean")


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class ArticleClassifier:
    labels: tuple[str, ...]
    mean: np.ndarray  # standardisation of the vectors
    scale: np.ndarray
    coef: np.ndarray  # (labels, dimension)
    intercept: np.ndarray

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: Sequence[str], c: float = CLASSIFIER_C) -> ArticleClassifier:
        from sklearn.linear_model import LogisticRegression  # build time only: the bot never imports sklearn

        names = tuple(sorted(set(labels)))
        mean, scale = vectors.mean(axis=0), vectors.std(axis=0) + 1e-6
        if len(names) < 2:  # nothing to tell apart: the one article gets probability 1
            zeros = np.zeros((1, vectors.shape[1]), dtype=np.float32)
            return cls(names, mean, scale, zeros, np.zeros(1, dtype=np.float32))
        model = LogisticRegression(C=c, max_iter=300, tol=1e-3)
        model.fit((vectors - mean) / scale, labels)
        assert tuple(model.classes_) == names
        return cls(names, mean, scale, model.coef_.astype(np.float32), model.intercept_.astype(np.float32))

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(questions, labels) probabilities."""
        if len(self.labels) < 2:
            return np.ones((len(vectors), 1), dtype=np.float32)
        return _softmax(((vectors - self.mean) / self.scale) @ self.coef.T + self.intercept)


@dataclass(frozen=True)
class CorrectnessModel:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (features,)
    intercept: float

    @classmethod
    def fit(cls, features: np.ndarray, right: np.ndarray) -> CorrectnessModel:
        from sklearn.linear_model import LogisticRegression

        mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
        if right.all() or not right.any():  # one kind only: the probability is the observed rate
            rate = float(np.clip(right.mean(), 1e-3, 1 - 1e-3))
            return cls(mean, scale, np.zeros(features.shape[1]), float(np.log(rate / (1 - rate))))
        model = LogisticRegression(C=1.0, max_iter=500).fit((features - mean) / scale, right)
        return cls(mean, scale, model.coef_[0], float(model.intercept_[0]))

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = ((features - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class SecondHead:
    """The second encoder's classifier probabilities for one question (None in rows outside its languages)."""

    probabilities: np.ndarray | None
    labels: tuple[str, ...]


def _top(probabilities: np.ndarray, labels: tuple[str, ...]) -> list[str]:
    return [labels[n] for n in np.argsort(-probabilities)[:CANDIDATES_EACH]]


def _probability_and_lead(probabilities: np.ndarray, labels: tuple[str, ...], ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    column = {label: n for n, label in enumerate(labels)}
    p = np.array([probabilities[column[a]] if a in column else 0.0 for a in ids])
    ordered = np.sort(probabilities)[::-1]
    runner_up = ordered[1] if len(ordered) > 1 else 0.0
    return p, np.where(p >= ordered[0], p - runner_up, p - ordered[0])


def candidates(
    hits: list[Hit], probabilities: np.ndarray, labels: tuple[str, ...], text: str, second: SecondHead | None = None
) -> tuple[list[Hit], np.ndarray]:
    """The candidate articles of one question (neighbours' best + the classifiers' best) and their signals."""
    by_id = {h.article_id: h for h in hits}
    ranked = _top(probabilities, labels)
    second_ranked = _top(second.probabilities, second.labels) if second and second.probabilities is not None else []
    ids = list(dict.fromkeys([h.article_id for h in hits[:CANDIDATES_EACH]] + ranked + second_ranked))
    floor_dense = min((h.dense for h in hits), default=0.0)
    floor_hybrid = min((h.score for h in hits), default=0.0)
    found = [by_id.get(a) or Hit(a, floor_hybrid, "", floor_dense) for a in ids]
    p, p_lead = _probability_and_lead(probabilities, labels, ids)
    dense = np.array([h.dense for h in found])
    hybrid = np.array([h.score for h in found])
    top_neighbour = hits[0].article_id if hits else None
    top_class = ranked[0] if ranked else None

    def lead(values: np.ndarray, everything: np.ndarray) -> np.ndarray:
        # The value minus the best *other* candidate's (everything: all values seen for the question).
        best, second = np.sort(everything)[::-1][:2] if len(everything) > 1 else (everything[0], everything[0] - 1)
        return np.where(values >= best, values - second, values - best)

    classifier_top = np.array([a == top_class for a in ids], dtype=float)
    neighbours_top = np.array([a == top_neighbour for a in ids], dtype=float)
    length = np.full(len(ids), np.log1p(len(text.split())))
    features = np.column_stack([
        p, p_lead, np.log(p + 1e-4), dense, lead(dense, np.array([h.dense for h in hits] or [0.0])),
        lead(hybrid, np.array([h.score for h in hits] or [0.0])), hybrid - dense,
        classifier_top, neighbours_top, classifier_top * neighbours_top, length,
    ])
    if second is None:
        return found, features
    if second.probabilities is None:  # a language the second encoder does not know: its vote is left out
        return found, np.column_stack([features, np.zeros((len(ids), len(SECOND_FEATURES)))])
    p2, p2_lead = _probability_and_lead(second.probabilities, second.labels, ids)
    second_top = np.array([a == second_ranked[0] for a in ids], dtype=float)
    extra = np.column_stack([np.ones(len(ids)), p2, p2_lead, second_top, second_top * classifier_top, (p + p2) / 2])
    return found, np.column_stack([features, extra])


def second_heads(
    classifier: ArticleClassifier | None, vectors: np.ndarray | None, languages: Sequence[str | None], known: Sequence[str]
) -> list[SecondHead | None]:
    """Per question, the second head's probabilities where the second encoder knows the question's language."""
    if classifier is None or vectors is None:
        return [None] * len(languages)
    probabilities = classifier.probabilities(vectors)
    return [SecondHead(probabilities[n] if lang in known else None, classifier.labels) for n, lang in enumerate(languages)]


def query_language(hits: list[Hit]) -> str | None:
    """A live question's language, as far as the index can tell: that of the entries it matched best."""
    return hits[0].lang if hits else None


@dataclass(frozen=True)
class Judge:
    classifier: ArticleClassifier
    correctness: CorrectnessModel
    # The second encoder's classifier and the languages its vote counts in (kb.judge_encoder); None without one.
    second: ArticleClassifier | None = None
    second_languages: tuple[str, ...] = ()

    def rerank(
        self, vectors: np.ndarray, texts: Sequence[str], results: Sequence[list[Hit]], k: int,
        second_vectors: np.ndarray | None = None,
    ) -> list[list[Hit]]:
        """Each question's candidates with their confidence, most likely right first, ``k`` of them.

        ``second_vectors``: the questions encoded by the second encoder (needed when the judge has one).
        """
        probabilities = self.classifier.probabilities(vectors)
        languages = [query_language(hits) for hits in results]
        second = second_heads(self.second, second_vectors, languages, self.second_languages)
        judged = []
        for row, (text, hits) in enumerate(zip(texts, results, strict=True)):
            found, features = candidates(hits, probabilities[row], self.classifier.labels, text, second[row])
            confidence = self.correctness.probability(features)
            order = np.argsort(-confidence, kind="stable")[:k]
            judged.append([replace(found[n], confidence=float(confidence[n])) for n in order])
        return judged

    def save(self, directory: Path) -> None:
        c, m = self.classifier, self.correctness
        second = {}
        if self.second is not None:
            s = self.second
            second = {"s_labels": np.array(s.labels, dtype=str), "s_mean": s.mean, "s_scale": s.scale, "s_coef": s.coef,
                      "s_intercept": s.intercept, "s_languages": np.array(self.second_languages, dtype=str)}
        np.savez(
            directory / JUDGE_FILE, labels=np.array(c.labels, dtype=str), c_mean=c.mean, c_scale=c.scale, c_coef=c.coef,
            c_intercept=c.intercept, m_mean=m.mean, m_scale=m.scale, m_coef=m.coef, m_intercept=np.array([m.intercept]),
            **second,
        )

    @classmethod
    def load(cls, directory: Path) -> Judge | None:
        """The version's judge, or None for a version built without one."""
        path = directory / JUDGE_FILE
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as f:
            classifier = ArticleClassifier(tuple(str(x) for x in f["labels"]), f["c_mean"], f["c_scale"], f["c_coef"],
                                           f["c_intercept"])
            correctness = CorrectnessModel(f["m_mean"], f["m_scale"], f["m_coef"], float(f["m_intercept"][0]))
            if "s_labels" not in f:
                return cls(classifier, correctness)
            second = ArticleClassifier(tuple(str(x) for x in f["s_labels"]), f["s_mean"], f["s_scale"], f["s_coef"],
                                       f["s_intercept"])
            return cls(classifier, correctness, second, tuple(str(x) for x in f["s_languages"]))
