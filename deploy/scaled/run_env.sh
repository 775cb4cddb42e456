#!/usr/bin/env bash
# Write var/run-scaled.env for `make run-scaled`: the secrets of var/run.env, the replicas' ports,
# and where PostgreSQL, Redis and RabbitMQ are (their system services on the default ports unless
# already set in the file). Keys already present are kept, as scripts/run_env.sh does.
set -euo pipefail
file="${1:-var/run-scaled.env}"
scripts/run_env.sh var/run.env
mkdir -p "$(dirname "$file")"
touch "$file"
chmod 600 "$file"
add() { grep -q "^$1=" "$file" || echo "$1=$2" >> "$file"; }
# Every action server holds the same ACTION_SERVER_TOKEN and ORDER_VERIFICATION_KEY (actions/security.py).
for key in RASA_TOKEN ACTION_SERVER_TOKEN ORDER_VERIFICATION_KEY DESK_BOT_TOKEN KB_PUBLISH_TOKEN DESK_SESSION_KEY \
           SHOP_PORT SHOP_ORIGINS DESK_PORT KB_PORT RASA_INTERFACE; do
  add "$key" "$(grep "^$key=" var/run.env | cut -d= -f2-)"
done
add BALANCER_HOST 127.0.0.1
add BALANCER_PORT 5005
add BALANCER_METRICS_PORT 5006
add RASA1_PORT 5015
add RASA2_PORT 5016
add ACTIONS_BALANCER_PORT 5055
add ACTION1_PORT 5065
add ACTION2_PORT 5066
add DESK1_PORT 8091
add DESK2_PORT 8092
add RASA_URL http://127.0.0.1:5005
add ACTION_ENDPOINT_URL http://127.0.0.1:5055/webhook
# A KB publish tells each action server itself to reload (through the balancer only one would hear it).
add KB_RELOAD_URLS "http://127.0.0.1:$(grep '^ACTION1_PORT=' "$file" | cut -d= -f2)/kb/reload,http://127.0.0.1:$(grep '^ACTION2_PORT=' "$file" | cut -d= -f2)/kb/reload"
add DESK_URL "http://127.0.0.1:$(grep '^DESK_PORT=' "$file" | cut -d= -f2)"
add POSTGRES_HOST 127.0.0.1
add POSTGRES_PORT 5432
add POSTGRES_USER assistant
add POSTGRES_PASSWORD change-me
add TRACKER_DATABASE rasa_tracker
add TRACKER_DB postgresql+psycopg://assistant:change-me@127.0.0.1:5432/rasa_tracker
add DESK_DATABASE postgresql+psycopg://assistant:change-me@127.0.0.1:5432/desk
add ANALYTICS_DATABASE postgresql+psycopg://assistant:change-me@127.0.0.1:5432/desk
add REDIS_HOST 127.0.0.1
add REDIS_PORT 6379
add REDIS_LOCK_DB 1
add SOCKETIO_MESSAGE_QUEUE redis://127.0.0.1:6379/2
add CHANNEL_DEDUP_URL redis://127.0.0.1:6379/3
add DESK_LIVE_URL redis://127.0.0.1:6379/4
# Order-check limits and remembered verifications, shared by both action servers (a shopper
# cannot reset a limit by reaching the other one).
add ORDER_LIMITS_STORAGE redis://127.0.0.1:6379/5
add KB_SIGNAL_LIMITS_STORAGE redis://127.0.0.1:6379/5
# The desk's sign-in, upload and transcript-mail limits, shared by both desk processes.
add DESK_LIMITS_STORAGE redis://127.0.0.1:6379/6
add TICKET_LOCK_LIFETIME 30
add RABBITMQ_HOST 127.0.0.1
add RABBITMQ_PORT 5672
add RABBITMQ_USER guest
add RABBITMQ_PASSWORD guest
add EVENT_BROKER_QUEUE rasa_events
add EVENT_BROKER_URL amqp://guest:guest@127.0.0.1:5672/
add KB_INDEX_DIR var/kb_index
