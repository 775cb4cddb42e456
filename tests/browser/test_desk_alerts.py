"""An agent never misses a waiting shopper: live queue, notifications, sound, "(3)" in the title, a queue that fits a phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.desk import PHONE, RunningDesk, agent_context, running_desk, screenshots, sign_in

# The browser's own Notification and AudioContext, recorded per page: what the agent would see and hear.
# The permission is kept in the origin's storage, as the browser keeps it.
RECORD_ALERTS = """
window.__notifications = [];
window.__permissionAsked = 0;
window.__tones = 0;
let permission = localStorage.getItem("test-notification-permission") || "default";
class RecordedNotification {
  constructor(title, options) { window.__notifications.push({ title, body: options.body }); }
  static get permission() { return permission; }
  static async requestPermission() {
    window.__permissionAsked += 1;
    permission = "granted";
    localStorage.setItem("test-notification-permission", permission);
    return permission;
  }
}
window.Notification = RecordedNotification;
const RealAudioContext = window.AudioContext;
window.AudioContext = class extends RealAudioContext {
  createOscillator() {
    const tone = super.createOscillator();
    const start = tone.start.bind(tone);
    tone.start = (...args) => { window.__tones += 1; return start(...args); };
    return tone;
  }
};
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    with running_desk(tmp_path_factory.mktemp("desk-alerts")) as running:
        yield running


def hand_off(desk: RunningDesk, sender_id: str, question: str, reason: str = "shopper_asked") -> None:
    desk.fake.shopper_says(sender_id, question, channel="socketio")
    desk.fake.hand_off(sender_id, reason, language="en")


def test_new_handoffs_and_messages_alert_the_agent_on_every_desk_page(desk: RunningDesk, browser: Browser) -> None:
    anna_context = agent_context(browser)
    anna_context.add_init_script(RECORD_ALERTS)
    ben_context = agent_context(browser)
    ben_context.add_init_script(RECORD_ALERTS)
    try:
        anna, ben = anna_context.new_page(), ben_context.new_page()
        sign_in(anna, desk.url, "anna")
        sign_in(ben, desk.url, "ben")
        assert anna.evaluate("window.__permissionAsked") == 0  # never asked without the agent's gesture
        anna.get_by_role("button", name="Turn on notifications").click()
        assert anna.evaluate("window.__permissionAsked") == 1
        expect(anna.locator("#alerts-allow")).to_be_hidden()
        anna.get_by_role("button", name="Sound off").click()
        anna.reload()
        sound = anna.locator("#alerts-sound")
        expect(sound).to_have_text("Sound on")  # remembered
        expect(sound).to_have_attribute("aria-pressed", "true")

        hand_off(desk, "alert-1", "where is my parcel?")
        # The pages' fallback poll is 30 s apart: a row within 5 s was pushed to both agents.
        for page in (anna, ben):
            page.locator("#waiting-rows tr").first.wait_for(timeout=5_000)
        expect(anna).to_have_title("(1) Queue · Support desk", timeout=5_000)
        expect(ben).to_have_title("(1) Queue · Support desk", timeout=5_000)
        first = {"title": "A shopper is waiting", "body": "Asked for a person · socketio"}
        assert anna.evaluate("window.__notifications") == [first]
        assert anna.evaluate("window.__tones") == 1
        assert ben.evaluate("window.__tones") == 0  # Ben never switched the sound on

        anna.locator("#waiting-rows tr").first.get_by_role("button", name="Take").click()
        anna.wait_for_url("**/conversations/*")
        expect(anna).to_have_title("Conversation 1 · Support desk")  # using the page counts as seeing the alerts

        hand_off(desk, "alert-2", "can I change my address?")
        hand_off(desk, "alert-3", "do you ship to Norway?", reason="not_understood")
        desk.fake.shopper_says("alert-1", "hello? are you there?", channel="socketio")
        expect(anna).to_have_title("(3) Conversation 1 · Support desk", timeout=5_000)
        anna.locator("#transcript").get_by_text("hello? are you there?").wait_for(timeout=5_000)
        titles = [note["title"] for note in anna.evaluate("window.__notifications")]
        assert sorted(titles) == ["A shopper is waiting", "A shopper is waiting", "New message from the shopper"]
        assert anna.evaluate("window.__tones") >= 1
        screenshots(anna, "alerts-conversation")

        anna.goto(f"{desk.url}/kb")  # another desk page: the count comes along
        expect(anna).to_have_title("(3) KB report · Support desk")
        anna.keyboard.press("Tab")
        expect(anna).to_have_title("KB report · Support desk")
        expect(ben).to_have_title("(3) Queue · Support desk", timeout=5_000)  # Ben: three new handoffs, no messages of his
    finally:
        anna_context.close()
        ben_context.close()


def test_the_queue_fits_a_phone(desk: RunningDesk, browser: Browser) -> None:
    hand_off(desk, "phone-1", "my order arrived damaged and I need a replacement before Friday please", "order_delayed")
    context = agent_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, desk.url, "ben")
        rows = page.locator("#waiting-rows tr")
        rows.first.wait_for(timeout=5_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _assert_buttons_inside(page)
        for path in screenshots(page, "queue"):
            assert Path(path).stat().st_size > 0
        page.set_viewport_size(PHONE)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def _assert_buttons_inside(page: Page) -> None:
    card = page.locator(".card").filter(has=page.locator("#waiting-rows")).bounding_box()
    assert card is not None and card["x"] >= 0 and card["x"] + card["width"] <= PHONE["width"]
    rows = page.locator("#waiting-rows tr")
    for index in range(rows.count()):
        row = rows.nth(index).bounding_box()
        button = rows.nth(index).get_by_role("button", name="Take").bounding_box()
        assert row is not None and button is not None
        assert row["x"] >= card["x"] and row["x"] + row["width"] <= card["x"] + card["width"]
        assert button["x"] >= row["x"] and button["x"] + button["width"] <= row["x"] + row["width"]
        assert button["y"] >= row["y"] and button["y"] + button["height"] <= row["y"] + row["height"]
