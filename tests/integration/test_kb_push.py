"""A publish over HTTP is pushed to the action servers: the next shopper question gets the new text at once,
although the action server would not look at the index for another ten minutes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kb_index.settings import RELOAD_PATH
from kb_index.store import IndexStore
from tests.integration.test_kb_publish import NEW, OLD, QUESTION
from tests.support.processes import Service, free_port
from tests.support.stack import Stack, start_stack

PUBLISH_TOKEN = "kb-push-publish-token"


@dataclass
class Pushed:
    stack: Stack
    publisher_url: str


@pytest.fixture(scope="module")
def pushed(kb_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushed]:
    kb = {"KB_ARTICLES_DIR": str(kb_copy / "kb"), "KB_INDEX_DIR": str(kb_copy / "index")}
    # The action server's own look at the index is 10 minutes away: only the push can explain a new answer.
    stack = start_stack(tmp_path_factory.mktemp("stack"), kb | {"KB_RELOAD_INTERVAL_SECONDS": "600"})
    port = free_port()
    publisher = Service(
        f"kb-push-publisher-{port}", [sys.executable, "-m", "kb_index", "serve", "--port", str(port)],
        kb | {
            "KB_PUBLISH_TOKEN": PUBLISH_TOKEN,
            "ACTION_SERVER_TOKEN": stack.env["ACTION_SERVER_TOKEN"],
            "KB_RELOAD_URLS": f"{stack.action_url}{RELOAD_PATH}",
        },
    )
    url = f"http://127.0.0.1:{port}"
    try:
        publisher.wait_until(lambda: httpx.get(f"{url}/health", timeout=2).status_code == 200, 120)
        yield Pushed(stack, url)
    finally:
        publisher.stop()
        stack.stop()


def reload(stack: Stack, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{stack.action_url}{RELOAD_PATH}", headers=headers, timeout=60)


def test_the_reload_route_answers_only_callers_with_the_action_server_token(pushed: Pushed, kb_copy: Path):
    assert reload(pushed.stack, {}).status_code == 401
    assert reload(pushed.stack, {"Authorization": "Bearer not-the-token"}).status_code == 403
    answer = reload(pushed.stack, {"Authorization": f"Bearer {pushed.stack.env['ACTION_SERVER_TOKEN']}"})
    assert answer.status_code == 200
    assert answer.json() == {"live": IndexStore(kb_copy / "index").live_version()}


def test_a_published_change_is_answered_by_the_next_question(pushed: Pushed, kb_copy: Path):
    sender = "kb-push-shopper"
    assert pushed.stack.send(sender, QUESTION)[0]["text"].startswith(OLD)
    article = kb_copy / "kb" / "en" / "gift-cards.md"
    article.write_text(article.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")

    published = httpx.post(f"{pushed.publisher_url}/publish", headers={"Authorization": f"Bearer {PUBLISH_TOKEN}"}, timeout=600)
    assert published.status_code == 200, published.text
    assert published.json()["pushed"] == {"reloaded": 1, "failed": 0}

    assert pushed.stack.send(sender, QUESTION)[0]["text"].startswith(NEW)
