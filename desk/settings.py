"""The desk's settings: the ``desk:`` section of assistant.yml, secrets and overrides from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb_index.settings import load_raw_settings


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    to: str


@dataclass(frozen=True)
class AttachmentSettings:
    """``attachments:`` of assistant.yml: the files shoppers and agents send each other in a handoff."""

    max_bytes: int = 10 * 1024 * 1024
    # What the widget and the agents may send (checked on the bytes); messengers' voice notes and videos come on top.
    types: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf")
    retention_days: float = 90
    per_conversation: str = "10/10minutes"  # uploads (limits notation)
    per_address: str = "30/hour"
    # The Rasa server as shoppers reach it (https://assistant.example): files become links there, for
    # the transcript e-mail and for messengers, whose connectors cannot send an agent's file itself.
    public_url: str = ""


def _attachments(section: Mapping[str, Any], env: Mapping[str, str]) -> AttachmentSettings:
    default = AttachmentSettings()
    limits = section.get("limits") or {}
    return AttachmentSettings(
        max_bytes=int(section.get("max_bytes", default.max_bytes)),
        types=tuple(section.get("types") or default.types),
        retention_days=float(section.get("retention_days", default.retention_days)),
        per_conversation=str(limits.get("per_conversation", default.per_conversation)),
        per_address=str(limits.get("per_address", default.per_address)),
        public_url=env.get("ATTACHMENTS_PUBLIC_URL", section.get("public_url") or "").rstrip("/"),
    )


@dataclass(frozen=True)
class DeskSettings:
    database_url: str  # SQLAlchemy URL of the desk's own database
    event_broker_url: str  # SQLAlchemy URL of Rasa's SQL event broker database, or amqp:// of its Pika broker
    event_broker_queue: str  # the RabbitMQ queue Rasa's Pika broker publishes to (amqp:// only)
    tracker_store: str  # Rasa's SQL tracker store, read for the KB report: a SQLite path or a SQLAlchemy URL
    config_path: Path | None  # the assistant.yml the support hours come from (None: the default one)
    agent_idle_minutes: float
    minutes_per_conversation: float
    smtp: SmtpSettings | None  # None: tickets are not e-mailed
    ticket_webhook_url: str | None
    ticket_webhook_secret: str | None  # signs webhook bodies (HMAC-SHA256) when set
    rasa_url: str
    rasa_token: str
    bot_token: str | None  # shared with the action server; None refuses every bot call
    session_key: str | None  # Fernet key for the session cookies
    always_secure_cookies: bool  # Secure even on plain http (cookies are Secure on https requests anyway)
    trusted_proxies: frozenset[str]  # addresses whose X-Forwarded-For / X-Forwarded-Proto are believed
    login_limit_per_account: str  # failed sign-ins per username and address (limits notation)
    login_limit_per_address: str  # failed sign-ins per address, whatever the usernames
    # Where the sign-in, upload and transcript limits are counted (desk/rate_limits.py): memory:// for one
    # desk process, redis://... shared by several, so reaching another desk resets nothing.
    limits_storage: str = "memory://"
    # Keys the digests of customers' identities (customers/identities.py). Without DESK_CUSTOMER_KEY
    # it is derived from the session key, so rotating that one unlinks earlier conversations.
    customer_key: str | None = None
    # redis://... when several desk processes serve one database: they share live updates and take
    # turns following the event broker (desk/live_relay.py). None: one desk process (embedded).
    live_url: str | None = None
    attachments: AttachmentSettings = AttachmentSettings()


def _sqlite_url(value: str, base: Path) -> str:
    """A SQLAlchemy URL; a bare path or a relative ``sqlite:///`` path is taken relative to ``base``."""
    if "://" not in value:
        return f"sqlite:///{(base / value).resolve()}"
    prefix = "sqlite:///"
    if value.startswith(prefix) and not value[len(prefix) :].startswith("/"):
        return f"{prefix}{(base / value[len(prefix) :]).resolve()}"
    return value


def _path_or_url(value: str, base: Path) -> str:
    """A URL as is; a path relative to ``base`` (kept a path: the KB report opens a SQLite file read-only)."""
    return value if "://" in value else str((base / value).resolve())


def _smtp(section: Mapping[str, Any], env: Mapping[str, str]) -> SmtpSettings | None:
    host = env.get("SMTP_HOST", section.get("host") or "")
    if not host:
        return None
    port = int(env.get("SMTP_PORT", section.get("port") or 25))
    return SmtpSettings(host, port, str(section["sender"]), str(section["to"]))


def load_desk_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> DeskSettings:
    env = os.environ if env is None else env
    raw, base = load_raw_settings(path)
    desk = raw["desk"]
    limits = desk.get("login_limits") or {}
    return DeskSettings(
        database_url=_sqlite_url(env.get("DESK_DATABASE", desk["database"]), base),
        event_broker_url=_sqlite_url(
            env.get("EVENT_BROKER_URL") or env.get("EVENT_BROKER_DB", desk["event_broker_database"]), base
        ),
        event_broker_queue=env.get("EVENT_BROKER_QUEUE", desk.get("event_broker_queue", "rasa_events")),
        tracker_store=_path_or_url(env.get("TRACKER_DB", desk.get("tracker_store", "var/tracker.db")), base),
        config_path=path,
        agent_idle_minutes=float(desk.get("agent_idle_minutes", 5)),
        minutes_per_conversation=float(desk.get("minutes_per_conversation", 6)),
        smtp=_smtp(desk.get("smtp") or {}, env),
        ticket_webhook_url=env.get("TICKET_WEBHOOK_URL", desk.get("ticket_webhook_url") or "") or None,
        ticket_webhook_secret=env.get("TICKET_WEBHOOK_SECRET") or None,
        rasa_url=env.get("RASA_URL", f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}").rstrip("/"),
        rasa_token=env.get("RASA_TOKEN", ""),
        bot_token=env.get("DESK_BOT_TOKEN") or None,
        session_key=env.get("DESK_SESSION_KEY") or None,
        always_secure_cookies=env.get("DESK_SECURE_COOKIES", "") in ("1", "true", "yes"),
        trusted_proxies=frozenset(
            address.strip()
            for address in env.get("DESK_TRUSTED_PROXIES", ",".join(desk.get("trusted_proxies") or [])).split(",")
            if address.strip()
        ),
        login_limit_per_account=str(limits.get("per_account_and_address", "5/minute")),
        login_limit_per_address=str(limits.get("per_address", "20/10minutes")),
        limits_storage=env.get("DESK_LIMITS_STORAGE") or str(desk.get("limits_storage") or "memory://"),
        customer_key=env.get("DESK_CUSTOMER_KEY") or None,
        live_url=env.get("DESK_LIVE_URL") or None,
        attachments=_attachments(raw.get("attachments") or {}, env),
    )
