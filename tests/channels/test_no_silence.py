"""A messenger shopper whose turn the action server cannot answer gets the apology, not silence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from tests.channels.conftest import TELEGRAM_SECRET
from tests.channels.telegram_chat import TelegramChat
from tests.desk.agent_client import wait_for
from tests.fakes.fake_telegram import FakeTelegram
from tests.support.processes import REPO_ROOT
from tests.support.stack import Stack, start_stack
from tests.support.threaded_server import serve_in_thread

SUPPORT_EMAIL = yaml.safe_load((REPO_ROOT / "assistant.yml").read_text(encoding="utf-8"))["support_email"]


@pytest.fixture(scope="module")
def telegram_without_actions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, FakeTelegram]]:
    telegram = FakeTelegram()
    with serve_in_thread(telegram.app) as telegram_url:
        env = {"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
               "TELEGRAM_API_URL": telegram_url}
        stack = start_stack(tmp_path_factory.mktemp("no-silence"), env)
        try:
            next(s for s in stack.services if s.name.startswith("actions-")).stop()
            yield stack, telegram
        finally:
            stack.stop()


def test_a_telegram_question_with_the_action_server_down_gets_the_apology_and_the_support_address(telegram_without_actions):
    stack, telegram = telegram_without_actions
    chat = TelegramChat(stack, telegram, TELEGRAM_SECRET)
    assert chat.post(chat.message_update("how long does delivery take?")).status_code == 200
    replies = wait_for("the apology on Telegram", chat.texts, 90)
    assert len(replies) == 1
    assert SUPPORT_EMAIL in replies[0]
