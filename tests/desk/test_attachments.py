"""Files shoppers send during a handoff (desk/attachments.py) and the channel badge, in the desk app."""

from __future__ import annotations

import pytest

from desk import handoffs
from desk.attachments import safe_filename, sniffed_type
from tests.desk.conftest import Harness

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)
PDF = b"%PDF-1.7\n" + bytes(300)


def photo_event(text: str, attachment_id: str, channel: str = "telegram") -> dict:
    parse_data = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": [], "text": text}
    return {"event": "user", "text": text, "parse_data": parse_data, "input_channel": channel,
            "metadata": {"attachment": {"id": attachment_id, "kind": "photo"}}}


async def upload(harness: Harness, sender_id: str, data: bytes, name: str = "scratch.jpg") -> dict:
    client = await harness.client()
    answer = await client.post("/api/bot/attachments", params={"sender_id": sender_id, "kind": "photo", "name": name},
                               data=data, headers=harness.bot_headers())
    assert answer.status == 201, await answer.text()
    return await answer.json()


@pytest.mark.parametrize(
    ("data", "expected"),
    [(JPEG, "image/jpeg"), (b"\x89PNG\r\n\x1a\n" + bytes(20), "image/png"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
     (PDF, "application/pdf"), (b"OggS\x00\x02", "audio/ogg"), (b"\x00\x00\x00\x20ftypM4A ", "audio/mp4"),
     (b"<svg onload=alert(1)>", None), (b"<html>", None), (b"MZ\x90\x00", None), (b"", None)],
)
def test_the_type_is_read_from_the_bytes(data, expected):
    assert sniffed_type(data) == expected


def test_file_names_are_plain_base_names():
    assert safe_filename("../../etc/passwd", "image/jpeg") == "passwd"
    assert safe_filename("C:\\Users\\x\\photo.jpg", "image/jpeg") == "photo.jpg"
    assert safe_filename('a"<b>\x00.jpg', "image/jpeg") == "ab.jpg"
    assert safe_filename(None, "application/pdf") == "file.pdf" and safe_filename("..", "image/png") == "file.png"
    assert len(safe_filename("x" * 500 + ".jpg", "image/jpeg")) == 120


async def test_a_photo_shows_in_its_own_conversation_only_and_survives_the_history_arriving_later(harness: Harness):
    harness.fake.conversation("telegram:555", ("my table arrived scratched", "Sorry to hear that."))
    harness.fake.hand_off("telegram:555")
    mine = await upload(harness, "telegram:555", JPEG)
    stolen = await upload(harness, "telegram:555", PDF, "invoice.pdf")
    # Before the desk has read the history: the history is put in front of this message later.
    harness.fake.publish("telegram:555", photo_event("[photo] scratch.jpg", mine["id"]))
    # Another shopper (REST lets a client write metadata) naming the first one's file.
    harness.fake.conversation("rest-attacker-1", ("hi", "Hello!"))
    harness.fake.hand_off("rest-attacker-1")
    harness.fake.publish("rest-attacker-1", photo_event("[photo] look", stolen["id"], "rest"))
    await harness.follow()

    [attacker, shopper] = sorted(await handoffs.open_handoffs(harness.desk.engine), key=lambda h: h["sender_id"])
    shown = [m for m in await handoffs.messages_after(harness.desk.engine, shopper["id"]) if m["attachment"]]
    assert [(m["text"], m["attachment"]["id"], m["attachment"]["image"]) for m in shown] == [
        ("[photo] scratch.jpg", mine["id"], True)]
    assert not any(m["attachment"] for m in await handoffs.messages_after(harness.desk.engine, attacker["id"]))

    anna = await harness.agent("anna", "Anna")
    page = await (await anna.get(f"/conversations/{shopper['id']}", headers={"Accept": "text/html"})).text()
    assert f'<img class="attachment-thumb" src="/attachments/{mine["id"]}"' in page
    served = await anna.get(f"/attachments/{mine['id']}")
    assert served.status == 200 and await served.read() == JPEG and served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert (await anna.get(f"/attachments/{stolen['id']}")).status == 404  # never linked: nobody sees it
    assert (await anna.get("/attachments/..%2F..%2Fdesk.db")).status == 404
    stranger = await harness.client()
    assert (await stranger.get(f"/attachments/{mine['id']}")).status == 401


async def test_the_queue_and_the_conversation_show_the_channel_with_its_icon(harness: Harness):
    harness.fake.shopper_says("slack:D0TEST", "hello", channel="slack")
    harness.fake.hand_off("slack:D0TEST")
    await harness.follow()
    anna = await harness.agent("anna", "Anna")
    [item] = (await (await anna.get("/queue.json")).json())["waiting"]
    assert (item["channel_name"], item["channel_icon"]) == ("Slack", "slack")
    queue = await (await anna.get("/", headers={"Accept": "text/html"})).text()
    badge = ('<span class="channel-badge"><img class="channel-icon" src="/static/channels/slack.svg" alt="" '
             'width="16" height="16">Slack</span>')
    assert badge in queue
    page = await (await anna.get(f"/conversations/{item['id']}", headers={"Accept": "text/html"})).text()
    assert page.count(badge) == 2  # in the heading and in the context panel
    icon = await anna.get("/static/channels/slack.svg")
    assert icon.status == 200 and "<svg" in await icon.text()
