"""The analytics for a deployment: its settings, encoder and databases wired once (CLI, desk page, e-mail)."""

from __future__ import annotations

import threading
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from analytics import store
from analytics.report import full_report
from analytics.settings import AnalyticsSettings, load_analytics_settings
from business_hours import SupportHours, load_support_hours
from desk.settings import DeskSettings, load_desk_settings
from kb_index.encoders import Encoder
from kb_index.service import get_encoder
from kb_index.settings import load_kb_settings


class AnalyticsService:
    """Derived tables, the desk database and the KB encoder of one deployment.

    Synchronous (SQLAlchemy Core on plain engines): the desk calls it in a worker thread.
    One lock keeps the page, the schedule and an export from refreshing at the same time.
    """

    def __init__(self, settings: AnalyticsSettings, desk: DeskSettings, hours: SupportHours, config: Path | None):
        self.settings, self.desk_settings, self.hours, self._config = settings, desk, hours, config
        self.store = store.open_store(settings.database_url)
        self.desk = sa.create_engine(desk.database_url)
        self._lock = threading.Lock()

    @classmethod
    def for_config(
        cls, config: Path | None, desk: DeskSettings | None = None, hours: SupportHours | None = None
    ) -> AnalyticsService:
        desk, hours = desk or load_desk_settings(config), hours or load_support_hours(config)
        return cls(load_analytics_settings(config), desk, hours, config)

    @cached_property
    def encoder(self) -> Encoder:
        return get_encoder(load_kb_settings(self._config).encoder)  # the model is loaded on first use, once per process

    def refresh(self) -> store.RefreshResult:
        """Bring the derived tables up to date with the tracker store (only what is new is read)."""
        with self._lock:
            return store.refresh(self.store, self.desk_settings.tracker_store, self.encoder, self.hours,
                                 self.settings.recontact_days, self.settings.identity_slots)

    def report(self, since: datetime, until: datetime, *, channel: str | None = None, lang: str | None = None,
               agent_id: int | None = None) -> dict[str, Any]:
        """Refresh, then every number for the period (``agent_id``: only that agent's own)."""
        self.refresh()
        return full_report(self.store, self.desk, since, until, near_duplicate=self.encoder.near_duplicate,
                           channel=channel, lang=lang, agent_id=agent_id)

    def segments(self) -> dict[str, list[str]]:
        """The channels and languages conversations came in, for the page's filters."""
        c = store.conversations
        with self.store.connect() as connection:
            return {
                "channels": list(connection.execute(sa.select(c.c.channel).distinct().order_by(c.c.channel)).scalars()),
                "languages": list(connection.execute(sa.select(c.c.lang).distinct().order_by(c.c.lang)).scalars()),
            }

    def get_state(self, key: str) -> str | None:
        with self.store.connect() as connection:
            return store.get_state(connection, key)

    def set_state(self, key: str, value: str) -> None:
        with self.store.begin() as connection:
            store.set_state(connection, key, value)

    def close(self) -> None:
        self.store.dispose()
        self.desk.dispose()


def report_for(
    config: Path | None, since: datetime, until: datetime, *, channel: str | None = None, lang: str | None = None,
    agent_id: int | None = None,
) -> dict[str, Any]:
    """The CLI's report: refresh the derived tables from the tracker store, then every number for the period."""
    service = AnalyticsService.for_config(config)
    try:
        return service.report(since, until, channel=channel, lang=lang, agent_id=agent_id)
    finally:
        service.close()
