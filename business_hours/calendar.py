"""The support calendar: weekly opening hours, holidays and a time zone, from assistant.yml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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


@dataclass(frozen=True)
class SupportHours:
    timezone: ZoneInfo
    weekly: dict[int, tuple[tuple[time, time], ...]]
    holidays: dict[date, str]
    ticket_reply_within_hours: float

    @classmethod
    def from_dict(cls, settings: dict[str, Any]) -> SupportHours:
        weekly = {i: tuple(_interval(t) for t in settings["weekly"].get(name) or []) for i, name in enumerate(WEEKDAYS)}
        holidays = {date.fromisoformat(str(h["date"])): str(h["name"]) for h in settings.get("holidays") or []}
        return cls(ZoneInfo(settings["timezone"]), weekly, holidays, float(settings.get("ticket_reply_within_hours", 8)))

    def day(self, day: date) -> DayHours:
        if day in self.holidays:
            return DayHours(day, (), self.holidays[day])
        return DayHours(day, self.weekly[day.weekday()])

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
