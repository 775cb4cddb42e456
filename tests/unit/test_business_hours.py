from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actions.opening_hours import day_asked
from business_hours import SupportHours, load_support_hours

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


def test_public_holidays_come_back_every_year_named_in_the_shoppers_language():
    for year in (2027, 2031):
        assert HOURS.day(date(year, 12, 25)).holiday == "Christmas Day"
    assert HOURS.day(date(2027, 3, 29)).holiday == "Easter Monday"  # a moving feast
    assert HOURS.day(date(2027, 12, 24), "pl").holiday == "Wigilia Bożego Narodzenia"
    assert HOURS.day(date(2027, 12, 24), "ru").holiday == "Christmas Eve"  # no Russian names: English
    assert HOURS.day(date(2027, 12, 27)).is_open  # an ordinary Monday


def test_the_shops_own_closed_days_add_to_the_public_ones():
    weekly = {day: ["08:00-16:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    stocktaking = {"date": "2027-02-03", "name": "Stocktaking"}
    hours = SupportHours.from_dict({"timezone": "Europe/Warsaw", "country": "PL", "weekly": weekly, "holidays": [stocktaking]})
    assert hours.day(date(2027, 2, 3)).holiday == "Stocktaking"
    assert hours.day(date(2027, 1, 6)).holiday == "Epiphany"
    without_country = SupportHours.from_dict({"timezone": "Europe/Warsaw", "weekly": weekly})
    assert without_country.day(date(2027, 1, 6)).is_open


def test_an_unknown_country_is_named_in_the_error():
    with pytest.raises(ValueError, match="'XX'"):
        SupportHours.from_dict({"timezone": "Europe/Warsaw", "country": "XX", "weekly": {}})


SATURDAY_QUESTIONS = [
    "are you open on saturday?",
    "is anyone around on a saturday?",
    "czy pracujecie w sobotę?",
    "вы работаете в субботу?",
]


@pytest.mark.parametrize("question", SATURDAY_QUESTIONS)
def test_a_weekday_means_the_next_one_whatever_today_is(question):
    for offset in range(14):
        today = datetime(2026, 12, 1, 10, 0) + timedelta(days=offset)
        asked = day_asked(question, today).date()
        assert asked.weekday() == 5 and today.date() <= asked <= today.date() + timedelta(days=7), (today, asked)


@pytest.mark.parametrize(
    ("question", "holiday"),
    [
        ("are you open on Easter Monday?", date(2027, 3, 29)),  # not the next Monday
        ("are you open on christmas?", date(2026, 12, 25)),
        ("open on christmas eve?", date(2026, 12, 24)),  # the more specific name
        ("open on the second day of christmas?", date(2026, 12, 26)),
        ("is support there on independence day", date(2027, 11, 11)),
        ("czy pracujecie w Boże Narodzenie?", date(2026, 12, 25)),
        ("czy pracujecie w Trzech Króli", date(2027, 1, 6)),
        ("czy pracujecie w Nowy Rok?", date(2027, 1, 1)),
    ],
)
def test_a_holiday_named_in_the_question_is_the_day_asked(question, holiday):
    assert day_asked(question, datetime(2026, 12, 1, 10, 0)).date() == holiday


def test_a_word_shared_with_a_holiday_name_is_not_that_holiday():
    today = datetime(2026, 12, 1, 10, 0)
    assert day_asked("are you open on monday?", today).date() == date(2026, 12, 7)  # not Easter Monday
    assert day_asked("are you open all week?", today) is None  # not All Saints' Day


def test_a_question_without_a_day_names_none():
    assert day_asked("when are you open?", datetime(2026, 12, 1, 10, 0)) is None
    assert day_asked("are you open on 24 December?", datetime(2026, 12, 1)).date() == date(2026, 12, 24)


def test_next_opening_skips_nights_weekends_and_holidays():
    assert HOURS.next_opening(at(2026, 11, 23, 10, 0)) == at(2026, 11, 23, 10, 0)
    assert HOURS.next_opening(at(2026, 11, 28, 16, 0)) == at(2026, 11, 30, 8, 0)  # Saturday evening -> Monday
    assert HOURS.next_opening(at(2026, 12, 23, 21, 0)) == at(2026, 12, 28, 8, 0)  # 24-26 Dec closed, 27th Sunday


def test_reply_by_counts_only_opening_hours():
    assert HOURS.reply_by(at(2026, 11, 23, 9, 0), 8) == at(2026, 11, 23, 17, 0)
    assert HOURS.reply_by(at(2026, 11, 23, 18, 0), 8) == at(2026, 11, 24, 14, 0)  # 2 h Monday + 6 h Tuesday


def test_describe_uses_the_calendar_time_zone():
    assert HOURS.describe(datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo("UTC"))) == "Monday 30 November, 8:00 CET"
