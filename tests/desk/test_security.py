"""Nobody but signed-in agents reaches the desk, and nobody but the bot reaches the bot API."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from desk import handoffs
from tests.desk.conftest import Harness, start_harness, stop_harness
from tests.desk.support import PASSWORD, page_csrf, sign_in


def agent_routes(app: web.Application) -> list[tuple[str, str]]:
    """Every page and API of the desk except sign-in, the static files and the bot API, as (method, path)."""
    routes = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter", "")
        if route.method == "HEAD" or path.startswith("/api/bot/") or path == "/login" or "prefix" in info:
            continue
        routes.append((route.method, path.replace("{handoff_id}", "1")))
    return routes


async def test_anonymous_visitors_get_nothing_from_any_page_or_api(harness: Harness) -> None:
    harness.fake.hand_off("shopper-1")
    await harness.follow()
    visitor = await harness.client()
    routes = agent_routes(harness.app)
    assert {("GET", "/"), ("GET", "/queue.json"), ("POST", "/conversations/1/reply"), ("POST", "/logout")} <= set(routes)
    for method, path in routes:
        response = await visitor.request(method, path, allow_redirects=False, headers={"Accept": "application/json"})
        assert response.status in (401, 403), (method, path)
        assert "shopper" not in await response.text()
        if method == "GET":  # a browser asking for the page is sent to sign in
            page = await visitor.get(path, allow_redirects=False, headers={"Accept": "text/html"})
            assert (page.status, page.headers["Location"]) == (303, "/login")
    assert (await handoffs.get_handoff(harness.desk.engine, 1))["status"] == "waiting"


async def test_the_bot_api_needs_the_bot_token(harness: Harness) -> None:
    anna = await harness.agent("anna", "Anna")  # an agent's session is not the bot's token
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic Ym90OmJvdA=="}):
        for method, path in (("GET", "/api/bot/availability"), ("POST", "/api/bot/tickets"), ("POST", "/api/bot/csat")):
            response = await anna.request(method, path, headers=headers, json={"sender_id": "x", "rating": 5})
            assert response.status == 401, (method, path, headers)
    assert (await anna.get("/api/bot/availability", headers=harness.bot_headers())).status == 200


async def test_posts_without_the_sessions_csrf_token_are_refused(harness: Harness) -> None:
    harness.fake.hand_off("shopper-1")
    await harness.follow()
    anna = await harness.agent("anna", "Anna")
    ben = await harness.agent("ben", "Ben")
    bens_token = await page_csrf(ben, "/")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": bens_token}):
        response = await anna.post("/conversations/1/claim", data=data, allow_redirects=False)
        assert response.status == 403
    response = await anna.post("/conversations/1/reply", json={"text": "hi"}, headers={"X-CSRF-Token": bens_token})
    assert response.status == 403
    assert (await handoffs.get_handoff(harness.desk.engine, 1))["status"] == "waiting"
    token = await page_csrf(anna, "/")
    response = await anna.post("/conversations/1/claim", data={"csrf_token": token}, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/conversations/1")


async def test_signing_in_needs_the_forms_csrf_token(harness: Harness) -> None:
    await harness.agent("anna", "Anna")
    browser = await harness.client()
    response = await browser.post("/login", data={"username": "anna", "password": PASSWORD}, allow_redirects=False)
    assert response.status == 403


async def test_wrong_passwords_are_rate_limited_per_username_and_address(harness: Harness) -> None:
    await harness.agent("anna", "Anna")
    await harness.agent("ben", "Ben")
    attacker = await harness.client()
    assert [await sign_in(attacker, "anna", f"guess-{i}") for i in range(5)] == [401] * 5
    assert await sign_in(attacker, "anna", PASSWORD) == 429  # even the right password waits now
    assert await sign_in(attacker, "ben", PASSWORD) == 303  # another account is not locked by it
    page = await attacker.get("/", headers={"Accept": "text/html"})
    assert "Ben" in await page.text()


async def test_session_cookie_is_http_only_and_same_site_strict(harness: Harness) -> None:
    await harness.agent("anna", "Anna")
    browser = await harness.client()
    token = await page_csrf(browser)
    response = await browser.post(
        "/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token}, allow_redirects=False
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert "anna" not in cookie and PASSWORD not in cookie  # encrypted


async def test_cookies_are_secure_when_served_over_https(tmp_path: Path) -> None:
    harness = await start_harness(tmp_path, env={"DESK_SECURE_COOKIES": "1"})
    try:
        response = await (await harness.client()).get("/login")
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        await stop_harness(harness)


async def test_signing_out_kills_the_old_cookie_everywhere(harness: Harness) -> None:
    anna = await harness.agent("anna", "Anna")
    stolen = {cookie.key: cookie.value for cookie in anna.session.cookie_jar}
    token = await page_csrf(anna, "/")
    await anna.post("/logout", data={"csrf_token": token}, allow_redirects=False)
    replay = await harness.client()
    replay.session.cookie_jar.update_cookies(stolen)
    assert (await replay.get("/queue.json")).status == 401


async def test_shopper_text_is_escaped_in_the_pages(harness: Harness) -> None:
    harness.fake.hand_off("shopper-1")
    harness.fake.shopper_says("shopper-1", '<script>alert("x")</script><img src=x onerror=alert(1)>')
    await harness.follow()
    anna = await harness.agent("anna", "Anna")
    for path in ("/", "/conversations/1"):
        response = await anna.get(path, headers={"Accept": "text/html"})
        html = await response.text()
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
        assert "<img src=x" not in html and "<script>alert" not in html
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


async def _sign_in_from(client, username: str, password: str, headers: dict[str, str]) -> int:
    token = await page_csrf(client)
    response = await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        headers=headers,
        allow_redirects=False,
    )
    return response.status


async def test_one_address_spraying_many_usernames_is_stopped(tmp_path: Path) -> None:
    limits = {"per_account_and_address": "5/minute", "per_address": "6/10minutes"}
    harness = await start_harness(tmp_path, env={"DESK_TRUSTED_PROXIES": "127.0.0.1"}, login_limits=limits)
    try:
        await harness.agent("anna", "Anna")
        attacker = await harness.client()
        proxy_says = {"X-Forwarded-For": "203.0.113.7"}  # the trusted proxy names the attacker's address
        statuses = [await _sign_in_from(attacker, f"user{i}", "guess", proxy_says) for i in range(6)]
        assert statuses == [401] * 6
        assert await _sign_in_from(attacker, "anna", PASSWORD, proxy_says) == 429  # every username, even the right password
        # Adding its own X-Forwarded-For entry does not make it someone else: the proxy's last hop counts.
        assert await _sign_in_from(attacker, "anna", PASSWORD, {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}) == 429
        colleague = await harness.client()
        assert await _sign_in_from(colleague, "anna", PASSWORD, {"X-Forwarded-For": "192.0.2.44"}) == 303
    finally:
        await stop_harness(harness)


async def test_forwarded_headers_from_an_untrusted_address_change_nothing(harness: Harness) -> None:
    await harness.agent("anna", "Anna")
    attacker = await harness.client()
    for i in range(5):
        assert await _sign_in_from(attacker, "anna", f"guess-{i}", {"X-Forwarded-For": f"198.51.100.{i}"}) == 401
    assert await _sign_in_from(attacker, "anna", PASSWORD, {"X-Forwarded-For": "192.0.2.99"}) == 429
    response = await (await harness.client()).get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in response.headers["Set-Cookie"]


async def test_cookies_are_secure_when_a_trusted_proxy_says_https(tmp_path: Path) -> None:
    harness = await start_harness(tmp_path, env={"DESK_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        await harness.agent("anna", "Anna")
        browser = await harness.client()
        login_page = await browser.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in login_page.headers["Set-Cookie"]
        status = await _sign_in_from(browser, "anna", PASSWORD, {"X-Forwarded-Proto": "https"})
        assert status == 303
        plain = await (await harness.client()).get("/login", headers={"X-Forwarded-Proto": "http"})
        assert "Secure" not in plain.headers["Set-Cookie"]  # plain-http development still signs in
    finally:
        await stop_harness(harness)
