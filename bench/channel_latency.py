"""Messenger channel latency, against the REST channel measured in the same run.

Starts the real stack with Telegram, WhatsApp, Facebook Messenger, Instagram and Slack enabled,
each pointed at its local fake platform (tests/fakes), and times, per channel, median over ``--rounds``:
  shopper   from posting the platform's webhook ("hello") to the platform receiving our
            send call; baseline: the same turn over REST, request to response
  agent     from the desk's agent-reply call (desk.rasa_client, output_channel=latest) to
            the platform receiving it; baseline: the same call for a REST conversation

Usage: .venv/bin/python -m bench.channel_latency [--rounds 50]
Prints a JSON result, then one summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp

from desk.rasa_client import RasaClient
from tests.channels.chat import ChannelChat
from tests.channels.messenger_chat import MessengerChat
from tests.channels.slack_chat import SlackChat
from tests.channels.telegram_chat import TelegramChat
from tests.channels.whatsapp_chat import WhatsAppChat
from tests.desk.agent_client import wait_for
from tests.fakes.fake_messenger import FakeMessenger
from tests.fakes.fake_slack import FakeSlack
from tests.fakes.fake_telegram import FakeTelegram
from tests.fakes.fake_whatsapp import FakeWhatsApp
from tests.support.stack import Stack, start_stack
from tests.support.threaded_server import serve_in_thread

SECRET, APP_SECRET = "bench-telegram-secret", "bench-app-secret"


def arrival_after(arrivals: list[tuple[float, str]], recipient: str, since: float, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        times = [at for at, to in list(arrivals) if to == recipient and at >= since]
        if times:
            return min(times)
        time.sleep(0.002)
    raise TimeoutError(f"nothing reached {recipient}")


def agent_reply(stack: Stack, sender_id: str) -> None:
    async def send() -> None:
        async with aiohttp.ClientSession() as session:
            await RasaClient(stack.rasa_url, stack.token, session).send_agent_reply(sender_id, "Anna", "Hello from Anna")

    asyncio.run(send())


def shopper_ms(chat: ChannelChat, update: dict, arrivals: list[tuple[float, str]], recipient: str) -> float:
    started = time.monotonic()
    assert chat.post(update).status_code == 200
    at = arrival_after(arrivals, recipient, started)
    wait_for("the turn to end", lambda: chat.turn_over(chat.key_of(update)), 60)  # rounds do not overlap
    return (at - started) * 1000


def agent_ms(stack: Stack, sender_id: str, arrivals: list[tuple[float, str]], recipient: str) -> float:
    started = time.monotonic()
    agent_reply(stack, sender_id)
    return (arrival_after(arrivals, recipient, started) - started) * 1000


def timed_ms(action: Callable[..., object], *args: object) -> float:
    started = time.monotonic()
    action(*args)
    return (time.monotonic() - started) * 1000


CHANNELS = ("telegram", "whatsapp", "facebook", "instagram", "slack")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    telegram, whatsapp, slack = FakeTelegram(), FakeWhatsApp(), FakeSlack()
    messengers = {"facebook": FakeMessenger("EAAB-bench-token", 2000), "instagram": FakeMessenger("IGQ-bench-token", 1000)}
    samples: dict[str, list[float]] = {k: [] for name in ("rest", *CHANNELS) for k in (name, f"{name}_agent")}
    with (serve_in_thread(telegram.app) as telegram_url, serve_in_thread(whatsapp.app) as whatsapp_url,
          serve_in_thread(messengers["facebook"].app) as facebook_url,
          serve_in_thread(messengers["instagram"].app) as instagram_url, serve_in_thread(slack.app) as slack_url):
        env = {"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_API_URL": telegram_url,
               "WHATSAPP_ACCESS_TOKEN": whatsapp.token, "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": "v",
               "WHATSAPP_PHONE_NUMBER_ID": whatsapp.phone_number_id, "WHATSAPP_API_URL": whatsapp_url,
               "SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_url}
        for name, url in (("FACEBOOK", facebook_url), ("INSTAGRAM", instagram_url)):
            env.update({f"{name}_PAGE_TOKEN": messengers[name.lower()].token, f"{name}_APP_SECRET": APP_SECRET,
                        f"{name}_VERIFY_TOKEN": "v", f"{name}_API_URL": url})
        stack = start_stack(Path(tempfile.mkdtemp(prefix="bench-channels-")), env)
        try:
            for i in range(args.rounds + 1):  # round 0 warms up
                rest_sender = f"bench-{uuid.uuid4().hex[:10]}"
                tg, wa = TelegramChat(stack, telegram, SECRET), WhatsAppChat(stack, whatsapp, APP_SECRET)
                fb, ig = (MessengerChat(name, stack, messengers[name], APP_SECRET) for name in ("facebook", "instagram"))
                sl = SlackChat(stack, slack, SECRET)
                # Each chat with its webhook update, the fake's arrivals and the recipient's id there.
                chats: dict[str, tuple[ChannelChat, dict, list[tuple[float, str]], str]] = {
                    "telegram": (tg, tg.message_update("hello"), telegram.arrivals, str(tg.chat_id)),
                    "whatsapp": (wa, wa.text_update("hello"), whatsapp.arrivals, wa.wa_id),
                    "facebook": (fb, fb.text_update("hello"), messengers["facebook"].arrivals, fb.psid),
                    "instagram": (ig, ig.text_update("hello"), messengers["instagram"].arrivals, ig.psid),
                    "slack": (sl, sl.text_update("hello"), slack.arrivals, sl.dm),
                }
                round_ = {"rest": timed_ms(stack.send, rest_sender, "hello")}
                for name, (chat, update, arrivals, recipient) in chats.items():
                    round_[name] = shopper_ms(chat, update, arrivals, recipient)
                round_["rest_agent"] = timed_ms(agent_reply, stack, rest_sender)
                for name, (chat, _, arrivals, recipient) in chats.items():
                    round_[f"{name}_agent"] = agent_ms(stack, chat.sender_id, arrivals, recipient)
                if i:
                    for name, value in round_.items():
                        samples[name].append(value)
        finally:
            stack.stop()
    medians = {name: round(statistics.median(values), 1) for name, values in samples.items()}
    result = {"rounds": args.rounds, "median_ms": medians, "ratio_to_rest": {
        name: round(medians[name] / medians["rest_agent" if name.endswith("_agent") else "rest"], 2)
        for name in medians if not name.startswith("rest")}}
    print(json.dumps(result, indent=1))
    shopper = ", ".join(f"{name} {medians[name]} ms" for name in CHANNELS)
    agent = ", ".join(f"{name} {medians[name + '_agent']} ms" for name in CHANNELS)
    print(f"channel_latency: webhook to send call {shopper} (REST turn {medians['rest']} ms); agent send to platform "
          f"{agent} (REST {medians['rest_agent']} ms), median over {args.rounds}")


if __name__ == "__main__":
    main()
