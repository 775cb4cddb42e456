"""Every desk page passes axe-core (no serious or critical violation) in light and dark mode, on a desktop and a phone;
the transcript is reachable by keyboard and announced to screen readers as it grows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.desk import DESKTOP, PHONE, RunningDesk, agent_context, running_desk, sign_in
from tests.desk.agent_client import AgentClient, wait_for
from tests.desk.desk_process import BOT_TOKEN
from tests.support.processes import ARTIFACTS

AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    with running_desk(tmp_path_factory.mktemp("desk-a11y"), smtp={"host": "127.0.0.1", "port": 9, "sender": "d@x.example",
                                                                   "to": "s@x.example"}) as running:
        fake = running.fake
        for sender, reason in (("a11y-1", "order_delayed"), ("a11y-2", "not_understood"), ("a11y-3", "verification_failed")):
            fake.shopper_says(sender, f"help with https://shop.example/orders/{sender}", channel="socketio")
            fake.bot_says(sender, "Did that help?", buttons=[{"title": "Talk to a person", "payload": "/request_human"}])
            fake.shopper_says(sender, "/request_human", intent="request_human", channel="socketio")
            fake.hand_off(sender, reason, language="en", kb_candidates=[{"article_id": "returns", "score": 0.9}])
        anna = AgentClient(running.url).sign_in("anna")
        first = wait_for("the handoffs", lambda: anna.waiting_handoff("a11y-1"))
        wait_for("the last handoff", lambda: anna.waiting_handoff("a11y-3"))
        assert anna.claim(first["id"])
        anna.reply(first["id"], "Hello, Anna here.")
        second = anna.waiting_handoff("a11y-2")
        assert anna.claim(second["id"])
        anna.end(second["id"])
        headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
        httpx.post(f"{running.url}/api/bot/csat", json={"sender_id": "a11y-2", "rating": 4}, headers=headers).raise_for_status()
        ticket = httpx.post(f"{running.url}/api/bot/tickets", json={"sender_id": "a11y-1", "email": "o@example.com"},
                            headers=headers).raise_for_status().json()["ticket_id"]
        anna.sign_out()
        running.pages = {  # type: ignore[attr-defined]
            "queue": "/",
            "conversation-mine": f"/conversations/{first['id']}",
            "conversation-ended": f"/conversations/{second['id']}",
            "conversation-waiting": "/conversations/3", "history": "/history", "ticket": f"/tickets/{ticket}",
            "saved-replies": "/canned", "kb-report": "/kb",
        }
        yield running


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, { resultTypes: ['violations'] })")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def test_every_desk_page_passes_axe(desk: RunningDesk, browser: Browser) -> None:
    # axe is added as a script of the test's own: the desk's Content-Security-Policy allows only the desk's files.
    context = agent_context(browser, bypass_csp=True)
    report: dict[str, list[dict]] = {}
    try:
        page = context.new_page()
        page.goto(f"{desk.url}/login")
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.reload()
            report[f"login-{scheme}"] = axe_violations(page)
        sign_in(page, desk.url, "anna")
        for name, path in desk.pages.items():  # type: ignore[attr-defined]
            for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                for scheme in ("light", "dark"):
                    page.emulate_media(color_scheme=scheme)
                    page.goto(f"{desk.url}{path}")
                    # Not "networkidle": the conversation page keeps a long poll open (updates.json?wait=20).
                    page.wait_for_load_state("load")
                    page.locator("h1").first.wait_for()
                    report[f"{name}-{size_name}-{scheme}"] = axe_violations(page)
    finally:
        context.close()
    (ARTIFACTS / "desk-axe.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    blocking = {key: [v for v in found if v["impact"] in BLOCKING] for key, found in report.items()}
    assert {key: found for key, found in blocking.items() if found} == {}
    assert len(report) == 2 + 4 * len(desk.pages)  # type: ignore[attr-defined]  # every page was checked


def test_the_transcript_is_reachable_by_keyboard_and_announced(desk: RunningDesk, browser: Browser) -> None:
    context = agent_context(browser)
    try:
        page = context.new_page()
        sign_in(page, desk.url, "anna")
        page.goto(f"{desk.url}{desk.pages['conversation-mine']}")  # type: ignore[attr-defined]
        log = page.get_by_role("log", name="Conversation with the shopper")
        expect(log).to_have_attribute("aria-live", "polite")
        for _ in range(40):  # Tab from the top of the page until the transcript has the focus
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "transcript-log":
                break
        else:
            pytest.fail("the transcript cannot be reached with Tab")
        handoff_id = desk.pages["conversation-mine"].rsplit("/", 1)[1]  # type: ignore[attr-defined]
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Conversation {handoff_id}")
        items = log.get_by_role("listitem")
        assert "Talk to a person" in items.all_inner_texts()[2]
        desk.fake.shopper_says("a11y-1", "are you still there?", channel="socketio")
        expect(log.get_by_role("listitem").last).to_contain_text("are you still there?", timeout=5_000)  # inside the live region
    finally:
        context.close()
