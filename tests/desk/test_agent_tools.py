"""The plain functions behind the agents' tools: placeholders, the bot's confidence in words, links, history filters."""

from __future__ import annotations

from datetime import date

from desk.canned import fill, order_number, parse_canned, shopper_name
from desk.history import HistoryFilter
from desk.kb_articles import confidence_words
from desk.transcript import transcript_until
from desk.views.text import linkify
from kb_index.settings import Thresholds

THRESHOLDS = Thresholds(answer=0.93, suggest=0.89)


def test_placeholders_are_filled_and_nothing_else_is_evaluated() -> None:
    values = {"agent_name": "Anna", "order": "100205", "shopper_name": ""}
    text = "Hi {shopper_name}, {agent_name} here about {order}. {agent_name.__class__} {0} {unknown}"
    assert fill(text, values) == "Hi {shopper_name}, Anna here about 100205. {agent_name.__class__} {0} {unknown}"
    assert order_number({"number": "100205", "name": "Ola"}) == "100205" and order_number("100301") == "100301"
    assert shopper_name({"number": "1", "name": "Ola"}) == "Ola" and shopper_name("100205") == ""


def test_a_saved_reply_is_checked() -> None:
    assert parse_canned({"language": "PL", "title": " Hi ", "body": "Dzień dobry"}) == {
        "language": "pl", "title": "Hi", "body": "Dzień dobry",
    }
    for bad in ({"language": "english", "title": "t", "body": "b"}, {"language": "en", "title": "", "body": "b"},
                {"language": "en", "title": "t", "body": " "}):
        try:
            parse_canned(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


def test_scores_are_told_as_the_decision_they_meant() -> None:
    assert confidence_words(1.02, THRESHOLDS) == "high: sure enough to answer"
    assert confidence_words(0.9, THRESHOLDS) == "medium: offered as a choice"
    assert confidence_words(0.2, THRESHOLDS) == "low: too unsure to offer"
    assert confidence_words(0.99, Thresholds(0.5, 0.4, judge_on="confidence")) == "considered"  # another score decided
    assert confidence_words(None, THRESHOLDS) == "—"


def test_only_http_links_become_links_and_everything_is_escaped() -> None:
    html = str(linkify('see https://shop.example/returns. <b>x</b> javascript:alert(1) "http://a.example/x"'))
    assert '<a href="https://shop.example/returns" rel="noopener noreferrer nofollow" target="_blank">' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "javascript:alert(1)" in html and "href=\"javascript" not in html
    assert 'href="http://a.example/x"' in html  # the quote around it is not part of the link


def test_a_button_press_shows_the_label_the_shopper_saw() -> None:
    tracker = {"events": [
        {"event": "bot", "text": "Help?", "timestamp": 1,
         "data": {"buttons": [{"title": "Talk to a person", "payload": "/request_human"}]}},
        {"event": "user", "text": "/request_human", "timestamp": 2, "parse_data": {"intent": {"name": "request_human"}}},
        {"event": "user", "text": "/track_order", "timestamp": 3, "parse_data": {"intent": {"name": "track_order"}}},
    ]}
    assert [line.text for line in transcript_until(tracker, 10)][1:] == ["Talk to a person", "(pressed a button: track order)"]


def test_history_filters_from_the_query_string_ignore_what_does_not_parse() -> None:
    query = {"status": "drop table", "rating": "9", "agent": "x", "since": "2026-11-02", "q": " 100205 "}
    wanted = HistoryFilter.from_query(query)
    assert (wanted.status, wanted.rating, wanted.agent_id) == ("", None, None)
    assert (wanted.since, wanted.query) == (date(2026, 11, 2), "100205")
