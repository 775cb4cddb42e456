"""Who may do what: agent sessions, CSRF tokens, the bot's bearer token, sign-in rate limits, safe headers."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import Session, get_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from limits import parse

from desk.rate_limits import Counter

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_HEADERS = {
    # Scripts and styles only from the desk's own static files: injected markup cannot run.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def tokens_match(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def csrf_token(session: Session) -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


async def csrf_ok(request: web.Request, session: Session) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        given = (await request.post()).get(CSRF_FIELD)
    return tokens_match(given if isinstance(given, str) else None, session.get("csrf"))


async def session_of(request: web.Request) -> Session:
    return await get_session(request)


def client_address(request: web.Request, trusted_proxies: frozenset[str]) -> str:
    """The address the request came from; behind a trusted proxy, the one that proxy saw (last X-Forwarded-For hop)."""
    remote = request.remote or "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if remote in trusted_proxies and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return remote


def reached_over_https(request: web.Request, trusted_proxies: frozenset[str]) -> bool:
    if request.secure:
        return True
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    return request.remote in trusted_proxies and forwarded.split(",")[0].strip().lower() == "https"


class SessionCookies(EncryptedCookieStorage):
    """Encrypted session cookies that are ``Secure`` whenever the agent reached the desk over https.

    Decided per request, so one desk serves https agents safely and plain-http loopback
    development still signs in (a browser would not send a Secure cookie back over http).
    """

    def __init__(self, key: str, trusted_proxies: frozenset[str], always_secure: bool, **params) -> None:
        super().__init__(key, secure=always_secure, **params)
        self._trusted_proxies = trusted_proxies

    async def save_session(self, request: web.Request, response: web.StreamResponse, session: Session) -> None:
        await super().save_session(request, response, session)
        if reached_over_https(request, self._trusted_proxies):
            response.cookies[self.cookie_name]["secure"] = True


class LoginLimiter:
    """Failed sign-ins (moving windows) per username and address, and per address whatever the username.

    The first makes guessing one agent's password slow; the second stops one address from
    spraying a few guesses at many usernames. Both raise desk.rate_limits.LimitsUnavailable when the
    counts cannot be reached: the sign-in is then refused, never let through uncounted.
    """

    def __init__(self, counter: Counter, per_account: str = "5/minute", per_address: str = "20/10minutes"):
        self._limiter = counter
        self._per_account = parse(per_account)
        self._per_address = parse(per_address)

    @staticmethod
    def _account(username: str, address: str) -> tuple[str, str, str]:
        return "account", username.strip().lower(), address

    async def allowed(self, username: str, address: str) -> bool:
        return await self._limiter.test(self._per_address, "address", address) and await self._limiter.test(
            self._per_account, *self._account(username, address)
        )

    async def failed(self, username: str, address: str) -> None:
        await self._limiter.hit(self._per_address, "address", address)
        await self._limiter.hit(self._per_account, *self._account(username, address))


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    # A handler's own stricter header (a shopper's file: desk/attachments.py) is kept.
    response.headers.update({name: value for name, value in SECURITY_HEADERS.items() if name not in response.headers})
    return response
