"""How the KB index scales: build time, memory, query latency (encode + search) at 1k, 10k and 100k passages.

The passages are synthetic: random texts over a fixed vocabulary, with
embeddings drawn around topic centres in batches (real encoding of 100k
texts would take most of an hour on 2 cores and says nothing about the
index). Everything else is the real code path: ``build_index`` writes the
version (exact flat search, or HNSW above ``exact_search_max``, with recall
measured), ``KBIndex`` loads it, queries go through the hybrid scorer. The
encoder is timed separately on real questions with the configured model.

Baseline in the same run: exact (flat) search over the same 100k passages.

Usage: .venv/bin/python -m bench.kb_scale [--sizes 1000 10000 100000] [--queries 300]
Prints a JSON result, then one summary line. Target: search p95 < 5 ms at 100k.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kb_index.articles import Article
from kb_index.index import KBIndex, build_index
from kb_index.service import get_encoder
from kb_index.settings import load_kb_settings

DIMENSION = 384
PASSAGES_PER_ARTICLE = 10  # 9 questions + 1 answer passage
VOCABULARY = [f"w{n}" for n in range(20_000)]
QUESTIONS = ["how long does delivery take to berlin", "can I pay with paypal", "my parcel arrived damaged what now",
             "do you sell gift cards", "how do I return a lamp"]


class SyntheticEncoder:
    """Stands in for the model while building: vectors around 2,000 topic centres, like real KB embeddings."""

    name = "synthetic"
    dimension = DIMENSION
    near_duplicate = 0.9

    def __init__(self, seed: int = 0):
        rng = np.random.default_rng(seed)
        self._centres = rng.normal(size=(2000, DIMENSION)).astype(np.float32)
        self._rng = rng

    def encode(self, texts: Sequence[str], *, kind: str) -> np.ndarray:
        topics = self._rng.integers(0, len(self._centres), len(texts))
        vectors = self._centres[topics] + 0.8 * self._rng.normal(size=(len(texts), DIMENSION)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def synthetic_articles(passages: int, seed: int = 0) -> list[Article]:
    rng = random.Random(seed)

    def words(n: int) -> str:
        return " ".join(rng.choices(VOCABULARY, k=n))

    return [
        Article(f"a{n}", "en", words(5), f"https://x/{n}", tuple(words(8) for _ in range(PASSAGES_PER_ARTICLE - 1)), words(40))
        for n in range(passages // PASSAGES_PER_ARTICLE)
    ]


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


def percentiles(values: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(values, 50)), 3), "p95": round(float(np.percentile(values, 95)), 3)}


def time_search(index: KBIndex, queries: np.ndarray, texts: list[str]) -> list[float]:
    timings = []
    for vector, text in zip(queries, texts, strict=True):
        started = time.perf_counter()
        index.searcher.search_vectors(vector[None, :], [text], 3)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def near_queries(index: KBIndex, count: int, seed: int = 1) -> np.ndarray:
    """Query vectors among the indexed ones (a shopper's question resembles some article), not copies of them."""
    rng = np.random.default_rng(seed)
    picked = index.vectors[rng.integers(0, len(index.vectors), count)]
    noisy = picked + 0.05 * rng.normal(size=picked.shape).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def measure(size: int, workdir: Path, query_count: int, exact_search_max: int) -> tuple[dict, KBIndex]:
    settings = load_kb_settings()
    articles = synthetic_articles(size)
    encoder = SyntheticEncoder()
    before = rss_mb()
    started = time.perf_counter()
    out = workdir / f"v{size}"
    build_index(articles, encoder, {"type": "synthetic"}, settings.scoring, out, exact_search_max=exact_search_max)
    build_seconds = time.perf_counter() - started
    index = KBIndex(out, encoder)
    loaded = rss_mb()
    rng = random.Random(2)
    texts = [" ".join(rng.choices(VOCABULARY, k=8)) for _ in range(query_count)]
    search_ms = time_search(index, near_queries(index, query_count), texts)
    result = {
        "passages": len(index.entries),
        "articles": len(articles),
        "search_structure": index.meta["search"],
        "build_seconds_excluding_encoding": round(build_seconds, 2),
        "rss_growth_mb": round(loaded - before, 1),
        "index_files_mb": round(sum(p.stat().st_size for p in out.iterdir()) / 2**20, 1),
        "search_ms": percentiles(search_ms),
    }
    return result, index


def encoder_latency(rounds: int) -> dict[str, float]:
    encoder = get_encoder(load_kb_settings().encoder)
    encoder.encode(QUESTIONS, kind="query")  # warm-up
    timings = []
    for n in range(rounds):
        started = time.perf_counter()
        encoder.encode([QUESTIONS[n % len(QUESTIONS)]], kind="query")
        timings.append((time.perf_counter() - started) * 1000)
    return percentiles(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--out", type=Path, help="also write the JSON result to this file")
    args = parser.parse_args()
    exact_search_max = load_kb_settings().exact_search_max
    encode = encoder_latency(args.queries)
    results = {"encode_ms": encode, "exact_search_max": exact_search_max, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="kb-scale-") as tmp:
        workdir = Path(tmp)
        for size in args.sizes:
            result, index = measure(size, workdir, args.queries, exact_search_max)
            total_p50 = encode["p50"] + result["search_ms"]["p50"]
            result["encoder_share_of_p50"] = round(encode["p50"] / total_p50, 3)
            results["sizes"][str(size)] = result
            if size == max(args.sizes) and index.meta["search"]["type"] != "flat":
                # Baseline: exact search over the same passages, same scorer.
                flat_out = workdir / "flat-baseline"
                start = time.perf_counter()
                build_index(synthetic_articles(size), SyntheticEncoder(), {"type": "synthetic"}, load_kb_settings().scoring,
                            flat_out, exact_search_max=10**9)
                flat_build = time.perf_counter() - start
                flat = KBIndex(flat_out, SyntheticEncoder())
                rng = random.Random(2)
                texts = [" ".join(rng.choices(VOCABULARY, k=8)) for _ in range(args.queries)]
                results["baseline_flat"] = {
                    "passages": size, "build_seconds_excluding_encoding": round(flat_build, 2),
                    "search_ms": percentiles(time_search(flat, near_queries(flat, args.queries), texts)),
                }
            del index
    print(json.dumps(results, indent=1))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    largest = results["sizes"][str(max(args.sizes))]
    structure = largest["search_structure"]
    recall = f", recall@10 {structure['recall_at_10']:.3f}" if "recall_at_10" in structure else ""
    baseline = results.get("baseline_flat", {}).get("search_ms", {}).get("p95")
    print(
        f"kb_scale: {largest['passages']} passages ({structure['type']}{recall}): "
        f"search p50/p95 {largest['search_ms']['p50']:.2f}/{largest['search_ms']['p95']:.2f} ms (target p95 < 5)"
        + (f", exact flat baseline p95 {baseline:.2f} ms" if baseline else "")
        + f"; encode p50 {encode['p50']:.1f} ms = {largest['encoder_share_of_p50']:.0%} of query time; "
        f"build {largest['build_seconds_excluding_encoding']:.0f} s, +{largest['rss_growth_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
