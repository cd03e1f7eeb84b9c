#!/usr/bin/env bash
# Stops the TimescaleDB that scripts/start-timescaledb.sh started (its pid file), if it still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PID_FILE="${TIMESCALE_PID_FILE:-$PWD/.deps/timescaledb.pid}"
[ -f "$PID_FILE" ] || exit 0
PID="$(cat "$PID_FILE")"
rm -f "$PID_FILE"
[ -n "$PID" ] || exit 0
kill "$PID" 2>/dev/null || exit 0
for _ in $(seq 50); do
  kill -0 "$PID" 2>/dev/null || exit 0
  sleep 0.1
done
kill -9 "$PID" 2>/dev/null || true
