"""An agent at the desk in a real browser (Debian's Chromium, headless): sign in, take the conversation, reply."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desk.desk_process import DeskProcess, create_agent, desk_env, start_desk
from tests.desk.fake_rasa import FakeRasa
from tests.desk.support import ALWAYS_OPEN, PASSWORD, write_config
from tests.support.browser import chromium
from tests.support.processes import ARTIFACTS
from tests.support.threaded_server import serve_in_thread
from tests.support.tracker_store import KB, outcome, tracker_with

HOSTILE = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[FakeRasa, DeskProcess]]:
    fake = FakeRasa(tmp_path / "events.db", token=secrets.token_urlsafe(8))
    # The bot's tracker store, with an hour-old conversation of its own: what the KB report reads.
    tracker_with(tmp_path / "tracker.db", {"shopper-3": [("user", HOSTILE), KB, *outcome("unknown")]},
                 started={"shopper-3": time.time() - 3600})
    with serve_in_thread(fake.app()) as rasa_url:
        config = write_config(tmp_path, ALWAYS_OPEN, tracker_store=str(tmp_path / "tracker.db"))
        env = {**os.environ, **desk_env(config, rasa_url, fake.token)}
        env.pop("TRACKER_DB", None)
        assert create_agent(env, "anna", "Anna", PASSWORD).returncode == 0
        desk = start_desk(env)
        try:
            yield fake, desk
        finally:
            desk.stop()


def test_an_agent_signs_in_takes_the_conversation_and_replies(running: tuple[FakeRasa, DeskProcess]) -> None:
    fake, desk = running
    fake.conversation(
        "shopper-7",
        ("hi, my order 100205 has not arrived", "I'm sorry to hear that. Let me check order 100205."),
        ("it's a gift for tomorrow!", "I couldn't find an update beyond 'in transit'. Would you like to talk to a person?"),
    )
    fake.shopper_says("shopper-7", HOSTILE, channel="socketio")
    fake.hand_off(
        "shopper-7",
        "order_delayed",
        language="en",
        verified_order="100205",
        order_status="in transit, 3 days late",
        kb_candidates=[{"id": "late-delivery", "title": "My parcel is late", "score": 0.58}],
    )
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{desk.url}/")
        assert page.url.endswith("/login")
        page.screenshot(path=str(ARTIFACTS / "desk-login.png"))
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")

        row = page.locator("#waiting-rows tr").first
        row.wait_for(timeout=10_000)  # the follower has turned the pause into a waiting conversation
        assert row.locator(".preview").inner_text() == HOSTILE
        assert row.locator(".reason").inner_text() == "Order delayed or lost"
        page.screenshot(path=str(ARTIFACTS / "desk-queue.png"), full_page=True)
        row.locator("button", has_text="Take").click()

        page.wait_for_url("**/conversations/*")
        transcript = page.locator("#transcript")
        assert transcript.locator(".msg.shopper .bubble").nth(2).inner_text() == HOSTILE
        fake.shopper_says("shopper-7", "hello? is anyone there?", channel="socketio")
        transcript.get_by_text("hello? is anyone there?").wait_for(timeout=10_000)  # arrives without a reload

        page.fill("#reply-text", "Hi, I'm Anna. I've asked the courier and will update you within the hour.")
        page.click("#reply-form button[type=submit]")
        transcript.locator(".msg.agent .bubble").get_by_text("I've asked the courier").wait_for(timeout=10_000)
        page.fill("#note-text", "Courier ticket DPD-4471 opened")
        page.click("#note-form button[type=submit]")
        page.locator("#notes").get_by_text("DPD-4471").wait_for(timeout=10_000)

        page.screenshot(path=str(ARTIFACTS / "desk.png"), full_page=True)
        assert page.evaluate("window.__xss") is None  # the shopper's markup stayed text
        assert page.locator("#transcript img").count() == 0
        assert transcript.locator(".msg.agent .author").inner_text() == "Anna"

    delivered = [d for d in fake.delivered if d.sender_id == "shopper-7"]
    assert [(d.channel, d.text) for d in delivered] == [
        ("socketio", "Anna: Hi, I'm Anna. I've asked the courier and will update you within the hour.")
    ]


def test_an_agent_reads_the_kb_report(running: tuple[FakeRasa, DeskProcess]) -> None:
    _, desk = running
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{desk.url}/login")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("link", name="KB report").click()
        page.wait_for_url("**/kb")
        assert page.locator("#kb-questions").inner_text() == "1"
        assert page.locator("#kb-unknown").inner_text().startswith("did not know\t1\t100.0 %")
        assert page.locator("#kb-unanswered td").nth(2).inner_text() == HOSTILE.lower()
        page.get_by_role("link", name="24 hours").click()
        page.wait_for_url("**/kb?days=1")
        assert page.locator("#kb-questions").inner_text() == "1"
        page.screenshot(path=str(ARTIFACTS / "desk-kb-report.png"), full_page=True)
        assert page.evaluate("window.__xss") is None
        assert page.locator("#kb-report img").count() == 0
