"""Without their environment variables the messenger channels are off and the rest runs (`make run` without secrets)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.stack import Stack


@pytest.mark.parametrize("channel", ["telegram", "whatsapp", "facebook", "instagram"])
def test_a_channel_without_its_secrets_has_no_webhook(stack: Stack, channel: str):
    response = httpx.post(f"{stack.rasa_url}/webhooks/{channel}/webhook", json={"update_id": 1}, timeout=30)
    assert response.status_code == 404
    assert stack.send(f"disabled-{channel}", "hello")[0]["text"].startswith("Hi!")
