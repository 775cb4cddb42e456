"""The lexical half of the hybrid score: TF-IDF cosine between a query and an article.

Dense embeddings miss rare, decisive words (a payment brand, a product name,
a code); word overlap catches them. Measured on the demo KB's held-out
questions, adding it lifted top-1 accuracy and widened the gap to
out-of-scope questions (see README, "How answers are chosen").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from spacy.lang.pl.stop_words import STOP_WORDS as POLISH_STOP_WORDS
from spacy.lang.ru.stop_words import STOP_WORDS as RUSSIAN_STOP_WORDS

WORD = re.compile(r"\w\w+")


def fold(text: str) -> str:
    """Lower case without diacritics: shoppers type "zwrocic" for "zwrócić" and "еще" for "ещё".

    Measured on the calibration questions: Polish top-1 0.69 -> 0.83 (bench/kb_languages.py).
    """
    text = text.lower().replace("ł", "l").replace("ё", "е")  # ł has no decomposition
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# Stop words go: with a few dozen articles IDF cannot mute "the", "jest" or "это", and their
# overlap made off-topic questions look relevant ("ile to jest 17 razy 23" found delivery costs).
STOP_WORDS = frozenset(fold(w) for w in (*ENGLISH_STOP_WORDS, *POLISH_STOP_WORDS, *RUSSIAN_STOP_WORDS))


def terms(text: str) -> list[str]:
    return [word for word in WORD.findall(fold(text)) if word not in STOP_WORDS]


def _vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(sublinear_tf=True, vocabulary=vocabulary, analyzer=terms)


class LexicalScorer:
    """TF-IDF over one document per article and language (its questions, title and answer)."""

    def __init__(self, article_ids: list[str], documents: list[str], vectorizer: TfidfVectorizer):
        self.article_ids = article_ids
        self._documents = documents
        self._vectorizer = vectorizer
        # Transposed once here: converting it on every query cost more than the product itself.
        self._matrix_t = vectorizer.transform(documents).T.tocsr()

    @classmethod
    def fit(cls, documents: dict[str, str]) -> LexicalScorer:
        ids = sorted(documents)
        vectorizer = _vectorizer()
        vectorizer.fit([documents[i] for i in ids])
        return cls(ids, [documents[i] for i in ids], vectorizer)

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_ids": self.article_ids,
            "documents": self._documents,
            "vocabulary": {term: int(i) for term, i in self._vectorizer.vocabulary_.items()},
            "idf": self._vectorizer.idf_.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LexicalScorer:
        vectorizer = _vectorizer(data["vocabulary"])
        vectorizer.idf_ = np.asarray(data["idf"], dtype=np.float64)
        return cls(data["article_ids"], data["documents"], vectorizer)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Cosine similarities, shape (len(texts), number of articles)."""
        return (self._vectorizer.transform(texts) @ self._matrix_t).toarray()
