"""The support calendar: weekly opening hours, holidays and a time zone, from assistant.yml.

A country's public holidays come from the ``holidays`` package, for every year, so the
calendar does not go stale on 1 January; the shop's own closed days are listed by date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from babel.dates import format_date

from kb_index.settings import load_raw_settings

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Looking further than this for an opening means the calendar has none.
SEARCH_DAYS = 366


def format_day(day: date, language: str = "en", with_year: bool = False) -> str:
    """'Monday 24 November' in the shopper's language."""
    return format_date(day, "EEEE d MMMM y" if with_year else "EEEE d MMMM", locale=language)


@dataclass(frozen=True)
class DayHours:
    day: date
    intervals: tuple[tuple[time, time], ...]  # empty when closed
    holiday: str | None = None

    @property
    def is_open(self) -> bool:
        return bool(self.intervals)


def _interval(text: str) -> tuple[time, time]:
    start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    if end <= start:
        raise ValueError(f"opening interval {text!r} ends before it starts")
    return start, end


class PublicHolidays:
    """A country's public holidays, named in the shopper's language where the package has it (else English)."""

    def __init__(self, country: str) -> None:
        try:
            self._supported = holidays.country_holidays(country).supported_languages
        except NotImplementedError:
            raise ValueError(f"support_hours.country: no holidays known for {country!r}; use an ISO code such as PL") from None
        self.country = country
        self._by_language: dict[str, holidays.HolidayBase] = {}

    def name(self, day: date, language: str = "en") -> str | None:
        return self._calendar(language).get(day)

    def _calendar(self, language: str) -> holidays.HolidayBase:
        if language not in self._by_language:
            variant = next((v for v in self._supported if v.split("_")[0] == language), None)
            variant = variant or next((v for v in self._supported if v.startswith("en")), None)
            self._by_language[language] = holidays.country_holidays(self.country, language=variant)
        return self._by_language[language]


@dataclass(frozen=True)
class SupportHours:
    timezone: ZoneInfo
    weekly: dict[int, tuple[tuple[time, time], ...]]
    holidays: dict[date, str]  # the shop's own closed days
    ticket_reply_within_hours: float
    public_holidays: PublicHolidays | None = None

    @classmethod
    def from_dict(cls, settings: dict[str, Any]) -> SupportHours:
        weekly = {i: tuple(_interval(t) for t in settings["weekly"].get(name) or []) for i, name in enumerate(WEEKDAYS)}
        own = {date.fromisoformat(str(h["date"])): str(h["name"]) for h in settings.get("holidays") or []}
        country = settings.get("country")
        return cls(
            ZoneInfo(settings["timezone"]),
            weekly,
            own,
            float(settings.get("ticket_reply_within_hours", 8)),
            PublicHolidays(str(country)) if country else None,
        )

    def day(self, day: date, language: str = "en") -> DayHours:
        holiday = self.holidays.get(day) or (self.public_holidays and self.public_holidays.name(day, language))
        if holiday:
            return DayHours(day, (), holiday)
        return DayHours(day, self.weekly[day.weekday()])

    def holidays_from(self, start: date, languages: tuple[str, ...] = ("en",), days: int = SEARCH_DAYS) -> list[tuple[date, str]]:
        """Every named closed day from ``start`` on, with its name in each of ``languages``, soonest first."""
        found = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            names = {self.day(day, language).holiday for language in languages} - {None}
            found += [(day, name) for name in sorted(names)]
        return found

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("times must be timezone-aware")
        return at.astimezone(self.timezone)

    def _openings(self, at: datetime):
        """Open intervals as aware datetimes, from the one containing ``at`` onwards."""
        local = self._local(at)
        for offset in range(SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, end in self.day(day).intervals:
                opens = datetime.combine(day, start, self.timezone)
                closes = datetime.combine(day, end, self.timezone)
                if closes > local:
                    yield max(opens, local), closes

    def is_open(self, at: datetime) -> bool:
        local = self._local(at)
        return any(start <= local.time() < end for start, end in self.day(local.date()).intervals)

    def next_opening(self, at: datetime) -> datetime | None:
        """``at`` itself when open, else the start of the next opening; None if the calendar never opens."""
        return next((start for start, _ in self._openings(at)), None)

    def reply_by(self, at: datetime, opening_hours: float | None = None) -> datetime | None:
        """The moment ``opening_hours`` of staffed time have passed after ``at``."""
        remaining = timedelta(hours=self.ticket_reply_within_hours if opening_hours is None else opening_hours)
        for start, end in self._openings(at):
            if end - start >= remaining:
                return start + remaining
            remaining -= end - start
        return None

    def describe(self, at: datetime, language: str = "en") -> str:
        """'Monday 24 November, 8:00 CET' (or 'poniedziałek 24 listopada, 8:00 CET') in the calendar's time zone."""
        local = self._local(at)
        return f"{format_day(local.date(), language)}, {local.hour}:{local:%M} {local:%Z}"


def load_support_hours(path: Path | None = None) -> SupportHours:
    raw, _ = load_raw_settings(path)
    return SupportHours.from_dict(raw["support_hours"])
