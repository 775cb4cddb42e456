"""Fixtures shared by the unit tests that need a real service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.infra import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server of the module's own, on a free port."""
    redis = redis_server(tmp_path_factory.mktemp("redis"))
    redis.start()
    try:
        yield f"redis://127.0.0.1:{redis.port}/0"
    finally:
        redis.stop()
