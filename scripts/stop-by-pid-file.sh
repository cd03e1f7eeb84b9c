#!/usr/bin/env bash
# Stops the process whose pid the file PID_FILE holds, if it still runs (SIGTERM, then SIGKILL
# after 5 s), and removes the file. For the start-*.sh scripts' servers that keep a pid file.
#
#   scripts/stop-by-pid-file.sh PID_FILE
set -euo pipefail
PID_FILE=$1
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
