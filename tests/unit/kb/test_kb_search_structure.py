"""Exact search for a small KB, an approximate (HNSW) index above the threshold, with its recall measured."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kb_index import build, open_index
from kb_index.ann import build_search_index


def test_small_kb_is_searched_exactly(settings):
    build(settings)
    assert open_index(settings).meta["search"] == {"type": "flat", "entries": 28}


def test_above_the_threshold_the_index_is_approximate_with_measured_recall(settings):
    exact = build(settings)
    exact_hits = open_index(settings, exact.version).search_many(["can I pay with google pay", "parcel is late"], 3)
    approximate = build(replace(settings, exact_search_max=10), full=True)
    index = open_index(settings, approximate.version)
    search = index.meta["search"]
    assert search["type"] == "hnsw" and search["entries"] == 28
    assert 0.9 <= search["recall_at_10"] <= 1.0 and search["recall_sample"] == 28
    hits = index.search_many(["can I pay with google pay", "parcel is late"], 3)
    assert [[h.article_id for h in row] for row in hits] == [[h.article_id for h in row] for row in exact_hits]


def test_recall_is_measured_against_exact_search_on_clustered_vectors():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(50, 32))
    vectors = (centres[rng.integers(0, 50, 3000)] + 0.3 * rng.normal(size=(3000, 32))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index, info = build_search_index(vectors, exact_search_max=1000, fetch=64)
    assert info["type"] == "hnsw" and info["recall_at_10"] >= 0.98 and 0 < info["recall_at_fetch"] <= 1
    _, ids = index.search(vectors[:5], 1)
    assert ids[:, 0].tolist() == [0, 1, 2, 3, 4]  # each vector finds itself
