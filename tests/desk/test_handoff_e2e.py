"""Handoff end to end with the real Rasa server, the real action server and the desk process.

One assistant (Rasa + actions + desk) serves the whole module. Support hours are
"always open" so the outcome does not depend on when the tests run; agents sign
out after each test, so whoever is online is the test's own doing.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.desk.agent_client import AgentClient, wait_for
from tests.desk.desk_process import BOT_TOKEN, DeskProcess, create_agent, desk_env, start_desk
from tests.desk.mail_and_webhook import Mailbox, WebhookReceiver, smtp_server
from tests.desk.socketio_shopper import SocketShopper
from tests.desk.support import ALWAYS_OPEN, PASSWORD
from tests.support.metrics import scrape, value
from tests.support.processes import REPO_ROOT, Service, free_port
from tests.support.stack import Stack, start_stack
from tests.support.threaded_server import serve_in_thread


def rasa_socketio_rooms_broken() -> bool:
    """python-socketio 5.10 made ``AsyncServer.enter_room`` a coroutine; Rasa 3.6 calls it without await, so with
    ``session_persistence: true`` a shopper never joins their session's room and receives nothing."""
    site_packages = REPO_ROOT / ".venv-rasa" / "lib" / "python3.10" / "site-packages"
    for dist_info in site_packages.glob("python_socketio-*.dist-info"):
        major, minor = (int(part) for part in dist_info.name.split("-")[1].split(".")[:2])
        return (major, minor) >= (5, 10)
    return False


@dataclass
class Assistant:
    stack: Stack
    desk: DeskProcess
    mailbox: Mailbox
    webhook: WebhookReceiver
    desk_port: int

    def agent(self, username: str) -> AgentClient:
        return AgentClient(self.desk.url).sign_in(username)

    def restart_desk(self) -> None:
        self.desk.stop()
        self.desk = start_desk(self.desk.env, self.desk_port)


def project_config_always_open(folder: Path) -> Path:
    """assistant.yml as shipped, with relative paths made absolute and support hours that never close."""

    def absolute(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: absolute(item) for key, item in value.items()}
        if isinstance(value, list):
            return [absolute(item) for item in value]
        if isinstance(value, str) and value and not value.startswith("/") and (REPO_ROOT / value).exists():
            return str(REPO_ROOT / value)
        return value

    settings = absolute(yaml.safe_load((REPO_ROOT / "assistant.yml").read_text(encoding="utf-8")))
    settings["support_hours"] = ALWAYS_OPEN
    path = folder / "assistant.yml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp("handoff")
    config = project_config_always_open(workdir)
    receiver = WebhookReceiver()
    desk_port = free_port()
    with smtp_server() as (mailbox, smtp_port), serve_in_thread(receiver.app()) as webhook_url:
        shared = {"ASSISTANT_CONFIG": str(config), "EVENT_BROKER_DB": str(workdir / "events.db")}
        stack = start_stack(workdir, {**shared, "DESK_URL": f"http://127.0.0.1:{desk_port}", "DESK_BOT_TOKEN": BOT_TOKEN})
        try:
            env = {
                **os.environ,
                **desk_env(config, stack.rasa_url, stack.token),
                **shared,
                "DESK_BOT_TOKEN": BOT_TOKEN,
                "DESK_DATABASE": f"sqlite:///{workdir / 'desk.db'}",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp_port),
                "TICKET_WEBHOOK_URL": f"{webhook_url}/tickets",
            }
            for username, name in (("anna", "Anna"), ("ben", "Ben")):
                assert create_agent(env, username, name, PASSWORD).returncode == 0
            running = Assistant(stack, start_desk(env, desk_port), mailbox, receiver, desk_port)
            try:
                yield running
            finally:
                running.desk.stop()
        finally:
            stack.stop()


def sender() -> str:
    return f"shopper-{uuid.uuid4().hex[:12]}"


def rated_page(agent: AgentClient, handoff_id: int) -> str | None:
    page = agent.page(handoff_id)
    return page if "Shopper's rating" in page else None


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


@pytest.mark.xfail(
    rasa_socketio_rooms_broken(),
    reason="Rasa's socket.io channel delivers nothing with python-socketio >= 5.10; pin python-socketio==5.9.0",
    run=False,
)
def test_asking_for_a_person_on_socketio_an_agent_answers_there_and_the_bot_asks_for_a_rating(assistant: Assistant) -> None:
    anna = assistant.agent("anna")
    shopper = SocketShopper(assistant.stack.rasa_url)
    try:
        shopper.say("I want to talk to a person")
        assert "You're number 1 in the queue" in shopper.wait_for_text("passing you to a person")["text"]

        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(shopper.session_id))
        assert (handoff["reason"], handoff["channel"]) == ("shopper_asked", "socketio")
        assert anna.claim(handoff["id"])
        assert anna.reply(handoff["id"], "Hi, this is Anna. How can I help?").status_code == 201
        assert shopper.wait_for_text("How can I help?")["text"] == "Anna: Hi, this is Anna. How can I help?"

        shopper.say("my lamp arrived broken")
        wait_for(
            "the shopper's message at the desk",
            lambda: any(m["text"] == "my lamp arrived broken" for m in anna.updates(handoff["id"])["messages"]),
        )
        assert anna.end(handoff["id"]).endswith("notice=ended")
        shopper.wait_for_text("I'm the assistant again")
        stars = shopper.wait_for_text("How would you rate")["quick_replies"]
        shopper.say(stars[3]["payload"])
        shopper.wait_for_text("Anything you'd like to add")
        shopper.say("Anna was quick and kind")
        shopper.wait_for_text("Thanks for your feedback")
        page = wait_for("the rating at the desk", lambda: rated_page(anna, handoff["id"]))
        assert "★★★★☆" in page and "Anna was quick and kind" in page
    finally:
        shopper.close()
        anna.sign_out()


def test_two_misunderstandings_hand_over_with_the_whole_conversation(assistant: Assistant) -> None:
    anna = assistant.agent("anna")
    me = sender()
    try:
        assistant.stack.send(me, "what's the best way to learn the violin?")
        assert "passing you to a person" in texts(assistant.stack.send(me, "which planet has the most moons?"))
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(me))
        assert (handoff["reason"], handoff["channel"]) == ("not_understood", "rest")
        transcript = [(m["role"], m["text"]) for m in anna.updates(handoff["id"])["messages"]]
        assert ("shopper", "what's the best way to learn the violin?") in transcript
        assert ("shopper", "which planet has the most moons?") == [m for m in transcript if m[0] == "shopper"][-1]
    finally:
        anna.sign_out()


def test_asking_for_a_person_inside_the_order_form_then_saying_thats_all(assistant: Assistant) -> None:
    anna = assistant.agent("anna")
    me = sender()
    try:
        assert "order number" in texts(assistant.stack.send(me, "where is my order?")).lower()
        assert "passing you to a person" in texts(assistant.stack.send(me, "can I talk to a human please"))
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(me))
        assert anna.claim(handoff["id"])
        assert anna.reply(handoff["id"], "Hello, Anna here. Which order is it?").status_code == 201
        bot_events = [e for e in assistant.stack.tracker(me)["events"] if e["event"] == "bot"]
        assert bot_events[-1]["text"] == "Anna: Hello, Anna here. Which order is it?"  # REST clients read it from the tracker
        assert bot_events[-1]["metadata"]["agent_name"] == "Anna"

        assistant.stack.send(me, "thanks, that's all")
        wait_for("the handoff to end", lambda: "back with the bot" in anna.page(handoff["id"]).lower())

        def bot_took_over() -> bool:
            tracker = assistant.stack.tracker(me)
            return not tracker["paused"] and "How would you rate" in texts([e for e in tracker["events"] if e["event"] == "bot"])

        wait_for("the bot to thank the shopper and ask for a rating", bot_took_over)
    finally:
        anna.sign_out()


def test_two_agents_clicking_take_at_once_get_one_owner(assistant: Assistant) -> None:
    anna, ben = assistant.agent("anna"), assistant.agent("ben")
    me = sender()
    try:
        assistant.stack.send(me, "/request_human")
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(me))
        results: dict[str, bool] = {}
        barrier = threading.Barrier(2)

        def take(name: str, agent: AgentClient) -> None:
            barrier.wait()
            results[name] = agent.claim(handoff["id"])

        threads = [threading.Thread(target=take, args=item) for item in (("anna", anna), ("ben", ben))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results.values()) == [False, True]
        owner = "Anna" if results["anna"] else "Ben"
        assert [item["agent_name"] for item in anna.queue()["active"] if item["sender_id"] == me] == [owner]
    finally:
        anna.sign_out()
        ben.sign_out()


@contextmanager
def action_server_stopped(stack: Stack) -> Iterator[None]:
    """The stack's action server down (a deploy restarting it, a crash), started again afterwards."""
    actions = stack.services[0]
    actions.stop()
    try:
        yield
    finally:
        stack.services[0] = Service(f"{actions.name}-restarted", list(actions.process.args), stack.env)
        stack.services[0].wait_until(lambda: httpx.get(f"{stack.action_url}/health", timeout=2).status_code == 200, 120)


def test_without_the_action_server_a_handed_off_shopper_still_reaches_the_agent_and_greetings_keep_their_language(
    assistant: Assistant,
) -> None:
    # Rasa itself knows the shopper's language and logs a paused conversation's messages: neither waits for an action.
    anna = assistant.agent("anna")
    me, newcomer = sender(), sender()
    try:
        assistant.stack.send(me, "/request_human")
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(me))
        assert anna.claim(handoff["id"])
        with action_server_stopped(assistant.stack):
            assert assistant.stack.send(me, "czy paczka już wyszła?") == []  # the agent answers, not the bot
            wait_for(
                "the shopper's message in the agent's conversation",
                lambda: any(m["text"] == "czy paczka już wyszła?" for m in anna.updates(handoff["id"])["messages"]),
            )
            greeting = texts(assistant.stack.send(newcomer, "Dzień dobry, cześć!"))
        assert greeting.startswith("Cześć! Jestem asystentem sklepu")
    finally:
        anna.sign_out()


def test_the_desk_restarting_mid_handoff_misses_nothing(assistant: Assistant) -> None:
    anna = assistant.agent("anna")
    me = sender()
    try:
        assistant.stack.send(me, "/request_human")
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(me))
        assistant.desk.stop()
        assistant.stack.send(me, "are you still there?")
        assistant.stack.send(me, "my order is 100205")
        assistant.restart_desk()

        def shopper_lines() -> list[str] | None:
            lines = [m["text"] for m in anna.updates(handoff["id"])["messages"] if m["role"] == "shopper"]
            return lines if lines[-2:] == ["are you still there?", "my order is 100205"] else None

        lines = wait_for("the missed messages", shopper_lines)
        assert lines.count("my order is 100205") == 1
        assert anna.claim(handoff["id"])  # the session survived the restart
        assert anna.reply(handoff["id"], "Yes! Looking at 100205 now.").status_code == 201
    finally:
        anna.sign_out()


def test_with_nobody_signed_in_the_shopper_leaves_a_ticket_that_reaches_mail_and_helpdesk(assistant: Assistant) -> None:
    me = sender()
    reply = texts(assistant.stack.send(me, "/request_human"))
    assert "Our team isn't available right now" in reply and "e-mail" in reply
    confirmation = texts(assistant.stack.send(me, "ana.kowalska@example.com"))
    payload = wait_for(
        "the helpdesk webhook", lambda: next((b for b in assistant.webhook.bodies() if b["sender_id"] == me), None)
    )
    assert payload["ticket_id"] in confirmation and payload["promised_reply_text"] in confirmation
    assert payload["email"] == "ana.kowalska@example.com" and payload["reason"] == "shopper_asked"
    # The button press as words (desk/transcript.py), not the raw payload.
    assert any(line["text"] == "(pressed a button: request human)" for line in payload["transcript"])
    assert not any(line["text"] == "/request_human" for line in payload["transcript"])
    mail = wait_for(
        "the e-mail", lambda: next((m for m in assistant.mailbox.messages if payload["ticket_id"] in m["Subject"]), None)
    )
    assert mail["Reply-To"] == "ana.kowalska@example.com"
    assert httpx.get(f"{assistant.desk.url}/api/bot/availability").status_code == 401


def test_the_desk_is_ready_and_counts_the_queue_and_handoffs_by_reason(assistant: Assistant) -> None:
    ready = httpx.get(f"{assistant.desk.url}/ready", timeout=10)
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "event_broker": "ok"}
    desk_before, actions_before = scrape(assistant.desk.url), scrape(assistant.stack.action_url)
    anna = assistant.agent("anna")
    me = sender()
    try:
        assistant.stack.send(me, "what's the best way to learn the violin?")
        assistant.stack.send(me, "which planet has the most moons?")
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(me))
        desk_after, actions_after = scrape(assistant.desk.url), scrape(assistant.stack.action_url)
        assert value(desk_after, "desk_queue_length") >= 1
        grown = value(desk_after, "desk_handoffs_total", reason="not_understood") - value(
            desk_before, "desk_handoffs_total", reason="not_understood"
        )
        assert grown == 1
        started = value(actions_after, "assistant_handoffs_total", reason="not_understood", to="desk") - value(
            actions_before, "assistant_handoffs_total", reason="not_understood", to="desk"
        )
        assert started == 1
        assert anna.end(handoff["id"]).endswith("notice=ended")
    finally:
        anna.sign_out()
