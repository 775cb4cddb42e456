"""What the channels' guards cost on a turn, against Rasa's plain REST channel in the same run.

Starts the real stack (our channels: sender-id rule, size limits, the no-silence check) and a
second Rasa server on the same model and action server with Rasa's own `rest:` channel, then
times the same turns on both, interleaved so machine noise hits both alike:
  greeting   Rasa NLU + a rule + a template
  kb_answer  a shop question answered by the action server from the KB index

Usage: .venv/bin/python -m bench.channel_guards [--rounds 20]
Prints a JSON result, then one summary line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.chat_latency import KB_QUESTIONS
from tests.support.processes import Service, free_port
from tests.support.stack import RASA_SERVER, REPO_ROOT, start_stack

TURNS = {"greeting": lambda i: "hello", "kb_answer": lambda i: KB_QUESTIONS[i % len(KB_QUESTIONS)]}


def timed(rasa_url: str, message: str) -> float:
    body = {"sender": f"bench-{uuid.uuid4().hex}", "message": message, "metadata": {"language": "en"}}
    started = time.perf_counter()
    httpx.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=60).raise_for_status()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-guards-"))
    stack = start_stack(workdir)
    plain = None
    try:
        (workdir / "plain-credentials.yml").write_text("rest:\n")
        port = free_port()
        env = {
            "ACTION_ENDPOINT_URL": f"{stack.action_url}/webhook", "TRACKER_DB": str(workdir / "plain-tracker.db"),
            "EVENT_BROKER_DB": str(workdir / "plain-events.db"), "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        # The later --credentials wins: the same server, with Rasa's own REST channel.
        plain = Service(f"rasa-plain-{port}", [str(RASA_SERVER), "-m", str(REPO_ROOT / "models"), "--port", str(port),
                                               "--credentials", str(workdir / "plain-credentials.yml")], env)
        plain_url = f"http://127.0.0.1:{port}"
        plain.wait_until(lambda: httpx.get(f"{plain_url}/webhooks/rest/", timeout=2).status_code == 200, 300)
        servers = {"guarded": stack.rasa_url, "plain": plain_url}
        for url in servers.values():  # warm-up
            for make in TURNS.values():
                timed(url, make(0))
        samples = {(server, turn): [] for server in servers for turn in TURNS}
        for i in range(args.rounds):
            for turn, make in TURNS.items():
                for server, url in servers.items():
                    samples[server, turn].append(timed(url, make(i)))
    finally:
        if plain:
            plain.stop()
        stack.stop()
    result = {
        turn: {
            **{f"{server}_median_ms": round(statistics.median(samples[server, turn]), 1) for server in servers},
        }
        for turn in TURNS
    }
    for values in result.values():
        values["ratio_guarded_to_plain"] = round(values["guarded_median_ms"] / values["plain_median_ms"], 3)
    print(json.dumps({"rounds": args.rounds, "turns": result}, indent=1))
    print(
        "channel_guards: "
        + ", ".join(f"{turn} x{values['ratio_guarded_to_plain']} ({values['guarded_median_ms']} vs "
                    f"{values['plain_median_ms']} ms)" for turn, values in result.items())
        + f", median over {args.rounds}, guarded channel vs Rasa's plain REST channel"
    )


if __name__ == "__main__":
    main()
