"""Facebook Messenger and Instagram through the real Rasa server, action server and desk, against a fake Send API."""

from __future__ import annotations

import httpx
import pytest

from bot.channels.common import NON_TEXT_REPLY
from tests.channels.conftest import META_APP_SECRET, META_VERIFY_TOKEN, Assistant
from tests.channels.messenger_chat import MessengerChat
from tests.channels.test_telegram import VAGUE_QUESTIONS, response_text
from tests.desk.agent_client import wait_for


@pytest.fixture(params=["facebook", "instagram"])
def chat(request: pytest.FixtureRequest, assistant: Assistant) -> MessengerChat:
    return MessengerChat(request.param, assistant.stack, assistant.messengers[request.param], META_APP_SECRET)


def test_the_verify_token_handshake(chat: MessengerChat):
    ok = httpx.get(chat.url, params={"hub.mode": "subscribe", "hub.verify_token": META_VERIFY_TOKEN, "hub.challenge": "77"})
    assert (ok.status_code, ok.text) == (200, "77")
    assert httpx.get(chat.url, params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "7"}).status_code == 403


def test_a_question_gets_the_kb_answer_with_its_link(chat: MessengerChat):
    reply = chat.run_turn(chat.text_update("ile trwa dostawa do domu?"))
    assert len(reply) == 2 and "Więcej informacji: https://" in reply[0]["message"]["text"], reply
    assert reply[0]["messaging_type"] == "RESPONSE"
    # Then "Did this answer help?" with its two answers as quick replies.
    assert reply[1]["message"]["text"] == response_text("utter_kb_ask_helpful", "pl")
    assert len(reply[1]["message"]["quick_replies"]) == 2
    assert chat.stack.tracker(chat.sender_id)["latest_input_channel"] == chat.channel


def test_suggestions_are_quick_replies_and_tapping_one_answers(chat: MessengerChat, assistant: Assistant):
    def suggests(question: str) -> bool:
        reply = assistant.stack.send(f"probe-{chat.psid}-{len(question)}", question)
        return any(b["payload"].startswith("/choose_article") for m in reply for b in m.get("buttons", []))

    question = next(q for q in VAGUE_QUESTIONS if suggests(q))
    turn = chat.run_turn(chat.text_update(question))
    assert turn[0]["message"]["text"].startswith(response_text("utter_kb_suggest", "en"))
    replies = [r for m in turn for r in m["message"].get("quick_replies", [])]
    titles = [r["title"] for r in replies if r["payload"].startswith("/choose_article")]
    assert "More details: https://" in chat.tap(titles[0])
    assert chat.user_events()[-1]["parse_data"]["intent"]["name"] == "choose_article"


def test_an_agent_reply_arrives_signed_and_tagged_human_agent(chat: MessengerChat, assistant: Assistant):
    anna = assistant.agent("anna")
    try:
        chat.say("I want to talk to a person")
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(chat.sender_id))
        assert handoff["channel"] == chat.channel
        assert anna.claim(handoff["id"])
        assert anna.reply(handoff["id"], "Hi, Anna here.").status_code == 201
        last = chat.sent()[-1]
        assert last["message"]["text"] == "Anna: Hi, Anna here."
        assert (last["messaging_type"], last["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
        assert anna.end(handoff["id"]).endswith("notice=ended")
    finally:
        anna.sign_out()


def test_a_bad_signature_is_refused_and_nothing_is_processed(chat: MessengerChat):
    assert chat.post(chat.text_update("hello"), secret="not-the-app-secret").status_code == 401
    assert chat.user_events() == [] and chat.texts() == []


def test_a_resent_message_and_our_own_echo_are_not_answered(chat: MessengerChat):
    update = chat.text_update("how long does delivery take?")
    assert chat.post(update).status_code == 200
    chat.run_turn(update)
    assert chat.post(chat.text_update("Anna: echo of what we sent", is_echo=True)).status_code == 200
    chat.say("thanks")
    assert [e["text"] for e in chat.user_events()] == ["how long does delivery take?", "thanks"]


def test_a_photo_gets_the_polite_text_only_reply(chat: MessengerChat):
    photo = chat.update(message={"mid": "m_photo1" + chat.psid,
                                 "attachments": [{"type": "image", "payload": {"url": "https://cdn.example/p.jpg"}}]})
    assert chat.reply_outside_rasa(photo) == NON_TEXT_REPLY["en"]
