"""The action server's start time and resident memory with the default encoder (e5 on ONNX Runtime), issue 16.

ours      `python -m actions.server` as `make run` starts it, on the shipped KB index.
baseline  the same server in an interpreter that first imports what kb_index/lexical.py imported
          before b2d4ba7 (scikit-learn's text module and spaCy's Polish and Russian stop words, which
          pull in thinc and torch): the previous behaviour, measured in the same run, interleaved.

Start time is from the process start until GET /ready answers 200 (KB index and encoder loaded);
memory is the process's resident set (VmRSS) then, and whether torch's libraries are mapped in it.

Usage: .venv/bin/python -m bench.action_server_start [--rounds 3]
Prints a JSON result, then one summary line. Target: no torch in ours; start time and RSS lower.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

import httpx

from tests.support.processes import Service, free_port

# What the action server imported before the lexical scorer stopped importing it (git show b2d4ba7).
OLD_IMPORTS = "import sklearn.feature_extraction.text, spacy.lang.pl.stop_words, spacy.lang.ru.stop_words"
SERVER = "import runpy, sys; sys.argv[0] = 'actions.server'; runpy.run_module('actions.server', run_name='__main__')"


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def torch_mapped(pid: int) -> bool:
    """Whether any of torch's shared libraries (libtorch*, its bundled libgomp) is mapped in the process."""
    return any("/torch/" in line for line in Path(f"/proc/{pid}/maps").read_text().splitlines())


def start_once(way: str) -> dict:
    port = free_port()
    preload = f"{OLD_IMPORTS}; " if way == "baseline" else ""
    env = {
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(24),
        "ORDER_VERIFICATION_KEY": secrets.token_urlsafe(32),
        "DESK_URL": "http://127.0.0.1:9",  # no desk: the server starts without one
    }
    started = time.monotonic()
    server = Service(f"action-start-{way}-{port}",
                     [sys.executable, "-c", preload + SERVER, "--actions", "actions", "--port", str(port)], env)
    try:
        server.wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200, 600)
        ready = time.monotonic() - started
        pid = server.process.pid
        return {"ready_seconds": round(ready, 2), "rss_mb": round(resident_mb(pid), 1), "torch_mapped": torch_mapped(pid)}
    finally:
        server.stop()


def summary(runs: list[dict]) -> dict:
    return {"runs": runs,
            "median_ready_seconds": round(statistics.median(r["ready_seconds"] for r in runs), 2),
            "median_rss_mb": round(statistics.median(r["rss_mb"] for r in runs), 1),
            "torch_mapped": any(r["torch_mapped"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"ours": [], "baseline": []}
    for _ in range(args.rounds):
        for way in runs:  # interleaved: machine noise hits both alike
            runs[way].append(start_once(way))
    result = {way: summary(values) for way, values in runs.items()}
    print(json.dumps(result, indent=1))
    ours, base = result["ours"], result["baseline"]
    print(f"action_server_start: ours {ours['median_ready_seconds']:.1f} s to /ready, {ours['median_rss_mb']:.0f} MB RSS, "
          f"torch {'LOADED' if ours['torch_mapped'] else 'not loaded'}; baseline (old imports) "
          f"{base['median_ready_seconds']:.1f} s, {base['median_rss_mb']:.0f} MB, torch "
          f"{'loaded' if base['torch_mapped'] else 'not loaded'}")


if __name__ == "__main__":
    main()
