"""How fast a handoff conversation is: an agent's reply on the shopper's screen, and a shopper's
message in the agent's open conversation, with two real browsers (the widget on the demo shop and
the desk), against the real Rasa, action server and desk.

Each message's send time is the Enter keydown's event time in the sender's page, its arrival the
frame after it is in the other page's DOM; both pages take times from the same machine clock
(performance.timeOrigin + performance.now()). Directions alternate, so machine noise hits both.
Baseline, measured in the same run: the greeting's round trip in the widget (Enter to the bot's
answer on screen), which has no desk in it.

Usage: .venv/bin/python -m bench.handoff_latency [--messages 50]
Prints a JSON result, then one summary line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import uuid
from pathlib import Path

from playwright.sync_api import Page

from tests.browser.chat import GREETING, Chat
from tests.browser.desk_stack import desk_stack
from tests.browser.servers import DESKTOP
from tests.support.browser import chromium

TARGET_MEDIAN_MS = 300
# Records when each new message text appears in `selector` (a list inside an open shadow root or the page).
WATCH = """([hostSelector, listSelector]) => {
  const root = hostSelector ? document.querySelector(hostSelector).shadowRoot : document;
  const list = root.querySelector(listSelector);
  window.arrived = {};
  new MutationObserver((changes) => {
    for (const change of changes) for (const node of change.addedNodes) {
      const key = ((node.textContent || "").match(/bench-[0-9a-f]{12}/) || [])[0];
      if (key && !(key in window.arrived)) {
        window.arrived[key] = null; // on screen at the next frame
        requestAnimationFrame(() => (window.arrived[key] = performance.timeOrigin + performance.now()));
      }
    }
  }).observe(list, { childList: true, subtree: true });
}"""
# Records the Enter keydown's time for the next message typed in `selector`.
ARM_SEND = """([hostSelector, inputSelector]) => {
  const root = hostSelector ? document.querySelector(hostSelector).shadowRoot : document;
  window.sentAt = null;
  root.querySelector(inputSelector).addEventListener("keydown", (event) => {
    if (event.key === "Enter") window.sentAt = performance.timeOrigin + event.timeStamp;
  }, { once: true });
}"""
WIDGET = ("shop-assistant-widget", ".log")
DESK = (None, "#transcript")


def send_and_time(sender: Page, sender_input: tuple, receiver: Page, text_box) -> float:
    key = f"bench-{uuid.uuid4().hex[:12]}"
    text_box.fill(f"Message {key}")
    sender.evaluate(ARM_SEND, list(sender_input))
    text_box.press("Enter")
    receiver.wait_for_function("(key) => window.arrived[key] != null", arg=key, timeout=30_000)
    return receiver.evaluate("(key) => window.arrived[key]", key) - sender.evaluate("window.sentAt")


def greeting_round_trip(page: Page, chat: Chat) -> float:
    before = chat.bot_messages().count()
    chat.input.fill("hello")
    page.evaluate(ARM_SEND, [WIDGET[0], "textarea"])
    chat.input.press("Enter")
    page.wait_for_function(
        "(n) => document.querySelector('shop-assistant-widget').shadowRoot.querySelectorAll('.msg--bot').length > n",
        arg=before,
    )
    arrived = page.evaluate("performance.timeOrigin + performance.now()")
    chat.wait_until_answered()
    return arrived - page.evaluate("window.sentAt")


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[round(0.95 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=50, help="messages each way (default %(default)s)")
    args = parser.parse_args()
    samples: dict[str, list[float]] = {"agent_to_shopper": [], "shopper_to_agent": [], "baseline_greeting": []}
    with desk_stack(Path(tempfile.mkdtemp(prefix="bench-handoff-"))) as running, chromium() as browser:
        shopper = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
        shopper.goto(running.shop)
        chat = Chat(shopper)
        chat.open()
        chat.ask("hello", GREETING)  # warm-up
        for _ in range(5):
            samples["baseline_greeting"].append(greeting_round_trip(shopper, chat))
        _, agent = running.agent_page(browser, "anna")
        running.hand_off(chat)
        running.take(agent)
        shopper.evaluate(WATCH, list(WIDGET))
        agent.evaluate(WATCH, list(DESK))
        reply_box = agent.locator("#reply-text")
        for _ in range(args.messages):
            samples["agent_to_shopper"].append(send_and_time(agent, (None, "#reply-text"), shopper, reply_box))
            samples["shopper_to_agent"].append(send_and_time(shopper, (WIDGET[0], "textarea"), agent, chat.input))
    result = {name: summary(values) for name, values in samples.items()}
    base = result["baseline_greeting"]["median_ms"]
    for name in ("agent_to_shopper", "shopper_to_agent"):
        result[name]["ratio_to_baseline"] = round(result[name]["median_ms"] / base, 2)
        result[name]["meets_target"] = result[name]["median_ms"] <= TARGET_MEDIAN_MS
    print(json.dumps({"messages_each_way": args.messages, "target_median_ms": TARGET_MEDIAN_MS, "results": result}, indent=1))
    print(
        f"handoff_latency: agent->shopper {result['agent_to_shopper']['median_ms']} ms median "
        f"(p95 {result['agent_to_shopper']['p95_ms']}), shopper->agent {result['shopper_to_agent']['median_ms']} ms "
        f"(p95 {result['shopper_to_agent']['p95_ms']}); greeting baseline {base} ms; {args.messages} each way"
    )


if __name__ == "__main__":
    main()
