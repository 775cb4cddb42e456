"""What every input channel checks before a message reaches Rasa: the sender id and the metadata.

The sender id names the conversation everywhere: in the tracker store, in the desk, and in the
URLs of Rasa's HTTP API (``/conversations/<id>/...``) through which the desk reads transcripts
and delivers agents' replies. Rasa does not unescape those paths, so an id with a space, ``/``,
``%``, ``?``, ``#`` or a non-ASCII letter would not round-trip: the desk would read another (or
an empty) conversation. Channels therefore refuse such ids instead of escaping them. The
alphabet still takes what connectors and clients use as ids: messenger user ids, e-mail
addresses, uuids. The first character is a letter or digit, so no id is ``.``/``..`` (a path
step) or looks like a command-line option.

On REST the sender id is the only thing that keeps one shopper's conversation from another's
(docs/security.md): clients must make it unguessable, as the widget does.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

MAX_SENDER_ID_CHARS = 128
SENDER_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:@+-]{{0,{MAX_SENDER_ID_CHARS - 1}}}")
SENDER_ID_RULE = (
    f"1 to {MAX_SENDER_ID_CHARS} characters of A-Z, a-z, 0-9 and . _ : @ + -, starting with a letter or digit"
)
# Comma-separated origins of the shop's pages (https://shop.example), the only sites whose
# browsers may talk to the chat channels from another origin.
SHOP_ORIGINS_ENV = "SHOP_ORIGINS"


def sender_id_problem(sender_id: Any) -> str | None:
    """Why ``sender_id`` cannot name a conversation, or None when it can."""
    if isinstance(sender_id, str) and SENDER_ID.fullmatch(sender_id):
        return None
    return f"the sender id must be {SENDER_ID_RULE}"


def oversized_metadata(metadata: dict[str, Any], max_bytes: int) -> str | None:
    """Why ``metadata`` is too big to go into the tracker and the event broker, or None."""
    size = len(json.dumps(metadata, ensure_ascii=False).encode("utf-8"))
    return f"'metadata' has {size} bytes; the limit is {max_bytes}" if size > max_bytes else None


def shop_origins() -> list[str]:
    """The configured shop origins (env SHOP_ORIGINS), without trailing slashes."""
    raw = os.environ.get(SHOP_ORIGINS_ENV, "")
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]
