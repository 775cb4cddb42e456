"""The lexical half of the hybrid score: TF-IDF cosine between a query and an article.

Dense embeddings miss rare, decisive words (a payment brand, a product name,
a code); word overlap catches them. Measured on the demo KB's held-out
questions, adding it lifted top-1 accuracy and widened the gap to
out-of-scope questions (see README, "How answers are chosen").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

WORD = re.compile(r"\w\w+")


def fold(text: str) -> str:
    """Lower case without diacritics: shoppers type "zwrocic" for "zwrócić" and "еще" for "ещё".

    Measured on the calibration questions: Polish top-1 0.69 -> 0.83 (bench/kb_languages.py).
    """
    text = text.lower().replace("ł", "l").replace("ё", "е")  # ł has no decomposition
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Stop words go: with a few dozen articles IDF cannot mute "the", "jest" or "это", and their
    overlap made off-topic questions look relevant ("ile to jest 17 razy 23" found delivery costs).

    Needed only to fit a vocabulary (a build): spaCy imports thinc, and thinc torch, a second
    OpenMP runtime and ~400 MB an action server searching a built index has no use for.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from spacy.lang.pl.stop_words import STOP_WORDS as POLISH_STOP_WORDS
    from spacy.lang.ru.stop_words import STOP_WORDS as RUSSIAN_STOP_WORDS

    return frozenset(fold(w) for w in (*ENGLISH_STOP_WORDS, *POLISH_STOP_WORDS, *RUSSIAN_STOP_WORDS))


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def terms(text: str) -> list[str]:
    return [word for word in words(text) if word not in stop_words()]


class LexicalScorer:
    """TF-IDF over one document per article and language (its questions, title and answer).

    scikit-learn fits the vocabulary and IDF (a build); scoring a query with them is a few
    sparse operations done here, so the action server does not import scikit-learn and SciPy's
    statistics for it (seconds of start-up). tests/unit/kb/test_lexical.py holds both to the same numbers.
    """

    def __init__(self, article_ids: list[str], documents: list[str], vocabulary: dict[str, int], idf: np.ndarray):
        self.article_ids = article_ids
        self._documents = documents
        self._vocabulary = vocabulary
        self._idf = np.asarray(idf, dtype=np.float64)
        # Transposed once here: converting it on every query cost more than the product itself.
        self._matrix_t = self.transform(documents).T.tocsr()

    @classmethod
    def fit(cls, documents: dict[str, str]) -> LexicalScorer:
        from sklearn.feature_extraction.text import TfidfVectorizer

        ids = sorted(documents)
        vectorizer = TfidfVectorizer(sublinear_tf=True, analyzer=terms)
        vectorizer.fit([documents[i] for i in ids])
        vocabulary = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
        return cls(ids, [documents[i] for i in ids], vocabulary, vectorizer.idf_)

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_ids": self.article_ids,
            "documents": self._documents,
            "vocabulary": self._vocabulary,
            "idf": self._idf.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LexicalScorer:
        return cls(data["article_ids"], data["documents"], data["vocabulary"], np.asarray(data["idf"], dtype=np.float64))

    def transform(self, texts: list[str]) -> csr_matrix:
        """TF-IDF rows as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` makes them: (1 + log tf) x idf, L2-normalised.

        The vocabulary holds no stop words and words outside it count for nothing, so the
        words alone give the same rows as the stop-word-filtered terms of a build.
        """
        rows, columns, values = [], [], []
        for row, text in enumerate(texts):
            counts = Counter(self._vocabulary[w] for w in words(text) if w in self._vocabulary)
            if not counts:
                continue
            found = np.fromiter(counts, dtype=np.int64, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self._idf[found]
            rows += [row] * len(found)
            columns += found.tolist()
            values += (weights / np.linalg.norm(weights)).tolist()
        return csr_matrix((values, (rows, columns)), shape=(len(texts), len(self._idf)), dtype=np.float64)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Cosine similarities, shape (len(texts), number of articles)."""
        return (self.transform(texts) @ self._matrix_t).toarray()
