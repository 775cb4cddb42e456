"""Fixtures: a seeded demo database and the three fake shop APIs.

The fake servers run in each test's own event loop (loop_scope="function"):
a server started in a longer-lived loop would never answer a test's
requests, because that loop is not running while the test runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from orders.demo_shop import DEMO_ORDERS, ensure_demo_db
from tests.fakes import fake_rest_shop, fake_shopify, fake_woocommerce
from tests.fakes.server import FakeServer


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    ensure_demo_db(path)
    return path


@pytest_asyncio.fixture(loop_scope="function")
async def shopify_server() -> AsyncIterator[FakeServer]:
    orders = [fake_shopify.shopify_order(o) for o in DEMO_ORDERS]
    async with FakeServer(fake_shopify.make_app([*orders, fake_shopify.SAMPLE_ORDER])) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="function")
async def woocommerce_server() -> AsyncIterator[FakeServer]:
    orders = [fake_woocommerce.woocommerce_order(o) for o in DEMO_ORDERS]
    app = fake_woocommerce.make_app([*orders, fake_woocommerce.SAMPLE_ORDER])
    async with FakeServer(app) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="function")
async def rest_server() -> AsyncIterator[FakeServer]:
    app = fake_rest_shop.make_app([fake_rest_shop.rest_order(o) for o in DEMO_ORDERS])
    async with FakeServer(app) as server:
        yield server


@pytest.fixture
def shopify_config(shopify_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("TEST_SHOPIFY_TOKEN", fake_shopify.TOKEN)
    return {
        "backend": "shopify",
        "shop_url": shopify_server.url,
        "token_env": "TEST_SHOPIFY_TOKEN",
        "api_version": "2025-07",
    }


@pytest.fixture
def woocommerce_config(woocommerce_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("TEST_WC_KEY", fake_woocommerce.CONSUMER_KEY)
    monkeypatch.setenv("TEST_WC_SECRET", fake_woocommerce.CONSUMER_SECRET)
    return {
        "backend": "woocommerce",
        "site_url": woocommerce_server.url,
        "key_env": "TEST_WC_KEY",
        "secret_env": "TEST_WC_SECRET",
    }


@pytest.fixture
def rest_config(rest_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv(fake_rest_shop.API_KEY_ENV, fake_rest_shop.API_KEY)
    return fake_rest_shop.backend_config(rest_server.url)
