"""Start the action server: ``python -m actions.server --port 5055`` (takes rasa-sdk's options).

rasa-sdk's own server answers anyone on every interface. Here the same server is started so that
only the Rasa server can use it:

- every request but ``GET /health`` must carry ``Authorization: Bearer $ACTION_SERVER_TOKEN``
  (endpoints.yml makes Rasa send it; compared in constant time). /health stays anonymous so a
  load balancer or supervisor can probe it without the secret: it says "ok" and nothing else.
- it listens on ``action_server.host`` of assistant.yml (127.0.0.1; env ACTION_SERVER_HOST).
- it refuses to start without ``ACTION_SERVER_TOKEN`` and ``ORDER_VERIFICATION_KEY`` unless
  ``ASSISTANT_PROFILE=dev`` says this is a developer's machine.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys

import pluggy
from rasa_sdk import __main__ as rasa_sdk_main
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.security import DEV_PROFILE, TOKEN_ENV, VERIFICATION_KEY_ENV, is_dev_profile
from kb_index.settings import load_raw_settings

log = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("rasa_sdk")
ANONYMOUS_PATHS = frozenset({"/health"})


class RasaOnly:
    """rasa-sdk plugin: a request middleware that turns away callers without the shared token."""

    def __init__(self, token: str) -> None:
        self._expected = f"Bearer {token}".encode()

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        app.register_middleware(self.check, "request")

    async def check(self, request: Request) -> HTTPResponse | None:
        if request.path in ANONYMOUS_PATHS and request.method in ("GET", "HEAD"):
            return None
        given = request.headers.get("authorization")
        if not given:
            return response.json(
                {"error": "this server answers the Rasa server only: Authorization: Bearer <token> is missing"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not hmac.compare_digest(given.encode(), self._expected):
            return response.json({"error": "wrong token"}, status=403)
        return None


def startup_problems() -> list[str]:
    """What keeps the action server from starting safely; empty when it may start."""
    if is_dev_profile():
        return []
    return [
        f"{name} is not set: {why} (ASSISTANT_PROFILE={DEV_PROFILE} runs without it on a developer's machine)"
        for name, why in (
            (TOKEN_ENV, "it is the secret the Rasa server sends so that nobody else can call the action server"),
            (VERIFICATION_KEY_ENV, "it signs the proof that a conversation verified an order"),
        )
        if not os.environ.get(name)
    ]


def main() -> None:
    if "--grpc" in sys.argv[1:]:
        sys.exit("actions.server: the gRPC server has no caller check; use the HTTP server Rasa calls by default")
    problems = startup_problems()
    if problems:
        sys.exit("actions.server will not start:\n  " + "\n  ".join(problems))
    raw, _ = load_raw_settings()
    # rasa-sdk reads the interface from SANIC_HOST and falls back to 0.0.0.0.
    os.environ["SANIC_HOST"] = os.environ.get("ACTION_SERVER_HOST", raw.get("action_server", {}).get("host", "127.0.0.1"))
    token = os.environ.get(TOKEN_ENV)
    if token:
        plugin_manager().register(RasaOnly(token))
    else:
        log.warning("%s is not set (%s profile): the action server answers anyone who can reach it", TOKEN_ENV, DEV_PROFILE)
    rasa_sdk_main.main()


if __name__ == "__main__":
    main()
