"""The vector search structure: exact (flat) while it is fast enough, approximate (HNSW) above.

A flat index compares the query with every vector: always right, and at a
few tens of thousands of texts still about a millisecond. Above
``exact_search_max`` texts an HNSW graph answers in a fraction of that; how
much it misses is measured at build time against the flat result on a sample
and stored in the version's meta.json, so "approximate" comes with a number.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np

HNSW_NEIGHBOURS = 16
HNSW_EF_CONSTRUCTION = 64
EF_SEARCH_STEPS = (64, 128, 256, 512, 1024)
RECALL_TARGET = 0.98  # recall@10: the entries that decide the best articles
FETCH_RECALL_TARGET = 0.9  # recall of everything fetched for the scorer
RECALL_SAMPLE = 200


def build_search_index(vectors: np.ndarray, exact_search_max: int, fetch: int) -> tuple[faiss.Index, dict[str, Any]]:
    """An index over ``vectors`` and a description of it (type, parameters, measured recall) for meta.json."""
    count, dimension = vectors.shape
    if count <= exact_search_max:
        flat = faiss.IndexFlatIP(dimension)
        flat.add(vectors)
        return flat, {"type": "flat", "entries": count}
    hnsw = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.add(vectors)
    flat = faiss.IndexFlatIP(dimension)
    flat.add(vectors)
    sample = np.random.default_rng(0).choice(count, size=min(RECALL_SAMPLE, count), replace=False)
    fetch = min(fetch, count - 1)
    for ef_search in EF_SEARCH_STEPS:
        hnsw.hnsw.efSearch = max(ef_search, fetch)
        recall = measure_recall(hnsw, flat, vectors, sample, fetch)
        if recall["recall_at_10"] >= RECALL_TARGET and recall["recall_at_fetch"] >= FETCH_RECALL_TARGET:
            break
    info = {"type": "hnsw", "entries": count, "m": HNSW_NEIGHBOURS, "ef_search": int(hnsw.hnsw.efSearch)}
    return hnsw, info | recall | {"recall_sample": len(sample)}


def measure_recall(approximate: faiss.Index, exact: faiss.Index, vectors: np.ndarray, sample: np.ndarray, fetch: int) -> dict:
    """Share of the exact top-10 and top-``fetch`` neighbours the approximate index also returns.

    The sample's own vectors serve as queries (each one dropped from both
    answers): like shoppers' questions, they sit among the indexed texts.
    """
    queries = np.ascontiguousarray(vectors[sample])
    _, truth = exact.search(queries, fetch + 1)
    _, found = approximate.search(queries, fetch + 1)
    result = {}
    for k, name in ((10, "recall_at_10"), (fetch, "recall_at_fetch")):
        shares = []
        for own, true_row, found_row in zip(sample, truth, found, strict=True):
            expected = [i for i in true_row if i != own][:k]
            got = {i for i in found_row if i != own}
            shares.append(len(got.intersection(expected)) / max(1, len(expected)))
        result[name] = round(float(np.mean(shares)), 4)
    result["fetch"] = fetch
    return result


def configure_loaded(index: faiss.Index, info: dict[str, Any]) -> None:
    """Restore search-time parameters that are not part of the saved index file."""
    if info.get("type") == "hnsw":
        faiss.downcast_index(index).hnsw.efSearch = int(info["ef_search"])
