"""How soon a new handoff reaches every signed-in agent's queue, against the former 2 s polling measured in the same run.

Starts the desk as `make run` does (``python -m desk serve``) against the fake Rasa of the
desk tests (which writes the real SQL event broker table), signs in ``--agents`` agents that
follow ``/events`` as the pages do (on each change, read ``queue.json``), and one that polls
``queue.json`` every 2 s (what the queue page did before). Per handoff: from the pause written
to the broker to the handoff in each agent's ``queue.json``; median and 95th percentile.

Usage: .venv/bin/python -m bench.desk_queue_latency [--rounds 30] [--agents 2]
Prints a JSON result, then one summary line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from tests.browser.desk import AGENTS, running_desk
from tests.desk.agent_client import AgentClient, wait_for
from tests.desk.desk_process import create_agent

POLL_SECONDS = 2.0  # the queue page's former refresh


class Watcher(threading.Thread):
    """An agent's queue page: records when each sender first shows up in its queue.json."""

    def __init__(self, client: AgentClient, push: bool):
        super().__init__(daemon=True)
        self.client, self.push = client, push
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def _read_queue(self) -> None:
        now = time.perf_counter()
        for item in self.client.queue()["waiting"]:
            self.seen.setdefault(item["sender_id"], now)

    def run(self) -> None:
        if not self.push:
            while not self.stop.wait(POLL_SECONDS):
                self._read_queue()
            return
        with self.client.http.stream("GET", "/events", timeout=None) as stream:
            for line in stream.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("event: change"):
                    self._read_queue()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--agents", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_desk(Path(folder)) as desk:
        names = list(AGENTS)
        for index in range(len(names), args.agents):
            names.append(f"agent{index}")
            assert create_agent(desk.desk.env, names[-1], names[-1].title(), "correct horse battery").returncode == 0
        pushed = [Watcher(AgentClient(desk.url).sign_in(name), push=True) for name in names[: args.agents]]
        create_agent(desk.desk.env, "poller", "Poller", "correct horse battery")
        polled = Watcher(AgentClient(desk.url).sign_in("poller"), push=False)
        for watcher in [*pushed, polled]:
            watcher.start()
        time.sleep(1.0)
        started: dict[str, float] = {}
        for round_number in range(args.rounds):
            sender = f"bench-{round_number}"
            desk.fake.shopper_says(sender, "I want to talk to a person", channel="socketio")
            started[sender] = time.perf_counter()
            desk.fake.hand_off(sender, "shopper_asked", language="en")
            wait_for("every agent", lambda s=sender: all(s in w.seen for w in [*pushed, polled]), timeout=30)
            time.sleep(random.uniform(0.1, 0.5))  # handoffs do not come in step with the poll
        for watcher in [*pushed, polled]:
            watcher.stop.set()
    push_ms = [(w.seen[s] - t) * 1000 for w in pushed for s, t in started.items()]
    poll_ms = [(polled.seen[s] - t) * 1000 for s, t in started.items()]
    result = {
        "rounds": args.rounds,
        "agents": args.agents,
        "push_median_ms": round(statistics.median(push_ms), 1),
        "push_p95_ms": round(percentile(push_ms, 0.95), 1),
        "push_max_ms": round(max(push_ms), 1),
        "baseline_poll_2s_median_ms": round(statistics.median(poll_ms), 1),
        "baseline_poll_2s_p95_ms": round(percentile(poll_ms, 0.95), 1),
        "push_to_poll_median_ratio": round(statistics.median(push_ms) / statistics.median(poll_ms), 3),
        "target_ms": 1000,
        "within_target": percentile(push_ms, 0.95) <= 1000,
    }
    print(json.dumps(result, indent=1))
    print(
        f"desk_queue_latency: new handoff in every agent's queue, median {result['push_median_ms']} ms, "
        f"p95 {result['push_p95_ms']} ms (2 s polling: median {result['baseline_poll_2s_median_ms']} ms, "
        f"ratio {result['push_to_poll_median_ratio']})"
    )


if __name__ == "__main__":
    main()
