"""Anonymous and cross-origin callers get nothing from any route of the desk or the KB publish API.

The routes come from the apps' own routers, so a route someone adds without authentication
fails here; only the short allowlist below is public.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from desk import handoffs
from desk.app import MAX_BODY_BYTES as DESK_MAX_BODY
from kb_index import load_kb_settings
from kb_index.server import make_app
from tests.desk.conftest import Harness, start_harness, stop_harness
from tests.desk.support import page_csrf
from tests.security.routes import app_routes

# The only routes a stranger may use: the sign-in page, the desk's own scripts and styles, the KB's health check.
DESK_PUBLIC = {("GET", "/login"), ("GET", "/static/desk.css")}
KB_PUBLIC = {("GET", "/health")}
EVIL_ORIGIN = "https://evil.example"
SHOPPER = "shopper-secret-7"


@pytest_asyncio.fixture(loop_scope="function")
async def desk(tmp_path: Path) -> AsyncIterator[Harness]:
    running = await start_harness(tmp_path)
    running.fake.conversation(SHOPPER, ("my address is Lipowa 5", "Thanks"))
    running.fake.hand_off(SHOPPER)
    await running.follow()
    yield running
    await stop_harness(running)


@pytest_asyncio.fixture(loop_scope="function")
async def kb() -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(make_app(load_kb_settings(), "kb-token-for-tests")))
    await client.start_server()
    yield client
    await client.close()


def _refused(status: int, location: str | None) -> bool:
    return status in (401, 403) or (status in (302, 303) and location == "/login")


async def test_every_desk_route_refuses_anonymous_and_cross_origin_callers(desk: Harness) -> None:
    routes = app_routes(desk.app)
    assert ("POST", "/conversations/1/reply") in routes and ("GET", "/api/bot/availability") in routes
    assert DESK_PUBLIC <= set(routes), "the allowlist names a route the desk no longer has"
    stranger = await desk.client()
    for method, path in routes:
        for headers in ({"Accept": "text/html"}, {"Accept": "application/json", "Origin": EVIL_ORIGIN}):
            response = await stranger.request(method, path, headers=headers, json={"text": "hi"}, allow_redirects=False)
            body = await response.text()
            assert "Access-Control-Allow-Origin" not in response.headers, (method, path)
            if (method, path) in DESK_PUBLIC:
                assert response.status == 200, (method, path)
                continue
            assert _refused(response.status, response.headers.get("Location")), (method, path, response.status)
            assert SHOPPER not in body and "Lipowa" not in body, (method, path)
    assert (await desk.desk.follower.catch_up()) == 0  # and nothing was changed: no claim, no reply went out
    assert desk.fake.posted == []


async def test_every_kb_publish_route_refuses_anonymous_and_cross_origin_callers(kb: TestClient) -> None:
    routes = app_routes(kb.server.app)
    assert ("POST", "/publish") in routes and KB_PUBLIC <= set(routes)
    for method, path in routes:
        for headers in ({}, {"Origin": EVIL_ORIGIN}, {"Authorization": "Bearer wrong"}):
            response = await kb.request(method, path, headers=headers)
            assert "Access-Control-Allow-Origin" not in response.headers
            expected = 200 if (method, path) in KB_PUBLIC else 401
            assert response.status == expected, (method, path, headers)


def _declared_but_unsent(port: int, method: str, path: str, declared: int) -> bytes:
    """Send the head of a request declaring a ``declared``-byte body and only 1 kB of it: what comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
        sock.sendall(head.encode() + b"{" + b" " * 1023)
        return sock.recv(4096)  # answered without waiting for the rest of the body


async def test_oversized_bodies_get_413_on_every_route_before_being_read(desk: Harness, kb: TestClient) -> None:
    for server, app in ((desk.server, desk.app), (kb.server, kb.server.app)):
        for method, path in app_routes(app):
            answer = await asyncio.to_thread(_declared_but_unsent, server.port, method, path, 100 * 1024 * 1024)
            assert answer.startswith(b"HTTP/1.1 413"), (method, path, answer[:60])


async def test_a_body_just_over_the_limit_is_refused_even_from_signed_in_callers(desk: Harness) -> None:
    anna = await desk.agent("anna", "Anna")
    token = await page_csrf(anna, "/")
    note = b'{"text": "' + b"x" * DESK_MAX_BODY + b'"}'
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    assert (await anna.post("/conversations/1/notes", data=note, headers=headers)).status == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: cut off by client_max_size while read
        yield b'{"sender_id": "' + b"x" * DESK_MAX_BODY
        yield b'", "email": "a@b.example"}'

    bot = {**desk.bot_headers(), "Content-Type": "application/json"}
    assert (await anna.post("/api/bot/tickets", data=chunks(), headers=bot)).status == 413
    assert await handoffs.notes_for(desk.desk.engine, 1) == []
