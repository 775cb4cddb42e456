from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, start_stack


def pytest_configure(config: pytest.Config) -> None:
    # aiohttp-session 2.12 keeps its state under plain string keys; aiohttp warns on every request.
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web_exceptions.NotAppKeyWarning:aiohttp_session")


@pytest.fixture(scope="session")
def shipped_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack with the shipped limits of assistant.yml and no proxy trusted."""
    running = start_stack(tmp_path_factory.mktemp("shipped-limits"))
    yield running
    running.stop()
