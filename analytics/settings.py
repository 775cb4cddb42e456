"""The ``analytics:`` section of assistant.yml (env overrides: ANALYTICS_DATABASE)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kb_index.settings import load_raw_settings


@dataclass(frozen=True)
class AnalyticsSettings:
    database_url: str  # SQLAlchemy URL of the derived tables (SQLite file by default, PostgreSQL at scale)
    recontact_days: float  # a customer back within this many days about the same thing was not deflected
    weekly_report_to: tuple[str, ...]  # opt-in weekly e-mail's recipients; empty: off (sent through desk.smtp)
    weekly_report_weekday: int  # 0 = Monday
    weekly_report_hour: int  # hour of day in the support hours' time zone
    refresh_minutes: float  # how often the desk brings the derived tables up to date in the background


def load_analytics_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> AnalyticsSettings:
    env = os.environ if env is None else env
    raw, base = load_raw_settings(path)
    section = raw.get("analytics") or {}
    url = env.get("ANALYTICS_DATABASE", section.get("database", "var/analytics.db"))
    weekly = section.get("weekly_report") or {}
    return AnalyticsSettings(
        database_url=url if "://" in url else f"sqlite:///{(base / url).resolve()}",
        recontact_days=float(section.get("recontact_days", 3)),
        weekly_report_to=_recipients(weekly.get("to")) if weekly.get("enabled") else (),
        weekly_report_weekday=int(weekly.get("weekday", 0)),
        weekly_report_hour=int(weekly.get("hour", 7)),
        refresh_minutes=float(section.get("refresh_minutes", 10)),
    )


def _recipients(value: str | list[str] | None) -> tuple[str, ...]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return tuple(address.strip() for address in items if address.strip())
