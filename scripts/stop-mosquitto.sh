#!/usr/bin/env bash
# Stops the broker that scripts/start-mosquitto.sh started in $MOSQUITTO_DIR (default
# .deps/mosquitto-test), if it still runs, and removes the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${MOSQUITTO_DIR:-$PWD/.deps/mosquitto-test}"
[ -d "$DIR" ] || exit 0
PID="$(cat "$DIR/mosquitto.pid" 2>/dev/null || true)"
if [ -n "$PID" ] && kill "$PID" 2>/dev/null; then
  # SIGTERM: it saves its database and exits; give it 10 s before SIGKILL.
  for _ in $(seq 100); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$PID" 2>/dev/null || true
fi
rm -rf "$DIR"
