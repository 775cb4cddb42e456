"""Telegram through the real Rasa server, action server and desk, against a fake Bot API server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from bot.channels.common import NON_TEXT_REPLY
from tests.channels.conftest import TELEGRAM_SECRET, Assistant
from tests.channels.telegram_chat import TelegramChat
from tests.desk.agent_client import wait_for
from tests.support.processes import REPO_ROOT

DOMAIN = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"


def response_text(name: str, language: str) -> str:
    """The fixed start of a response in ``language`` (up to its first placeholder)."""
    for variation in DOMAIN["responses"][name]:
        conditions = variation.get("condition", [])
        if any(c.get("value") == language for c in conditions) or (language == "en" and not conditions):
            return variation["text"].split("{")[0].strip()
    raise AssertionError(f"{name} has no {language} text")


@pytest.fixture
def chat(assistant: Assistant) -> TelegramChat:
    return TelegramChat(assistant.stack, assistant.telegram, TELEGRAM_SECRET)


def rasa_log(assistant: Assistant) -> str:
    rasa = next(s for s in assistant.stack.services if s.name.startswith("rasa-"))
    return Path(rasa.log_path).read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize(
    ("question", "language", "details"),
    [("how long does delivery take?", "en", "More details: https://"),
     ("ile trwa dostawa do domu?", "pl", "Więcej informacji: https://")],
)
def test_a_question_gets_the_kb_answer_with_its_link_as_plain_text(chat: TelegramChat, question, language, details):
    reply = chat.run_turn(chat.message_update(question))
    assert len(reply) == 2 and details in reply[0]["text"], reply
    assert "parse_mode" not in reply[0]  # rendered as text, whatever the article says
    # Then "Did this answer help?" with its two answers as inline buttons.
    assert reply[1]["text"] == response_text("utter_kb_ask_helpful", language)
    assert len([b for row in reply[1]["reply_markup"]["inline_keyboard"] for b in row]) == 2
    assert chat.stack.tracker(chat.sender_id)["latest_input_channel"] == "telegram"


def test_the_start_command_greets_with_a_button_for_a_person(chat: TelegramChat):
    assert chat.say("/start").startswith(response_text("utter_greet", "en"))
    assert chat.button_titles() == ["Talk to a person"]


# Short, vague questions the KB is unsure about; which of them gets suggestions is asked over
# REST first, so the test follows the KB instead of guessing.
VAGUE_QUESTIONS = ("problem with payment", "delivery", "my package", "payment", "my account", "the voucher")


def test_suggestions_are_inline_buttons_and_tapping_one_answers_with_that_article(chat: TelegramChat, assistant: Assistant):
    def suggests(question: str) -> bool:
        reply = assistant.stack.send(f"probe-{chat.chat_id}-{len(question)}", question)
        return any(b["payload"].startswith("/choose_article") for m in reply for b in m.get("buttons", []))

    question = next((q for q in VAGUE_QUESTIONS if suggests(q)), None)
    assert question is not None, "none of the vague questions gets suggestions any more"
    turn = chat.run_turn(chat.message_update(question))
    assert turn[0]["text"].startswith(response_text("utter_kb_suggest", "en")), turn
    titles = [b["text"] for m in turn for row in m.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
    article_button = next(t for t in titles if t != "Talk to a person")
    answer = chat.tap(article_button)
    assert "More details: https://" in answer
    tapped = chat.user_events()[-1]
    assert tapped["parse_data"]["intent"]["name"] == "choose_article"
    assert assistant.telegram.calls_of("answerCallbackQuery"), "the tap was not acknowledged"


def test_an_agent_reply_telegram_refuses_is_reported_not_sent(chat: TelegramChat, assistant: Assistant):
    anna = assistant.agent("anna")
    try:
        chat.say("I want to talk to a person")
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(chat.sender_id))
        assert anna.claim(handoff["id"])
        assistant.telegram.fail_next(chat.chat_id, 403)  # the shopper blocked the bot
        refused = anna.reply(handoff["id"], "Are you still there?")
        assert refused.status_code == 502 and "Not sent" in refused.json()["error"]
        assert "Are you still there?" not in [m["text"] for m in anna.updates(handoff["id"])["messages"]]
    finally:
        anna.sign_out()


def test_a_photo_sticker_or_location_gets_the_polite_text_only_reply_in_the_shoppers_language(chat: TelegramChat):
    photo = [{"file_id": "AgAD", "file_unique_id": "A", "width": 90, "height": 90}]
    assert chat.reply_outside_rasa(chat.message_update(photo=photo)) == NON_TEXT_REPLY["en"]
    chat.say("dzień dobry, mam pytanie o zwrot towaru")
    sticker = {"file_id": "CAAD", "file_unique_id": "B", "width": 512, "height": 512, "is_animated": False}
    assert chat.reply_outside_rasa(chat.message_update(sticker=sticker)) == NON_TEXT_REPLY["pl"]
    assert chat.reply_outside_rasa(chat.message_update(location={"latitude": 52.2, "longitude": 21.0})) == NON_TEXT_REPLY["pl"]


def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_processed(chat: TelegramChat, assistant: Assistant):
    assert chat.post(chat.message_update("hello"), secret="guess").status_code == 401
    assert chat.post(chat.message_update("hello"), secret="").status_code == 401
    assert chat.user_events() == [] and chat.texts() == []


def test_unknown_update_types_are_accepted_and_ignored(chat: TelegramChat):
    edited = chat.message_update("edited text")
    edited["edited_message"] = edited.pop("message")
    assert chat.post(edited).status_code == 200
    assert chat.post({"update_id": 1, "poll": {"id": "1", "question": "?", "options": []}}).status_code == 200
    chat.say("hello")  # processed after the two above: had they been taken, they would show first
    assert [e["text"] for e in chat.user_events()] == ["hello"]


def test_set_webhook_command_registers_the_url_with_the_secret(assistant: Assistant):
    url = "https://shop.example/webhooks/telegram/webhook"
    done = subprocess.run(
        [str(RASA_PYTHON), "-m", "bot.channels.telegram", "set-webhook", url],
        cwd=REPO_ROOT, env=assistant.env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    registered = assistant.telegram.calls_of("setWebhook")[-1]
    assert (registered["url"], registered["secret_token"]) == (url, TELEGRAM_SECRET)
    assert set(registered["allowed_updates"]) == {"message", "callback_query"}
