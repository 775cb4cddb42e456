"""The action server's secrets: which environment variables hold them, and the dev profile.

Outside ``ASSISTANT_PROFILE=dev`` both must be set (actions.server refuses to start otherwise);
``scripts/run_env.sh`` generates them for ``make run``.
"""

from __future__ import annotations

import logging
import os
import secrets

# ACTION_SERVER_TOKEN: sent by the Rasa server on every call (endpoints.yml) and by a KB publisher
# (defined there, which must not load the actions package), checked by actions.server.
from kb_index.push import TOKEN_ENV as TOKEN_ENV

log = logging.getLogger(__name__)

PROFILE_ENV = "ASSISTANT_PROFILE"
DEV_PROFILE = "dev"
# Signs the proof that a conversation verified an order. Only the action servers hold it (not
# Rasa, not the desk: they can write slots), and every action server must hold the same one.
VERIFICATION_KEY_ENV = "ORDER_VERIFICATION_KEY"


def is_dev_profile() -> bool:
    return os.environ.get(PROFILE_ENV) == DEV_PROFILE


def verification_key() -> bytes:
    """The key from the environment; on a developer's machine without one, a key for this process only."""
    key = os.environ.get(VERIFICATION_KEY_ENV)
    if key:
        return key.encode()
    if not is_dev_profile():
        raise RuntimeError(f"{VERIFICATION_KEY_ENV} is not set")
    log.warning("%s is not set (%s profile): verified orders are forgotten when this action server stops",
                VERIFICATION_KEY_ENV, DEV_PROFILE)
    return secrets.token_bytes(32)
