"""What Meta's webhooks share (WhatsApp, Messenger, Instagram): the verify-token handshake,
the ``X-Hub-Signature-256`` signature of the raw body, and Graph API throttling codes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.messaging import WebhookInput

SIGNATURE_HEADER = "X-Hub-Signature-256"
# Graph API throttling answers 400 with these codes (app, business-use-case, pair and account rate limits).
THROTTLED = {4, 17, 32, 613, 80007, 130429, 131048, 131056}


class MetaWebhookInput(WebhookInput):
    """Needs the settings ``app_secret`` and ``verify_token``."""

    @staticmethod
    def retry_after(status: int, body: Any, headers: dict[str, str]) -> float | None:
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        return 1.0 if code in THROTTLED else None

    def handshake(self, request: Request) -> HTTPResponse:
        """Meta's subscription check: echo ``hub.challenge`` when ``hub.verify_token`` is ours."""
        given = request.args.get("hub.verify_token", "")
        expected = self.settings["verify_token"]  # type: ignore[index]
        if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(given.encode(), expected.encode()):
            return response.text(request.args.get("hub.challenge", ""))
        return response.text("verify token does not match", status=403)

    def verified(self, request: Request) -> bool:
        secret = self.settings["app_secret"].encode()  # type: ignore[index]
        expected = "sha256=" + hmac.new(secret, request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(request.headers.get(SIGNATURE_HEADER, "").encode(), expected.encode())
