"""The weekly e-mail, to a local SMTP server (aiosmtpd) reached through the config, as the desk's schedule sends it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from analytics.service import AnalyticsService
from analytics.weekly import AnalyticsSchedule, last_slot, send_if_due
from tests.analytics.conftest import Month, run_desk_cli
from tests.desk.mail_and_webhook import Mailbox, smtp_server
from tests.support.processes import free_port

WARSAW = ZoneInfo("Europe/Warsaw")
# Monday 30 November 2026, 07:30 in Warsaw: half an hour after the configured report time.
MONDAY = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
SLOT = datetime(2026, 11, 30, 7, tzinfo=WARSAW)


def test_the_report_time_is_the_last_weekday_and_hour_passed_in_the_shops_time_zone() -> None:
    assert last_slot(MONDAY, WARSAW, 0, 7) == SLOT
    assert last_slot(MONDAY - timedelta(hours=1), WARSAW, 0, 7) == SLOT - timedelta(days=7)  # 06:30: last week's
    assert last_slot(datetime(2026, 12, 3, 12, tzinfo=UTC), WARSAW, 4, 18) == datetime(2026, 11, 27, 18, tzinfo=WARSAW)


@pytest.fixture
def mail(month: Month, tmp_path) -> Iterator[tuple[Month, Mailbox, int]]:
    """The month's config with the weekly report on, sending to a local SMTP server."""
    with smtp_server() as (mailbox, port):
        raw = yaml.safe_load(month.config.read_text(encoding="utf-8"))
        raw["desk"]["smtp"].update(host="127.0.0.1", port=port)
        raw["analytics"]["weekly_report"] = {"enabled": True, "to": ["owner@shop.example", "boss@shop.example"],
                                             "weekday": 0, "hour": 7}
        month.config.with_name("weekly.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")
        yield month, mailbox, port


def weekly_service(month: Month, monkeypatch: pytest.MonkeyPatch) -> AnalyticsService:
    for name, value in month.env.items():
        monkeypatch.setenv(name, value)
    return AnalyticsService.for_config(month.config.with_name("weekly.yml"))


def test_the_schedule_sends_the_weeks_numbers_once(mail, monkeypatch: pytest.MonkeyPatch) -> None:
    month, mailbox, port = mail
    service = weekly_service(month, monkeypatch)
    service.set_state("weekly_report_sent", "")
    try:
        schedule = AnalyticsSchedule(service, service.desk_settings.smtp, lambda: MONDAY)
        assert asyncio.run(schedule.tick()) is True
        assert asyncio.run(schedule.tick()) is False  # the same week is not sent twice
    finally:
        service.close()
    again = weekly_service(month, monkeypatch)  # a restarted desk remembers it
    try:
        assert send_if_due(again, again.desk_settings.smtp, MONDAY + timedelta(hours=2)) is False
        week = again.report(SLOT - timedelta(days=7), SLOT)
    finally:
        again.close()
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    body = message.get_payload(decode=True).decode()
    assert message["To"] == "owner@shop.example, boss@shop.example"
    assert f"Conversations:          {week['bot']['conversations']}" in body
    assert f"Handoffs to a person:   {week['handoffs']['total']}" in body
    top = next(iter(week["clusters"].values()))[0]
    assert f"{top['count']}x  {' | '.join(top['examples'])}" in body
    assert "@example.com" not in body and "600 100 200" not in body


def test_an_smtp_server_that_is_down_gets_the_report_on_a_later_round(mail, monkeypatch: pytest.MonkeyPatch) -> None:
    month, mailbox, port = mail
    service = weekly_service(month, monkeypatch)
    service.set_state("weekly_report_sent", "")
    try:
        down = AnalyticsSchedule(service, type(service.desk_settings.smtp)("127.0.0.1", free_port(), "a@b.example", "x"),
                                 lambda: MONDAY)
        with pytest.raises(OSError):
            asyncio.run(down.tick())
        assert mailbox.messages == []
        late = MONDAY + timedelta(hours=5)
        assert send_if_due(service, service.desk_settings.smtp, late) is True  # not marked sent: it goes out now
        assert send_if_due(service, service.desk_settings.smtp, MONDAY + timedelta(days=2)) is False
    finally:
        service.close()
    assert len(mailbox.messages) == 1


def test_the_cli_sends_the_report_now(mail) -> None:
    month, mailbox, _ = mail
    sent = run_desk_cli(month, "--config", str(month.config.with_name("weekly.yml")), "send-report", "--to", "me@shop.example")
    assert sent.returncode == 0, sent.stderr
    assert len(mailbox.messages) == 1 and mailbox.messages[0]["To"] == "me@shop.example"
    assert "What to fix next" in mailbox.messages[0].get_payload(decode=True).decode()
    off = run_desk_cli(month, "send-report")  # the month's own config: no SMTP host
    assert off.returncode == 1 and "nothing was sent" in off.stderr
