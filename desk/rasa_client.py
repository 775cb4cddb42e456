"""The desk's calls to Rasa's HTTP API (docs/handoff.md, "Desk -> Rasa")."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=10)
HANDOFF_ENDED_INTENT = "handoff_ended"


class RasaError(Exception):
    """Rasa could not be reached or refused the call."""


class RasaClient:
    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession):
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._session = session

    def _url(self, sender_id: str, path: str) -> str:
        return f"{self._base_url}/conversations/{quote(sender_id, safe='')}/{path}"

    async def _request(self, method: str, url: str, params: dict[str, str], body: Any = None) -> Any:
        try:
            async with self._session.request(
                method, url, params={**params, "token": self._token}, json=body, timeout=TIMEOUT
            ) as response:
                if response.status >= 400:
                    raise RasaError(f"{method} {url.removeprefix(self._base_url)} answered {response.status}")
                return await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise RasaError(f"{method} {url.removeprefix(self._base_url)} failed: {type(error).__name__}") from error

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        return await self._request("GET", self._url(sender_id, "tracker"), {})

    async def send_agent_reply(self, sender_id: str, agent_name: str, text: str) -> None:
        """Append the reply as a bot event; Rasa delivers it on the channel the shopper last wrote from."""
        event = {"event": "bot", "text": f"{agent_name}: {text}", "metadata": {"from_agent": True, "agent_name": agent_name}}
        params = {"output_channel": "latest", "execute_side_effects": "true"}
        await self._request("POST", self._url(sender_id, "tracker/events"), params, event)

    async def hand_back_to_bot(self, sender_id: str) -> None:
        """Resume the conversation and let the bot continue (thanks, then the rating question).

        While paused Rasa logs the shopper's messages without closing their turn; the
        ``action_listen`` closes it, so the triggered intent starts a turn of its own and
        the rules see "handoff_ended" after a listen, as they were trained (without it
        Rasa falls back and may hand off again).
        """
        resume = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        await self._request("POST", self._url(sender_id, "tracker/events"), {}, resume)
        trigger = {"name": HANDOFF_ENDED_INTENT}
        await self._request("POST", self._url(sender_id, "trigger_intent"), {"output_channel": "latest"}, trigger)
