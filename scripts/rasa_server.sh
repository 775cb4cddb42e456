#!/usr/bin/env bash
# The Rasa server as `make run` and the tests start it; extra arguments (model, port, token)
# are passed on to `rasa run`.
#
# - RASA_INTERFACE (default 127.0.0.1): the address it listens on. Loopback unless a proxy on
#   another host must reach it; put TLS in front of it either way (docs/security.md).
# - No --cors: Rasa's HTTP API answers no cross-origin request. Browsers reach the widget's
#   socket.io channel from the origins in SHOP_ORIGINS only (bot/channels/socketio.py).
# - Rasa's own CLI, started through bot/rasa_process.py: the same `rasa run`, with the set-up the
#   process needs once (the action response schema checked once, not on every action call).
# - SANIC_REQUEST_MAX_SIZE / SANIC_WEBSOCKET_MAX_SIZE (default 64 KiB): Sanic refuses a bigger
#   body (by its Content-Length, before reading it) or WebSocket frame with a 413 / close.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
export SANIC_REQUEST_MAX_SIZE="${SANIC_REQUEST_MAX_SIZE:-65536}"
export SANIC_WEBSOCKET_MAX_SIZE="${SANIC_WEBSOCKET_MAX_SIZE:-$SANIC_REQUEST_MAX_SIZE}"
exec .venv-rasa/bin/python -m bot.rasa_process run --enable-api --interface "${RASA_INTERFACE:-127.0.0.1}" \
  --credentials bot/credentials.yml --endpoints endpoints.yml "$@"
