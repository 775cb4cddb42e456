"""The Rasa server as an attacker meets it: every route, anonymous and from a foreign origin;
oversized bodies; sender ids that would not round-trip (docs/security.md).

The routes come from the app itself (tests/security/rasa_routes.py builds it as `rasa run`
does), so a route added by a Rasa upgrade or a new channel is attacked too, and fails here
unless it asks for the token or is added to PUBLIC with a reason.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.desk.socketio_shopper import SocketShopper
from tests.support.processes import REPO_ROOT
from tests.support.stack import Stack

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
FOREIGN = "https://attacker.example"
# Routes anyone may call, and why. Everything else must answer 401/403 without the token.
PUBLIC = {
    ("/", "GET"): "Rasa's liveness check for load balancers; says only 'Hello from Rasa: <version>'",
    ("/version", "GET"): "the Rasa and minimum model version, for deployment tooling; no data",
    ("/webhooks/rest", "GET"): "the REST channel's health check",
    ("/webhooks/rest/webhook", "POST"): "the REST chat channel itself (the sender id is its secret)",
    ("/webhooks/socketio", "GET"): "the socket.io channel's health check",
    ("/socket.io", "GET"): "the widget's socket.io channel (origin-checked)",
    ("/socket.io", "POST"): "the widget's socket.io channel, long-polling (origin-checked)",
    ("/socket.io", "OPTIONS"): "the widget's socket.io channel, CORS preflight (origin-checked)",
    ("/webhooks/socketio/attachments", "POST"):
        "the widget's file upload in a handoff (the session id is its secret; CORS for the shop's origins only)",
    ("/webhooks/socketio/attachments/<attachment_id:str>", "GET"):
        "a conversation's file for its widget: 404 without that conversation's token",
}
ODD_SENDER_IDS = ["zoë-1", "two words", "a/b", "a%2Fb", "what?", "a#b", "nul\x00id", "", "-rm", ".", "..", "x" * 129]
GOOD_SENDER_IDS = ["1234567890123456", "ana.kowalska+shop@example.com", "3f2b8c1e-5d4a-4f7e-9a1b-2c3d4e5f6a7b",
                   "tg:123456789", "x" * 128]


def rasa_routes() -> list[tuple[str, str]]:
    output = subprocess.run(
        [str(RASA_PYTHON), "tests/security/rasa_routes.py", "bot/credentials.yml"],
        cwd=REPO_ROOT, env={"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    routes = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return sorted({(route["path"], method) for route in routes for method in route["methods"] if method != "HEAD"})


@pytest.fixture(scope="module")
def routes() -> list[tuple[str, str]]:
    return rasa_routes()


def concrete(path: str) -> str:
    """A callable URL path for a route pattern: every parameter filled with a plausible value."""
    return re.sub(r"<[^>]+>", "sec-probe-1", path)


def test_every_rasa_route_refuses_anonymous_and_foreign_origin_callers(stack: Stack, routes):
    assert len(routes) > 15 and set(PUBLIC) <= set(routes), routes
    wrong = []
    for path, method in routes:
        url = stack.rasa_url + concrete(path)
        if path == "/socket.io":
            url += "/?EIO=4&transport=polling"
        response = httpx.request(method, url, headers={"Origin": FOREIGN}, json={} if method != "GET" else None, timeout=60)
        allowed_origin = response.headers.get("access-control-allow-origin")
        if allowed_origin:
            wrong.append(f"{method} {path}: Access-Control-Allow-Origin {allowed_origin}")
        if (path, method) not in PUBLIC and response.status_code not in (401, 403):
            wrong.append(f"{method} {path}: {response.status_code} without a token")
        asks = {"Origin": FOREIGN, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "content-type"}
        preflight = httpx.options(url, headers=asks, timeout=30)
        if preflight.headers.get("access-control-allow-origin"):
            wrong.append(f"OPTIONS {path}: preflight allows {preflight.headers['access-control-allow-origin']}")
    assert wrong == []


def test_the_token_still_opens_the_http_api(stack: Stack):
    response = httpx.get(f"{stack.rasa_url}/status", params={"token": stack.token}, headers={"Origin": stack.shop_origins[0]})
    assert response.status_code == 200 and response.json()["model_id"]
    # The API is for the desk and operators, never for a browser, even on the shop's own pages.
    assert "access-control-allow-origin" not in response.headers


def test_socketio_accepts_the_shops_origin_and_refuses_any_other(stack: Stack):
    handshake = f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    shop = httpx.get(handshake, headers={"Origin": stack.shop_origins[0]}, timeout=30)
    assert shop.status_code == 200 and shop.text.startswith("0{")
    assert shop.headers["access-control-allow-origin"] == stack.shop_origins[0]
    foreign = httpx.get(handshake, headers={"Origin": FOREIGN}, timeout=30)
    assert foreign.status_code == 400 and "is not an accepted origin" in foreign.text
    assert "access-control-allow-origin" not in foreign.headers


def test_rest_webhook_gives_browsers_of_other_origins_nothing_to_read(stack: Stack):
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": "sec-cors-1", "message": "hello"},
        headers={"Origin": stack.shop_origins[0]}, timeout=60,
    )
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


def raw_post(url: str, head: str) -> tuple[str, float]:
    """Sends only the request head of a POST (no body) and returns the status line and how long the answer took."""
    parts = urlsplit(url)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}\r\n".encode())
        answer = sock.recv(4096).decode("latin-1")
    return answer.split("\r\n", 1)[0] + "\n" + answer.rsplit("\r\n\r\n", 1)[-1], time.monotonic() - started


def test_a_huge_declared_body_is_refused_before_it_is_sent(stack: Stack):
    # 500 MB announced, not a byte sent: the 413 can only come from the header.
    answer, _ = raw_post(
        f"{stack.rasa_url}/webhooks/rest/webhook", "Content-Type: application/json\r\nContent-Length: 500000000\r\n"
    )
    assert answer.startswith("HTTP/1.1 413") and "exceeds the size limit" in answer, answer


def test_an_oversized_body_is_refused_and_the_conversation_continues(stack: Stack):
    body = json.dumps({"sender": "sec-big-body-1", "message": "hi", "metadata": {"blob": "x" * 100_000}})
    response = stack.post_raw(body)
    assert response.status_code == 413 and "exceeds the size limit" in response.text
    assert stack.send("sec-big-body-1", "hello")


def test_oversized_metadata_is_refused_with_its_size_and_never_stored(stack: Stack):
    sender = "sec-metadata-1"
    response = stack.post_raw(json.dumps({"sender": sender, "message": "hello", "metadata": {"blob": "x" * 9000}}))
    assert response.status_code == 413
    assert re.search(r"'metadata' has \d+ bytes; the limit is 8192", response.text), response.text
    assert not [e for e in stack.tracker(sender)["events"] if e["event"] == "user"]
    small = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "hello", "metadata": {"language": "en", "note": "x" * 1000}}, timeout=60,
    )
    assert small.status_code == 200 and small.json()


@pytest.mark.parametrize("sender", ODD_SENDER_IDS, ids=repr)
def test_odd_rest_sender_ids_get_a_clear_400(stack: Stack, sender: str):
    response = stack.post_raw(json.dumps({"sender": sender, "message": "hello"}))
    assert response.status_code == 400
    assert "sender id must be 1 to 128 characters of A-Z, a-z, 0-9 and . _ : @ + -" in response.text


@pytest.mark.parametrize("sender", GOOD_SENDER_IDS)
def test_sender_ids_of_the_safe_alphabet_round_trip_through_the_http_api(stack: Stack, sender: str):
    assert stack.send(sender, "hello")
    tracker = stack.tracker(sender)  # /conversations/<id>/tracker, as the desk reads it
    assert tracker["sender_id"] == sender
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["hello"]


def test_odd_socketio_session_ids_get_an_error_event_and_no_session(stack: Stack):
    shopper = SocketShopper(stack.rasa_url, session_id="zoë/1", confirm=False)
    try:
        error = shopper.errors.get(timeout=30)
        assert error["code"] == "bad_session_id" and "A-Z, a-z, 0-9" in error["message"]
        assert shopper.confirmed.empty()
        shopper.say("hello")
        assert shopper.errors.get(timeout=30)["code"] == "bad_session_id"
    finally:
        shopper.close()


def test_socketio_refuses_oversized_metadata_and_packets(stack: Stack):
    shopper = SocketShopper(stack.rasa_url)
    try:
        shopper.say("hello", metadata={"blob": "x" * 9000})
        error = shopper.errors.get(timeout=30)
        assert error["code"] == "metadata_too_large" and "the limit is 8192" in error["message"]
        shopper.say("hello", metadata={"language": "en"})
        assert shopper.next_message()["text"]
        # Above the packet limit (64 KiB) the long-polling POST gets a 413 and the client's connection is over.
        shopper.say("hello", metadata={"blob": "x" * 200_000})
        deadline = time.monotonic() + 30
        while shopper.connected and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not shopper.connected
    finally:
        shopper.close()
    users = [e for e in stack.tracker(shopper.session_id)["events"] if e["event"] == "user"]
    assert [e["text"] for e in users] == ["hello"]
