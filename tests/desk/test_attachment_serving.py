"""Files both ways in a handoff, at the HTTP level: what the desk takes (type from the bytes, size, rate
per conversation and per address), who may fetch a file (its conversation's token, signed-in agents),
with which headers, the agent's image or PDF going out through Rasa, and expiry."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from desk import handoffs
from desk.app import attachment_key
from desk.attachments import AttachmentRules, delete_expired
from desk.db import attachments
from desk.settings import AttachmentSettings, SmtpSettings
from desk.transcript import transcript_until
from desk.transcript_mail import transcript_message
from tests.desk.conftest import Harness, start_harness, stop_harness
from tests.desk.support import page_csrf
from tests.desk.test_agent_desk import claim, handed_off

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
PDF = b"%PDF-1.7\n" + bytes(200)
SHOPPER = "a" * 32
OTHER = "b" * 32


async def upload(harness: Harness, sender_id: str, data: bytes, name: str = "box.png", client: str = "198.51.100.7"):
    http = await harness.client()
    params = {"sender_id": sender_id, "kind": "file", "name": name, "client": client}
    answer = await http.post("/api/bot/attachments", params=params, data=data, headers=harness.bot_headers())
    return answer.status, await answer.json()


async def shopper_get(harness: Harness, attachment_id: str, token: str | None):
    http = await harness.client()
    return await http.get(f"/api/bot/attachments/{attachment_id}", params={"t": token} if token else {},
                          headers=harness.bot_headers())


async def test_a_file_is_served_to_its_own_conversation_only_with_safe_headers(harness: Harness):
    status, photo = await upload(harness, SHOPPER, PNG)
    assert status == 201 and (photo["kind"], photo["content_type"], photo["image"]) == ("photo", "image/png", True)
    _, other = await upload(harness, OTHER, PDF, "invoice.pdf")

    served = await shopper_get(harness, photo["id"], photo["token"])
    assert served.status == 200 and await served.read() == PNG
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"] == "inline; filename*=UTF-8''box.png"
    csp = served.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp
    pdf = await shopper_get(harness, other["id"], other["token"])
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == "attachment; filename*=UTF-8''invoice.pdf"

    # Another conversation's token, no token, a made-up id: all the same "not found", never "forbidden".
    assert other["token"] != photo["token"]
    wrong = await shopper_get(harness, photo["id"], other["token"])
    missing = await shopper_get(harness, "0" * 32, photo["token"])
    assert (wrong.status, await wrong.text()) == (missing.status, await missing.text()) == (404, "no such file")
    assert (await shopper_get(harness, photo["id"], None)).status == 404
    # Only the bot's channels may ask at all.
    stranger = await harness.client()
    assert (await stranger.get(f"/api/bot/attachments/{photo['id']}", params={"t": photo["token"]})).status == 401


async def test_hostile_files_are_refused_with_a_reason_and_names_are_made_plain(harness: Harness):
    script_as_png = b"<script>alert(document.cookie)</script>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    for data, name in ((script_as_png, "photo.png"), (svg, "cat.svg"), (b"MZ\x90\x00" + bytes(50), "setup.exe.jpg"),
                       (b"\x00\x00\x00\x20ftypM4A " + bytes(50), "voice.m4a")):
        status, body = await upload(harness, SHOPPER, data, name)
        assert (status, body["code"]) == (415, "bad_type"), name
        assert "JPEG, PNG, WebP, GIF, PDF" in body["error"]
    status, body = await upload(harness, SHOPPER, b"")
    assert (status, body["code"]) == (415, "empty")
    status, body = await upload(harness, SHOPPER, b"\xff\xd8\xff" + bytes(10 * 1024 * 1024))
    assert status == 413 and "10485760" in body["error"]  # refused on its declared length, before it is read
    status, body = await upload(harness, SHOPPER, PNG, "../../desk/static/evil.png")
    assert status == 201 and body["filename"] == "evil.png"
    status, body = await upload(harness, SHOPPER, PNG, "..\\..\\etc\\passwd")
    assert status == 201 and body["filename"] == "passwd"


async def test_uploads_are_limited_per_conversation_and_per_address(harness: Harness):
    settings = AttachmentSettings(per_conversation="2/minute", per_address="3/minute")
    counter = harness.desk.limits.counter("desk-upload")
    harness.desk.files = AttachmentRules(settings, attachment_key(harness.desk.settings), counter)
    assert [(await upload(harness, SHOPPER, PNG, client=f"203.0.113.{n}"))[0] for n in range(3)] == [201, 201, 429]
    # New conversations from one address: held by the address.
    statuses = [(await upload(harness, f"{n:032x}", PNG, client="198.51.100.9"))[0] for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    status, body = await upload(harness, OTHER, PNG, client="192.0.2.1")
    assert status == 201, body  # someone else is not held up
    status, body = await upload(harness, SHOPPER, PNG, client="192.0.2.2")
    assert (status, body["code"]) == (429, "limited")


async def agent_sends(agent: TestClient, handoff_id: int, data: bytes, name: str) -> tuple[int, dict]:
    token = await page_csrf(agent, "/")
    answer = await agent.post("/attachments", params={"handoff": str(handoff_id), "name": name}, data=data,
                              headers={"X-CSRF-Token": token, "Content-Type": "application/octet-stream"})
    return answer.status, await answer.json()


async def test_the_agent_sends_an_image_and_a_pdf_that_reach_the_shopper_and_stay_in_the_transcript(harness: Harness):
    handoff_id = await handed_off(harness, SHOPPER, "socketio")
    anna = await harness.agent("anna", "Anna")
    await claim(anna, handoff_id)

    fetched_on_arrival = []

    async def widget_fetches(event: dict) -> None:  # as the shopper's widget does when the message arrives
        described = event["data"]["attachment"]["payload"]
        served = await shopper_get(harness, described["id"], described["token"])
        fetched_on_arrival.append((served.status, await served.read()))
    harness.fake.on_delivery = widget_fetches

    status, sent = await agent_sends(anna, handoff_id, PDF, "label.pdf")
    assert status == 201 and sent["message"]["text"] == "[file] label.pdf"
    assert fetched_on_arrival == [(200, PDF)]
    status, _ = await agent_sends(anna, handoff_id, PNG, "how-to-pack.png")
    assert status == 201
    [pdf_event, png_event] = [body for sender, path, _, body in harness.fake.posted
                              if sender == SHOPPER and isinstance(body, dict) and body.get("data")]
    assert pdf_event["metadata"] == {"from_agent": True, "agent_name": "Anna", "label": "Anna: [file] label.pdf"}
    pdf = pdf_event["data"]["attachment"]
    assert (pdf["type"], png_event["data"]["attachment"]["type"]) == ("file", "image")
    served = await shopper_get(harness, pdf["payload"]["id"], pdf["payload"]["token"])
    assert served.status == 200 and await served.read() == PDF

    shown = [(m["role"], m["text"], m["attachment"]["filename"])
             for m in await handoffs.messages_after(harness.desk.engine, handoff_id) if m["attachment"]]
    assert shown == [("agent", "[file] label.pdf", "label.pdf"), ("agent", "[photo] how-to-pack.png", "how-to-pack.png")]
    page = await (await anna.get(f"/conversations/{handoff_id}", headers={"Accept": "text/html"})).text()
    assert 'id="reply-file-button"' in page and f'src="/attachments/{png_event["data"]["attachment"]["payload"]["id"]}"' in page
    # The agent signed out sees nothing.
    stranger = await harness.client()
    assert (await stranger.get(f"/attachments/{pdf['payload']['id']}")).status == 401


async def test_an_agents_file_that_cannot_go_is_not_kept_and_the_agent_is_told(harness: Harness):
    handoff_id = await handed_off(harness, SHOPPER, "socketio")
    telegram_id = await handed_off(harness, "telegram:777", "telegram")
    anna = await harness.agent("anna", "Anna")
    await claim(anna, handoff_id)
    await claim(anna, telegram_id)
    before = len(harness.fake.posted)

    status, body = await agent_sends(anna, handoff_id, b"<svg onload=alert(1)>", "x.svg")
    assert status == 415 and body["error"].startswith("Not sent:")
    status, body = await agent_sends(anna, telegram_id, PDF, "label.pdf")
    assert status == 409 and "set attachments.public_url" in body["error"]
    harness.fake.down = True
    status, body = await agent_sends(anna, handoff_id, PDF, "label.pdf")
    assert (status, body["error"]) == (502, "Not sent: the bot could not be reached. Try again.")
    assert len(harness.fake.posted) == before
    assert not any(m["attachment"] for m in await handoffs.messages_after(harness.desk.engine, handoff_id))
    async with harness.desk.engine.connect() as connection:  # nor is the file kept, linked or not
        assert (await connection.execute(select(func.count()).select_from(attachments))).scalar() == 0


async def test_files_are_deleted_after_the_retention_period(harness: Harness):
    _, photo = await upload(harness, SHOPPER, PNG)
    assert await delete_expired(harness.desk.engine, harness.desk.files, harness.clock() + timedelta(days=89)) == 0
    assert await delete_expired(harness.desk.engine, harness.desk.files, harness.clock() + timedelta(days=91)) == 1
    assert (await shopper_get(harness, photo["id"], photo["token"])).status == 404


async def test_with_a_public_address_a_messenger_gets_the_agents_file_with_its_link_and_the_email_links_files(tmp_path):
    harness = await start_harness(tmp_path, env={"ATTACHMENTS_PUBLIC_URL": "https://assistant.example/"})
    try:
        telegram_id = await handed_off(harness, "telegram:777", "telegram")
        anna = await harness.agent("anna", "Anna")
        await claim(anna, telegram_id)
        page = await (await anna.get(f"/conversations/{telegram_id}", headers={"Accept": "text/html"})).text()
        assert 'id="reply-file-button"' in page
        status, sent = await agent_sends(anna, telegram_id, PDF, "label.pdf")
        assert status == 201
        [delivered] = [d for d in harness.fake.delivered if d.sender_id == "telegram:777"
                       and d.metadata.get("label") == "Anna: [file] label.pdf"]
        assert delivered.channel == "telegram"
        [event] = [body for sender, path, _, body in harness.fake.posted
                   if sender == "telegram:777" and path == "tracker/events" and body.get("metadata") == delivered.metadata]
        file_id = sent["message"]["attachment"]["id"]
        link = f"https://assistant.example/webhooks/socketio/attachments/{file_id}?t={harness.desk.files.token('telegram:777')}"
        # What the Telegram connector sends the platform: the link to fetch the PDF from, and the caption.
        attachment = event["data"]["attachment"]
        assert (attachment["link"], attachment["caption"]) == (link, "Anna: label.pdf")
        assert attachment["payload"]["content_type"] == "application/pdf" and not attachment["payload"]["image"]
        assert "token" not in attachment["payload"]  # the shopper's token goes in the link only

        # The transcript e-mail: the shopper's photo and the agent's PDF, each with its link.
        _, photo = await upload(harness, SHOPPER, PNG, "parcel.png")
        events = [
            {"event": "user", "text": "[photo] parcel.png", "timestamp": 1_700_000_000,
             "metadata": {"attachment": {"id": photo["id"], "kind": "photo"}}},
            {"event": "bot", "text": None, "timestamp": 1_700_000_060, "data": {"attachment": {"payload": {"id": "c" * 32}}},
             "metadata": {"from_agent": True, "agent_name": "Anna", "label": "Anna: [file] label.pdf"}},
        ]
        lines = transcript_until({"events": events}, float("inf"))
        smtp = SmtpSettings("127.0.0.1", 25, "desk@shop.example", "support@shop.example")
        body = transcript_message(lines, "ana@example.com", smtp,
                                  lambda file_id: harness.desk.files.public_link(SHOPPER, file_id)).get_content()
        token = harness.desk.files.token(SHOPPER)
        assert f"You: [photo] parcel.png https://assistant.example/webhooks/socketio/attachments/{photo['id']}?t={token}" in body
        assert f"Anna: [file] label.pdf https://assistant.example/webhooks/socketio/attachments/{'c' * 32}?t={token}" in body
    finally:
        await stop_harness(harness)
