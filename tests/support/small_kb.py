"""A small real KB written into a temporary folder, shared by the index tests."""

from __future__ import annotations

from pathlib import Path

ARTICLES = {
    "returns": ("How do I return an item?", "https://shop.example/returns", "Send it back within 30 days with the free label.",
                ["how can I send something back", "return an item", "I want to return my order",
                 "where is the return form", "can I return a used item", "returning a gift"]),
    "delivery": ("How long does delivery take?", "https://shop.example/delivery", "Delivery takes 1-2 working days.",
                 ["how long does shipping take", "when will my parcel arrive", "delivery time",
                  "how many days until my order comes", "is next day delivery possible", "shipping speed"]),
    "payment": ("How can I pay?", "https://shop.example/payment", "We accept cards, PayPal and BLIK.",
                ["which payment methods do you accept", "can I pay with paypal", "do you take BLIK",
                 "pay by card", "is cash on delivery possible", "payment options"]),
}


def write_article(kb: Path, article_id: str, answer: str | None = None, articles: dict | None = None) -> None:
    """Write one article of ``articles`` (default: ARTICLES) as data/kb/en/<id>.md, optionally with another answer."""
    title, url, default_answer, questions = (articles or ARTICLES)[article_id]
    body = "\n".join(f"  - {q}" for q in questions)
    (kb / "en").mkdir(parents=True, exist_ok=True)
    (kb / "en" / f"{article_id}.md").write_text(
        f"---\nid: {article_id}\nlang: en\ntitle: {title}\nurl: {url}\nquestions:\n{body}\n---\n{answer or default_answer}\n"
    )
