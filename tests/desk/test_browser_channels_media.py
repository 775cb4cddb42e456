"""In a real browser (Debian's Chromium, headless): the channel badge in the queue and the conversation,
and a shopper's photo arriving during the handoff as a thumbnail, live, without a reload."""

from __future__ import annotations

import struct
import zlib

import httpx

from tests.desk.desk_process import BOT_TOKEN, DeskProcess
from tests.desk.fake_rasa import FakeRasa
from tests.desk.support import PASSWORD
from tests.desk.test_attachments import photo_event
from tests.desk.test_browser import running  # noqa: F401 - the fixture: fake Rasa and a desk process
from tests.support.browser import chromium
from tests.support.processes import ARTIFACTS


def png(width: int, height: int) -> bytes:
    """A real PNG of one colour, so the browser decodes it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xc0\x60\x30" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def loaded(locator) -> bool:
    return locator.evaluate("img => img.complete && img.naturalWidth > 0")


def test_the_channel_badge_and_a_photo_sent_during_the_handoff(running: tuple[FakeRasa, DeskProcess]) -> None:  # noqa: F811
    fake, desk = running
    fake.shopper_says("whatsapp:48600100200", "my table arrived scratched", channel="whatsapp")
    fake.hand_off("whatsapp:48600100200")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{desk.url}/login")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")

        row = page.locator("#waiting-rows tr").first
        row.wait_for(timeout=10_000)
        page.wait_for_function("document.querySelector('#waiting-rows .channel-badge') !== null", timeout=10_000)
        badge = row.locator(".channel-badge")
        assert badge.inner_text() == "WhatsApp" and loaded(badge.locator("img"))
        row.locator("button", has_text="Take").click()
        page.wait_for_url("**/conversations/*")
        assert page.locator(".conversation-head .channel-badge").inner_text() == "WhatsApp"

        photo = png(64, 48)
        uploaded = httpx.post(f"{desk.url}/api/bot/attachments", content=photo, timeout=30,
                              params={"sender_id": "whatsapp:48600100200", "kind": "photo", "name": "scratch.png"},
                              headers={"Authorization": f"Bearer {BOT_TOKEN}"})
        assert uploaded.status_code == 201
        fake.publish("whatsapp:48600100200", photo_event("[photo] scratch.png", uploaded.json()["id"], "whatsapp"))
        thumb = page.locator("#transcript .msg.shopper .attachment-thumb")
        thumb.wait_for(timeout=10_000)  # arrives by polling, built by conversation.js
        page.wait_for_function("document.querySelector('#transcript .attachment-thumb').naturalWidth === 64", timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "desk-photo.png"), full_page=True)

        page.reload()  # the server-rendered page shows the same
        assert loaded(page.locator("#transcript .attachment-thumb"))
