"""Polish and Russian shoppers: the right article in their language, "don't know" in their language,
and the order-status and handoff flows once each. Questions in tests/data/*_pl.yml, *_ru.yml were
written natively, without reading the KB."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from kb_index import load_kb_settings, open_index
from orders.demo_shop import DEMO_ORDERS
from orders.model import OrderStatus
from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
DOMAIN = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
LANGUAGES = ("pl", "ru")


def response_text(name: str, language: str) -> str:
    """The fixed start of a response in ``language`` (up to its first placeholder)."""
    for variation in DOMAIN["responses"][name]:
        if any(c.get("value") == language for c in variation.get("condition", [])):
            return variation["text"].split("{")[0].strip()
    raise AssertionError(f"{name} has no {language} text")


def questions(name: str) -> list[dict]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["questions"]


@pytest.fixture(scope="module")
def index():
    return open_index(load_kb_settings())


def sender() -> str:
    return f"lang-{uuid.uuid4().hex[:12]}"


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


# What the issue asks of each language: at least 30 unseen questions answered with the right
# article, at least 10 unanswerable ones handed off. We hold more of each; every one is asked
# and the misses are listed. Wrong answers outright may not exceed the bound the thresholds
# were calibrated for (kb.calibration.max_wrong in assistant.yml).
MIN_RIGHT = 30
MIN_HANDED_OFF = 10


def test_enough_native_questions_per_language():
    for lang in LANGUAGES:
        assert len(questions(f"kb_in_scope_{lang}.yml")) >= MIN_RIGHT
        assert len(questions(f"kb_out_of_scope_{lang}.yml")) >= MIN_HANDED_OFF


def answered_articles(index, messages: list[dict], lang: str) -> list[str]:
    """Articles whose answer *in this language* the bot sent outright."""
    reply = text_of(messages)
    return [a for a in index.meta["articles"] if index.article(a, lang)["answer"][:60] in reply]


def offered_articles(index, messages: list[dict], lang: str) -> list[str]:
    """Articles offered as buttons, titled in this language."""
    titles = {index.article(a, lang)["title"]: a for a in index.meta["articles"]}
    return [titles[b["title"]] for m in messages for b in m.get("buttons", []) if b["title"] in titles]


def handed_off(messages: list[dict], lang: str) -> bool:
    first = messages[0]
    return first["text"].startswith(response_text("utter_kb_dont_know", lang)) and "/request_human" in [
        b["payload"] for b in first.get("buttons", [])
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_questions_in_the_shoppers_language_get_the_right_article_or_dont_know(stack: Stack, index, lang):
    in_scope, out_of_scope = questions(f"kb_in_scope_{lang}.yml"), questions(f"kb_out_of_scope_{lang}.yml")
    missed, wrong, not_handed_off = [], [], []
    for question in in_scope:
        messages = stack.send(sender(), question["text"])
        if question["article"] == "opening-hours" and response_text("utter_open_day", lang)[:12] in text_of(messages):
            continue  # a question about a given day is answered from the support calendar
        answered = answered_articles(index, messages, lang)
        if answered not in ([question["article"]], []):
            wrong.append((question["text"], answered))
        if answered != [question["article"]] and question["article"] not in offered_articles(index, messages, lang):
            missed.append(question["text"])
    for question in out_of_scope:
        messages = stack.send(sender(), question["text"])
        if answered := answered_articles(index, messages, lang):
            wrong.append((question["text"], answered))
        if not handed_off(messages, lang):
            not_handed_off.append(question["text"])
    assert len(in_scope) - len(missed) >= MIN_RIGHT, f"missed: {missed}"
    assert len(out_of_scope) - len(not_handed_off) >= MIN_HANDED_OFF, f"not handed off: {not_handed_off}"
    allowed = int(load_kb_settings().calibration_max_wrong * (len(in_scope) + len(out_of_scope)))
    assert len(wrong) <= allowed, f"answered with a wrong article: {wrong}"
    print(f"{lang}: {len(in_scope) - len(missed)}/{len(in_scope)} right, "
          f"{len(out_of_scope) - len(not_handed_off)}/{len(out_of_scope)} handed off, {len(wrong)} wrong")


@pytest.mark.parametrize(
    ("lang", "ask"), [("pl", "gdzie jest moje zamówienie nr {n}? mój email to {e}"), ("ru", "где мой заказ №{n}? почта {e}")]
)
def test_order_status_in_the_shoppers_language(stack: Stack, lang, ask):
    order = next(o for o in DEMO_ORDERS if o.status == OrderStatus.SHIPPED)
    reply = text_of(stack.send(sender(), ask.format(n=order.number, e=order.email)))
    assert response_text("utter_order_status_shipped", lang) in reply and order.shipments[0].tracking_url in reply


@pytest.mark.parametrize(("lang", "ask"), [("pl", "chcę porozmawiać z konsultantem"), ("ru", "соедините меня с оператором")])
def test_handoff_in_the_shoppers_language(stack: Stack, lang, ask):
    reply = text_of(stack.send(sender(), ask))
    assert response_text("utter_handoff_offline", lang) in reply


def test_the_language_chosen_in_the_widget_wins_over_the_detected_one(stack: Stack):
    me = sender()
    chosen = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": me, "message": "hello there, good morning", "metadata": {"language": "ru"}}, timeout=60,
    )
    chosen.raise_for_status()
    assert text_of(chosen.json()).startswith(response_text("utter_greet", "ru"))
    # Without a choice, clear evidence switches the conversation.
    assert text_of(stack.send(me, "hello, good morning to you all")).startswith("Hi! I'm the Bramble & Birch assistant")
