from datetime import date, datetime
from zoneinfo import ZoneInfo

from business_hours import load_support_hours

WARSAW = ZoneInfo("Europe/Warsaw")
HOURS = load_support_hours()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


def test_open_within_weekly_hours_and_closed_outside():
    assert HOURS.is_open(at(2026, 11, 23, 9, 0))  # Monday
    assert not HOURS.is_open(at(2026, 11, 23, 20, 0))  # closes at 20:00
    assert HOURS.is_open(at(2026, 11, 28, 14, 59))  # Saturday until 15:00
    assert not HOURS.is_open(at(2026, 11, 29, 12, 0))  # Sunday


def test_holidays_close_the_day_and_have_a_name():
    christmas_eve = HOURS.day(date(2026, 12, 24))
    assert not christmas_eve.is_open and christmas_eve.holiday == "Christmas Eve"
    assert not HOURS.is_open(at(2026, 12, 24, 10, 0))


def test_next_opening_skips_nights_weekends_and_holidays():
    assert HOURS.next_opening(at(2026, 11, 23, 10, 0)) == at(2026, 11, 23, 10, 0)
    assert HOURS.next_opening(at(2026, 11, 28, 16, 0)) == at(2026, 11, 30, 8, 0)  # Saturday evening -> Monday
    assert HOURS.next_opening(at(2026, 12, 23, 21, 0)) == at(2026, 12, 28, 8, 0)  # 24-26 Dec closed, 27th Sunday


def test_reply_by_counts_only_opening_hours():
    assert HOURS.reply_by(at(2026, 11, 23, 9, 0), 8) == at(2026, 11, 23, 17, 0)
    assert HOURS.reply_by(at(2026, 11, 23, 18, 0), 8) == at(2026, 11, 24, 14, 0)  # 2 h Monday + 6 h Tuesday


def test_describe_uses_the_calendar_time_zone():
    assert HOURS.describe(datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo("UTC"))) == "Monday 30 November, 8:00 CET"
