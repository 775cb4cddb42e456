"""Who may do what: agent sessions, CSRF tokens, the bot's bearer token, sign-in rate limits, safe headers."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import Session, get_session
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

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


class LoginLimiter:
    """Failed sign-ins per username and address (moving window): guessing passwords gets slow."""

    def __init__(self, limit: str = "5/minute"):
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._item = parse(limit)

    @staticmethod
    def _key(username: str, address: str) -> str:
        return f"{username.strip().lower()}|{address}"

    def allowed(self, username: str, address: str) -> bool:
        return self._limiter.test(self._item, self._key(username, address))

    def failed(self, username: str, address: str) -> None:
        self._limiter.hit(self._item, self._key(username, address))


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response
