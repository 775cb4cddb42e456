"""The scaled profile's lock store (bot/lock_store.py) on a real Redis: a conversation's messages are
processed one at a time across replicas, and none waits for ever behind a replica that crashed."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.integration.test_kafka_broker import RASA_PYTHON
from tests.support.infra import redis_server
from tests.support.processes import REPO_ROOT

LIFETIME = 2.0  # tests/integration/lock_store_probe.py's ticket lifetime


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    redis = redis_server(tmp_path_factory.mktemp("redis"))
    redis.start()
    try:
        ran = subprocess.run(
            [str(RASA_PYTHON), "-m", "tests.integration.lock_store_probe", str(redis.port)], cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True, timeout=600,
        )
    finally:
        redis.stop()
    assert ran.returncode == 0, ran.stderr[-3000:]
    return {key: value for line in ran.stdout.splitlines() if line.startswith("{") for key, value in json.loads(line).items()}


def test_the_next_message_after_a_replica_crashed_holding_the_lock_is_served_once_its_ticket_expired(probed: dict):
    # Rasa's RedisLockStore never serves it: both tickets expire within one poll and the lock then
    # serves a number nobody holds (the shopper's turn hung until the client gave up, tests/scaled).
    waited = probed["after_a_crash"]["served_after_seconds"]
    assert waited is not None, "the message was never served"
    assert waited >= LIFETIME * 0.9, f"served after {waited:.1f} s, before the crashed replica's ticket expired"


def test_three_replicas_on_one_conversation_take_turns_and_leave_no_lock_behind(probed: dict):
    assert probed["three_replicas"] == {"served": 60, "overlaps": 0, "stuck": 0, "lock_left_behind": False}

