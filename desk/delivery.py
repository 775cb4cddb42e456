"""Sending offline tickets on: to the support mailbox by SMTP and as JSON to a helpdesk webhook.

Each ticket remembers per destination whether it is pending, sent, failed or off.
Pending deliveries are retried with a growing pause, also after a desk restart.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiohttp
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.db import tickets
from desk.reasons import reason_label
from desk.settings import SmtpSettings
from monitoring.metrics import DELIVERY_FAILURES

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
IDLE_CHECK_SECONDS = 30.0
TIMEOUT = aiohttp.ClientTimeout(total=10)
ROLE_NAMES = {"shopper": "Shopper", "bot": "Bot"}


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(10 * 2**attempts, 900))


def webhook_payload(ticket: dict[str, Any]) -> dict[str, Any]:
    return {
        "ticket_id": ticket["id"],
        "created_at": ticket["created_at"].isoformat(),
        "sender_id": ticket["sender_id"],
        "email": ticket["email"],
        "reason": ticket["reason"],
        "channel": ticket["channel"],
        "language": ticket["language"],
        "promised_reply_by": ticket["promised_reply_by"].isoformat() if ticket["promised_reply_by"] else None,
        "promised_reply_text": ticket["promised_reply_text"],
        "transcript": ticket["transcript"],
    }


def ticket_email(ticket: dict[str, Any], smtp: SmtpSettings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[{ticket['id']}] Chat ticket: {reason_label(ticket['reason'])}"
    message["From"] = smtp.sender
    message["To"] = smtp.to
    message["Reply-To"] = ticket["email"]
    lines = [
        f"Ticket {ticket['id']} from the shop assistant.",
        "",
        f"Shopper's e-mail: {ticket['email']}",
        f"Reason: {reason_label(ticket['reason'])}",
        f"Channel: {ticket['channel']}    Language: {ticket['language']}",
        f"Promised reply by: {ticket['promised_reply_text']}",
        f"Conversation: {ticket['sender_id']}",
        "",
        "Conversation so far:" if ticket["transcript"] else "The conversation could not be read from the bot.",
    ]
    for line in ticket["transcript"]:
        who = line.get("author_name") or ROLE_NAMES.get(line["role"], line["role"])
        lines.append(f"[{line['at'][11:16]} UTC] {who}: {line['text']}")
    message.set_content("\n".join(lines) + "\n")
    return message


def _send_email(message: EmailMessage, smtp: SmtpSettings) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        client.send_message(message)


class TicketDelivery:
    def __init__(
        self,
        engine: AsyncEngine,
        http: aiohttp.ClientSession,
        clock: Callable[[], datetime],
        smtp: SmtpSettings | None,
        webhook_url: str | None,
        webhook_secret: str | None,
    ):
        self._engine = engine
        self._http = http
        self._clock = clock
        self._smtp = smtp
        self._webhook_url = webhook_url
        self._webhook_secret = webhook_secret
        self._wake = asyncio.Event()

    @property
    def email_on(self) -> bool:
        return self._smtp is not None

    @property
    def webhook_on(self) -> bool:
        return bool(self._webhook_url)

    def wake(self) -> None:
        """A new ticket is waiting: deliver it now rather than at the next check."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database itself: try again at the next check
                log.warning("ticket delivery: %s", type(error).__name__)
            try:
                await asyncio.wait_for(self._wake.wait(), IDLE_CHECK_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()

    async def deliver_due(self) -> int:
        """Try every pending delivery that is due; returns how many tickets were tried."""
        query = select(tickets).where(
            or_(tickets.c.email_status == "pending", tickets.c.webhook_status == "pending"),
            tickets.c.next_attempt_at <= self._clock(),
        )
        async with self._engine.connect() as connection:
            due = [dict(row) for row in (await connection.execute(query)).mappings()]
        for ticket in due:
            await self._deliver(ticket)
        return len(due)

    async def _deliver(self, ticket: dict[str, Any]) -> None:
        changes: dict[str, Any] = {}
        if ticket["email_status"] == "pending":
            changes["email_status"] = await self._attempt("email", ticket, self._email)
        if ticket["webhook_status"] == "pending":
            changes["webhook_status"] = await self._attempt("webhook", ticket, self._post)
        if "pending" in changes.values():
            attempts = ticket["delivery_attempts"] + 1
            changes["delivery_attempts"] = attempts
            changes["next_attempt_at"] = self._clock() + retry_delay(attempts)
            if attempts >= MAX_ATTEMPTS:
                changes = {key: "failed" if value == "pending" else value for key, value in changes.items()}
                log.error("ticket %s: delivery given up after %d attempts", ticket["id"], attempts)
        async with self._engine.begin() as connection:
            await connection.execute(update(tickets).where(tickets.c.id == ticket["id"]).values(**changes))

    @staticmethod
    async def _attempt(what: str, ticket: dict[str, Any], send: Callable) -> str:
        try:
            await send(ticket)
        except (OSError, smtplib.SMTPException, aiohttp.ClientError, TimeoutError) as error:
            log.warning("ticket %s: %s not delivered (%s); will retry", ticket["id"], what, type(error).__name__)
            DELIVERY_FAILURES.labels(f"ticket_{what}").inc()
            return "pending"
        return "sent"

    async def _email(self, ticket: dict[str, Any]) -> None:
        assert self._smtp is not None
        await asyncio.to_thread(_send_email, ticket_email(ticket, self._smtp), self._smtp)

    async def _post(self, ticket: dict[str, Any]) -> None:
        body = json.dumps(webhook_payload(ticket)).encode()
        headers = {"Content-Type": "application/json"}
        if self._webhook_secret:
            digest = hmac.new(self._webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Desk-Signature"] = f"sha256={digest}"
        async with self._http.post(self._webhook_url, data=body, headers=headers, timeout=TIMEOUT) as response:
            if response.status >= 300:
                raise aiohttp.ClientResponseError(response.request_info, (), status=response.status)
