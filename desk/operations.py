"""What an agent (or the shopper) does to a handoff that involves both the desk database and Rasa."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from desk import handoffs
from desk.agents import Agent
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
