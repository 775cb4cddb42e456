"""The desk's calls to Rasa's HTTP API (docs/handoff.md, "Desk -> Rasa").

How a conversation id travels in those URLs (measured against Rasa 3.6.21 / Sanic 21.12,
``tests/security/test_sender_ids.py``): Sanic matches ``/conversations/<conversation_id:path>/...``
on the raw request path and never percent-decodes the parameter, so ``zo%C3%AB-1`` reaches Rasa
as those ten characters, another conversation. Its URL parser (httptools) refuses every byte
outside printable ASCII, a space splits the request line, ``?`` and ``#`` end the path. So the id
goes into the path exactly as it is, and an id with any other character cannot be addressed
through the API at all: the desk refuses it (:class:`UnroutableSenderId`) instead of reading or
writing somebody else's conversation, and the channels refuse such ids when a shopper connects.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from yarl import URL

TIMEOUT = aiohttp.ClientTimeout(total=10)
HANDOFF_ENDED_INTENT = "handoff_ended"
REQUEST_HUMAN_INTENT = "request_human"
# Printable ASCII (U+0021..U+007E) except the two characters that end a URL path.
ROUTABLE_SENDER_ID = re.compile(r'[!"$->@-~]+')
_ABOUT_CHARACTER = (
    (" ", "a space"),
    ("?", "'?'"),
    ("#", "'#'"),
)


class RasaError(Exception):
    """Rasa could not be reached or refused the call."""


class UnroutableSenderId(RasaError):
    """The conversation id has characters Rasa's HTTP API cannot carry in its URLs."""


def unroutable_reason(sender_id: str) -> str | None:
    """Why Rasa's HTTP API cannot address this conversation, without repeating the id; None if it can."""
    if ROUTABLE_SENDER_ID.fullmatch(sender_id):
        return None
    if not sender_id:
        return "the conversation id is empty"
    found = [about for character, about in _ABOUT_CHARACTER if character in sender_id]
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in sender_id):
        found.append("a control character")
    if any(ord(c) > 0x7F for c in sender_id):
        found.append("a non-ASCII character")
    return "the conversation id contains " + ", ".join(found)


TYPING_TIMEOUT = aiohttp.ClientTimeout(total=2)


class RasaClient:
    """``channel_token``: the bot token the socket.io channel takes from the desk (bot/channels/desk_link.py)."""

    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession, channel_token: str | None = None):
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._session = session
        self._channel_token = channel_token

    def _url(self, sender_id: str, path: str) -> URL:
        reason = unroutable_reason(sender_id)
        if reason is not None:
            raise UnroutableSenderId(f"Rasa's HTTP API cannot address this conversation: {reason}")
        # encoded=True: sent as is, because Rasa would not decode an escape (see the module docstring).
        return URL(f"{self._base_url}/conversations/{sender_id}/{path}", encoded=True)

    async def _request(
        self,
        method: str,
        sender_id: str,
        path: str,
        params: dict[str, str],
        body: Any = None,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ) -> Any:
        url = self._url(sender_id, path)
        # The id is left out of the message: errors end up in logs, and ids can be phone numbers.
        what = f"{method} /conversations/…/{path}"
        try:
            async with self._session.request(
                method, url, params={**params, "token": self._token}, json=body, timeout=timeout
            ) as response:
                if response.status >= 400:
                    raise RasaError(f"{what} answered {response.status}")
                return await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise RasaError(f"{what} failed: {type(error).__name__}") from error

    async def tracker(self, sender_id: str, timeout: aiohttp.ClientTimeout = TIMEOUT) -> dict[str, Any]:
        return await self._request("GET", sender_id, "tracker", {}, timeout=timeout)

    async def send_agent_reply(self, sender_id: str, agent_name: str, text: str) -> None:
        """Append the reply as a bot event; Rasa delivers it on the channel the shopper last wrote from."""
        event = {"event": "bot", "text": f"{agent_name}: {text}", "metadata": {"from_agent": True, "agent_name": agent_name}}
        # include_events=NONE: Rasa answers with the conversation's state, not all its events (unread here).
        params = {"output_channel": "latest", "execute_side_effects": "true", "include_events": "NONE"}
        await self._request("POST", sender_id, "tracker/events", params, event)

    async def send_agent_file(self, sender_id: str, agent_name: str, label: str, attachment: dict[str, Any]) -> None:
        """Append an agent's file as a bot event with the attachment (the widget shows it, the label stays in the tracker)."""
        event = {"event": "bot", "text": None, "data": {"attachment": attachment},
                 "metadata": {"from_agent": True, "agent_name": agent_name, "label": f"{agent_name}: {label}"}}
        params = {"output_channel": "latest", "execute_side_effects": "true"}
        await self._request("POST", sender_id, "tracker/events", params, event)

    async def hand_back_to_bot(self, sender_id: str) -> None:
        """Resume the conversation and let the bot continue (thanks, then the rating question).

        While paused Rasa logs the shopper's messages without closing their turn; the
        ``action_listen`` closes it, so the triggered intent starts a turn of its own and
        the rules see "handoff_ended" after a listen, as they were trained (without it
        Rasa falls back and may hand off again).
        """
        resume = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        await self._request("POST", sender_id, "tracker/events", {}, resume)
        trigger = {"name": HANDOFF_ENDED_INTENT}
        await self._request("POST", sender_id, "trigger_intent", {"output_channel": "latest"}, trigger)

    async def offer_ticket(self, sender_id: str) -> None:
        """Resume the conversation and ask the bot for a person again: with the team closed it offers a ticket."""
        resume = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        await self._request("POST", sender_id, "tracker/events", {}, resume)
        await self._request("POST", sender_id, "trigger_intent", {"output_channel": "latest"}, {"name": REQUEST_HUMAN_INTENT})

    async def agent_typing(self, sender_id: str, agent_name: str, typing: bool) -> None:
        """Tell the widget an agent is (no longer) typing: the socket.io channel's own route, not Rasa's HTTP API."""
        if not self._channel_token:
            raise RasaError("no bot token to reach the socket.io channel with")
        url = f"{self._base_url}/webhooks/socketio/typing"
        body = {"sender_id": sender_id, "agent_name": agent_name, "typing": typing}
        headers = {"Authorization": f"Bearer {self._channel_token}"}
        try:
            async with self._session.post(url, json=body, headers=headers, timeout=TYPING_TIMEOUT) as response:
                if response.status >= 400:
                    raise RasaError(f"POST /webhooks/socketio/typing answered {response.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaError(f"POST /webhooks/socketio/typing failed: {type(error).__name__}") from error
