"""WhatsApp Cloud API through the real Rasa server, action server and desk, against a fake Graph API."""

from __future__ import annotations

import httpx
import pytest

from bot.channels.common import NON_TEXT_REPLY
from tests.channels.conftest import WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, Assistant
from tests.channels.test_telegram import VAGUE_QUESTIONS, rasa_log, response_text
from tests.channels.whatsapp_chat import WhatsAppChat
from tests.desk.agent_client import wait_for


@pytest.fixture
def chat(assistant: Assistant) -> WhatsAppChat:
    return WhatsAppChat(assistant.stack, assistant.whatsapp, WHATSAPP_APP_SECRET)


def test_the_verify_token_handshake_echoes_the_challenge_only_for_our_token(chat: WhatsAppChat):
    ok = httpx.get(chat.url, params={"hub.mode": "subscribe", "hub.verify_token": WHATSAPP_VERIFY_TOKEN,
                                     "hub.challenge": "1158201444"}, timeout=30)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = httpx.get(chat.url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}, timeout=30)
    assert wrong.status_code == 403 and "1" != wrong.text


@pytest.mark.parametrize(
    ("question", "details"),
    [("how long does delivery take?", "More details: https://"), ("ile trwa dostawa do domu?", "Więcej informacji: https://")],
)
def test_a_question_gets_the_kb_answer_with_its_link(chat: WhatsAppChat, question, details):
    reply = chat.run_turn(chat.text_update(question))
    assert len(reply) == 2 and reply[0]["type"] == "text" and details in reply[0]["text"]["body"], reply
    assert len(chat.choices(reply[1])) == 2  # "Did this answer help?" with Yes / No as reply buttons
    assert chat.stack.tracker(chat.sender_id)["latest_input_channel"] == "whatsapp"


def test_suggestions_are_whatsapp_choices_within_its_limits_and_tapping_one_answers(chat: WhatsAppChat, assistant: Assistant):
    def suggests(question: str) -> bool:
        reply = assistant.stack.send(f"probe-{chat.wa_id}-{len(question)}", question)
        return any(b["payload"].startswith("/choose_article") for m in reply for b in m.get("buttons", []))

    question = next(q for q in VAGUE_QUESTIONS if suggests(q))
    turn = chat.run_turn(chat.text_update(question))
    assert turn[0]["type"] == "interactive" and turn[0]["interactive"]["body"]["text"].startswith(
        response_text("utter_kb_suggest", "en"))
    article = next(title for m in turn for _, title in chat.choices(m) if title != "Talk to a person")
    answer = chat.tap(article)
    assert "More details: https://" in answer
    assert chat.user_events()[-1]["parse_data"]["intent"]["name"] == "choose_article"


def test_an_agent_reply_after_the_24_hour_window_is_reported_not_sent(chat: WhatsAppChat, assistant: Assistant):
    anna = assistant.agent("anna")
    try:
        chat.say("I want to talk to a person")
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(chat.sender_id))
        assert anna.claim(handoff["id"])
        assert anna.reply(handoff["id"], "Hi, Anna here.").status_code == 201
        assert chat.texts()[-1] == "Anna: Hi, Anna here."

        assistant.whatsapp.close_window(chat.wa_id)
        late = anna.reply(handoff["id"], "Are you still there?")
        assert late.status_code == 502 and "Not sent" in late.json()["error"]
        assert "Are you still there?" not in [m["text"] for m in anna.updates(handoff["id"])["messages"]]
        assert "whatsapp messages: dropped after a refusal (status 400)" in rasa_log(assistant)
    finally:
        anna.sign_out()


def test_a_bad_signature_is_refused_and_nothing_is_processed(chat: WhatsAppChat):
    assert chat.post(chat.text_update("hello"), secret="not-the-app-secret").status_code == 401
    unsigned = httpx.post(chat.url, json=chat.text_update("hello"), timeout=30)
    assert unsigned.status_code == 401
    assert chat.user_events() == [] and chat.texts() == []


def test_a_photo_or_a_location_gets_the_polite_text_only_reply(chat: WhatsAppChat):
    photo = chat.update(type="image", image={"id": "1479537139650973", "mime_type": "image/jpeg", "sha256": "abc"})
    assert chat.reply_outside_rasa(photo) == NON_TEXT_REPLY["en"]
    chat.say("dzień dobry, mam pytanie o zwrot towaru")
    location = chat.update(type="location", location={"latitude": 52.2, "longitude": 21.0})
    assert chat.reply_outside_rasa(location) == NON_TEXT_REPLY["pl"]


def test_delivery_statuses_are_accepted_and_ignored(chat: WhatsAppChat):
    update = chat.text_update("x")
    value = update["entry"][0]["changes"][0]["value"]
    del value["messages"]
    value["statuses"] = [{"id": "wamid.fake1", "status": "read", "timestamp": "1764600001", "recipient_id": chat.wa_id}]
    assert chat.post(update).status_code == 200
    chat.say("hello")
    assert [e["text"] for e in chat.user_events()] == ["hello"]
