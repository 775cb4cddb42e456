"""An editor publishes an article change while a shopper is chatting: the running bot answers with the new
text within seconds, without a restart and without a failed turn."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import REPO_ROOT
from tests.support.stack import Stack, start_stack

QUESTION = "do you sell gift cards?"
OLD = "You can buy e-gift cards from €20 to €500"
NEW = "You can buy e-gift cards from €25 to €750"


@pytest.fixture(scope="module")
def publish_stack(kb_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"KB_ARTICLES_DIR": str(kb_copy / "kb"), "KB_INDEX_DIR": str(kb_copy / "index")}
    running = start_stack(tmp_path_factory.mktemp("stack"), env)
    yield running
    running.stop()


class Conversation(threading.Thread):
    """One shopper asking the same question again and again, recording every turn."""

    def __init__(self, stack: Stack):
        super().__init__(daemon=True)
        self.stack = stack
        self.sender = f"kb-publish-{uuid.uuid4().hex[:8]}"
        self.turns: list[tuple[float, str]] = []  # (when the reply arrived, its text)
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set() and len(self.turns) < 500:
            try:
                messages = self.stack.send(self.sender, QUESTION)
                self.turns.append((time.monotonic(), messages[0]["text"] if messages else ""))
            except Exception as exc:  # any failed request is what this test is looking for
                self.failures.append(repr(exc))


def test_a_published_change_reaches_the_running_bot_within_5_s_without_a_failed_turn(publish_stack: Stack, kb_copy: Path):
    article = kb_copy / "kb" / "en" / "gift-cards.md"
    assert OLD in article.read_text(encoding="utf-8")
    conversation = Conversation(publish_stack)
    conversation.start()
    while len(conversation.turns) < 3 and conversation.is_alive():
        time.sleep(0.1)

    article.write_text(article.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    env = {**os.environ, "KB_ARTICLES_DIR": str(kb_copy / "kb"), "KB_INDEX_DIR": str(kb_copy / "index")}
    built = subprocess.run([sys.executable, "-m", "kb_index", "build"], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    published_at = time.monotonic()
    assert built.returncode == 0 and "published" in built.stdout, built.stderr

    deadline = published_at + 30
    while time.monotonic() < deadline and not any(text.startswith(NEW) for _, text in conversation.turns):
        time.sleep(0.1)
    time.sleep(1)  # a few more turns on the new version
    conversation.stop.set()
    conversation.join(timeout=60)

    assert conversation.failures == []
    texts = [text for _, text in conversation.turns]
    assert all(text.startswith((OLD, NEW)) for text in texts), [t[:60] for t in texts if not t.startswith((OLD, NEW))]
    first_new = next(when for when, text in conversation.turns if text.startswith(NEW))
    assert first_new - published_at < 5, f"new answer after {first_new - published_at:.1f} s"
    # Once switched, the bot never falls back to the old text.
    switched = [text.startswith(NEW) for text in texts]
    assert switched == sorted(switched)
