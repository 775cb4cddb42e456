"""Prints the Rasa server's routes as JSON lines {"path", "methods"}; run with .venv-rasa's Python.

The app is built by ``rasa.core.run.configure_app`` from our credentials, the call `rasa run`
makes (serve_application), so a route Rasa or a channel adds shows up here without anyone
listing it by hand.
"""

from __future__ import annotations

import json
import sys

from rasa.core import run


def main(credentials: str) -> None:
    channels = run.create_http_input_channels(None, credentials)
    app = run.configure_app(channels, cors=None, auth_token="routes-only", enable_api=True)
    for route in app.router.routes:
        print(json.dumps({"path": "/" + route.path.lstrip("/"), "methods": sorted(route.methods)}))


if __name__ == "__main__":
    main(sys.argv[1])
