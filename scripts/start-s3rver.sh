#!/usr/bin/env bash
# Starts s3rver (an S3 server on Node.js that stores objects on disk) for the tests, in the
# background, through scripts/s3rver-server.mjs (which also accepts the tests' dummy key id and
# says what s3rver does not check).
#
# Installs s3rver 3.7.1 into ./.deps/node_modules the first time. Listens on a free loopback
# port, keeps its objects in $S3RVER_DIR (default .deps/s3rver-data; emptied at start). When it
# answers, prints on stdout the line to evaluate:
#   export VDPARK_S3_ENDPOINT=http://127.0.0.1:PORT
# and writes its pid to $S3RVER_PID_FILE (default .deps/s3rver.pid), its log to $S3RVER_LOG
# (default .deps/s3rver.log). Stop it with scripts/stop-s3rver.sh.
#
#   eval "$(scripts/start-s3rver.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DEPS="$ROOT/.deps"
PID_FILE="${S3RVER_PID_FILE:-$DEPS/s3rver.pid}"
LOG="${S3RVER_LOG:-$DEPS/s3rver.log}"
DATA="${S3RVER_DIR:-$DEPS/s3rver-data}"
PACKAGE="s3rver@3.7.1"

command -v node >/dev/null || { echo "start-s3rver: node is not installed (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$DEPS"
if [ "$(node -p "try { require('$DEPS/node_modules/s3rver/package.json').version } catch (e) { '' }")" != "3.7.1" ]; then
  command -v npm >/dev/null || { echo "start-s3rver: npm is not installed (scripts/install-deps.sh)" >&2; exit 1; }
  echo "start-s3rver: installing $PACKAGE into $DEPS" >&2
  npm install --prefix "$DEPS" --save-exact --no-audit --no-fund --loglevel=error "$PACKAGE" >&2
fi

# Another instance started with this pid file is stopped first, so its port is not leaked.
if [ -f "$PID_FILE" ]; then
  old="$(cat "$PID_FILE")"
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then kill "$old" 2>/dev/null || true; fi
  rm -f "$PID_FILE"
fi
rm -rf "$DATA"
mkdir -p "$DATA"

# The port is free when chosen but could be taken before s3rver binds it: try a few.
for _ in 1 2 3; do
  PORT="$("$ROOT/scripts/free-port.sh")"
  nohup node --openssl-legacy-provider "$ROOT/scripts/s3rver-server.mjs" "$PORT" "$DATA" >"$LOG" 2>&1 </dev/null &
  PID=$!
  for _ in $(seq 100); do
    if ! kill -0 "$PID" 2>/dev/null; then break; fi
    if grep -q "s3rver listening on" "$LOG" 2>/dev/null; then
      echo "$PID" >"$PID_FILE"
      echo "start-s3rver: s3rver 3.7.1 pid $PID on 127.0.0.1:$PORT, objects in $DATA" >&2
      echo "export VDPARK_S3_ENDPOINT=http://127.0.0.1:$PORT"
      exit 0
    fi
    sleep 0.1
  done
  kill "$PID" 2>/dev/null || true
done
echo "start-s3rver: s3rver did not start; its log ($LOG):" >&2
cat "$LOG" >&2 || true
exit 1
