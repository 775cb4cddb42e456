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


def candidates(hits: list[Hit], probabilities: np.ndarray, labels: tuple[str, ...], text: str) -> tuple[list[Hit], np.ndarray]:
    """The candidate articles of one question (neighbours' best + classifier's best) and their signals."""
    column = {label: n for n, label in enumerate(labels)}
    by_id = {h.article_id: h for h in hits}
    ranked = [labels[n] for n in np.argsort(-probabilities)[:CANDIDATES_EACH]]
    ids = list(dict.fromkeys([h.article_id for h in hits[:CANDIDATES_EACH]] + ranked))
    floor_dense = min((h.dense for h in hits), default=0.0)
    floor_hybrid = min((h.score for h in hits), default=0.0)
    found = [by_id.get(a) or Hit(a, floor_hybrid, "", floor_dense) for a in ids]
    p = np.array([probabilities[column[a]] if a in column else 0.0 for a in ids])
    dense = np.array([h.dense for h in found])
    hybrid = np.array([h.score for h in found])
    top_neighbour = hits[0].article_id if hits else None
    top_class = ranked[0] if ranked else None

    def lead(values: np.ndarray, everything: np.ndarray) -> np.ndarray:
        # The value minus the best *other* candidate's (everything: all values seen for the question).
        best, second = np.sort(everything)[::-1][:2] if len(everything) > 1 else (everything[0], everything[0] - 1)
        return np.where(values >= best, values - second, values - best)

    all_p = np.sort(probabilities)[::-1]
    p_lead = np.where(p >= all_p[0], p - (all_p[1] if len(all_p) > 1 else 0.0), p - all_p[0])
    classifier_top = np.array([a == top_class for a in ids], dtype=float)
    neighbours_top = np.array([a == top_neighbour for a in ids], dtype=float)
    length = np.full(len(ids), np.log1p(len(text.split())))
    features = np.column_stack([
        p, p_lead, np.log(p + 1e-4), dense, lead(dense, np.array([h.dense for h in hits] or [0.0])),
        lead(hybrid, np.array([h.score for h in hits] or [0.0])), hybrid - dense,
        classifier_top, neighbours_top, classifier_top * neighbours_top, length,
    ])
    return found, features


@dataclass(frozen=True)
class Judge:
    classifier: ArticleClassifier
    correctness: CorrectnessModel

    def rerank(self, vectors: np.ndarray, texts: Sequence[str], results: Sequence[list[Hit]], k: int) -> list[list[Hit]]:
        """Each question's candidates with their confidence, most likely right first, ``k`` of them."""
        probabilities = self.classifier.probabilities(vectors)
        judged = []
        for row, (text, hits) in enumerate(zip(texts, results, strict=True)):
            found, features = candidates(hits, probabilities[row], self.classifier.labels, text)
            confidence = self.correctness.probability(features)
            order = np.argsort(-confidence, kind="stable")[:k]
            judged.append([replace(found[n], confidence=float(confidence[n])) for n in order])
        return judged

    def save(self, directory: Path) -> None:
        c, m = self.classifier, self.correctness
        np.savez(
            directory / JUDGE_FILE, labels=np.array(c.labels, dtype=str), c_mean=c.mean, c_scale=c.scale, c_coef=c.coef,
            c_intercept=c.intercept, m_mean=m.mean, m_scale=m.scale, m_coef=m.coef, m_intercept=np.array([m.intercept]),
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
        return cls(classifier, correctness)
