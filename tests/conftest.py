from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.infra import redis_server
from tests.support.stack import Stack, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real Rasa server and action server, with the published demo KB index."""
    # Every test sends from 127.0.0.1 and many fail order checks on purpose (probing, three
    # failures...): one shop's worth of shoppers behind one address. The per-address limits (order
    # checks, KB feedback) are raised here so they do not lock each other out; tests/security checks
    # the shipped ones.
    limits = {"ORDER_FAILED_CHECKS_PER_ADDRESS": "1000/hour", "KB_SIGNALS_PER_SHOPPER": "1000/hour"}
    running = start_stack(tmp_path_factory.mktemp("stack"), limits)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server of the module's own, on a free port."""
    redis = redis_server(tmp_path_factory.mktemp("redis"))
    redis.start()
    try:
        yield f"redis://127.0.0.1:{redis.port}/0"
    finally:
        redis.stop()
