"""What an agent (or the shopper) does to a handoff that involves both the desk database and Rasa."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from desk import handoffs
from desk.agents import Agent
from desk.attachments import (
    AttachmentRefused,
    AttachmentRules,
    delete_attachment,
    describe,
    insert_unlinked,
    new_attachment,
    reattach,
)
from desk.rasa_client import RasaClient
from desk.transcript import Line

log = logging.getLogger(__name__)


async def reply_as_agent(engine: AsyncEngine, rasa: RasaClient, handoff: dict, agent: Agent, text: str, now: datetime) -> int:
    """Deliver the reply through Rasa first, then add it to the transcript; returns the message id.

    Raises RasaError when Rasa did not take it, so the agent sees it was not sent.
    """
    await rasa.send_agent_reply(handoff["sender_id"], agent.display_name, text)
    async with engine.begin() as connection:
        return await handoffs.append_message(connection, handoff["id"], Line("agent", text, now, agent.display_name), agent.id)


# Channels whose connector fetches an agent's file with the shopper's token (the widget); a messenger's
# connector hands the platform the file's public address (rules.public_link) to fetch it from.
FILE_CHANNELS = frozenset({"socketio"})


def can_send_files(rules: AttachmentRules, channel: str) -> bool:
    return channel in FILE_CHANNELS or bool(rules.settings.public_url)


async def send_agent_file(engine: AsyncEngine, rasa: RasaClient, rules: AttachmentRules, handoff: dict, agent: Agent,
                          name: str | None, data: bytes, now: datetime) -> dict:
    """Keep an agent's image or PDF, deliver it through Rasa, then add it to the transcript; the message with its file.

    The file is stored before it is delivered: the widget (or a messenger platform fetching the link)
    asks for it as soon as the message arrives. A messenger gets the platform's own media message
    (bot/channels/messaging.py: PlatformOutput.send_attachment), which needs ``attachments.public_url``.
    Raises AttachmentRefused for a file the rules do not take and RasaError when Rasa did not take it;
    either way nothing is kept, as for a text reply.
    """
    messenger = handoff["channel"] not in FILE_CHANNELS
    if messenger and not rules.settings.public_url:
        raise AttachmentRefused("channel", "set attachments.public_url (ATTACHMENTS_PUBLIC_URL) "
                                           "to send files to messenger conversations")
    row = new_attachment(rules, handoff["sender_id"], "file", name, data, now)
    label = f"[{row['kind']}] {row['filename']}"
    payload: dict = {"type": "image" if row["kind"] == "photo" else "file", "payload": describe(row)}
    if messenger:
        payload.update(link=rules.public_link(handoff["sender_id"], row["id"]),
                       caption=f"{agent.display_name}: {row['filename']}")
    else:
        payload["payload"]["token"] = rules.token(handoff["sender_id"])
    async with engine.begin() as connection:
        await insert_unlinked(connection, row)
    try:
        await rasa.send_agent_file(handoff["sender_id"], agent.display_name, label, payload)
    except BaseException:
        async with engine.begin() as connection:
            await delete_attachment(connection, row["id"])
        raise
    async with engine.begin() as connection:
        line = Line("agent", label, now, agent.display_name)
        message_id = await handoffs.append_message(connection, handoff["id"], line, agent.id)
        await reattach(connection, row["id"], message_id)
    return {"id": message_id, "role": "agent", "text": label, "author_name": agent.display_name, "created_at": now,
            "attachment": describe(row)}


async def end_handoff(engine: AsyncEngine, rasa: RasaClient, handoff: dict, ended_by: str, now: datetime) -> bool:
    """Hand the conversation back to the bot; False if it had ended already.

    The handoff is marked ended before Rasa is called, so an agent's click and the
    shopper's "thanks, that's all" arriving together resume the bot only once.
    Raises RasaError (with the handoff open again) when Rasa could not be told.
    """
    previous_status = await handoffs.mark_ended(engine, handoff["id"], ended_by, now)
    if previous_status is None:
        return False
    try:
        await rasa.hand_back_to_bot(handoff["sender_id"])
    except Exception:
        await handoffs.reopen(engine, handoff["id"], previous_status)
        raise
    log.info("handoff %s ended by %s", handoff["id"], ended_by)
    return True
