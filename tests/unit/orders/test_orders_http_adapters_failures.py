"""Failures every web-shop backend must turn into BackendError in time."""

import time

import pytest

from orders.backends import make_backend
from orders.backends.base import BackendError
from tests.fakes.server import DRIP, GARBAGE, HANG, SERVER_ERROR, WRONG_SHAPE

pytestmark = pytest.mark.asyncio


@pytest.fixture(params=["rest_config", "shopify_config", "woocommerce_config"])
def shop_config(request: pytest.FixtureRequest) -> dict:
    """Each web-shop backend's config, pointing at its running fake."""
    return dict(request.getfixturevalue(request.param))


@pytest.mark.parametrize("number", [SERVER_ERROR, GARBAGE, WRONG_SHAPE])
async def test_broken_answers_are_backend_errors(shop_config: dict, number: str) -> None:
    backend = make_backend(shop_config)
    with pytest.raises(BackendError) as error:
        await backend.fetch(number)
    assert backend.name in str(error.value)
    assert error.value.__cause__ is None  # no response body or URL in tracebacks


@pytest.mark.parametrize("number", [HANG, DRIP])
async def test_slow_shop_gives_up_within_the_budget(shop_config: dict, number: str) -> None:
    backend = make_backend(shop_config)  # default budget: 2 s
    started = time.monotonic()
    with pytest.raises(BackendError, match="within 2 s"):
        await backend.fetch(number)
    assert 1.5 < time.monotonic() - started < 2.5


async def test_wrong_credentials_are_a_backend_error(shop_config: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("auth_env", "token_env", "key_env"):
        if key in shop_config:
            monkeypatch.setenv(shop_config[key], "wrong")
    with pytest.raises(BackendError, match="401"):
        await make_backend(shop_config).fetch("100203")


async def test_unreachable_shop_is_a_backend_error(shop_config: dict) -> None:
    config = shop_config
    # Port 9 (discard) on loopback: nothing listens, so the connection is refused.
    for key in ("url_template", "shop_url", "site_url"):
        if key in config:
            config[key] = config[key].replace(config[key].split("/")[2], "127.0.0.1:9")
    started = time.monotonic()
    with pytest.raises(BackendError):
        await make_backend(config).fetch("100203")
    assert time.monotonic() - started < 2.5


async def test_error_messages_carry_no_personal_data(shop_config: dict) -> None:
    backend = make_backend(shop_config)
    for number in (SERVER_ERROR, GARBAGE, WRONG_SHAPE):
        with pytest.raises(BackendError) as error:
            await backend.fetch(number)
        assert "@" not in str(error.value)
        assert "Maintenance" not in str(error.value)
