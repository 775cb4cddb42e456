"""HTTP and parsing helpers shared by the web-shop backends."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import httpx

from orders.backends.base import BackendError


async def get_json(
    url: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> Any | None:
    """GET ``url`` and decode its JSON body; None when the shop says 404."""
    try:
        # A client per lookup: lookups are rare (a few per conversation), and
        # this avoids a pooled client bound to one event loop and a close()
        # the dialogue layer would have to remember.
        # Redirects are not followed because httpx keeps custom headers such
        # as X-Shopify-Access-Token on a redirect to another host.
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.get(url, headers=headers, params=params, auth=auth)
    except httpx.TimeoutException:
        raise BackendError(f"no answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise BackendError(f"shop unreachable ({type(exc).__name__})") from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise BackendError(f"shop answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise BackendError("shop sent a body that is not JSON") from None


def parse_datetime(value: Any) -> datetime:
    """ISO 8601 timestamp to an aware datetime; naive values are taken as UTC."""
    if not isinstance(value, str):
        raise BackendError("timestamp missing or not text")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BackendError("timestamp not in ISO 8601 form") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    """ISO date or timestamp to a date; None/empty means "not known"."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise BackendError("date not in ISO 8601 form") from None
    return parse_datetime(value).date()


def text(value: Any) -> str:
    """A JSON scalar as stripped text; missing values become ""."""
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    raise BackendError("expected a text field, got a structure")


def obj(value: Any) -> dict[str, Any]:
    """A JSON object field; missing becomes {}, anything else is garbage."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BackendError("expected an object in the response")
    return value


def objects(value: Any) -> list[dict[str, Any]]:
    """A JSON list-of-objects field; missing becomes [], anything else is garbage."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BackendError("expected a list of objects in the response")
    return value
