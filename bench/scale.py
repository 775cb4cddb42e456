"""Throughput and p95 of one Rasa replica against two behind HAProxy, the cost of a replica, and how long
the conversations of a killed replica wait before they are served again.

``.venv/bin/python -m bench.scale [--conversations 10 --turns 4]``

The scaled profile as the tests start it (tests/support/scaled.py): PostgreSQL, Redis, RabbitMQ,
2 Rasa servers, 2 action servers, HAProxy, 2 desk processes. "1 replica" sends straight to rasa1 (with both
action servers behind the balancer); "2 replicas" sends through the balancer. JSON out, one summary line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.desk.test_handoff_e2e import project_config_always_open
from tests.support.scaled import Scaled, start_scaled

QUESTIONS = ["how long does delivery take?", "can I return a sofa?", "do you take paypal?", "how do I get an invoice?"]


def load(scaled: Scaled, base: str, conversations: int, turns: int) -> dict[str, float]:
    def one(n: int) -> list[float]:
        me, took = f"bench-{uuid.uuid4().hex[:8]}", []
        for t in range(turns):
            started = time.perf_counter()
            answer = scaled.send(me, QUESTIONS[(n + t) % len(QUESTIONS)], base)
            answer.raise_for_status()
            took.append(time.perf_counter() - started)
        return took

    started = time.perf_counter()
    with ThreadPoolExecutor(conversations) as pool:
        latencies = [s for result in pool.map(one, range(conversations)) for s in result]
    wall = time.perf_counter() - started
    return {
        "turns": len(latencies),
        "turns_per_second": round(len(latencies) / wall, 2),
        "p50_ms": round(statistics.median(latencies) * 1000),
        "p95_ms": round(statistics.quantiles(latencies, n=20)[18] * 1000),
    }


def rss_mb(scaled: Scaled, name: str) -> float:
    status = Path(f"/proc/{scaled.processes[name].process.pid}/status").read_text()
    return round(int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024, 1)


def recovery(scaled: Scaled, conversations: int) -> dict[str, float]:
    """Kill rasa1 under load; for each conversation, the time from the kill to its next answered turn."""
    stop, served_again = threading.Event(), {}
    killed_at: list[float] = []

    def shopper(me: str) -> None:
        n = 0
        while not stop.is_set():
            try:
                ok = scaled.send(me, QUESTIONS[n % len(QUESTIONS)], timeout=120).status_code == 200
            except httpx.HTTPError:
                ok = False
            n += 1
            if ok and killed_at and me not in served_again:
                served_again[me] = time.monotonic() - killed_at[0]

    threads = [threading.Thread(target=shopper, args=(f"rec-{uuid.uuid4().hex[:8]}",)) for _ in range(conversations)]
    for thread in threads:
        thread.start()
    time.sleep(5)
    killed_at.append(time.monotonic())
    scaled.kill("rasa1")
    deadline = time.monotonic() + 120
    while len(served_again) < conversations and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=180)
    waits = sorted(served_again.values())
    return {
        "conversations": conversations,
        "served_again": len(waits),
        "median_s": round(statistics.median(waits), 2) if waits else None,
        "max_s": round(waits[-1], 2) if waits else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--turns", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(tmp)
        scaled = start_scaled(folder, project_config_always_open(folder))
        try:
            load(scaled, scaled.balancer_url, 2, 2)  # warm both replicas and both action servers
            one = load(scaled, scaled.url("rasa1"), args.conversations, args.turns)
            two = load(scaled, scaled.balancer_url, args.conversations, args.turns)
            cost = {name: rss_mb(scaled, name) for name in ("rasa1", "rasa2", "actions1", "actions2", "desk1", "desk2")}
            recovered = recovery(scaled, args.conversations)
        finally:
            scaled.stop()
    result = {
        "one_replica": one,
        "two_replicas": two,
        "throughput_ratio": round(two["turns_per_second"] / one["turns_per_second"], 2),
        "rss_mb": cost,
        "killed_replica_recovery": recovered,
    }
    print(json.dumps(result, indent=1))
    print(
        f"2 replicas vs 1: {result['throughput_ratio']}x throughput, p95 {two['p95_ms']} vs {one['p95_ms']} ms; "
        f"a Rasa replica {cost['rasa1']} MB; after kill -9 its conversations served again in "
        f"{recovered['max_s']} s (max)"
    )


if __name__ == "__main__":
    main()
