"""The analytics for a deployment: its settings, encoder and databases wired once (CLI, page, e-mail)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from analytics.report import full_report
from analytics.settings import load_analytics_settings
from analytics.store import open_store, refresh
from business_hours import load_support_hours
from desk.settings import load_desk_settings
from kb_index.service import get_encoder
from kb_index.settings import load_kb_settings


def report_for(
    config: Path | None, since: datetime, until: datetime, *, channel: str | None = None, lang: str | None = None,
    agent_id: int | None = None,
) -> dict[str, Any]:
    """Refresh the derived tables from the tracker store, then every number for the period."""
    settings, desk = load_analytics_settings(config), load_desk_settings(config)
    encoder = get_encoder(load_kb_settings(config).encoder)
    analytics = open_store(settings.database_url)
    desk_engine = sa.create_engine(desk.database_url)
    try:
        hours = load_support_hours(config)
        refresh(analytics, desk.tracker_store, encoder, hours, settings.recontact_days, settings.identity_slots)
        return full_report(analytics, desk_engine, since, until, near_duplicate=encoder.near_duplicate, channel=channel,
                           lang=lang, agent_id=agent_id)
    finally:
        analytics.dispose()
        desk_engine.dispose()
