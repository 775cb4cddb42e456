"""A realistic month (or year) of shop traffic with its ground truth, and how fast the analytics read it.

    .venv/bin/python -m bench.analytics_traffic --days 30            # SQLite, through Rasa's SQLTrackerStore
    .venv/bin/python -m bench.analytics_traffic --days 365 --postgres # a year on a throw-away PostgreSQL

The generator plays customers of several channels and languages: they ask questions
the bot answers, offers articles for (picked or not) or does not know (a few seeded
topics, so the clusters have something to find), ask for a person, rate the agent,
and some come back within days: on the same channel (the same widget session or
messenger user), or on another one where they check an order again, linked to the first
conversation by the verified order or by the e-mail address they verified it with.
Conversations are saved through Rasa's own SQLTrackerStore (the writer runs in
.venv-rasa), handoffs, ratings and tickets into the desk database, the events that link
customers through the desk's customer directory (customers/, as its event follower feeds
it), and the generator's own account of what happened (``truth``) is what the analytics
must report exactly.

Timing: the derived tables are refreshed once (the precompute), then the desk's
analytics page is requested as an admin from the desk app itself (aiohttp, in this
process, over loopback: refresh of nothing new, every number, the template); the
baseline measured in the same run is one plain ``SELECT count(*)`` over the tracker
store's events (the floor of any query over it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from business_hours import SupportHours, load_support_hours
from desk import db as desk_db

REPO = Path(__file__).resolve().parent.parent
RASA_PYTHON = REPO / ".venv-rasa" / "bin" / "python"
WRITER = REPO / "bench" / "analytics_tracker_writer.py"
DAY = 86400.0

CHANNELS = {"socketio": 0.5, "rest": 0.1, "telegram": 0.25, "whatsapp": 0.15}
LANGUAGES = {"en": 0.55, "pl": 0.3, "ru": 0.15}
# Questions the KB answers, by article; the texts of one article are the same question.
KNOWN = {
    "delivery-times": {"en": ["How long does delivery take?", "how long does delivery take"],
                       "pl": ["Jak długo trwa dostawa?", "jak długo trwa dostawa"],
                       "ru": ["Сколько идёт доставка?", "сколько идёт доставка"]},
    "returns-policy": {"en": ["Can I return an item I bought?", "can i return an item i bought"],
                       "pl": ["Czy mogę zwrócić kupiony produkt?", "czy mogę zwrócić kupiony produkt"],
                       "ru": ["Могу ли я вернуть купленный товар?", "могу ли я вернуть купленный товар"]},
    "payment-methods": {"en": ["Which payment methods do you accept?", "which payment methods do you accept"],
                        "pl": ["Jakie metody płatności akceptujecie?", "jakie metody płatności akceptujecie"],
                        "ru": ["Какие способы оплаты вы принимаете?", "какие способы оплаты вы принимаете"]},
    "opening-hours": {"en": ["What are your opening hours?", "what are your opening hours"],
                      "pl": ["W jakich godzinach jesteście otwarci?", "w jakich godzinach jesteście otwarci"],
                      "ru": ["Какие у вас часы работы?", "какие у вас часы работы"]},
    "gift-cards": {"en": ["Do you sell gift cards?", "do you sell gift cards"],
                   "pl": ["Czy sprzedajecie karty podarunkowe?", "czy sprzedajecie karty podarunkowe"],
                   "ru": ["Вы продаёте подарочные карты?", "вы продаёте подарочные карты"]},
    "invoices": {"en": ["How do I get an invoice for my order?", "how do i get an invoice for my order"],
                 "pl": ["Jak dostać fakturę do zamówienia?", "jak dostać fakturę do zamówienia"],
                 "ru": ["Как получить счёт-фактуру к заказу?", "как получить счёт-фактуру к заказу"]},
}
# Questions the KB has no article for: what the clusters must find.
UNKNOWN = {
    "moon": {"en": ["Do you ship to the Moon?", "do you ship to the moon", "Do you ship to the moon??"],
             "pl": ["Czy wysyłacie na Księżyc?", "czy wysyłacie na księżyc", "Czy wysyłacie na Księżyc??"],
             "ru": ["Вы доставляете на Луну?", "вы доставляете на луну", "Вы доставляете на Луну??"]},
    "crypto": {"en": ["Can I pay with bitcoin?", "can i pay with bitcoin", "Can I pay with Bitcoin??"],
               "pl": ["Czy mogę zapłacić bitcoinem?", "czy mogę zapłacić bitcoinem", "Czy mogę zapłacić Bitcoinem??"],
               "ru": ["Можно оплатить биткоином?", "можно оплатить биткоином", "Можно оплатить Биткоином??"]},
    "piano": {"en": ["Do you deliver pianos upstairs?", "do you deliver pianos upstairs"],
              "pl": ["Czy wnosicie pianina na piętro?", "czy wnosicie pianina na piętro"],
              "ru": ["Вы поднимаете пианино на этаж?", "вы поднимаете пианино на этаж"]},
}
ASK_PERSON = {"en": "that is not what I asked, a human please", "pl": "to nie to, poproszę człowieka",
              "ru": "это не то, позовите человека"}
COMMENTS = ["Quick and kind, thank you", "Took too long", "Anna solved it, write to me at jan.kowal@example.com",
            "Call me on +48 600 100 200 next time", None, None]
AGENTS = ("Anna", "Ben", "Chloe")


@dataclass
class Question:
    customer: int
    at: float
    topic: str  # article id, or "?moon" etc. for a topic the KB does not know
    article: str | None  # the article the bot answered or the shopper picked; None when not answered
    naive: bool  # answered and no person asked for
    person: bool
    channel: str
    lang: str
    outcome: str
    sender: str = ""  # the conversation it was asked in (one customer may have several)
    recontact: bool = False


@dataclass
class Traffic:
    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sender -> Rasa events
    questions: list[Question] = field(default_factory=list)
    handoffs: list[dict[str, Any]] = field(default_factory=list)  # customer, at, reason, channel, lang
    conversation_count: int = 0
    desk_rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"handoffs": [], "messages": [], "ratings": [], "tickets": [], "ticket_replies": []}
    )


def sender_id(channel: str, customer: int) -> str:
    """The customer's sender id on the channel: a messenger's own user id (its webhook vouches for it), else a session."""
    if channel == "telegram":
        return f"telegram:{700000000 + customer}"
    if channel == "whatsapp":
        return f"whatsapp:48600{customer:06d}"  # the phone number
    return f"{channel}-{customer:06d}"


class Generator:
    def __init__(self, seed: int, start: datetime, days: float, hours: SupportHours, recontact_days: float) -> None:
        self.random = random.Random(seed)
        self.start, self.days, self.hours, self.window = start.timestamp(), days, hours, recontact_days * DAY
        self.traffic = Traffic()
        self.clock: dict[str, float] = {}

    def pick(self, weights: dict[str, float]) -> str:
        return self.random.choices(list(weights), list(weights.values()))[0]

    # -- events, as Rasa's tracker holds them
    def _event(self, sender: str, event: dict[str, Any]) -> None:
        self.clock[sender] += 1.0
        self.traffic.conversations.setdefault(sender, []).append({**event, "timestamp": self.clock[sender]})

    def _user(self, sender: str, text: str, channel: str, intent: str = "ask_question") -> None:
        self._event(sender, {"event": "user", "text": text, "input_channel": channel,
                             "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}})

    def _slot(self, sender: str, name: str, value: Any) -> None:
        self._event(sender, {"event": "slot", "name": name, "value": value})

    def _action(self, sender: str, name: str) -> None:
        self._event(sender, {"event": "action", "name": name})

    def _bot(self, sender: str, text: str) -> None:
        self._event(sender, {"event": "bot", "text": text})

    def _kb(self, sender: str, outcome: str, candidates: list[str]) -> None:
        self._action(sender, "action_answer_from_kb")
        replies = {"answer": "Here is the answer.", "suggest": "Is it one of these?", "unknown": "Sorry, I don't know."}
        self._bot(sender, replies[outcome])
        self._slot(sender, "kb_outcome", outcome)
        self._slot(sender, "kb_candidates", [{"article_id": a, "score": 0.9} for a in candidates])
        self._action(sender, "action_listen")

    # -- a conversation
    def conversation(self, customer: int, sender: str, at: float, channel: str, lang: str, order: str | None,
                     topic: str | None = None) -> None:
        self.clock[sender] = max(at, self.clock.get(sender, 0.0) + 60)
        self.traffic.conversation_count += 1
        self._action(sender, "action_session_start")
        self._event(sender, {"event": "session_started"})
        self._action(sender, "action_listen")
        self._user(sender, self.random.choice(["hi", "hello", "dzień dobry", "привет"]), channel, "greet")
        self._slot(sender, "language", lang)
        self._action(sender, "utter_greet")
        self._action(sender, "action_listen")
        if order:  # the order check as the order form and action record it: the proof slot only the action sets
            self._user(sender, "where is my order", channel, "ask_order_status")
            self._action(sender, "order_status_form")
            self._slot(sender, "order_number", order)
            self._slot(sender, "order_verifier", f"shopper{customer}@example.com")  # one address per customer
            self._slot(sender, "order_status", "shipped")
            self._slot(sender, "verified_order", order)
            self._slot(sender, "order_verification", f"proof-of-{order}")
            self._action(sender, "action_listen")
        for n in range(self.random.choice([1, 1, 2, 3]) if topic is None else 1):
            self.question(customer, sender, channel, lang, topic if n == 0 and topic else None)

    def question(self, customer: int, sender: str, channel: str, lang: str, topic: str | None) -> None:
        roll = self.random.random()
        if topic is None:
            topic = self.random.choice(list(KNOWN)) if roll < 0.8 else "?" + self.random.choice(list(UNKNOWN))
        if topic.startswith("?"):
            text = self.random.choice(UNKNOWN[topic[1:]][lang])
            self._user(sender, text, channel)
            asked_at = self.clock[sender]
            self._kb(sender, "unknown", [self.random.choice(list(KNOWN))])
            person = self.random.random() < 0.4
            question = Question(customer, asked_at, topic, None, False, person, channel, lang, "unknown", sender)
            self.traffic.questions.append(question)
            if person:
                self._user(sender, "/request_human", channel, "request_human")
                self.handoff(customer, sender, channel, lang, "shopper_asked")
            return
        others = [a for a in KNOWN if a != topic]
        text = self.random.choice(KNOWN[topic][lang])
        if self.random.random() < 0.05:  # personal data typed into a question
            text += f", my mail is {self.random.choice(['ola', 'ivan', 'kim'])}{self.random.randint(1, 99)}@example.com"
        self._user(sender, text, channel)
        asked_at = self.clock[sender]
        style = self.random.random()
        if style < 0.6:
            self._kb(sender, "answer", [topic, *others[:1]])
            outcome, article = "answer", topic
        else:
            self._kb(sender, "suggest", [topic, *others[:2]])
            outcome = "suggest"
            article = topic if style < 0.85 else None
            if article:
                self._user(sender, f'/choose_article{{"article_id": "{topic}"}}', channel, "choose_article")
                self._kb(sender, "answer", [topic])
        person = self.random.random() < 0.1
        if person:
            self._user(sender, ASK_PERSON[lang], channel, "request_human")
            self.handoff(customer, sender, channel, lang, "shopper_asked")
        self.traffic.questions.append(
            Question(customer, asked_at, topic, article, article is not None and not person, person, channel, lang, outcome,
                     sender)
        )

    def handoff(self, customer: int, sender: str, channel: str, lang: str, reason: str) -> None:
        self._action(sender, "action_handoff")
        at = self.clock[sender]
        self._slot(sender, "handoff_reason", reason)
        created = datetime.fromtimestamp(at, UTC)
        in_hours = self.hours.is_open(created)
        self.traffic.handoffs.append({"customer": customer, "at": at, "reason": reason, "in_hours": in_hours,
                                      "hour": created.astimezone(self.hours.timezone).hour})
        rows = self.traffic.desk_rows
        if not in_hours:
            if self.random.random() < 0.7:  # an agent answers the ticket by e-mail from the desk, hours later
                rows["ticket_replies"].append({
                    "ticket_id": f"T-{len(rows['tickets']):08X}", "agent_id": self.random.randint(1, len(AGENTS)),
                    "text": "We are sorry for the wait.", "created_at": created + timedelta(hours=self.random.randint(1, 40)),
                })
            rows["tickets"].append({
                "id": f"T-{len(rows['tickets']):08X}", "sender_id": sender, "email": "someone@example.com", "reason": reason,
                "channel": channel, "language": lang, "transcript": [], "created_at": created,
                "promised_reply_by": self.hours.reply_by(created, self.hours.ticket_reply_within_hours),
                "promised_reply_text": "soon", "email_status": "off", "webhook_status": "off", "delivery_attempts": 0,
            })
            self._action(sender, "action_listen")
            return
        handoff_id = len(rows["handoffs"]) + 1
        agent = self.random.randint(1, len(AGENTS))
        first_reply = created + timedelta(minutes=self.random.randint(1, 20))
        ended = first_reply + timedelta(minutes=self.random.randint(2, 30))
        rows["handoffs"].append({
            "id": handoff_id, "sender_id": sender, "reason": reason, "channel": channel, "language": lang, "status": "ended",
            "claimed_by": agent, "ended_by": "agent", "created_at": created, "claimed_at": created, "ended_at": ended,
        })
        rows["messages"].append({"handoff_id": handoff_id, "role": "agent", "text": "Hello, I'm here to help.", "agent_id": agent,
                                 "author_name": AGENTS[agent - 1], "created_at": first_reply})
        if self.random.random() < 0.7:
            rating = self.random.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 6])[0]
            rows["ratings"].append({"sender_id": sender, "handoff_id": handoff_id, "rating": rating,
                                    "comment": COMMENTS[len(rows["ratings"]) % len(COMMENTS)],  # every kind, personal data too
                                    "created_at": ended + timedelta(minutes=1)})
        self.clock[sender] = ended.timestamp()
        self._event(sender, {"event": "pause"})
        self._event(sender, {"event": "resume"})
        self._action(sender, "action_listen")

    # -- customers
    def run(self, conversations: int) -> Traffic:
        customer = 0
        while self.traffic.conversation_count < conversations:
            customer += 1
            lang, channel = self.pick(LANGUAGES), self.pick(CHANNELS)
            order = f"{100000 + customer}" if self.random.random() < 0.15 else None
            sender = sender_id(channel, customer)
            at = self.start + self.random.random() * (self.days - 1) * DAY
            self.conversation(customer, sender, at, channel, lang, order)
            came_back = self.random.random()
            if came_back < 0.25:  # back within days: about the same first question, or another one
                last = next(q for q in reversed(self.traffic.questions) if q.customer == customer)
                later = at + self.random.choice([0.5, 1.5, 2.5, 4.5, 6.0]) * DAY
                same = self.random.random() < 0.6
                if order and self.random.random() < 0.5:  # on another channel, checking an order again
                    channel = self.pick({c: w for c, w in CHANNELS.items() if c != channel})
                    sender = sender_id(channel, customer)
                    if self.random.random() < 0.5:  # another order, linked by the e-mail address it is verified with
                        order = f"{200000 + customer}"
                else:
                    order = None
                if later < self.start + self.days * DAY:
                    self.conversation(customer, sender, later, channel, lang, order, last.topic if same else None)
        self._truth_of_recontact()
        return self.traffic

    def _truth_of_recontact(self) -> None:
        """Re-contact as the issue defines it, from what the generator knows it made the customers do."""
        by_customer: dict[int, list[Question]] = {}
        for q in self.traffic.questions:
            by_customer.setdefault(q.customer, []).append(q)
        handoffs: dict[int, list[float]] = {}
        for h in self.traffic.handoffs:
            handoffs.setdefault(h["customer"], []).append(h["at"])
        for customer, asked in by_customer.items():
            asked.sort(key=lambda q: q.at)
            for i, q in enumerate(asked):
                q.recontact = any(q.at < at <= q.at + self.window for at in handoffs.get(customer, [])) or any(
                    other.topic == q.topic for other in asked[i + 1 :] if other.at <= q.at + self.window
                )


def _summary(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "mean": round(statistics.mean(values), 1) if values else None,
            "median": round(statistics.median(values), 1) if values else None}


def _minutes(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds() / 60, 1)


def _earliest(rows: list[dict[str, Any]], key: str) -> dict[Any, datetime]:
    """The first ``created_at`` per ``key`` (an agent's first reply to a handoff or a ticket)."""
    first: dict[Any, datetime] = {}
    for row in rows:
        first[row[key]] = min(first.get(row[key], row["created_at"]), row["created_at"])
    return first


def truth(traffic: Traffic) -> dict[str, Any]:
    questions = traffic.questions
    naive = [q for q in questions if q.naive]
    rows = traffic.desk_rows
    ratings = [r["rating"] for r in rows["ratings"]]
    handoffs = {h["id"]: h for h in rows["handoffs"]}
    first_reply = _earliest(rows["messages"], "handoff_id")
    by_day: dict[str, list[int]] = {}
    for rating in rows["ratings"]:
        by_day.setdefault(rating["created_at"].date().isoformat(), []).append(rating["rating"])
    agents = {}
    for number, name in enumerate(AGENTS, 1):
        taken = [h for h in rows["handoffs"] if h["claimed_by"] == number]
        rated = [r["rating"] for r in rows["ratings"] if handoffs[r["handoff_id"]]["claimed_by"] == number]
        agents[name] = {"handoffs": len(taken), "ratings": len(rated),
                        "csat": round(sum(rated) / len(rated), 2) if rated else None}
    tickets = {t["id"]: t for t in rows["tickets"]}
    replied = _earliest(rows["ticket_replies"], "ticket_id")
    by_hour = [[0, 0] for _ in range(24)]
    for handoff in traffic.handoffs:
        by_hour[handoff["hour"]][0 if handoff["in_hours"] else 1] += 1
    return {
        "conversations": traffic.conversation_count,
        "questions": len(questions),
        "answered_outright": sum(q.outcome == "answer" for q in questions),
        "suggested_and_picked": sum(q.outcome == "suggest" and q.article is not None for q in questions),
        "unknown": sum(q.outcome == "unknown" for q in questions),
        "deflected_naive": len(naive),
        "recontacted": sum(q.recontact for q in naive),
        "deflected": sum(not q.recontact for q in naive),
        "unknown_by_topic": dict(Counter((q.lang, q.topic[1:]) for q in questions if q.outcome == "unknown")),
        "answered_by_article": dict(Counter(q.article for q in questions if q.article is not None)),
        "handoffs_by_reason": dict(Counter(h["reason"] for h in traffic.handoffs)),
        "handoffs_by_hour": by_hour,  # [in support hours, outside] per hour of the support calendar's day
        "first_reply_minutes": _summary([_minutes(at, handoffs[h]["created_at"]) for h, at in first_reply.items()]),
        "resolution_minutes": _summary([_minutes(h["ended_at"], h["created_at"]) for h in rows["handoffs"]]),
        "csat_count": len(ratings),
        "csat_average": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "csat_distribution": {str(s): ratings.count(s) for s in range(1, 6)},
        "csat_trend": {day: (len(v), round(sum(v) / len(v), 2)) for day, v in sorted(by_day.items())},
        "csat_comments": sum(1 for r in rows["ratings"] if r["comment"]),
        "agents": agents,
        "tickets": len(rows["tickets"]),
        "ticket_reply_hours": _summary([round((at - tickets[t]["created_at"]).total_seconds() / 3600, 1)
                                        for t, at in replied.items()]),
        "unknown_topics": sorted(UNKNOWN),
    }


def write_tracker(traffic: Traffic, tracker_url: str, *, through_rasa: bool = True) -> None:
    """Save the conversations: through Rasa's SQLTrackerStore (the writer in .venv-rasa), or the same table directly."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        for sender, events in traffic.conversations.items():
            handle.write(json.dumps({"sender_id": sender, "events": events}) + "\n")
    lines = Path(handle.name)
    try:
        if through_rasa:
            url = tracker_url.replace("postgresql+psycopg://", "postgresql://")
            subprocess.run([str(RASA_PYTHON), str(WRITER), str(lines), url], check=True, capture_output=True, timeout=3600)
        else:
            _write_events_table(lines, tracker_url)
    finally:
        lines.unlink()


def _write_events_table(lines: Path, url: str) -> None:
    # The columns Rasa's SQLTrackerStore writes (rasa/core/tracker_store.py, SQLEvent): a year through the
    # real store takes hours on two cores, the table is the same.
    events = sa.Table(
        "events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float), sa.Column("intent_name", sa.String(255)), sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )
    engine = sa.create_engine(url)
    try:
        events.metadata.create_all(engine)
        with engine.begin() as connection, lines.open(encoding="utf-8") as handle:
            for line in handle:
                conversation = json.loads(line)
                connection.execute(events.insert(), [
                    {"sender_id": conversation["sender_id"], "type_name": e["event"], "timestamp": e["timestamp"],
                     "intent_name": (e.get("parse_data") or {}).get("intent", {}).get("name"), "action_name": e.get("name"),
                     "data": json.dumps(e)}
                    for e in conversation["events"]
                ])
    finally:
        engine.dispose()


def write_desk(traffic: Traffic, desk_url: str, now: datetime) -> None:
    """Agents, handoffs, agent replies, ratings and tickets, as the desk stores them."""
    engine = sa.create_engine(desk_url)
    try:
        desk_db.metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(desk_db.agents.insert(), [
                {"id": n, "username": name.lower(), "display_name": name, "password_hash": "-", "active": True,
                 "session_generation": 0, "signed_in": False, "created_at": now} for n, name in enumerate(AGENTS, 1)
            ])
            for table in ("handoffs", "messages", "ratings", "tickets", "ticket_replies"):
                if traffic.desk_rows[table]:
                    connection.execute(desk_db.metadata.tables[table].insert(), traffic.desk_rows[table])
    finally:
        engine.dispose()


CUSTOMER_KEY = b"generated customers' identity key"  # the directory's digest key (any 16+ bytes)
LINKING_SLOTS = frozenset({"order_number", "order_verifier", "verified_order", "order_verification"})


def linking_events(traffic: Traffic) -> list[tuple[str, dict[str, Any]]]:
    """(sender, event) the customer directory links customers by, in time order.

    Of each conversation that proves something (a messenger user, an order check): its
    session start, the shopper's first message (channel and platform account) and the
    order check's slots. The rest would only add transcript lines to the directory, and a
    year of them takes longer to feed than the analytics take to derive.
    """
    from customers import platform_identity

    chosen: list[tuple[float, str, dict[str, Any]]] = []
    for sender, events in traffic.conversations.items():
        conversation: list[dict[str, Any]] = []
        for event in [*events, {"event": "session_started", "timestamp": None}]:
            if event["event"] == "session_started":
                proves = any(e.get("name") == "verified_order" for e in conversation) or any(
                    e["event"] == "user" and platform_identity(sender, e.get("input_channel")) for e in conversation)
                chosen += [(e["timestamp"], sender, e) for e in conversation] if proves else []
                conversation = [event]
            elif event["event"] == "user" and not any(e["event"] == "user" for e in conversation):
                conversation.append(event)
            elif event.get("name") in LINKING_SLOTS:
                conversation.append(event)
    return [(sender, event) for _, sender, event in sorted(chosen, key=lambda item: (item[0], item[1]))]


def write_customers(traffic: Traffic, desk_url: str) -> int:
    """Feed the desk's customer directory the linking events as its event follower does; returns how many."""
    from customers import CustomerDirectory, IdentityDigests
    from desk.broker import BrokerEvent
    from desk.db import make_engine

    events = linking_events(traffic)

    async def feed() -> None:
        engine = make_engine(desk_url)
        try:
            directory = CustomerDirectory(engine, IdentityDigests(CUSTOMER_KEY))
            for number, (sender, event) in enumerate(events, 1):
                await directory.observe(BrokerEvent(number, sender, event))
        finally:
            await engine.dispose()

    asyncio.run(feed())
    return len(events)


def generate(conversations: int, days: float, start: datetime, seed: int = 7, recontact_days: float = 3) -> Traffic:
    return Generator(seed, start, days, load_support_hours(), recontact_days).run(conversations)


@contextmanager
def _databases(postgres: bool, folder: Path) -> Iterator[tuple[str, str, str]]:
    if not postgres:
        yield f"sqlite:///{folder / 'tracker.db'}", f"sqlite:///{folder / 'desk.db'}", f"sqlite:///{folder / 'analytics.db'}"
        return
    from tests.desk.postgres import temporary_postgres

    with temporary_postgres() as url:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for name in ("tracker", "desk", "analytics"):
                connection.execute(sa.text(f"CREATE DATABASE {name}"))
        engine.dispose()
        base = url.rsplit("/", 1)[0]
        yield f"{base}/tracker", f"{base}/desk", f"{base}/analytics"


PAGE_REQUESTS = 6  # the first (a desk just started) and five more, whose median is the page time
BENCH_PASSWORD = "bench password 1"
STAT = re.compile(r'id="stat-([a-z_]+)">([^<]*)<')


def _desk_config(folder: Path, tracker: str, desk: str, analytics: str) -> Path:
    """The repository's assistant.yml pointed at this run's databases."""
    import yaml

    raw = yaml.safe_load((REPO / "assistant.yml").read_text(encoding="utf-8"))
    raw["desk"].update(database=desk, tracker_store=tracker, event_broker_database=str(folder / "events.db"))
    raw["analytics"]["database"] = analytics
    path = folder / "assistant.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


async def _time_page(config: Path, since: datetime, until: datetime) -> tuple[list[float], dict[str, str]]:
    """Seconds of each GET /analytics by a signed-in admin (the desk app on loopback), and the numbers shown."""
    from aiohttp.test_utils import TestClient, TestServer
    from cryptography.fernet import Fernet

    from desk.app import build_app
    from desk.settings import load_desk_settings

    env = {"DESK_SESSION_KEY": Fernet.generate_key().decode(), "DESK_BOT_TOKEN": "bench"}
    app = build_app(load_desk_settings(config, env=env), run_background=False)
    async with TestClient(TestServer(app)) as client:
        login = await (await client.get("/login", headers={"Accept": "text/html"})).text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        signed = await client.post("/login", data={"username": "anna", "password": BENCH_PASSWORD, "csrf_token": token},
                                   allow_redirects=False)
        assert signed.status == 303, "the bench admin could not sign in"
        query = {"since": since.date().isoformat(), "until": (until - timedelta(microseconds=1)).date().isoformat()}
        seconds, page = [], ""
        for _ in range(PAGE_REQUESTS):
            began = time.perf_counter()
            response = await client.get("/analytics", params=query, headers={"Accept": "text/html"})
            page = await response.text()
            seconds.append(time.perf_counter() - began)
            assert response.status == 200, page[:500]
    return seconds, dict(STAT.findall(page))


def _admin(desk: str) -> None:
    """Anna (a generated agent) signs in and is an admin."""
    from desk.agents import ADMIN, HASHER

    engine = sa.create_engine(desk)
    with engine.begin() as connection:
        connection.execute(sa.update(desk_db.agents).where(desk_db.agents.c.username == "anna")
                           .values(password_hash=HASHER.hash(BENCH_PASSWORD), role=ADMIN))
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    from analytics.customers import DirectoryLinks
    from analytics.report import full_report
    from analytics.settings import load_analytics_settings
    from analytics.store import open_store, refresh
    from kb_index.service import get_encoder
    from kb_index.settings import load_kb_settings

    parser = argparse.ArgumentParser(prog="python -m bench.analytics_traffic", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--conversations-per-day", type=int, default=100)
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL (Debian package) instead of SQLite")
    parser.add_argument("--direct", action="store_true", help="write the events table directly, not through Rasa's store")
    args = parser.parse_args(argv)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=args.days)
    traffic = generate(int(args.days * args.conversations_per_day), args.days, start)
    # The page's period: whole days (UTC) around the generated traffic.
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    until = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    settings = load_analytics_settings()
    hours = load_support_hours()
    encoder = get_encoder(load_kb_settings().encoder)
    with tempfile.TemporaryDirectory() as folder, _databases(args.postgres, Path(folder)) as (tracker, desk, analytics):
        began = time.perf_counter()
        write_tracker(traffic, tracker, through_rasa=not args.direct)
        write_desk(traffic, desk, now)
        write_customers(traffic, desk)
        written = time.perf_counter() - began
        links = DirectoryLinks(desk, CUSTOMER_KEY)
        engine = open_store(analytics)
        began = time.perf_counter()
        refresh(engine, tracker, encoder, hours, settings.recontact_days, links)
        precompute = time.perf_counter() - began
        baseline_engine = sa.create_engine(tracker)
        began = time.perf_counter()
        with baseline_engine.connect() as connection:
            events = connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
        baseline = time.perf_counter() - began
        baseline_engine.dispose()
        desk_engine = sa.create_engine(desk)
        began = time.perf_counter()
        # What the page does first: nothing new.
        refresh(engine, tracker, encoder, hours, settings.recontact_days, links)
        report = full_report(engine, desk_engine, since, until, near_duplicate=encoder.near_duplicate)
        numbers = time.perf_counter() - began
        desk_engine.dispose()
        engine.dispose()
        _admin(desk)
        page_runs, shown = asyncio.run(_time_page(_desk_config(Path(folder), tracker, desk, analytics), since, until))
        page = statistics.median(page_runs[1:])  # the first request after the desk started is reported on its own
    expected = truth(traffic)
    bot = report["bot"]
    result = {
        "days": args.days, "backend": "postgresql" if args.postgres else "sqlite",
        "writer": "events table" if args.direct else "rasa SQLTrackerStore",
        "conversations": expected["conversations"], "questions": expected["questions"], "events": events,
        "write_seconds": round(written, 1), "precompute_seconds": round(precompute, 2),
        "page_seconds": round(page, 3), "page_first_request_seconds": round(page_runs[0], 3),
        "page_seconds_each": [round(t, 3) for t in page_runs],
        "page_target_seconds": 2.0 if args.postgres else 1.0, "numbers_seconds": round(numbers, 3),
        "baseline_count_seconds": round(baseline, 3), "page_vs_baseline": round(page / baseline, 1) if baseline else None,
        "deflection_naive": bot["deflection_naive"], "deflection": bot["deflection"],
        "matches_truth": all(
            bot[k] == expected[k] and int(shown[k]) == expected[k]
            for k in ("conversations", "questions", "deflected_naive", "recontacted", "deflected")
        ),
    }
    print(json.dumps(result, indent=2))
    print(f"analytics {args.days:g} days on {result['backend']}: page {page:.3f} s (target {result['page_target_seconds']} s;"
          f" {result['page_vs_baseline']}x a count(*)), precompute {precompute:.1f} s, {events} events;"
          f" numbers match the truth: {result['matches_truth']}")
    sys.exit(0 if result["matches_truth"] and page < result["page_target_seconds"] else 1)


if __name__ == "__main__":
    main()
