"""The weekly e-mail (opt-in): headline numbers and what to fix next, sent by the desk process on a schedule.

The schedule lives in the desk (``AnalyticsSchedule``, started with its other background
loops): at ``analytics.weekly_report`` weekday and hour, in the support hours' time zone,
the week before is reported. The last week sent is kept in the analytics database, so a
restart does not send it twice; a desk that was down at that hour sends it when back, up
to a day late (an older week is left out rather than arriving as news).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy.exc

from analytics.report import percent
from analytics.service import AnalyticsService
from desk.settings import SmtpSettings

log = logging.getLogger(__name__)
WEEK = timedelta(days=7)
CATCH_UP = timedelta(days=1)
SENT_KEY = "weekly_report_sent"
TOP_CLUSTERS = 3  # per language


def last_slot(now: datetime, timezone: ZoneInfo, weekday: int, hour: int) -> datetime:
    """The latest report time (weekday at hour, local) at or before ``now``."""
    local = now.astimezone(timezone)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    slot = datetime.combine(day, time(hour), tzinfo=timezone)
    return slot if slot <= local else datetime.combine(day - WEEK, time(hour), tzinfo=timezone)


def weekly_email(report: dict[str, Any], sender: str, recipients: tuple[str, ...]) -> EmailMessage:
    """Headline numbers and the top clusters of failed questions (texts are stored redacted)."""
    bot, handoffs, desk = report["bot"], report["handoffs"], report.get("desk") or {}
    csat = desk.get("csat") or {}
    first_reply = (desk.get("first_reply_minutes") or {}).get("median")
    lines = [
        f"The shop assistant, {report['since'][:10]} to {report['until'][:10]} (UTC)",
        "",
        f"Conversations:          {bot['conversations']}",
        f"Questions:              {bot['questions']} ({bot['answered_outright']} answered outright, "
        f"{bot['suggested_and_picked']} picked from suggestions, {bot['unknown']} not known)",
        f"Deflection:             {percent(bot['deflection'])} checked for re-contact "
        f"(naive {percent(bot['deflection_naive'])}: {bot['recontacted']} came back)",
        f"Handoffs to a person:   {handoffs['total']} ({handoffs['out_of_hours']} outside support hours)",
        f"First human reply:      {'-' if first_reply is None else f'median {first_reply} min'}",
        f"CSAT:                   {csat.get('average') or '-'} from {csat.get('count', 0)} ratings",
        f"Tickets:                {(desk.get('tickets') or {}).get('count', 0)}",
        "",
        "What to fix next (questions the bot failed, by meaning):",
    ]
    for lang, groups in (report.get("clusters") or {}).items():
        for group in groups[:TOP_CLUSTERS]:
            lines.append(f"  [{lang}] {group['count']}x  {' | '.join(group['examples'])}")
    if not any(report.get("clusters", {}).values()):
        lines.append("  nothing: every question was answered and nobody came back about it")
    message = EmailMessage()
    message["Subject"] = (f"Shop assistant, week to {report['until'][:10]}: deflection {percent(bot['deflection'])}, "
                          f"CSAT {csat.get('average') or '-'}")
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content("\n".join(lines) + "\n")
    return message


def send_email(message: EmailMessage, smtp: SmtpSettings) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        client.send_message(message)


def send_weekly(service: AnalyticsService, smtp: SmtpSettings, until: datetime, recipients: tuple[str, ...]) -> EmailMessage:
    """The report of the week before ``until``, sent now."""
    message = weekly_email(service.report(until - WEEK, until), smtp.sender, recipients)
    send_email(message, smtp)
    return message


def send_if_due(service: AnalyticsService, smtp: SmtpSettings | None, now: datetime) -> bool:
    """Send the weekly report if its time has come and it was not sent yet; True when sent."""
    settings = service.settings
    if not settings.weekly_report_to or smtp is None:
        return False
    slot = last_slot(now, service.hours.timezone, settings.weekly_report_weekday, settings.weekly_report_hour)
    if now - slot > CATCH_UP or service.get_state(SENT_KEY) == slot.isoformat():
        return False
    send_weekly(service, smtp, slot, settings.weekly_report_to)
    service.set_state(SENT_KEY, slot.isoformat())
    log.info("weekly analytics report sent for the week to %s", slot.date())
    return True


class AnalyticsSchedule:
    """The desk's analytics loop: keep the derived tables fresh, send the weekly report when due."""

    def __init__(self, service: AnalyticsService, smtp: SmtpSettings | None, clock: Callable[[], datetime]) -> None:
        self.service, self.smtp, self.clock = service, smtp, clock
        if service.settings.weekly_report_to and smtp is None:
            log.warning("analytics.weekly_report is enabled but desk.smtp has no host: the weekly report is not sent")

    async def tick(self) -> bool:
        """One round: the weekly report if due (its numbers refresh the tables), else a refresh; True when sent."""
        if await asyncio.to_thread(send_if_due, self.service, self.smtp, self.clock()):
            return True
        await asyncio.to_thread(self.service.refresh)
        return False

    async def run(self) -> None:
        # Waits first: a desk that just started has its page to refresh the tables on demand.
        while True:
            await asyncio.sleep(self.service.settings.refresh_minutes * 60)
            try:
                await self.tick()
            except FileNotFoundError:
                log.debug("no tracker store yet: nothing to analyse")
            except (OSError, smtplib.SMTPException, sqlalchemy.exc.SQLAlchemyError) as error:
                # Tried again next round: the week is marked sent only once it went out.
                log.error("analytics round failed (%s: %s)", type(error).__name__, error)
