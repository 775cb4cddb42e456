"""Files both ways during a handoff, in two browsers: the shopper's photo reaches the agent, the agent's
PDF and image reach the shopper; hostile files get clear refusals; the files are served only to their
conversation (through the socket.io channel) and to signed-in agents."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.chat import ANSWER_TIMEOUT_MS, GREETING, STORAGE_KEY, Chat
from tests.browser.desk_stack import DeskStack, desk_stack
from tests.browser.looks import axe_violations, screenshots
from tests.browser.servers import DESKTOP

WIDGET_FILE_INPUT = "shop-assistant-widget input[type=file]"
REFUSED_TYPE = "That kind of file can't be sent. Please send a photo (JPEG, PNG, WebP, GIF) or a PDF. Nothing was sent."
TOO_BIG = "That file is too big: files of up to 10 MB can be sent. Nothing was sent."


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real (decodable) PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PARCEL = png(160, 120, (150, 110, 70))
HOW_TO_PACK = png(120, 90, (40, 120, 90))
LABEL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"


def upload(page: Page, name: str, mime_type: str, data: bytes, selector: str = WIDGET_FILE_INPUT) -> None:
    page.locator(selector).set_input_files({"name": name, "mimeType": mime_type, "buffer": data})


def loaded(image) -> bool:
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


def stored_files(page: Page) -> list[dict]:
    state = json.loads(page.evaluate(f"localStorage.getItem({STORAGE_KEY!r})"))
    return [message["file"] for message in state["messages"] if message.get("file")]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskStack]:
    with desk_stack(tmp_path_factory.mktemp("widget-files")) as running:
        yield running


def test_a_photo_goes_to_the_agent_and_a_pdf_and_an_image_come_back(browser: Browser, assistant: DeskStack):
    # The shop's page keeps its Content-Security-Policy (the photos must pass its img-src); the desk's page
    # skips its own so that axe's script tag can run (the desk's files are its own origin's).
    shopper = browser.new_context(viewport=DESKTOP, locale="en-US")
    agent_context, agent = assistant.agent_page(browser, "anna", bypass_csp=True)
    looks = None
    try:
        page = shopper.new_page()
        page.goto(assistant.shop)
        chat = Chat(page)
        chat.open()
        assistant.hand_off(chat)
        assistant.take(agent)

        upload(page, "parcel.png", "image/png", PARCEL)
        mine = chat.log.locator(".msg--user img.file-thumb")
        expect(mine).to_have_attribute("alt", "Image: parcel.png", timeout=ANSWER_TIMEOUT_MS)
        mine.evaluate("img => img.decode()")  # fetched from the Rasa server with the conversation's token
        assert loaded(mine)

        # The agent sees it in the conversation, as a thumbnail that opens the photo.
        thumb = agent.locator("#transcript .msg.shopper img.attachment-thumb")
        expect(thumb).to_have_attribute("alt", "photo: parcel.png", timeout=ANSWER_TIMEOUT_MS)
        thumb.evaluate("img => img.decode()")
        with agent.expect_popup() as popup:
            thumb.click()
        opened = popup.value
        opened.wait_for_load_state()
        assert "/attachments/" in opened.url
        opened.close()

        upload(agent, "return-label.pdf", "application/pdf", LABEL_PDF, "#reply-file")
        expect(agent.locator("#transcript .msg.agent .attachment-file")).to_have_text("return-label.pdf (1 kB)")
        upload(agent, "how-to-pack.png", "image/png", HOW_TO_PACK, "#reply-file")
        expect(agent.locator("#transcript .msg.agent img.attachment-thumb")).to_have_count(1)
        expect(agent.locator("#reply-error")).to_have_text("")

        pdf_link = chat.log.locator(".msg--agent a.file-link")
        expect(pdf_link).to_have_text("Download return-label.pdf (1 kB)", timeout=ANSWER_TIMEOUT_MS)
        image = chat.log.locator(".msg--agent img.file-thumb")
        expect(image).to_have_attribute("alt", "Image: how-to-pack.png", timeout=ANSWER_TIMEOUT_MS)
        image.evaluate("img => img.decode()")
        assert loaded(image)
        expect(chat.log.locator(".msg--agent .who-name").last).to_have_text("Anna")
        download = shopper.request.get(pdf_link.get_attribute("href"))
        assert download.status == 200 and download.body() == LABEL_PDF
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith("attachment")
        assert download.headers["x-content-type-options"] == "nosniff"

        screenshots(page, "widget-attachments")
        screenshots(agent, "desk-attachments")
        assert axe_violations(agent, "body") == []

        # Files stay in the conversation: in the same browser later (here with the page's CSP off for axe's
        # script tag), and in the desk's transcript.
        looks = browser.new_context(viewport=DESKTOP, locale="en-US", bypass_csp=True, storage_state=shopper.storage_state())
        later = looks.new_page()
        later.goto(assistant.shop)
        log = Chat(later).log
        expect(log.locator("img.file-thumb")).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
        expect(log.locator("a.file-link")).to_have_count(1)
        assert axe_violations(later, "shop-assistant-widget") == []
        agent.reload()
        expect(agent.locator("#transcript img.attachment-thumb")).to_have_count(2)
        expect(agent.locator("#transcript .attachment-file")).to_have_count(1)
    finally:
        if looks is not None:
            looks.close()
        agent_context.close()
        shopper.close()


def test_hostile_files_get_clear_refusals_and_nothing_else_is_lost(browser: Browser, assistant: DeskStack):
    shopper = browser.new_context(viewport=DESKTOP, locale="en-US")
    try:
        page = shopper.new_page()
        page.goto(assistant.shop)
        chat = Chat(page)
        chat.open()
        chat.ask("hello", GREETING)
        # Outside a handoff the bot says it reads text, and the person button is right there.
        upload(page, "parcel.png", "image/png", PARCEL)
        expect(chat.bot_messages().last).to_have_text(
            "Sorry, I can read text only; a person can look at photos and files. Please describe it in words, "
            "or ask for a person.", timeout=ANSWER_TIMEOUT_MS)
        expect(page.get_by_role("button", name="Talk to a person")).to_be_visible()

        assistant.hand_off(chat)
        refusals = chat.log.locator(".msg--bot .bubble")
        hostile = [
            ("notes.txt", "text/plain", b"just text", REFUSED_TYPE),  # wrong type
            ("cat.svg", "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
             REFUSED_TYPE),
            ("photo.png", "image/png", b"<script>alert(document.cookie)</script>", REFUSED_TYPE),  # checked on the bytes
            ("huge.jpg", "image/jpeg", b"\xff\xd8\xff" + bytes(11 * 1024 * 1024), TOO_BIG),
            ("<img src=x onerror=alert(1)>.pdf", "application/pdf", b"<html><script>alert(1)</script>", REFUSED_TYPE),
        ]
        for name, mime_type, data, refusal in hostile:
            before = refusals.count()
            upload(page, name, mime_type, data)
            expect(refusals).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
            expect(refusals.last).to_have_text(refusal)
        assert chat.log.locator("img, script").count() == 0  # nothing became markup
        # A name with directories in it is only ever a plain name.
        upload(page, "../../desk/static/evil.png", "image/png", PARCEL)
        expect(chat.log.locator(".msg--user img.file-thumb")).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
        assert "/" not in chat.log.locator(".msg--user img.file-thumb").get_attribute("alt")
        screenshots(page, "widget-attachment-refused")
        chat.say("it arrived broken")
        expect(chat.user_messages().last).to_have_text("it arrived broken")
    finally:
        shopper.close()


def test_files_reach_only_their_own_conversation_through_the_channel(browser: Browser, assistant: DeskStack):
    """HTTP level, as anyone on the internet could ask the Rasa server and the desk."""
    contexts = []
    try:
        tokens = []
        for colour in ((200, 30, 30), (30, 30, 200)):
            context = browser.new_context(viewport=DESKTOP, locale="en-US")
            contexts.append(context)
            page = context.new_page()
            page.goto(assistant.shop)
            chat = Chat(page)
            chat.open()
            assistant.hand_off(chat)
            upload(page, "parcel.png", "image/png", png(20, 20, colour))
            expect(chat.log.locator(".msg--user img.file-thumb")).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
            [file] = stored_files(page)
            tokens.append(file["url"])
        mine, theirs = tokens
        own = httpx.get(mine, headers={"Origin": assistant.shop})
        assert own.status_code == 200 and own.headers["content-type"] == "image/png"
        assert own.headers["x-content-type-options"] == "nosniff" and "sandbox" in own.headers["content-security-policy"]
        base, _, token = mine.partition("?t=")
        _, _, other_token = theirs.partition("?t=")
        other = httpx.get(f"{base}?t={other_token}")
        missing = httpx.get(base)
        made_up = httpx.get(f"{base[:-32]}{'0' * 32}?t={token}")
        assert [other.status_code, missing.status_code, made_up.status_code] == [404, 404, 404]
        assert other.text == made_up.text  # nothing tells a wrong token from a file that does not exist
        # The desk shows it to signed-in agents only.
        file_id = base.rsplit("/", 1)[1]
        assert httpx.get(f"{assistant.desk.url}/attachments/{file_id}", follow_redirects=False).status_code in (401, 303)
        # An upload for a conversation the caller does not name properly is refused.
        bad = httpx.post(f"{assistant.stack.rasa_url}/webhooks/socketio/attachments", data={"session_id": "short"},
                         files={"file": ("a.png", PARCEL, "image/png")})
        assert bad.status_code == 400
    finally:
        for context in contexts:
            context.close()
