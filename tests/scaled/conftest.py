from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.desk.test_handoff_e2e import project_config_always_open
from tests.support.scaled import Scaled, start_scaled


@pytest.fixture(scope="session")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    """The scaled profile, started once: PostgreSQL, Redis, RabbitMQ, 2 Rasa + 2 action servers behind HAProxy, the desk."""
    folder = tmp_path_factory.mktemp("scaled")
    running = start_scaled(folder, project_config_always_open(folder))
    try:
        yield running
    finally:
        running.stop()
