from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real Rasa server and action server, with the published demo KB index."""
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()
