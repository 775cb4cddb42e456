"""Is someone there, and how long will the shopper wait: the numbers the bot tells the shopper."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desk.availability import availability, expected_wait_minutes
from tests.desk.support import calendar


@pytest.mark.parametrize(
    ("agents_online", "waiting", "active", "minutes"),
    [
        (1, 0, 0, 0),  # a free agent: right away
        (2, 0, 1, 0),  # one of two agents is free
        (1, 0, 1, 6),  # the only agent is busy: one conversation to finish
        (1, 1, 0, 6),  # the free agent takes the one ahead first
        (2, 3, 2, 12),  # 4 conversations to finish, two agents at a time
        (3, 5, 0, 6),  # 3 to finish by 3 agents
    ],
)
def test_expected_wait_counts_the_conversations_ahead(agents_online: int, waiting: int, active: int, minutes: int) -> None:
    assert expected_wait_minutes(agents_online, waiting, active, minutes_per_conversation=6) == minutes


def test_nobody_online_means_no_estimate() -> None:
    assert expected_wait_minutes(0, 2, 0, minutes_per_conversation=6) is None


def test_open_hours_report_the_queue_and_no_next_opening() -> None:
    monday_10_warsaw = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    answer = availability(calendar(), monday_10_warsaw, agents_online=2, waiting=3, active=2, minutes_per_conversation=6)
    assert answer == {
        "open": True,
        "agents_online": 2,
        "queue_length": 3,
        "expected_wait_minutes": 12,
        "next_opening": None,
        "next_opening_text": None,
    }


def test_outside_hours_name_the_next_opening_from_the_calendar() -> None:
    sunday_noon_warsaw = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    answer = availability(calendar(), sunday_noon_warsaw, agents_online=1, waiting=0, active=0, minutes_per_conversation=6)
    assert answer["open"] is False
    assert answer["expected_wait_minutes"] is None
    assert answer["next_opening"] == "2026-11-23T08:00:00+01:00"
    assert answer["next_opening_text"] == "Monday 23 November, 8:00 CET"


def test_a_holiday_is_closed_all_day() -> None:
    christmas_eve_noon = datetime(2026, 12, 24, 11, 0, tzinfo=UTC)
    answer = availability(calendar(), christmas_eve_noon, agents_online=3, waiting=0, active=0, minutes_per_conversation=6)
    assert answer["open"] is False
    assert answer["next_opening_text"] == "Friday 25 December, 8:00 CET"
