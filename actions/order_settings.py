"""The ``orders:`` section of assistant.yml, with paths and overrides resolved."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kb_index.settings import load_raw_settings

FAILED_CHECK_DEFAULTS = {"per_conversation": "3/hour", "per_order": "5/hour", "per_address": "20/hour", "overall": "1000/hour"}


@dataclass(frozen=True)
class OrderSettings:
    lookup: dict[str, Any]
    failed_checks: dict[str, str]  # FailedCheckLimits' keyword arguments
    verified_for_seconds: float
    remembered_for_seconds: float  # a verification re-used in the identity's later sessions; 0: never
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
    configured = {**FAILED_CHECK_DEFAULTS, **orders.get("failed_checks", {})}
    # ORDER_FAILED_CHECKS_PER_ADDRESS=... and so on tune a limit without editing the file.
    failed_checks = {key: os.environ.get(f"ORDER_FAILED_CHECKS_{key.upper()}", value) for key, value in configured.items()}
    return OrderSettings(
        lookup=lookup,
        failed_checks=failed_checks,
        verified_for_seconds=60 * float(orders.get("verified_for_minutes", 120)),
        remembered_for_seconds=3600 * float(
            os.environ.get("ORDER_REUSE_VERIFICATION_HOURS", orders.get("reuse_verification_hours", 12))),
        per_conversation=limits.get("per_conversation", "10/minute"),
        per_sender=limits.get("per_sender", "30/hour"),
        # Shared by every action server when it names one store (redis://...): then so are the counts.
        storage_uri=os.environ.get("ORDER_LIMITS_STORAGE", limits.get("storage_uri", "memory://")),
    )
