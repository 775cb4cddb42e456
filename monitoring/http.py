"""What ``/metrics`` and ``/ready`` answer, independent of the web framework serving them."""

from __future__ import annotations

import hmac
import os

METRICS_TOKEN_ENV = "METRICS_TOKEN"


def metrics_allowed(authorization: str | None, token: str | None = None) -> bool:
    """True when no ``METRICS_TOKEN`` is set (scraped on a private network) or the bearer token matches."""
    expected = os.environ.get(METRICS_TOKEN_ENV, "") if token is None else token
    if not expected:
        return True
    scheme, _, supplied = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(supplied.encode(), expected.encode())


def readiness(checks: dict[str, str | None]) -> tuple[dict[str, object], int]:
    """Body and status of a readiness answer: each check's problem (None when fine); 503 unless all are fine."""
    problems = {name: problem for name, problem in checks.items() if problem}
    body: dict[str, object] = {"ready": not problems, "checks": {name: problem or "ok" for name, problem in checks.items()}}
    return body, 200 if not problems else 503
