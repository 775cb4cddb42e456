"""The desk's KB pages: shoppers' signals become candidates, approving writes the article's file, editing and publishing.

The bot's side (the kb_signal slot through a real Rasa) is in tests/browser/test_kb_feedback.py;
here the signals come through the event broker table as Rasa writes them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest_asyncio
import yaml

from kb_index.articles import load_kb
from kb_index.feedback import make_signal
from kb_index.settings import REPO_ROOT
from tests.desk.conftest import Harness, start_harness, stop_harness
from tests.desk.support import page_csrf
from tests.support.small_kb import write_article

HOSTILE = "<script>window.__xss = 1</script> where is the return form"


@pytest_asyncio.fixture(loop_scope="function")
async def harness(tmp_path: Path):
    running = await start_harness(tmp_path)
    # The desk reads the kb: section of its own assistant.yml on first use: a small KB of the test's own.
    kb = tmp_path / "kb"
    for article_id in ("returns", "delivery", "payment"):
        write_article(kb, article_id)
    config = tmp_path / "assistant.yml"
    shipped = yaml.safe_load((REPO_ROOT / "assistant.yml").read_text(encoding="utf-8"))["kb"]
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["kb"] = {
        **shipped, "articles_dir": str(kb), "index_dir": str(tmp_path / "kb_index"), "calibration": {},
        "publish_eval_queries": [],
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    yield running
    await stop_harness(running)


def questions(tmp_path: Path, article_id: str) -> tuple[str, ...]:
    return next(a.questions for a in load_kb(tmp_path / "kb") if a.id == article_id)


async def test_a_picked_suggestion_becomes_a_candidate_and_approving_adds_it_to_the_article(
    harness: Harness, tmp_path: Path
) -> None:
    harness.fake.publish("shopper-1", {"event": "slot", "name": "kb_signal",
                                       "value": make_signal("picked", HOSTILE, "returns", "en")})
    harness.fake.publish("shopper-1", {"event": "slot", "name": "kb_signal", "value": {"kind": "nonsense"}})
    harness.fake.publish("shopper-2", {"event": "slot", "name": "kb_signal",
                                       "value": make_signal("not_helpful", "do you ship to mars", "delivery", "en")})
    await harness.follow()
    anna = await harness.agent("anna", "Anna")
    page = await (await anna.get("/kb/candidates", headers={"Accept": "text/html"})).text()
    assert "the shopper picked this suggestion" in page and "did not help" in page
    assert "<script>window.__xss" not in page and "&lt;script&gt;" in page  # a shopper's text is shown as text
    ids = [int(i) for i in re.findall(r'/kb/candidates/(\d+)/approve', page)]
    assert len(ids) == 2

    token = await page_csrf(anna, "/kb/candidates")
    response = await anna.post(f"/kb/candidates/{ids[-1]}/approve", data={"csrf_token": token, "article_id": "returns"},
                               allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/kb/candidates?notice=approved"
    assert questions(tmp_path, "returns")[-1] == HOSTILE
    response = await anna.post(f"/kb/candidates/{ids[0]}/reject", data={"csrf_token": token}, allow_redirects=False)
    assert response.status == 303
    page = await (await anna.get("/kb/candidates", headers={"Accept": "text/html"})).text()
    assert "No candidates waiting." in page
    assert "do you ship to mars" not in " ".join(questions(tmp_path, "delivery"))


async def test_an_editor_edits_gets_a_clear_refusal_for_bad_input_publishes_and_rolls_back(
    harness: Harness, tmp_path: Path
) -> None:
    anna = await harness.agent("anna", "Anna")
    token = await page_csrf(anna, "/kb/articles")
    form = {"csrf_token": token, "title": "How can I pay?", "url": "https://shop.example/payment", "answer": "Cards and BLIK.",
            "questions": "pay by card\n\ncan I pay with paypal\n"}
    bad = await anna.post("/kb/articles/en/payment", data={**form, "url": " "})
    assert bad.status == 422
    page = await bad.text()
    assert "en/payment.md:5: &#39;url&#39; is missing or empty" in page and str(tmp_path) not in page
    assert "can I pay with paypal" in page  # what the editor typed is still in the form
    assert "Cards and BLIK." not in (tmp_path / "kb" / "en" / "payment.md").read_text()

    saved = await anna.post("/kb/articles/en/payment", data=form, allow_redirects=False)
    assert saved.status == 303
    assert questions(tmp_path, "payment") == ("pay by card", "can I pay with paypal")

    published = await anna.post("/kb/publish", data={"csrf_token": token}, allow_redirects=False)
    assert published.headers["Location"] == "/kb/articles?notice=published"
    editor = harness.desk.kb_editor()
    first = editor.live_version()
    write_article(tmp_path / "kb", "delivery", "Delivery takes 3 days.")
    await anna.post("/kb/publish", data={"csrf_token": token}, allow_redirects=False)
    second = editor.live_version()
    assert second != first
    page = await (await anna.get("/kb/articles?q=how+long+does+shipping+take&lang=en", headers={"Accept": "text/html"})).text()
    assert 'id="preview-live"' in page and 'id="preview-candidate"' in page and "How long does delivery take?" in page
    rolled = await anna.post("/kb/rollback", data={"csrf_token": token}, allow_redirects=False)
    assert rolled.headers["Location"] == "/kb/articles?notice=rolled_back"
    assert editor.live_version() == first


async def test_an_agents_reply_with_an_article_link_proposes_the_shoppers_question(harness: Harness, tmp_path: Path) -> None:
    from tests.desk.test_agent_desk import claim, post_json

    harness.fake.shopper_says("shopper-3", "the courier left nothing at my door")
    harness.fake.publish("shopper-3", {"event": "action", "name": "action_answer_from_kb"})
    harness.fake.bot_says("shopper-3", "Sorry, I don't know the answer to that.")
    harness.fake.shopper_says("shopper-3", "/request_human", intent="request_human")
    harness.fake.hand_off("shopper-3", "shopper_asked", language="en")
    await harness.follow()
    anna = await harness.agent("anna", "Anna")
    [handoff] = (await (await anna.get("/queue.json")).json())["waiting"]
    await claim(anna, handoff["id"])
    status, _ = await post_json(anna, f"/conversations/{handoff['id']}/reply",
                                {"text": "Here is how deliveries work: https://shop.example/delivery"})
    assert status == 201
    page = await (await anna.get("/kb/candidates", headers={"Accept": "text/html"})).text()
    assert "an agent answered with this article&#39;s link" in page
    assert "the courier left nothing at my door" in page
    assert '<option value="delivery" selected>' in page


async def test_unanswered_questions_are_grouped_into_proposed_articles_and_a_rejected_group_goes(
    harness: Harness, tmp_path: Path
) -> None:
    from tests.support.tracker_store import EN, KB, outcome, tracker_with

    conversations = {
        "s1": [EN, ("user", "do you ship to the moon?"), KB, *outcome("unknown")],
        "s2": [EN, ("user", "Do you ship to the Moon?"), KB, *outcome("unknown")],
        "s3": [EN, ("user", "shipping to the moon base, possible?"), KB, *outcome("unknown")],
        "s4": [EN, ("user", "are your vases handmade"), KB, *outcome("unknown")],  # asked once: not yet a pattern
    }
    started = harness.clock().timestamp() - 3600
    (tmp_path / "var").mkdir(exist_ok=True)  # the harness may have made it (the analytics database)
    tracker_with(tmp_path / "var" / "tracker.db", conversations, started=dict.fromkeys(conversations, started))
    anna = await harness.agent("anna", "Anna")
    page = await (await anna.get("/kb/candidates", headers={"Accept": "text/html"})).text()
    assert re.search(r"<li>do you ship to the moon\?</li><li>shipping to the moon base, possible\?</li></ul></td>\s*"
                     r"<td>en</td>\s*<td>3×</td>", page), page
    assert "handmade" not in page
    assert "/kb/articles/new?lang=en&amp;question=do%20you%20ship%20to%20the%20moon%3F&amp;question=shipping" in page
    new = await (await anna.get("/kb/articles/new?lang=en&question=do+you+ship+to+the+moon%3F",
                                headers={"Accept": "text/html"})).text()
    assert ">do you ship to the moon?</textarea>" in new
    [key] = re.findall(r"/kb/clusters/([0-9a-f]{32})/reject", page)
    token = await page_csrf(anna, "/kb/candidates")
    await anna.post(f"/kb/clusters/{key}/reject", data={"csrf_token": token}, allow_redirects=False)
    page = await (await anna.get("/kb/candidates", headers={"Accept": "text/html"})).text()
    assert "No group of unanswered questions." in page
