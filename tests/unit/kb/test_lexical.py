"""The lexical score of a query, computed without scikit-learn, is scikit-learn's TF-IDF cosine."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from kb_index.lexical import LexicalScorer, terms
from kb_index.settings import load_kb_settings
from kb_index.sources import load_sources

QUERIES = [
    "can I pay with blik?",
    "jak zwrocic lozko, ktore jest za duze",
    "где мой заказ и сколько стоит доставка",
    "the the the and of",  # stop words only
    "zzzz qqqq",  # nothing in the vocabulary
    "delivery delivery delivery to Germany, delivery time",  # repeated terms: sublinear tf
    "",
]


def demo_documents() -> dict[str, str]:
    documents: dict[str, list[str]] = {}
    for a in load_sources(load_kb_settings().source_paths):
        documents.setdefault(f"{a.id}@{a.lang}", []).extend([*a.questions, a.title, a.summary, a.answer])
    return {key: " ".join(texts) for key, texts in documents.items()}


def test_scores_of_a_loaded_scorer_equal_scikit_learns_tfidf_on_the_demo_kb():
    documents = demo_documents()
    ids = sorted(documents)
    reference = TfidfVectorizer(sublinear_tf=True, analyzer=terms).fit([documents[i] for i in ids])
    expected = (reference.transform(QUERIES) @ reference.transform([documents[i] for i in ids]).T).toarray()

    loaded = LexicalScorer.from_dict(LexicalScorer.fit(documents).to_dict())  # as the action server gets it
    assert loaded.article_ids == ids
    np.testing.assert_allclose(loaded.scores(QUERIES), expected, rtol=1e-9, atol=1e-12)
    assert expected[0].max() > 0 and expected[3].max() == 0 and expected[4].max() == 0
