"""Telling the action servers that a KB version went live, so that they load it now.

Each action server also looks at the index's ``live`` link every ``kb.reload_interval_seconds``;
the push only saves that wait. So a push that fails (a replica down, restarting, unreachable) is
logged and never fails the publish: that replica picks the version up at its next look.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from kb_index.settings import KBSettings

log = logging.getLogger(__name__)
# The action servers' shared secret (actions/security.py re-exports it): the Rasa server and a publisher send it.
TOKEN_ENV = "ACTION_SERVER_TOKEN"
# A reload loads the new version before answering (about a second for 1,000 articles); a replica
# that takes longer is left to its poll rather than holding the publish up.
TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class PushResult:
    reloaded: int  # action servers that answered with the version now live
    failed: int


def _reload(url: str, token: str) -> str | None:
    """One action server's answer: the version it now serves."""
    answer = httpx.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_SECONDS)
    answer.raise_for_status()
    return answer.json().get("live")


def _reload_or_log(url: str, token: str, version: str) -> bool:
    try:
        live = _reload(url, token)
    except (httpx.HTTPError, ValueError) as error:  # the poll is the fallback; the error names no shopper
        log.warning("KB reload push to %s failed (%s); it will load %s at its next poll", url, type(error).__name__, version)
        return False
    if live != version:  # e.g. the version failed to load there: it logs why and keeps its previous one
        log.warning("KB reload push to %s answered version %s, not %s", url, live, version)
        return False
    return True


def push_reload(settings: KBSettings, version: str) -> PushResult:
    """Ask every action server in ``kb.reload_urls`` to load ``version`` now, all at once."""
    urls = settings.reload_urls
    if not urls:
        return PushResult(0, 0)
    token = os.environ.get(TOKEN_ENV, "")
    with ThreadPoolExecutor(max_workers=len(urls), thread_name_prefix="kb-push") as pool:
        outcomes = list(pool.map(lambda url: _reload_or_log(url, token, version), urls))
    return PushResult(sum(outcomes), len(outcomes) - sum(outcomes))
