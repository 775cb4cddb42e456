import pytest


def pytest_configure(config: pytest.Config) -> None:
    # aiohttp-session 2.12 keeps its state under plain string keys; aiohttp warns on every request.
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web_exceptions.NotAppKeyWarning:aiohttp_session")
