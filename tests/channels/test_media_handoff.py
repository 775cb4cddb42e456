"""A photo, file or location a shopper sends while an agent has the conversation reaches the desk,
on every messenger, through the real Rasa server, action server and desk and each fake platform."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.channels.chat import ChannelChat
from tests.channels.conftest import META_APP_SECRET, SLACK_SIGNING_SECRET, TELEGRAM_SECRET, WHATSAPP_APP_SECRET, Assistant
from tests.channels.messenger_chat import MessengerChat
from tests.channels.slack_chat import SlackChat
from tests.channels.telegram_chat import TelegramChat
from tests.channels.whatsapp_chat import WhatsAppChat
from tests.desk.agent_client import AgentClient, wait_for
from tests.desk.desk_process import BOT_TOKEN

# The start of a real JPEG (what the desk's type check reads), then filler.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 8 + b"\xff\xd9"
HTML_AS_JPEG = b"<html><script>alert(document.cookie)</script></html>"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 2


def photo_updates(assistant: Assistant, chat: ChannelChat, contents: list[bytes], caption: str) -> list[dict[str, Any]]:
    """The platform's webhooks for photos sent at once with a caption, their bytes put where the platform
    serves them: one webhook with all of them on Messenger, Instagram and Slack, one a photo on
    Telegram (an album's updates share a ``media_group_id``, the caption on the first) and WhatsApp."""
    files = [(uuid.uuid4().hex, content) for content in contents]
    if isinstance(chat, TelegramChat):
        group = {"media_group_id": uuid.uuid4().hex[:16]} if len(contents) > 1 else {}
        updates = []
        for number, (file_id, content) in enumerate(files):
            assistant.telegram.add_file(file_id, content, "image/jpeg")
            sizes = [{"file_id": "thumb" + file_id, "file_unique_id": "t", "width": 90, "height": 90},
                     {"file_id": file_id, "file_unique_id": "f", "width": 1280, "height": 960}]
            updates.append(chat.message_update(photo=sizes, **group, **({} if number else {"caption": caption})))
        return updates
    if isinstance(chat, WhatsAppChat):
        for file_id, content in files:
            assistant.whatsapp.add_media(file_id, content, "image/jpeg")
        return [chat.update(type="image", image={"id": file_id, "mime_type": "image/jpeg", "sha256": "x",
                                                 **({} if number else {"caption": caption})})
                for number, (file_id, _) in enumerate(files)]
    if isinstance(chat, MessengerChat):
        base = assistant.env[f"{chat.channel.upper()}_API_URL"]
        urls = [base + chat.platform.add_cdn_file(f"{f}.jpg", c, "image/jpeg") for f, c in files]
        attachments = [{"type": "image", "payload": {"url": url}} for url in urls]
        return [chat.update(message={"mid": f"m_{files[0][0]}", "attachments": attachments})]
    assert isinstance(chat, SlackChat)
    shared = []
    for number, (file_id, content) in enumerate(files):
        name = f"scratch{number or ''}.jpg"
        url = assistant.env["SLACK_FILES_URL"] + assistant.slack.add_file(file_id.upper(), name, content, "image/jpeg")
        shared.append({"id": "F" + file_id.upper(), "name": name, "mimetype": "image/jpeg", "url_private_download": url})
    return [chat.event(subtype="file_share", text=caption, files=shared)]


def photo_update(assistant: Assistant, chat: ChannelChat, content: bytes, caption: str) -> dict[str, Any]:
    return photo_updates(assistant, chat, [content], caption)[0]


CHATS: dict[str, Callable[[Assistant], ChannelChat]] = {
    "telegram": lambda a: TelegramChat(a.stack, a.telegram, TELEGRAM_SECRET),
    "whatsapp": lambda a: WhatsAppChat(a.stack, a.whatsapp, WHATSAPP_APP_SECRET),
    "facebook": lambda a: MessengerChat("facebook", a.stack, a.messengers["facebook"], META_APP_SECRET),
    "instagram": lambda a: MessengerChat("instagram", a.stack, a.messengers["instagram"], META_APP_SECRET),
    "slack": lambda a: SlackChat(a.stack, a.slack, SLACK_SIGNING_SECRET),
}


@pytest.fixture
def anna(assistant: Assistant) -> Iterator[AgentClient]:
    agent = assistant.agent("anna")
    yield agent
    agent.sign_out()


def handed_over(chat: ChannelChat, anna: AgentClient) -> int:
    chat.say("I want to talk to a person")  # type: ignore[attr-defined]
    handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(chat.sender_id))
    assert anna.claim(handoff["id"])
    return handoff["id"]


def shopper_messages(anna: AgentClient, handoff_id: int, start: str, count: int) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]] | None:
        messages = anna.updates(handoff_id)["messages"]
        mine = [m for m in messages if m["role"] == "shopper" and m["text"].startswith(start)]
        return mine if len(mine) >= count else None

    return wait_for(f"the shopper's {count} {start} at the desk", found, 60)


def shopper_message(anna: AgentClient, handoff_id: int, start: str) -> dict[str, Any]:
    return shopper_messages(anna, handoff_id, start, 1)[0]


@pytest.mark.parametrize("channel", list(CHATS))
def test_a_photo_during_a_handoff_shows_in_the_desk_for_signed_in_agents_only(channel, assistant: Assistant, anna):
    chat = CHATS[channel](assistant)
    handoff_id = handed_over(chat, anna)
    before = len(chat.sent())
    chat.run_turn(photo_update(assistant, chat, JPEG, "the scratch on the table top"))
    assert len(chat.sent()) == before  # no "I can read text only" while a person is there

    message = shopper_message(anna, handoff_id, "[photo]")
    attachment = message["attachment"]
    assert attachment["image"] and attachment["content_type"] == "image/jpeg"
    if channel != "facebook" and channel != "instagram":  # Meta's attachments carry no caption
        assert "the scratch on the table top" in message["text"]
    page = anna.page(handoff_id)
    assert f'<img class="attachment-thumb" src="{attachment["url"]}"' in page

    served = anna.http.get(attachment["url"])
    assert served.status_code == 200 and served.content == JPEG
    assert served.headers["Content-Type"] == "image/jpeg" and served.headers["X-Content-Type-Options"] == "nosniff"
    stranger = httpx.get(assistant.desk.url + attachment["url"], timeout=30)
    assert stranger.status_code == 401 and stranger.content != JPEG
    assert anna.end(handoff_id).endswith("notice=ended")


@pytest.mark.parametrize("channel", list(CHATS))
@pytest.mark.parametrize("name,content", [("parcel-label.png", PNG), ("return-label.pdf", PDF)])
def test_an_agents_image_or_pdf_arrives_as_the_platforms_own_media_message(channel, name, content, assistant: Assistant,
                                                                             anna):
    chat = CHATS[channel](assistant)
    handoff_id = handed_over(chat, anna)
    before = len(chat.sent())
    answer = anna.send_file(handoff_id, name, content)
    assert answer.status_code == 201, answer.text
    new = chat.sent()[before:]
    media = [found for found in map(chat.media_of, new) if found is not None]
    texts = [chat.text_of(message) for message in new if chat.media_of(message) is None]
    caption = f"Anna: {name}"
    if channel == "instagram" and name.endswith(".pdf"):  # Instagram's Send API takes no documents
        assert media == [] and len(texts) == 1 and texts[0].startswith(caption + ": http")
        url = texts[0].removeprefix(caption + ": ")
    else:
        [(kind, url, shown_caption)] = media
        assert kind == ("image" if name.endswith(".png") else "document")
        # Messenger's attachments carry no text: the caption is the message before.
        assert shown_caption == caption if channel not in ("facebook", "instagram") else texts == [caption]
    assert url.startswith(assistant.stack.rasa_url + "/webhooks/socketio/attachments/")
    fetched = httpx.get(url, timeout=30)  # as the platform fetches it
    assert fetched.status_code == 200 and fetched.content == content
    assert fetched.headers["Content-Type"] == ("image/png" if name.endswith(".png") else "application/pdf")
    assert httpx.get(url.split("?")[0], timeout=30).status_code != 200  # not without the shopper's token
    assert anna.end(handoff_id).endswith("notice=ended")


@pytest.mark.parametrize("channel", list(CHATS))
def test_an_agents_file_the_platform_does_not_take_shows_not_sent_and_is_not_kept(channel, assistant: Assistant, anna):
    chat = CHATS[channel](assistant)
    handoff_id = handed_over(chat, anna)
    chat.fail_next(500, 500, 500, 500)  # every attempt within the retry bound
    refused = anna.send_file(handoff_id, "parcel-label.png", PNG)
    assert refused.status_code == 502 and "Not sent" in refused.json()["error"]
    assert not any(m["attachment"] for m in anna.updates(handoff_id)["messages"])
    assert anna.send_file(handoff_id, "parcel-label.png", PNG).status_code == 201
    assert [m["attachment"]["filename"] for m in anna.updates(handoff_id)["messages"] if m["attachment"]] == ["parcel-label.png"]
    assert anna.end(handoff_id).endswith("notice=ended")


SECOND_JPEG = JPEG[:-2] + b"second photo\xff\xd9"


@pytest.mark.parametrize("channel", list(CHATS))
def test_every_photo_of_a_message_or_album_reaches_the_agent(channel, assistant: Assistant, anna):
    chat = CHATS[channel](assistant)
    handoff_id = handed_over(chat, anna)
    for update in photo_updates(assistant, chat, [JPEG, SECOND_JPEG], "both sides of the table"):
        chat.run_turn(update)
    photos = shopper_messages(anna, handoff_id, "[photo]", 2)
    served = [anna.http.get(m["attachment"]["url"]).content for m in photos]
    assert sorted(served) == sorted([JPEG, SECOND_JPEG])
    assert sum("both sides of the table" in m["text"] for m in photos) == (0 if "facebook" in channel or
                                                                          "instagram" in channel else 1)
    assert anna.end(handoff_id).endswith("notice=ended")


def test_a_file_that_is_not_what_it_claims_is_not_kept_but_the_agent_is_told(assistant: Assistant, anna):
    chat = CHATS["telegram"](assistant)
    handoff_id = handed_over(chat, anna)
    chat.run_turn(photo_update(assistant, chat, HTML_AS_JPEG, ""))
    message = shopper_message(anna, handoff_id, "[photo]")
    assert message["attachment"] is None and "not kept" in message["text"]
    assert "<script>" not in anna.page(handoff_id)
    anna.end(handoff_id)


def test_a_location_during_a_handoff_reaches_the_agent_as_a_map_link(assistant: Assistant, anna):
    chat = CHATS["whatsapp"](assistant)
    handoff_id = handed_over(chat, anna)
    chat.run_turn(chat.update(type="location", location={"latitude": 52.2297, "longitude": 21.0122}))
    message = shopper_message(anna, handoff_id, "[location]")
    assert "52.2297, 21.0122" in message["text"] and "https://www.openstreetmap.org/?mlat=52.2297&mlon=21.0122" in message["text"]
    anna.end(handoff_id)


def test_slacks_token_goes_to_slacks_file_host_only(assistant: Assistant, anna):
    chat = CHATS["slack"](assistant)
    handoff_id = handed_over(chat, anna)
    downloads = len(assistant.slack.downloads)
    elsewhere = "https://collector.example/steal/scratch.jpg"
    update = chat.event(subtype="file_share", text="", files=[{"id": "F0ELSEWHERE", "name": "scratch.jpg",
                                                                "mimetype": "image/jpeg", "url_private_download": elsewhere}])
    chat.run_turn(update)
    message = shopper_message(anna, handoff_id, "[photo] scratch.jpg")
    assert message["attachment"] is None and "could not be fetched from slack" in message["text"]
    assert len(assistant.slack.downloads) == downloads
    anna.end(handoff_id)


def test_the_desk_takes_files_only_from_the_bot_and_only_of_the_types_it_shows(assistant: Assistant):
    url = f"{assistant.desk.url}/api/bot/attachments"
    params = {"sender_id": f"telegram:{random.randrange(10**9)}", "kind": "photo", "name": "../../etc/passwd"}
    assert httpx.post(url, params=params, content=JPEG, timeout=30).status_code == 401
    bot = {"Authorization": f"Bearer {BOT_TOKEN}"}
    refused = httpx.post(url, params=params, content=HTML_AS_JPEG, headers=bot, timeout=30)
    assert refused.status_code == 415
    kept = httpx.post(url, params=params, content=JPEG, headers=bot, timeout=30)
    assert kept.status_code == 201 and kept.json()["filename"] == "passwd" and kept.json()["content_type"] == "image/jpeg"
    too_big = httpx.post(url, params=params, content=JPEG + bytes(10 * 1024 * 1024), headers=bot, timeout=60)
    assert too_big.status_code == 413
