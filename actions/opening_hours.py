"""action_answer_opening_on_date: "are you open on 24 December?", from the support calendar."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from dateparser.search import search_dates
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import HOURS
from actions.kb_answer import look_up, send_decision
from business_hours import format_day
from kb_index.lexical import fold

# dateparser reads the "a" of "on a saturday" as a number and lands on a date weeks away.
ARTICLE_BEFORE_WEEKDAY = re.compile(r"\b(?:a|an)\s+(?=(?:mon|tues|wednes|thurs|fri|satur|sun)day\b)", re.IGNORECASE)


# Words of holiday names a shopper leaves out ("Boże Narodzenie (pierwszy dzień)", "National Independence Day").
HOLIDAY_FILLER = frozenset({"day", "the", "all", "national", "dzien", "pierwszy", "drugi", "swieto", "narodowe", "panstwowe"})


def _words(text: str) -> list[str]:
    return [word for word in re.findall(r"\w+", fold(text)) if len(word) > 2 and word not in HOLIDAY_FILLER]


def _same_word(a: str, b: str) -> bool:
    """Equal up to an inflected ending: "wigilię" / "wigilia", "christmas" / "christmas"."""
    length = min(5, len(a), len(b))
    return length >= 3 and a[:length] == b[:length]


@lru_cache(maxsize=2)
def upcoming_holidays(today: date) -> tuple[tuple[date, tuple[str, ...]], ...]:
    """The coming year's holidays as the words of their English and Polish names; computed once a day, not per question."""
    return tuple((day, tuple(_words(name))) for day, name in HOURS.holidays_from(today, ("en", "pl")))


def holiday_asked(text: str, holidays: Iterable[tuple[date, Sequence[str]]]) -> date | None:
    """The holiday a question names ("are you open on Easter Monday?"): every word of its name must appear.

    The most specific name wins ("christmas eve" over "christmas day"), then the soonest date.
    """
    asked = _words(text)
    best: tuple[int, date] | None = None
    for day, words in holidays:
        if words and all(any(_same_word(word, said) for said in asked) for word in words):
            if best is None or len(words) > best[0]:
                best = (len(words), day)
    return best[1] if best else None


def day_asked(text: str, today: datetime) -> datetime | None:
    """The day a question is about ("on saturday" = the next one), or None when it names no day."""
    holiday = holiday_asked(text, upcoming_holidays(today.date()))
    if holiday is not None:  # before dateparser, which reads "Easter Monday" as the next Monday
        return datetime.combine(holiday, datetime.min.time())
    found = search_dates(
        ARTICLE_BEFORE_WEEKDAY.sub("", text),
        languages=["en", "pl", "ru"],
        settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": today.replace(tzinfo=None)},
    )
    return found[0][1] if found else None


class ActionAnswerOpeningOnDate(Action):
    def name(self) -> str:
        return "action_answer_opening_on_date"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        lang = tracker.get_slot("language") or "en"
        asked = day_asked(text, datetime.now(HOURS.timezone))
        if asked is None:  # "when are you open?" with no day: the KB article on hours answers it
            decision, hits = await look_up(text, lang)
            return send_decision(dispatcher, decision, hits, lang, text)
        hours = HOURS.day(asked.date(), lang)
        day = format_day(asked.date(), lang)
        if hours.holiday:
            dispatcher.utter_message(response="utter_closed_holiday", day=day, holiday=hours.holiday)
        elif not hours.is_open:
            dispatcher.utter_message(response="utter_closed_day", day=day)
        else:
            spans = ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in hours.intervals)
            dispatcher.utter_message(response="utter_open_day", day=day, hours=spans)
        return []
