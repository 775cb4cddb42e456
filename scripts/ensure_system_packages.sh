#!/usr/bin/env bash
# Install the Debian packages the tests need (headless Chromium for browser tests;
# PostgreSQL, Redis, RabbitMQ and HAProxy for the scaled profile's tests), once. The tests
# start their own servers on free ports in temporary folders, never the system services. Needs root (CI runs as root); prints how to install them otherwise.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -d /usr/lib/rabbitmq ] || missing+=(rabbitmq-server)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} (Debian packages, first run only)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d 101: the packages must not start their system services (tests run their own).
policy=/usr/sbin/policy-rc.d; had_policy=0; [ -e $policy ] && had_policy=1
[ $had_policy -eq 1 ] || { printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; }
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ $had_policy -eq 1 ] || rm -f $policy
