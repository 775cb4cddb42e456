"""What shoppers asked the KB and what happened next, read from Rasa's SQL tracker store.

A *KB turn* is a shopper's message that the bot answered with
``action_answer_from_kb``: its outcome (the ``kb_outcome`` slot the action
set: answer, suggest or unknown), the article answered or offered first
(``kb_candidates``) and the shopper's next step: picked one of the offered
articles, got a person (``action_handoff`` in this turn or the next), asked
something else, or left. Live traffic has no labels, so these next steps are
the evidence of right and wrong: an answer followed by "let me talk to a
person" probably missed, a "don't know" asked five times is an article to
write.

Any SQLAlchemy URL works (the Rasa deployment's PostgreSQL too); a plain path
is a SQLite file, opened read-only.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy

from kb_index.feedback import HELPFUL_INTENT, NOT_HELPFUL_INTENT
from kb_index.settings import REPO_ROOT

KB_ACTION = "action_answer_from_kb"
HANDOFF_ACTION = "action_handoff"
PICK_PAYLOAD = "/choose_article"
PERSON_PAYLOAD = "/request_human"
DEFAULT_TRACKER_DB = "var/tracker.db"  # endpoints.yml's TRACKER_DB as `make run` sets it
OUTCOMES = ("answer", "suggest", "unknown")
Event = tuple[str, str, float, dict]  # (sender, event type, timestamp, event) as the tracker store holds it


def tracker_db_path() -> Path:
    """TRACKER_DB (as endpoints.yml reads it), else the `make run` default."""
    return (REPO_ROOT / os.environ.get("TRACKER_DB", DEFAULT_TRACKER_DB)).resolve()


def tracker_url(location: str | Path | None) -> str:
    """A SQLAlchemy URL for ``location``: a URL as is, a path as a read-only SQLite file."""
    if location is not None and "://" in str(location):
        return str(location)
    path = Path(location) if location else tracker_db_path()
    if not path.exists():
        raise FileNotFoundError(f"no tracker store at {path} (set TRACKER_DB or pass --tracker-db)")
    return f"sqlite:///file:{path.resolve()}?mode=ro&uri=true"


def tracker_events(location: str | Path | None, since: float | None = None) -> Iterator[Event]:
    """(sender, event type, timestamp, event) from the ``events`` table Rasa's SQLTrackerStore writes, per sender in order."""
    engine = sqlalchemy.create_engine(tracker_url(location))
    query = "SELECT sender_id, type_name, timestamp, data FROM events"
    query += " WHERE timestamp >= :since" if since is not None else ""
    try:
        with engine.connect() as connection:
            # Streamed: a busy shop's store holds millions of events.
            rows = connection.execution_options(stream_results=True, yield_per=1000).execute(
                sqlalchemy.text(query + " ORDER BY sender_id, id"), {"since": since}
            )
            for sender, type_name, timestamp, data in rows:
                yield sender, type_name, float(timestamp or 0.0), json.loads(data or "{}")
    finally:
        engine.dispose()


@dataclass
class KBTurn:
    sender: str
    text: str
    lang: str | None  # the conversation's `language` slot when it was asked
    outcome: str | None = None  # answer, suggest, unknown; None if the KB was unavailable
    article_id: str | None = None  # the article answered, or the first one offered
    next_step: str = "left"  # picked, person, helpful, not_helpful, asked or left
    at: float = 0.0  # when it was asked (Unix time)
    channel: str | None = None  # the input channel of the question (rest, socketio, telegram, ...)
    picked_article: str | None = None  # the offered article the shopper chose, if any



def kb_turns(location: str | Path | None, since: float | None = None) -> list[KBTurn]:
    """Every KB turn in the tracker store (from ``since``, a Unix time), in conversation order."""
    return turns_from_events(tracker_events(location, since))


def turns_from_events(events: Iterable[Event]) -> list[KBTurn]:
    """The KB turns in ``events`` (as :func:`tracker_events` yields them: per sender, in order)."""
    turns: list[KBTurn] = []
    language: dict[str, str] = {}
    pending: dict[str, str] = {}  # sender -> their latest typed message, until the bot acts on it
    last: dict[str, KBTurn] = {}  # sender -> their latest KB turn
    messages_since: dict[str, int] = {}  # sender -> shopper messages after that turn
    asked: dict[str, tuple[float, str | None]] = {}  # sender -> when and where the pending message came
    for sender, type_name, timestamp, event in events:
        turn, later = last.get(sender), messages_since.get(sender, 0)
        if type_name == "user":
            text = (event.get("text") or "").strip()
            if turn is not None and later == 0:
                turn.next_step = _next_step(text)
                if turn.next_step == "picked":
                    turn.picked_article = _picked_article(text)
            messages_since[sender] = later + 1
            pending[sender] = "" if text.startswith("/") else text  # button payloads are not questions
            asked[sender] = (timestamp, event.get("input_channel"))
        elif type_name == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "language" and value:
                language[sender] = value
            elif turn is not None and later == 0 and name == "kb_outcome" and turn.outcome is None:
                turn.outcome = value
            elif turn is not None and later == 0 and name == "kb_candidates" and value and turn.article_id is None:
                turn.article_id = value[0].get("article_id")
        elif type_name == "action" and event.get("name") == KB_ACTION and pending.get(sender):
            at, channel = asked.get(sender, (timestamp, None))
            last[sender] = KBTurn(sender, pending.pop(sender), language.get(sender), at=at, channel=channel)
            messages_since[sender] = 0
            turns.append(last[sender])
        elif type_name == "action" and event.get("name") == HANDOFF_ACTION and turn is not None and later <= _reply_window(turn):
            turn.next_step = "person"
    return turns


def _reply_window(turn: KBTurn) -> int:
    # A person asked for right after the picked article's answer is the same turn's verdict.
    return 2 if turn.picked_article is not None else 1


def _picked_article(payload: str) -> str | None:
    """The article id in a ``/choose_article{"article_id": ...}`` payload."""
    try:
        entities = json.loads(payload[len(PICK_PAYLOAD) :] or "{}")
    except json.JSONDecodeError:
        return None
    article = entities.get("article_id") if isinstance(entities, dict) else None
    return article if isinstance(article, str) else None


def _next_step(text: str) -> str:
    if text.startswith(PICK_PAYLOAD):
        return "picked"
    if text in (f"/{HELPFUL_INTENT}", f"/{NOT_HELPFUL_INTENT}"):  # "Did this answer help?"
        return "helpful" if text == f"/{HELPFUL_INTENT}" else "not_helpful"
    return "person" if text.startswith(PERSON_PAYLOAD) else "asked"


# Shoppers type order numbers, e-mail addresses and phone numbers into questions; the
# report is read by editors, so those never reach it.
_PRIVATE = (
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[e-mail]"),
    (re.compile(r"\+?\d[\d\s-]{4,}\d"), "[number]"),
)


def redact(text: str) -> str:
    for pattern, placeholder in _PRIVATE:
        text = pattern.sub(placeholder, text)
    return " ".join(text.split())


@dataclass
class TrafficReport:
    questions: int = 0
    conversations: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # answer / suggest / unknown / unavailable
    next_steps: dict[str, dict[str, int]] = field(default_factory=dict)  # outcome -> next step -> count
    by_language: dict[str, dict[str, int]] = field(default_factory=dict)  # language -> outcome -> count
    unanswered: list[dict[str, Any]] = field(default_factory=list)  # most asked "don't know" questions
    doubtful_answers: list[dict[str, Any]] = field(default_factory=list)  # answered, then a person was asked for

    def share(self, outcome: str) -> float:
        return self.outcomes.get(outcome, 0) / self.questions if self.questions else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def traffic_report(turns: list[KBTurn], top: int = 20) -> TrafficReport:
    """Counts of outcomes and next steps, and the questions an editor should look at first."""
    report = TrafficReport(questions=len(turns), conversations=len({t.sender for t in turns}))
    outcomes: Counter[str] = Counter()
    next_steps: dict[str, Counter[str]] = {}
    by_language: dict[str, Counter[str]] = {}
    unanswered: Counter[tuple[str, str]] = Counter()
    doubtful: Counter[tuple[str, str]] = Counter()
    for turn in turns:
        outcome = turn.outcome or "unavailable"
        outcomes[outcome] += 1
        next_steps.setdefault(outcome, Counter())[turn.next_step] += 1
        by_language.setdefault(turn.lang or "?", Counter())[outcome] += 1
        text = redact(turn.text)
        if outcome == "unknown":
            unanswered[(text.lower(), turn.lang or "?")] += 1
        elif outcome == "answer" and turn.next_step == "person":
            doubtful[(text.lower(), turn.article_id or "?")] += 1
    report.outcomes = dict(outcomes)
    report.next_steps = {outcome: dict(steps) for outcome, steps in next_steps.items()}
    report.by_language = {lang: dict(counts) for lang, counts in sorted(by_language.items())}
    report.unanswered = [{"text": t, "lang": lang, "times": n} for (t, lang), n in unanswered.most_common(top)]
    report.doubtful_answers = [{"text": t, "article_id": a, "times": n} for (t, a), n in doubtful.most_common(top)]
    return report


def format_traffic(report: TrafficReport) -> str:
    if not report.questions:
        return "no KB questions in the tracker store for this period"
    steps = report.next_steps

    def step(outcome: str, name: str) -> int:
        return steps.get(outcome, {}).get(name, 0)

    answered, offered, unknown = (report.outcomes.get(o, 0) for o in OUTCOMES)
    person = sum(step(o, "person") for o in steps)
    lines = [
        f"{report.questions} KB questions in {report.conversations} conversations",
        f"  answered outright   {answered:6}  {report.share('answer'):6.1%}"
        f"   then asked for a person: {step('answer', 'person')} ({_of(step('answer', 'person'), answered)} of answers)",
        f"  offered articles    {offered:6}  {report.share('suggest'):6.1%}"
        f"   one picked: {step('suggest', 'picked')} ({_of(step('suggest', 'picked'), offered)})",
        f"  \"don't know\"        {unknown:6}  {report.share('unknown'):6.1%}"
        f"   then handed to a person: {step('unknown', 'person')}",
    ]
    if report.outcomes.get("unavailable"):
        lines.append(f"  KB unavailable      {report.outcomes['unavailable']:6}  {report.share('unavailable'):6.1%}")
    lines.append(f"  handed to a person after a KB reply: {person} ({_of(person, report.questions)} of questions)")
    if len(report.by_language) > 1:
        lines.append("  by language:        " + "".join(f"{o:>10}" for o in OUTCOMES))
        for lang, counts in report.by_language.items():
            total = sum(counts.values())
            lines.append(f"    {lang:<18}" + "".join(f"{_of(counts.get(o, 0), total):>10}" for o in OUTCOMES))
    if report.unanswered:
        lines.append("most asked without an answer (an article to write?):")
        lines += [f"  x{q['times']:<4} [{q['lang']}] {q['text'][:90]}" for q in report.unanswered]
    if report.doubtful_answers:
        lines.append("answered, then the shopper asked for a person (is the answer right?):")
        lines += [f"  x{q['times']:<4} {q['text'][:70]!r:74} -> {q['article_id']}" for q in report.doubtful_answers]
    return "\n".join(lines)


def _of(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"
