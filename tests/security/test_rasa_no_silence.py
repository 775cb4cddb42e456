"""With the action server down, shoppers get an apology and the support address, never silence.

A real Rasa server whose action server has been stopped (bot/channels/no_silence.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.desk.socketio_shopper import SocketShopper
from tests.support.stack import Stack, start_stack

SUPPORT = "support@bramble-birch.example"
APOLOGY = {
    "en": "Sorry, I'm having technical trouble",
    "pl": "Przepraszam, mam teraz problem techniczny",
    "ru": "Извините, у меня сейчас технические неполадки",
}


def sender() -> str:
    return f"down-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def polish_shopper() -> str:
    return sender()


@pytest.fixture(scope="module")
def down(tmp_path_factory: pytest.TempPathFactory, polish_shopper: str) -> Iterator[Stack]:
    """A stack whose action server answered one Polish conversation, then stopped."""
    running = start_stack(tmp_path_factory.mktemp("actions-down"))
    try:
        assert running.send(polish_shopper, "Dzień dobry, ile trwa dostawa do Niemiec?")
        assert running.tracker(polish_shopper)["slots"]["language"] == "pl"
        running.services[0].stop()
        yield running
    finally:
        running.stop()


def the_text(messages: list[dict]) -> str:
    assert len(messages) == 1, messages
    return messages[0]["text"]


@pytest.mark.parametrize(
    "message", ["how long does delivery take?", "where is my order?", "I want to talk to a person", "/request_human"]
)
def test_rest_shopper_gets_an_apology_and_the_support_address(down: Stack, message: str):
    me = sender()
    text = the_text(down.send(me, message))
    assert text.startswith(APOLOGY["en"]) and SUPPORT in text
    bot_events = [e for e in down.tracker(me)["events"] if e["event"] == "bot"]
    assert [e["text"] for e in bot_events] == [text]  # in the transcript the desk reads


def test_apology_comes_in_the_conversations_language(down: Stack, polish_shopper: str):
    text = the_text(down.send(polish_shopper, "Ile trwa dostawa do Niemiec?"))
    assert text.startswith(APOLOGY["pl"]) and SUPPORT in text


def test_widget_shopper_gets_the_apology_in_the_widgets_language(down: Stack):
    shopper = SocketShopper(down.rasa_url)
    try:
        shopper.say("где мой заказ?", metadata={"language": "ru"})
        message = shopper.next_message()
        assert message["text"].startswith(APOLOGY["ru"]) and SUPPORT in message["text"]
    finally:
        shopper.close()


def test_operator_gets_a_log_line_without_the_message(down: Stack):
    me = sender()
    down.send(me, "my e-mail is ana.secret@example.com, where is order 100205?")
    log = down.services[1].log_path.read_text(encoding="utf-8", errors="replace")
    line = next(line for line in log.splitlines() if f"no reply to a shopper message in conversation {me}" in line)
    assert "Is the action server up?" in line
    assert "ana.secret" not in line and "100205" not in line


def test_a_conversation_with_a_person_stays_silent(down: Stack):
    me = sender()
    down.send(me, "hello")
    httpx.post(
        f"{down.rasa_url}/conversations/{me}/tracker/events", params={"token": down.token}, json={"event": "pause"}, timeout=30
    ).raise_for_status()
    assert down.send(me, "are you still there?") == []  # the agent answers, not the bot


def test_a_restart_asked_for_stays_silent(down: Stack):
    assert down.send(sender(), "/restart") == []
