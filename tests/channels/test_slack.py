"""Slack through the real Rasa server, action server and desk, against a fake Slack Web API."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import httpx
import pytest

from bot.channels.common import NON_TEXT_REPLY
from desk.rasa_client import RasaClient
from tests.channels.conftest import SLACK_SIGNING_SECRET, Assistant
from tests.channels.slack_chat import SlackChat
from tests.channels.test_telegram import VAGUE_QUESTIONS, response_text


@pytest.fixture
def chat(assistant: Assistant) -> SlackChat:
    return SlackChat(assistant.stack, assistant.slack, SLACK_SIGNING_SECRET)


def test_the_url_verification_challenge_is_answered_only_when_signed(chat: SlackChat):
    check = {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}
    answer = chat.post(check)
    assert answer.status_code == 200 and answer.json() == {"challenge": check["challenge"]}
    assert chat.post(check, secret="not-the-signing-secret").status_code == 401


@pytest.mark.parametrize(
    ("question", "language", "details"),
    [("how long does delivery take?", "en", "More details: https://"),
     ("ile trwa dostawa do domu?", "pl", "Więcej informacji: https://")],
)
def test_a_question_gets_the_kb_answer_with_its_link_as_plain_text(chat: SlackChat, question, language, details):
    reply = chat.run_turn(chat.text_update(question))
    assert len(reply) == 2 and details in chat.text_of(reply[0]), reply
    assert reply[0]["mrkdwn"] is False  # shown as written, whatever the article says
    # Then "Did this answer help?" with its two answers as Block Kit buttons.
    assert chat.text_of(reply[1]).startswith(response_text("utter_kb_ask_helpful", language)), reply
    assert len(chat.buttons_of(reply[1])) == 2
    assert chat.stack.tracker(chat.sender_id)["latest_input_channel"] == "slack"


def test_suggestions_are_block_kit_buttons_and_tapping_one_answers_with_that_article(chat: SlackChat, assistant: Assistant):
    def suggests(question: str) -> bool:
        reply = assistant.stack.send(f"probe-{chat.dm}-{len(question)}", question)
        return any(b["payload"].startswith("/choose_article") for m in reply for b in m.get("buttons", []))

    question = next(q for q in VAGUE_QUESTIONS if suggests(q))
    turn = chat.run_turn(chat.text_update(question))
    section = turn[0]["blocks"][0]
    assert section["text"]["text"].startswith(response_text("utter_kb_suggest", "en")), turn
    article = next(b["text"]["text"] for m in turn for b in chat.buttons_of(m) if b["value"].startswith("/choose_article"))
    assert "More details: https://" in chat.tap(article)
    assert chat.user_events()[-1]["parse_data"]["intent"]["name"] == "choose_article"


def test_bad_missing_or_replayed_signatures_are_refused_and_nothing_is_processed(chat: SlackChat):
    assert chat.post(chat.text_update("hello"), secret="not-the-signing-secret").status_code == 401
    stale = int(time.time()) - 6 * 60  # a request captured and replayed after Slack's 5 minutes
    assert chat.post(chat.text_update("hello"), timestamp=stale).status_code == 401
    assert httpx.post(chat.url, json=chat.text_update("hello"), timeout=30).status_code == 401
    assert chat.post(chat.tap_update({"action_id": "choice-0", "text": {"type": "plain_text", "text": "x"},
                                      "value": "/greet"}), secret="guess").status_code == 401
    assert chat.user_events() == [] and chat.texts() == []


def test_bot_messages_edits_and_joins_are_accepted_and_ignored(chat: SlackChat):
    for event in (chat.event(text="Our own reply", bot_id="B0FAKE", subtype="bot_message"),
                  chat.event(text="echo without subtype", bot_id="B0FAKE"),
                  chat.event(subtype="message_changed", message={"text": "edited"}),
                  chat.event(subtype="channel_join", text="joined"),
                  chat.event(text="in a public channel", channel_type="channel"),
                  {"type": "event_callback", "event_id": "EvX", "event": {"type": "app_home_opened", "user": chat.user}}):
        assert chat.post(event).status_code == 200
    chat.say("hello")  # processed after the others: had any been taken, it would show first
    assert [e["text"] for e in chat.user_events()] == ["hello"]


def test_markup_in_a_reply_is_escaped_so_slack_shows_it_as_written(chat: SlackChat, assistant: Assistant):
    chat.say("hello")

    async def reply() -> None:
        async with aiohttp.ClientSession() as session:
            rasa = RasaClient(assistant.stack.rasa_url, assistant.stack.token, session)
            await rasa.send_agent_reply(chat.sender_id, "Anna", "<!channel> see <https://evil.example|your order> & more")

    asyncio.run(reply())
    sent = chat.sent()[-1]["text"]
    assert "<" not in sent and ">" not in sent and "&amp;" in sent


def test_a_file_shared_outside_a_handoff_gets_the_polite_text_only_reply(chat: SlackChat):
    chat.say("dzień dobry, mam pytanie o zwrot towaru")
    shared = chat.event(subtype="file_share", text="", files=[{"id": "F0NOTFETCHED", "name": "photo.jpg",
                                                              "mimetype": "image/jpeg", "url_private_download": "x"}])
    assert chat.reply_outside_rasa(shared) == NON_TEXT_REPLY["pl"]
    assert json.dumps(chat.user_events()).count("photo.jpg") == 0
