"""The ``orders:`` section of assistant.yml, with paths and overrides resolved."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kb_index.settings import load_raw_settings


@dataclass(frozen=True)
class OrderSettings:
    lookup: dict[str, Any]
    max_failed_attempts: int
    per_conversation: str
    per_sender: str
    storage_uri: str


def load_order_settings() -> OrderSettings:
    raw, base = load_raw_settings()
    orders = raw["orders"]
    lookup = dict(orders["lookup"])
    if lookup.get("backend") == "sqlite":
        lookup["path"] = str((base / os.environ.get("ORDER_DB", lookup["path"])).resolve())
    limits = orders.get("rate_limits", {})
    return OrderSettings(
        lookup=lookup,
        max_failed_attempts=int(orders.get("max_failed_attempts", 3)),
        per_conversation=limits.get("per_conversation", "10/minute"),
        per_sender=limits.get("per_sender", "30/hour"),
        storage_uri=limits.get("storage_uri", "memory://"),
    )
