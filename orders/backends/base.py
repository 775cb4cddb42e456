"""The one interface the assistant uses to look orders up.

Like Rasa's channel connectors, each shop system gets one small module with a
subclass of :class:`OrderBackend`, built from its config block by
``from_config``. The base class owns what must hold for every backend: the
total time budget, the check on the order number and the rule that any
failure surfaces as :class:`BackendError` without personal data in it.
"""

from __future__ import annotations

import asyncio
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from orders.model import Order

DEFAULT_TIMEOUT = 2.0

# Order numbers end up in URLs and search filters; anything outside this
# shape cannot be an order, so it is answered with "no such order" before a
# request is made (no path tricks like "../customers").
_ORDER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")


class BackendError(Exception):
    """The shop could not answer: timeout, server error or unreadable data.

    Messages name the backend and the kind of failure only, never an e-mail,
    address or response body, because they end up in logs.
    """


class OrderBackend(ABC):
    """Looks up one order by number; subclasses implement :meth:`_fetch`."""

    name: ClassVar[str]

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if timeout <= 0:
            raise ValueError(f"{self.name} backend: timeout must be positive")
        self.timeout = timeout

    @classmethod
    @abstractmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """Build the backend from its config block (raises ValueError)."""

    async def fetch(self, number: str) -> Order | None:
        """Return the order, or None if the shop has no such order.

        Raises BackendError if the shop does not answer usefully within the
        time budget.
        """
        if not _ORDER_NUMBER.fullmatch(number):
            return None
        try:
            # One deadline for the whole lookup: per-operation HTTP timeouts
            # alone let a server that trickles bytes hold the bot for ever.
            async with asyncio.timeout(self.timeout):
                return await self._fetch(number)
        except BackendError as exc:
            raise BackendError(f"{self.name}: {exc}") from None
        except TimeoutError:
            raise BackendError(f"{self.name}: no answer within {self.timeout:g} s") from None
        except Exception as exc:
            # `from None` keeps the original exception (which may quote the
            # response or a URL) out of tracebacks that reach the logs.
            raise BackendError(f"{self.name}: lookup failed ({type(exc).__name__})") from None

    @abstractmethod
    async def _fetch(self, number: str) -> Order | None:
        """Look the order up; any exception becomes BackendError."""


def require(config: Mapping[str, Any], key: str, backend: str) -> str:
    """A non-empty string setting, or ValueError naming what is missing."""
    value = config.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{backend} backend needs the setting '{key}'")
    return value.strip()


def secret_from_env(config: Mapping[str, Any], key: str, backend: str) -> str:
    """Read a secret from the environment variable named by ``config[key]``.

    Config files get committed and shared; only the variable's name lives
    there, the value stays in the deployment's environment.
    """
    variable = require(config, key, backend)
    value = os.environ.get(variable, "")
    if not value:
        raise ValueError(f"{backend} backend: environment variable {variable} (named by '{key}') is not set")
    return value


def timeout_from(config: Mapping[str, Any]) -> float:
    """The total time budget in seconds, ``timeout`` key, default 2.0."""
    value = config.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("'timeout' must be a number of seconds")
    return float(value)
