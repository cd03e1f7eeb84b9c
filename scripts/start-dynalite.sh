#!/usr/bin/env bash
# Starts dynalite (a DynamoDB API server on Node.js, in memory) for the tests, in the background.
#
# Installs dynalite 4.x into ./.deps/node_modules the first time. Listens on a free loopback
# port, tables become ACTIVE and are deleted at once (no 500 ms CREATING/DELETING states).
# When it answers, prints on stdout the line to evaluate:
#   export VDPARK_DYNAMODB_ENDPOINT=http://127.0.0.1:PORT
# and writes its pid to $DYNALITE_PID_FILE (default .deps/dynalite.pid), its log to
# $DYNALITE_LOG (default .deps/dynalite.log). Stop it with scripts/stop-dynalite.sh.
#
#   eval "$(scripts/start-dynalite.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DEPS="$ROOT/.deps"
PID_FILE="${DYNALITE_PID_FILE:-$DEPS/dynalite.pid}"
LOG="${DYNALITE_LOG:-$DEPS/dynalite.log}"
BIN="$DEPS/node_modules/dynalite/cli.js"

command -v node >/dev/null || { echo "start-dynalite: node is not installed (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$DEPS"
if [ ! -f "$BIN" ]; then
  command -v npm >/dev/null || { echo "start-dynalite: npm is not installed (scripts/install-deps.sh)" >&2; exit 1; }
  echo "start-dynalite: installing dynalite@4 into $DEPS" >&2
  npm install --prefix "$DEPS" --no-audit --no-fund --loglevel=error dynalite@4 >&2
fi

# Another instance started from this checkout is stopped first, so its port is not leaked.
if [ -f "$PID_FILE" ]; then
  old="$(cat "$PID_FILE")"
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then kill "$old" 2>/dev/null || true; fi
  rm -f "$PID_FILE"
fi

# The port is free when chosen but could be taken before dynalite binds it: try a few.
for _ in 1 2 3; do
  PORT="$("$ROOT/scripts/free-port.sh")"
  nohup node "$BIN" --host 127.0.0.1 --port "$PORT" \
    --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 >"$LOG" 2>&1 </dev/null &
  PID=$!
  for _ in $(seq 100); do
    if ! kill -0 "$PID" 2>/dev/null; then break; fi
    # dynalite answers GET / with "healthy: ..." once it listens.
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && grep -q healthy <&3) 2>/dev/null; then
      echo "$PID" >"$PID_FILE"
      echo "start-dynalite: dynalite $(node -p "require('$DEPS/node_modules/dynalite/package.json').version") pid $PID on 127.0.0.1:$PORT" >&2
      echo "export VDPARK_DYNAMODB_ENDPOINT=http://127.0.0.1:$PORT"
      exit 0
    fi
    sleep 0.1
  done
  kill "$PID" 2>/dev/null || true
done
echo "start-dynalite: dynalite did not start; its log ($LOG):" >&2
cat "$LOG" >&2 || true
exit 1
