"""How the widget turns message text into links, and its counted texts, run in the browser itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page


@pytest.fixture
def shop_page(page: Page, shop: str) -> Page:
    page.goto(f"{shop}/help.html")
    return page


def split_links(page: Page, text: str) -> list[dict[str, str]]:
    return page.evaluate("async (text) => (await import('/widget/lib/rich_text.js')).splitLinks(text)", text)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "More details: https://bramble-birch.example/help/returns.",
            [
                {"text": "More details: "},
                {"href": "https://bramble-birch.example/help/returns", "label": "https://bramble-birch.example/help/returns"},
                {"text": "."},
            ],
        ),
        (
            "Buy them at [bramble-birch.example/gift-cards](https://bramble-birch.example/gift-cards); done",
            [
                {"text": "Buy them at "},
                {"href": "https://bramble-birch.example/gift-cards", "label": "bramble-birch.example/gift-cards"},
                {"text": "; done"},
            ],
        ),
        (
            "(see www.bramble-birch.example/faq)",
            [
                {"text": "(see "},
                {"href": "https://www.bramble-birch.example/faq", "label": "www.bramble-birch.example/faq"},
                {"text": ")"},
            ],
        ),
        (
            "write to support@bramble-birch.example!",
            [
                {"text": "write to "},
                {"href": "mailto:support@bramble-birch.example", "label": "support@bramble-birch.example"},
                {"text": "!"},
            ],
        ),
        (
            "[click](javascript:alert(1)) and javascript:alert(2)",
            [{"text": "[click](javascript:alert(1)) and javascript:alert(2)"}],
        ),
        (
            "<a href=https://x.example>x</a>",
            [{"text": "<a href="}, {"href": "https://x.example", "label": "https://x.example"}, {"text": ">x</a>"}],
        ),
    ],
    ids=["trailing full stop", "markdown link", "www in brackets", "e-mail", "javascript is never a link", "markup stays text"],
)
def test_links_in_messages(shop_page: Page, text: str, parts: list[dict[str, str]]):
    assert split_links(shop_page, text) == parts


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("en", {1: "1 unread message", 2: "2 unread messages"}),
        ("pl", {1: "1 nieprzeczytana wiadomość", 3: "3 nieprzeczytane wiadomości", 5: "5 nieprzeczytanych wiadomości"}),
        (
            "ru",
            {
                1: "1 непрочитанное сообщение",
                3: "3 непрочитанных сообщения",
                5: "5 непрочитанных сообщений",
                21: "21 непрочитанное сообщение",
            },
        ),
    ],
)
def test_unread_count_reads_right_in_each_language(shop_page: Page, language: str, counts: dict[int, str]):
    texts = shop_page.evaluate(
        """async ([language, counts]) => {
            const t = (await import('/widget/lib/i18n.js')).translator(language);
            return counts.map((n) => t('openChatUnread', {n}));
        }""",
        [language, list(counts)],
    )
    assert [text.split(", ", 1)[1] for text in texts] == list(counts.values())
