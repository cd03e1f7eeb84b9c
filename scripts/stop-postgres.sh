#!/usr/bin/env bash
# Stops the cluster that scripts/start-postgres.sh started in $PG_TEST_DIR (default
# .deps/pg-test), if it still runs, and removes the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${PG_TEST_DIR:-$PWD/.deps/pg-test}"
BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
[ -d "$DIR" ] || exit 0
if [ -f "$DIR/data/postmaster.pid" ]; then
  AS=()
  [ "$(id -u)" -eq 0 ] && AS=(runuser -u postgres --)
  # Fast shutdown: open sessions are ended, nothing waits for clients.
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || {
    pid="$(head -1 "$DIR/data/postmaster.pid" 2>/dev/null || true)"
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  }
fi
rm -rf "$DIR"
