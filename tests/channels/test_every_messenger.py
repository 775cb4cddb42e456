"""What every messenger must do alike, on each of Telegram, WhatsApp, Messenger, Instagram and Slack,
through the real Rasa server, action server and desk against each platform's fake.

Each platform's own shapes (inline keyboards, list messages, quick replies, Block Kit, tags,
signatures, handshakes) are tested in its own module; a photo during a handoff in
test_media_handoff.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
import pytest

from desk.rasa_client import RasaClient
from tests.channels.chat import ChannelChat
from tests.channels.conftest import META_APP_SECRET, SLACK_SIGNING_SECRET, TELEGRAM_SECRET, WHATSAPP_APP_SECRET, Assistant
from tests.channels.messenger_chat import MessengerChat
from tests.channels.slack_chat import SlackChat
from tests.channels.telegram_chat import TelegramChat
from tests.channels.test_telegram import rasa_log
from tests.channels.whatsapp_chat import WhatsAppChat
from tests.desk.agent_client import wait_for
from tests.fakes import fake_messenger, fake_whatsapp


@dataclass(frozen=True)
class Platform:
    chat: Callable[[Assistant], ChannelChat]
    rate_limited: int  # what the fake answers to make us wait (429, or Graph's throttling code)
    send_method: str  # as the drop is logged
    max_text: int


PLATFORMS = {
    "telegram": Platform(lambda a: TelegramChat(a.stack, a.telegram, TELEGRAM_SECRET), 429, "sendMessage", 4096),
    "whatsapp": Platform(lambda a: WhatsAppChat(a.stack, a.whatsapp, WHATSAPP_APP_SECRET),
                         fake_whatsapp.RATE_LIMITED, "messages", 4096),
    "facebook": Platform(lambda a: MessengerChat("facebook", a.stack, a.messengers["facebook"], META_APP_SECRET),
                         fake_messenger.RATE_LIMITED, "messages", 2000),
    "instagram": Platform(lambda a: MessengerChat("instagram", a.stack, a.messengers["instagram"], META_APP_SECRET),
                          fake_messenger.RATE_LIMITED, "messages", 1000),
    "slack": Platform(lambda a: SlackChat(a.stack, a.slack, SLACK_SIGNING_SECRET), 429, "chat.postMessage", 4000),
}
LANGUAGES = {
    "en": ("how long does delivery take?", "More details: https://", "I want to talk to a person",
           "Hi, Anna here. How can I help?", "my table arrived scratched", "quick and kind, thank you"),
    "pl": ("ile trwa dostawa do domu?", "Więcej informacji: https://", "Chcę porozmawiać z konsultantem",
           "Dzień dobry, tu Anna. W czym mogę pomóc?", "mój zamówiony stół przyszedł porysowany",
           "bardzo szybko, dziękuję"),
}


@pytest.fixture(params=list(PLATFORMS))
def platform(request: pytest.FixtureRequest) -> Platform:
    return PLATFORMS[request.param]


@pytest.fixture
def chat(platform: Platform, assistant: Assistant) -> ChannelChat:
    return platform.chat(assistant)


def send_agent_reply(assistant: Assistant, chat: ChannelChat, text: str) -> None:
    async def reply() -> None:
        async with aiohttp.ClientSession() as session:
            rasa = RasaClient(assistant.stack.rasa_url, assistant.stack.token, session)
            await rasa.send_agent_reply(chat.sender_id, "Anna", text)  # exactly what the desk sends

    asyncio.run(reply())


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_question_gets_the_kb_answer_with_its_link_in_the_shoppers_language(chat: ChannelChat, language):
    question, details, *_ = LANGUAGES[language]
    reply = chat.run_turn(chat.text_update(question))
    assert details in chat.text_of(reply[0]), reply
    assert len(chat.titles_of(reply[-1])) == 2  # "Did this answer help?" Yes / No
    assert chat.stack.tracker(chat.sender_id)["slots"]["language"] == language


def test_order_status_after_verification_and_never_the_email(chat: ChannelChat):
    assert "e-mail" in chat.say("where is my order 100205?")
    reply = chat.say("magda.kaminska@example.com")
    assert "Order 100205 has been delivered" in reply and "magda.kaminska" not in reply


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_person_answers_in_the_same_chat_signed_notes_stay_in_the_desk_then_the_bot_asks_for_a_rating(
    chat: ChannelChat, assistant: Assistant, language
):
    _, _, ask, agent_text, problem, comment = LANGUAGES[language]
    anna = assistant.agent("anna")
    try:
        chat.say(ask)
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(chat.sender_id))
        assert (handoff["channel"], handoff["language"]) == (chat.channel, language)
        assert anna.claim(handoff["id"])
        assert anna.reply(handoff["id"], agent_text).status_code == 201
        assert chat.texts()[-1] == f"Anna: {agent_text}"
        note = anna.http.post(f"/conversations/{handoff['id']}/notes", json={"text": "Internal: ask the courier"},
                              headers={"X-CSRF-Token": anna.csrf("/")})
        assert note.status_code == 201

        chat.say(problem)
        wait_for("the shopper's message at the desk",
                 lambda: problem in [m["text"] for m in anna.updates(handoff["id"])["messages"]])
        assert anna.end(handoff["id"]).endswith("notice=ended")
        wait_for("the rating question", lambda: "★★★★" in chat.button_titles())
        chat.tap("★★★★")
        chat.say(comment)
        page = wait_for("the rating at the desk", lambda: (p := anna.page(handoff["id"])) and "★★★★☆" in p and p)
        assert "Shopper's rating" in page
        assert not any("ask the courier" in text for text in chat.texts())  # notes never reach the shopper
    finally:
        anna.sign_out()


def test_the_webhook_is_answered_before_the_turn_and_a_resent_one_is_answered_once(chat: ChannelChat):
    update = chat.text_update("how long does delivery take?")
    assert chat.post(update).status_code == 200
    assert chat.sent() == []  # the webhook got its 200 first; the turn (a KB lookup) runs after it
    wait_for("the turn", lambda: chat.turn_over(chat.key_of(update)), 60)
    assert chat.resend(update).status_code == 200  # the first answer was slow, as the platform saw it
    chat.say("thanks")
    assert [e["text"] for e in chat.user_events()].count("how long does delivery take?") == 1
    assert sum("More details: https://" in text for text in chat.texts()) == 1


def test_rate_limited_then_delivered(chat: ChannelChat, platform: Platform):
    chat.fail_next(platform.rate_limited, 500)
    assert "More details: https://" in chat.say("how long does delivery take?")
    # The answer: rate-limited, 500, then sent; then "Did this answer help?" at the first attempt.
    assert len(chat.attempts()) == 4 and len(chat.texts()) == 2


def test_platform_down_the_turn_is_kept_and_the_desk_shows_the_agent_reply_not_sent(
    chat: ChannelChat, platform: Platform, assistant: Assistant
):
    chat.fail_next(*[503] * 8)  # every attempt of the answer and of "Did this answer help?"
    chat.say("how long does delivery take?")
    assert chat.texts() == []
    bot_said = [e["text"] for e in chat.stack.tracker(chat.sender_id)["events"] if e["event"] == "bot"]
    assert any("More details: https://" in text for text in bot_said)  # the turn is not lost
    log = rasa_log(assistant)
    assert f"{chat.channel} {platform.send_method}: dropped after the retry bound (status 503)" in log
    assert chat.platform_id not in log and "delivery take" not in log

    anna = assistant.agent("anna")
    try:
        chat.say("I want to talk to a person")
        handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(chat.sender_id))
        assert anna.claim(handoff["id"])
        chat.fail_next(500, 500, 500, 500)
        refused = anna.reply(handoff["id"], "Are you still there?")
        assert refused.status_code == 502 and "Not sent" in refused.json()["error"]
        assert "Are you still there?" not in [m["text"] for m in anna.updates(handoff["id"])["messages"]]
        assert anna.reply(handoff["id"], "Sorry, once more: are you there?").status_code == 201
        assert chat.texts()[-1] == "Anna: Sorry, once more: are you there?"
        assert anna.end(handoff["id"]).endswith("notice=ended")
    finally:
        anna.sign_out()


def test_a_long_agent_reply_is_split_at_word_breaks_within_the_platforms_limit(
    chat: ChannelChat, platform: Platform, assistant: Assistant
):
    chat.say("hello")
    before = len(chat.sent())
    text = " ".join(f"word{i}" for i in range(1400))  # about 10,000 characters
    send_agent_reply(assistant, chat, text)
    parts = chat.texts()[before:]
    assert len(parts) > 1 and all(len(part) <= platform.max_text for part in parts)
    assert " ".join(parts) == f"Anna: {text}"
