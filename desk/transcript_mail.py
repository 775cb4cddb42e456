"""A shopper who gave an e-mail address in the chat can have the conversation sent there (SMTP from config).

The address is one the conversation itself holds: the one left for a ticket, or the order's
e-mail once that order was verified. It is never taken from the request, so nobody can have a
transcript mailed to someone else, and the limits are per conversation and per address.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from limits import parse

from desk.attachments import AttachmentRules
from desk.delivery import ROLE_NAMES, _send_email
from desk.rasa_client import RasaClient, RasaError
from desk.rate_limits import Counter, LimitsUnavailable
from desk.settings import SmtpSettings
from desk.transcript import Line, transcript_until

log = logging.getLogger(__name__)
PER_CONVERSATION = parse("3/hour")
PER_ADDRESS = parse("5/day")


def shopper_email(tracker: dict[str, Any]) -> str | None:
    """The e-mail address the shopper gave in this conversation, or None: the latest one left for a
    ticket or proven by an order check. Read from the slot events, because the order form forgets
    its verifier once the check is done."""
    found = candidate = None
    for event in tracker.get("events") or []:
        if event.get("event") != "slot":
            continue
        name, value = event.get("name"), event.get("value")
        is_email = isinstance(value, str) and "@" in value
        if name == "ticket_email" and is_email:
            found = value.strip()
        elif name == "order_verifier" and value is not None:
            candidate = value.strip() if is_email else None  # a postcode proves no address
        elif name == "verified_order" and value and candidate:
            found = candidate
    return found


def transcript_message(lines: list[Line], to: str, smtp: SmtpSettings,
                       link: Callable[[str], str | None] = lambda _: None) -> EmailMessage:
    """The e-mail; ``link`` gives a file's address for the shopper (none without ``attachments.public_url``)."""
    message = EmailMessage()
    message["Subject"] = "Your conversation with our shop assistant"
    message["From"] = smtp.sender
    message["To"] = to
    message["Reply-To"] = smtp.to
    body = ["Here is your conversation with us, as you asked.", ""]
    for line in lines:
        who = line.author_name or {"shopper": "You"}.get(line.role) or ROLE_NAMES.get(line.role, line.role)
        file_link = link(line.attachment_id) if line.attachment_id else None
        text = f"{line.text} {file_link}" if file_link else line.text
        body.append(f"[{line.at:%Y-%m-%d %H:%M} UTC] {who}: {text}")
    body += ["", f"Questions? Reply to this e-mail and it reaches {smtp.to}."]
    message.set_content("\n".join(body) + "\n")
    return message


class TranscriptMailer:
    def __init__(self, rasa: RasaClient, smtp: SmtpSettings | None, counter: Counter,
                 files: AttachmentRules | None = None):
        self._rasa = rasa
        self._smtp = smtp
        self._files = files
        self._limiter = counter

    async def send(self, sender_id: str) -> dict[str, Any]:
        """``{"sent": true}``, or ``{"sent": false, "reason": "no_email" | "limited" | "unavailable"}``."""
        if self._smtp is None:
            return {"sent": False, "reason": "unavailable"}
        try:
            tracker = await self._rasa.tracker(sender_id)
        except RasaError as error:
            log.warning("transcript not sent: %s", error)
            return {"sent": False, "reason": "unavailable"}
        to = shopper_email(tracker)
        if to is None:
            return {"sent": False, "reason": "no_email"}
        try:
            allowed = await self._limiter.hit(PER_CONVERSATION, "conversation", sender_id)
            if not (allowed and await self._limiter.hit(PER_ADDRESS, "to", to.lower())):
                return {"sent": False, "reason": "limited"}
        except LimitsUnavailable as error:
            # Not sent uncounted: the desk's SMTP must not become a way to flood someone's inbox.
            log.warning("transcript not sent: rate limits unavailable (%s)", error)
            return {"sent": False, "reason": "unavailable"}
        files = self._files
        link = (lambda file_id: files.public_link(sender_id, file_id)) if files is not None else (lambda _: None)
        message = transcript_message(transcript_until(tracker, float("inf")), to, self._smtp, link)
        try:
            await asyncio.to_thread(_send_email, message, self._smtp)
        except (OSError, smtplib.SMTPException) as error:
            log.warning("transcript not sent: %s", type(error).__name__)  # no address in the log
            return {"sent": False, "reason": "unavailable"}
        return {"sent": True}
