"""An agent answers an offline ticket from the desk: by e-mail to the shopper (SMTP, ``desk.smtp``), recorded on the ticket."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.agents import Agent
from desk.db import agents, ticket_replies
from desk.settings import SmtpSettings

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 10


class ReplyNotSent(Exception):
    """The e-mail could not be handed to the mail server; nothing was recorded."""


def reply_email(ticket: dict[str, Any], agent: Agent, text: str, smtp: SmtpSettings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"Re: your question [{ticket['id']}]"
    message["From"] = smtp.sender
    message["To"] = ticket["email"]  # checked to be one address, no spaces or line breaks, when the ticket was made
    message["Reply-To"] = smtp.to
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    message.set_content(f"{text}\n\n{agent.display_name}\nCustomer service (ticket {ticket['id']})\n")
    return message


def _send(message: EmailMessage, smtp: SmtpSettings) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS) as client:
        client.send_message(message)


async def reply_to_ticket(
    engine: AsyncEngine, smtp: SmtpSettings | None, ticket: dict[str, Any], agent: Agent, text: str, now: datetime
) -> int:
    """Send the reply, then record it; raises ReplyNotSent (and records nothing) when it could not be sent."""
    if smtp is None:
        raise ReplyNotSent("e-mail is not set up for the desk (desk.smtp in assistant.yml)")
    try:
        await asyncio.to_thread(_send, reply_email(ticket, agent, text, smtp), smtp)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("ticket %s: reply not sent (%s)", ticket["id"], type(error).__name__)
        raise ReplyNotSent("the mail server did not take the e-mail; try again in a moment") from error
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(ticket_replies).values(ticket_id=ticket["id"], agent_id=agent.id, text=text, created_at=now)
        )
    log.info("ticket %s: answered by agent %s", ticket["id"], agent.id)
    return int(result.inserted_primary_key[0])


async def replies_for(engine: AsyncEngine, ticket_id: str) -> list[dict[str, Any]]:
    query = (
        select(ticket_replies, agents.c.display_name.label("agent_name"))
        .select_from(ticket_replies.join(agents, agents.c.id == ticket_replies.c.agent_id))
        .where(ticket_replies.c.ticket_id == ticket_id)
        .order_by(ticket_replies.c.id)
    )
    async with engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(query)).mappings()]
