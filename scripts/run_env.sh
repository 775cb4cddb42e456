#!/usr/bin/env bash
# Write var/run.env: ports, URLs, database paths and freshly generated secrets for
# `make run`. Keys already present are kept, so secrets survive restarts and new
# keys appear after an upgrade.
set -euo pipefail
file="${1:-var/run.env}"
mkdir -p "$(dirname "$file")"
touch "$file"
chmod 600 "$file"
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
add() { grep -q "^$1=" "$file" || echo "$1=$2" >> "$file"; }
add RASA_PORT 5005
add ACTION_PORT 5055
add DESK_PORT 5080
add SHOP_PORT 8080
add KB_PORT 5090
# Where Rasa listens (scripts/rasa_server.sh): loopback; a proxy on this host terminates TLS.
add RASA_INTERFACE 127.0.0.1
# The pages allowed to use the chat widget's socket.io channel: the demo shop, as `make run` prints it.
shop_port="$(sed -n 's/^SHOP_PORT=//p' "$file")"
add SHOP_ORIGINS "http://localhost:$shop_port,http://127.0.0.1:$shop_port"
add RASA_URL http://127.0.0.1:5005
add RASA_TOKEN "$(secret)"
add ACTION_ENDPOINT_URL http://127.0.0.1:5055/webhook
add ACTION_SERVER_TOKEN "$(secret)"
add ORDER_VERIFICATION_KEY "$(secret)"
add TRACKER_DB var/tracker.db
add EVENT_BROKER_DB var/events.db
add DESK_URL http://127.0.0.1:5080
add DESK_BOT_TOKEN "$(secret)"
add KB_PUBLISH_TOKEN "$(secret)"
add DESK_SESSION_KEY "$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
