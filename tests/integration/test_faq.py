"""Shoppers' questions through the REST channel, answered by the real Rasa + action servers.

The questions in tests/data/ were written without reading the KB; a unit test
(tests/unit/test_heldout_data.py) checks that their wording appears nowhere in
data/kb or data/nlu.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from business_hours.calendar import WEEKDAYS
from kb_index import load_kb_settings, open_index
from tests.support.stack import Stack

DATA = Path(__file__).resolve().parents[1] / "data"
IN_SCOPE = yaml.safe_load((DATA / "kb_in_scope.yml").read_text(encoding="utf-8"))["questions"]
OUT_OF_SCOPE = yaml.safe_load((DATA / "kb_out_of_scope.yml").read_text(encoding="utf-8"))["questions"]
DONT_KNOW = "Sorry, I don't know the answer to that."
# No desk runs in these tests, so a handoff takes the offline path.
HANDOFF_OFFLINE = "Our team isn't available right now"
# utter_open_day, utter_closed_day, utter_closed_holiday: the support calendar's answers.
CALENDAR_REPLIES = ("our team is there", "Our team is not in on", "We're closed on")


@pytest.fixture(scope="module")
def live_articles():
    index = open_index(load_kb_settings())
    return {article_id: index.article(article_id) for article_id in index.meta["articles"]}


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def articles_in(messages: list[dict], live_articles: dict) -> tuple[list[str], list[str]]:
    """(articles answered outright, articles offered as buttons) in the bot's messages."""
    answered = [aid for aid, a in live_articles.items() for m in messages if m.get("text", "").startswith(a["answer"])]
    offered = [
        b["payload"].split('"article_id": "')[1].split('"')[0]
        for m in messages
        for b in m.get("buttons", [])
        if b["payload"].startswith("/choose_article")
    ]
    return answered, offered


def test_there_are_enough_held_out_questions():
    assert len(IN_SCOPE) >= 40 and len(OUT_OF_SCOPE) >= 15


@pytest.mark.parametrize("question", IN_SCOPE, ids=[q["text"][:40] for q in IN_SCOPE])
def test_in_scope_question_gets_the_right_article(stack: Stack, live_articles, question):
    messages = stack.send(new_sender(), question["text"])
    answered, offered = articles_in(messages, live_articles)
    if question["article"] == "opening-hours" and any(reply in messages[0]["text"] for reply in CALENDAR_REPLIES):
        # A question about a given day is answered from the support calendar, the article's own source.
        assert all(day.capitalize() in messages[0]["text"] for day in WEEKDAYS if day in question["text"]), messages
        return
    # Never a confident wrong answer; the right article either answers or is offered.
    assert answered in ([question["article"]], []), f"answered with {answered}: {messages}"
    assert answered == [question["article"]] or question["article"] in offered, f"right article missing: {messages}"
    if answered:
        assert live_articles[question["article"]]["url"] in " ".join(m.get("text", "") for m in messages)


@pytest.mark.parametrize("question", OUT_OF_SCOPE, ids=[q["text"][:40] for q in OUT_OF_SCOPE])
def test_out_of_scope_question_gets_dont_know_and_a_human_offer(stack: Stack, live_articles, question):
    messages = stack.send(new_sender(), question["text"])
    answered, offered = articles_in(messages, live_articles)
    assert not answered and not offered, messages
    assert messages and messages[0]["text"].startswith(DONT_KNOW), messages
    assert "/request_human" in [b["payload"] for b in messages[0].get("buttons", [])]


def test_picking_a_suggested_article_answers_with_it(stack: Stack, live_articles):
    sender = new_sender()
    messages = stack.send(sender, '/choose_article{"article_id": "gift-cards"}')
    answered, _ = articles_in(messages, live_articles)
    assert answered == ["gift-cards"]


def test_conversation_intents(stack: Stack):
    sender = new_sender()
    assert "assistant" in stack.send(sender, "hello there")[0]["text"]
    assert "not a person" in stack.send(sender, "am I chatting with a robot?")[0]["text"]
    assert HANDOFF_OFFLINE in stack.send(sender, "I'd like to speak with a real human please")[0]["text"]
    stack.send(sender, "no")  # no ticket, thanks
    asks_for_person = "is there a phone number i can call to speak to an actual person"
    assert HANDOFF_OFFLINE in stack.send(new_sender(), asks_for_person)[0]["text"]
    assert "welcome" in stack.send(sender, "thanks a lot")[0]["text"].lower()
    assert "Goodbye" in stack.send(sender, "bye bye")[0]["text"]


def test_yes_after_dont_know_reaches_a_person_and_no_does_not(stack: Stack):
    sender = new_sender()
    assert stack.send(sender, "who will win the next eurovision?")[0]["text"].startswith(DONT_KNOW)
    assert HANDOFF_OFFLINE in stack.send(sender, "yes")[0]["text"]
    sender = new_sender()
    stack.send(sender, "who will win the next eurovision?")
    assert "anything else" in stack.send(sender, "no")[0]["text"]


def test_answers_are_stored_in_the_sql_tracker(stack: Stack):
    sender = new_sender()
    stack.send(sender, "do you ship to Sweden?")
    events = stack.tracker(sender)["events"]
    assert any(e["event"] == "user" and e["text"] == "do you ship to Sweden?" for e in events)
    assert any(e["event"] == "slot" and e["name"] == "kb_outcome" for e in events)
