"""The customer's other conversations, on any channel: the card in a conversation's view and each transcript.

Pages for signed-in agents only (desk.auth lets no other request through).
"""

from __future__ import annotations

from aiohttp import web

from customers import Conversation
from desk.auth import current_agent
from desk.context import desk_of
from desk.views.render import render

OUTCOME_LABELS = {
    "open": "No answer yet",
    "answered": "Answered by the bot",
    "order": "Order status given",
    "handoff": "Handed to a person",
}


def summary(conversation: Conversation) -> dict:
    return {
        "id": conversation.id,
        "channel": conversation.channel or "unknown",
        "started_at": conversation.started_at,
        "first_question": conversation.first_question,
        "outcome": OUTCOME_LABELS.get(conversation.outcome, conversation.outcome),
    }


async def other_conversations(request: web.Request, handoff: dict) -> list[dict]:
    """What the conversation view lists: the handoff's customer's other conversations, newest first."""
    customers = desk_of(request).customers
    current = await customers.conversation_at(handoff["sender_id"], handoff["created_at"])
    return [summary(c) for c in await customers.other_conversations(current)] if current else []


async def transcript_page(request: web.Request) -> web.Response:
    customers = desk_of(request).customers
    try:
        conversation = await customers.get(int(request.match_info["conversation_id"]))
    except ValueError as error:
        raise web.HTTPNotFound() from error
    if conversation is None:
        raise web.HTTPNotFound()
    return await render(
        request,
        "customer_conversation.html",
        agent=current_agent(request),
        conversation=summary(conversation),
        sender_id=conversation.sender_id,
        lines=await customers.transcript(conversation.id),
        others=[summary(c) for c in await customers.other_conversations(conversation)],
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/customers/conversations/{conversation_id}", transcript_page)
