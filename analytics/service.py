"""The analytics for a deployment: its settings, encoder and databases wired once (CLI, desk page, e-mail)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from analytics import store
from analytics.customers import DirectoryLinks
from analytics.report import full_report
from analytics.settings import AnalyticsSettings, load_analytics_settings
from business_hours import SupportHours, load_support_hours
from desk.app import customer_key
from desk.settings import DeskSettings, load_desk_settings
from kb_index.encoders import Encoder
from kb_index.service import get_encoder
from kb_index.settings import load_kb_settings

CACHED_REPORTS = 64  # filters remembered (period, channel, language, whose numbers); the oldest is forgotten
# A cached report is also recomputed after this long: a claim or an agent's note changes desk numbers
# without a tracker event, and a preset period moves with the clock.
CACHE_SECONDS = 60.0


class AnalyticsService:
    """Derived tables, the desk database and the KB encoder of one deployment.

    Synchronous (SQLAlchemy Core on plain engines): the desk calls it in a worker thread.
    One lock keeps the page, the schedule and an export from refreshing at the same time.

    Computed reports are kept per filter: a page view and its CSV exports read the same
    numbers without recomputing them. Precomputing new events forgets them all, so nothing
    new is ever hidden; a refresh that finds nothing new keeps them.
    """

    def __init__(self, settings: AnalyticsSettings, desk: DeskSettings, hours: SupportHours, config: Path | None):
        self.settings, self.desk_settings, self.hours, self._config = settings, desk, hours, config
        self.store = store.open_store(settings.database_url)
        self.desk = sa.create_engine(desk.database_url)
        self.links = DirectoryLinks(desk.database_url, customer_key(desk))
        self._lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()  # key -> (computed at, value)
        self._generation = 0  # counts the times the cache was forgotten

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
            result = store.refresh(self.store, self.desk_settings.tracker_store, self.encoder, self.hours,
                                   self.settings.recontact_days, self.links)
        if result.senders:  # new events precomputed: every cached report may be out of date
            with self._cache_lock:
                self._cache.clear()
                self._generation += 1
        return result

    def report(self, since: datetime, until: datetime, *, channel: str | None = None, lang: str | None = None,
               agent_id: int | None = None) -> dict[str, Any]:
        """Refresh, then every number for the period (``agent_id``: only that agent's own), computed once per filter."""
        self.refresh()
        return self._cached(
            ("report", since, until, channel or None, lang or None, agent_id),
            lambda: full_report(self.store, self.desk, since, until, near_duplicate=self.encoder.near_duplicate,
                                channel=channel, lang=lang, agent_id=agent_id),
        )

    def segments(self) -> dict[str, list[str]]:
        """The channels and languages conversations came in, for the page's filters."""
        return self._cached(("segments",), self._segments)

    def _segments(self) -> dict[str, list[str]]:
        c = store.conversations
        with self.store.connect() as connection:
            return {
                "channels": list(connection.execute(sa.select(c.c.channel).distinct().order_by(c.c.channel)).scalars()),
                "languages": list(connection.execute(sa.select(c.c.lang).distinct().order_by(c.c.lang)).scalars()),
            }

    def _cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """The value kept for ``key`` if it is fresh, else ``compute()`` kept (callers must not change it)."""
        now = time.monotonic()
        with self._cache_lock:
            kept = self._cache.get(key)
            if kept is not None and now - kept[0] < CACHE_SECONDS:
                self._cache.move_to_end(key)
                return kept[1]
            generation = self._generation
        value = compute()
        with self._cache_lock:
            if generation != self._generation:  # new events came in meanwhile: this value may miss them
                return value
            self._cache[key] = (now, value)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHED_REPORTS:
                self._cache.popitem(last=False)
        return value

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
