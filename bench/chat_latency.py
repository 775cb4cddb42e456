"""Reply latency of the REST channel, measured against a baseline in the same run.

Starts the real stack (as the integration tests do) and times, per turn kind:
  baseline    a greeting: Rasa NLU + a rule + a template, no action server
  kb_answer   a shop question answered from the KB index
  order_turn  an order-status lookup with number and e-mail in one message

Usage: .venv/bin/python -m bench.chat_latency [--rounds 20]
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

from orders.demo_shop import DEMO_ORDERS
from tests.support.stack import Stack, start_stack

KB_QUESTIONS = [
    "how long does shipping to germany take?",
    "can I pay with paypal?",
    "what's your returns policy?",
    "do you sell gift cards?",
    "I forgot my password",
]


def timed(stack: Stack, message: str) -> float:
    started = time.perf_counter()
    stack.send(f"bench-{uuid.uuid4().hex[:10]}", message)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    order = DEMO_ORDERS[4]
    turns = {
        "baseline": lambda i: "hello",
        "kb_answer": lambda i: KB_QUESTIONS[i % len(KB_QUESTIONS)],
        "order_turn": lambda i: f"where is order {order.number}? my email is {order.email}",
    }
    stack = start_stack(Path(tempfile.mkdtemp(prefix="bench-")))
    try:
        for message in ("hello", KB_QUESTIONS[0], turns["order_turn"](0)):  # warm-up
            timed(stack, message)
        samples: dict[str, list[float]] = {name: [] for name in turns}
        for i in range(args.rounds):
            for name, make in turns.items():  # interleaved, so machine noise hits all alike
                samples[name].append(timed(stack, make(i)))
    finally:
        stack.stop()
    result = {
        name: {"median_ms": round(statistics.median(v), 1), "p90_ms": round(sorted(v)[int(0.9 * (len(v) - 1))], 1)}
        for name, v in samples.items()
    }
    base = result["baseline"]["median_ms"]
    for name in ("kb_answer", "order_turn"):
        result[name]["ratio_to_baseline"] = round(result[name]["median_ms"] / base, 2)
    print(json.dumps({"rounds": args.rounds, "turns": result}, indent=1))
    print(
        f"chat_latency: baseline {base} ms, KB answer {result['kb_answer']['median_ms']} ms "
        f"(x{result['kb_answer']['ratio_to_baseline']}), order turn {result['order_turn']['median_ms']} ms "
        f"(x{result['order_turn']['ratio_to_baseline']}) median over {args.rounds}"
    )


if __name__ == "__main__":
    main()
