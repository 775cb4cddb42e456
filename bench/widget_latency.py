"""Time from pressing Enter in the chat widget to the bot's answer appearing, measured in the browser.

Starts the real stack and the demo shop (as the browser tests do), opens the shop in headless
Chromium and, per turn, takes performance.now() at the frame after the bot's first message is in
the page, minus the Enter keydown event's timeStamp. Turn kinds, interleaved:
  baseline    "hello": Rasa NLU + a rule + a template, no KB search
  kb_answer   a shop question answered from the KB index by the action server

Usage: .venv/bin/python -m bench.widget_latency [--rounds 20]
Prints a JSON result, then one summary line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import Page

from bench.chat_latency import KB_QUESTIONS
from tests.browser.chat import Chat
from tests.browser.servers import DESKTOP, start_shop
from tests.support.browser import chromium
from tests.support.stack import start_stack

# Resolves window.widgetLatency with the milliseconds from the next Enter to the next bot message.
ARM_TIMER = """() => {
  const root = document.querySelector("shop-assistant-widget").shadowRoot;
  const log = root.querySelector(".log");
  const botMessages = () => log.querySelectorAll(".msg--bot, .msg--agent").length;
  const before = botMessages();
  window.widgetLatency = new Promise((resolve) => {
    let pressedAt = null;
    root.querySelector("textarea").addEventListener("keydown", (event) => {
      if (event.key === "Enter") pressedAt = event.timeStamp;
    }, { once: true });
    const observer = new MutationObserver(() => {
      if (pressedAt === null || botMessages() === before) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - pressedAt));
    });
    observer.observe(log, { childList: true });
  });
}"""


def timed(page: Page, chat: Chat, message: str) -> float:
    chat.input.fill(message)
    page.evaluate(ARM_TIMER)
    chat.input.press("Enter")
    elapsed = page.evaluate("window.widgetLatency")
    chat.wait_until_answered()  # the turn is over before the next one starts
    return elapsed


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered), 1), "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    turns = {"baseline": lambda i: "hello", "kb_answer": lambda i: KB_QUESTIONS[i % len(KB_QUESTIONS)]}
    samples: dict[str, list[float]] = {name: [] for name in turns}
    stack = start_stack(Path(tempfile.mkdtemp(prefix="bench-widget-")))
    shop, shop_url = start_shop(stack)
    try:
        with chromium() as browser:
            page = browser.new_page(viewport=DESKTOP)
            page.goto(shop_url)
            chat = Chat(page)
            chat.open()
            for message in ("hello", KB_QUESTIONS[0]):  # warm-up: loads the encoder, opens the socket
                timed(page, chat, message)
            for i in range(args.rounds):
                for name, make in turns.items():  # interleaved, so machine noise hits both alike
                    samples[name].append(timed(page, chat, make(i)))
    finally:
        shop.stop()
        stack.stop()
    result = {name: summary(values) for name, values in samples.items()}
    base = result["baseline"]["median_ms"]
    result["kb_answer"]["ratio_to_baseline"] = round(result["kb_answer"]["median_ms"] / base, 2)
    print(json.dumps({"rounds": args.rounds, "browser": "headless Chromium", "turns": result}, indent=1))
    print(
        f"widget_latency: Enter to answer on screen, KB question {result['kb_answer']['median_ms']} ms "
        f"(x{result['kb_answer']['ratio_to_baseline']} of the greeting baseline, {base} ms), median over {args.rounds}"
    )


if __name__ == "__main__":
    main()
