"""Two desk processes share one Redis for their rate limits: reaching the other desk resets nothing.

Each desk is a whole desk app (its own server, database and fake Rasa) in this test's process; the
limits' storage is a real redis-server, as in the scaled profile (deploy/scaled/run_env.sh).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from desk.agents import create_agent
from tests.desk.conftest import Harness, start_harness, stop_harness
from tests.desk.support import PASSWORD, page_csrf, sign_in
from tests.desk.test_attachment_serving import PNG, SHOPPER, upload
from tests.support.processes import free_port
from tests.support.threaded_server import hung_redis


@pytest_asyncio.fixture(loop_scope="function")
async def two_desks(tmp_path: Path, redis_url: str) -> AsyncIterator[tuple[Harness, Harness]]:
    desks = []
    for name in ("desk1", "desk2"):
        (tmp_path / name).mkdir()
        desks.append(await start_harness(tmp_path / name, env={"DESK_LIMITS_STORAGE": redis_url}))
    try:
        for desk in desks:
            await create_agent(desk.desk.engine, "anna", "Anna", PASSWORD, desk.clock())
        yield desks[0], desks[1]
    finally:
        for desk in desks:
            await stop_harness(desk)


async def test_failed_sign_ins_spread_over_two_desks_are_limited_on_both(two_desks: tuple[Harness, Harness]) -> None:
    first, second = two_desks
    attacker_on_first, attacker_on_second = await first.client(), await second.client()
    # 5 per username and address in a minute (the default), taken in turns from each desk.
    for attempt in range(5):
        browser = attacker_on_first if attempt % 2 else attacker_on_second
        assert await sign_in(browser, "anna", f"guess-{attempt}") == 401
    assert await sign_in(attacker_on_first, "anna", PASSWORD) == 429  # even the right password waits now
    assert await sign_in(attacker_on_second, "anna", PASSWORD) == 429


async def test_a_conversations_uploads_spread_over_two_desks_are_limited_on_both(two_desks: tuple[Harness, Harness]) -> None:
    first, second = two_desks
    # 10 files per conversation in 10 minutes (the default), from several addresses and both desks.
    statuses = [(await upload(desk, SHOPPER, PNG, client=f"203.0.113.{n}"))[0] for n, desk in enumerate([first, second] * 5)]
    assert statuses == [201] * 10
    for desk in (first, second):
        status, answer = await upload(desk, SHOPPER, PNG, client="203.0.113.99")
        assert (status, answer["code"]) == (429, "limited")


async def test_a_sign_in_is_refused_while_the_limits_storage_is_unreachable(tmp_path: Path) -> None:
    nobody_listens = f"redis://127.0.0.1:{free_port()}/6"
    harness = await start_harness(tmp_path, env={"DESK_LIMITS_STORAGE": nobody_listens})
    try:
        await create_agent(harness.desk.engine, "anna", "Anna", PASSWORD, harness.clock())
        browser = await harness.client()
        for password in ("guess", PASSWORD):  # neither a guess nor the right password gets through uncounted
            token_page = await browser.get("/login")
            assert token_page.status == 200  # the desk itself is up
            assert await sign_in(browser, "anna", password) == 503
        response = await browser.post(
            "/login", data={"username": "anna", "password": PASSWORD, "csrf_token": await page_csrf(browser)},
            allow_redirects=False,
        )
        assert "Try again shortly" in await response.text()
        status, answer = await upload(harness, SHOPPER, PNG)
        assert (status, answer["code"]) == (429, "limited")  # uploads are refused too, not taken uncounted
    finally:
        await stop_harness(harness)


@pytest.fixture
def silent_redis() -> Iterator[tuple[str, threading.Event]]:
    with hung_redis(6) as server:
        yield server


async def test_a_hung_limits_storage_holds_only_the_sign_in_that_waits_for_it(tmp_path: Path, silent_redis) -> None:
    url, connected = silent_redis
    harness = await start_harness(tmp_path, env={"DESK_LIMITS_STORAGE": url})
    try:
        await create_agent(harness.desk.engine, "anna", "Anna", PASSWORD, harness.clock())
        attacker, agent = await harness.client(), await harness.client()
        waiting = asyncio.ensure_future(sign_in(attacker, "anna", "guess"))
        for _ in range(1000):
            if connected.is_set():
                break
            await asyncio.sleep(0.01)
        assert connected.is_set()
        # Another agent's page is served while the sign-in still waits for the storage (this test shares the
        # desk's event loop: a storage call made on it would hold this request until the sign-in was refused).
        page = await agent.get("/login")
        assert page.status == 200 and not waiting.done()
        assert await waiting == 503  # and the sign-in is still refused, not let through uncounted
    finally:
        await stop_harness(harness)
