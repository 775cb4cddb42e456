"""The action server's side of the bot → desk API (docs/handoff.md)."""

from __future__ import annotations

import logging
import os
from typing import Any

import httpx

from kb_index.settings import load_raw_settings

log = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(3.0)


class DeskClient:
    def __init__(self, url: str, token: str):
        self._url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}

    @classmethod
    def from_settings(cls) -> DeskClient:
        raw, _ = load_raw_settings()
        return cls(os.environ.get("DESK_URL", raw["desk"]["url"]), os.environ.get("DESK_BOT_TOKEN", ""))

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The desk's JSON answer, or None when it cannot be reached (the bot then works offline)."""
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                response = await client.request(method, self._url + path, json=body, headers=self._headers)
                response.raise_for_status()
                return response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("desk %s %s failed: %s", method, path, type(error).__name__)
            return None

    async def availability(self) -> dict[str, Any] | None:
        return await self._call("GET", "/api/bot/availability")

    async def create_ticket(self, ticket: dict[str, Any]) -> dict[str, Any] | None:
        return await self._call("POST", "/api/bot/tickets", ticket)

    async def store_rating(self, rating: dict[str, Any]) -> bool:
        return await self._call("POST", "/api/bot/csat", rating) is not None
