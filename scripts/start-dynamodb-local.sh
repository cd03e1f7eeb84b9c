#!/usr/bin/env bash
# Starts AWS's DynamoDB Local (a Java server, in memory) for the tests, in the background.
#
# DynamoDB Local is AWS's own emulator: unlike dynalite it has TransactWriteItems and DynamoDB
# Streams. Its jar (1.25.1) comes in the npm package amplify-dynamodb-simulator@2.9.30 (folder
# emulator/), installed into ./.deps/node_modules the first time; it runs on Debian's
# openjdk-17-jre-headless (scripts/install-deps.sh). Listens on a free loopback port. When it
# answers a signed ListTables, prints on stdout the line to evaluate:
#   export VDPARK_DYNAMODB_LOCAL_ENDPOINT=http://127.0.0.1:PORT
# and writes its pid to $DYNAMODB_LOCAL_PID_FILE (default .deps/dynamodb-local.pid), its log to
# $DYNAMODB_LOCAL_LOG (default .deps/dynamodb-local.log). Stop it with
# scripts/stop-dynamodb-local.sh.
#
#   eval "$(scripts/start-dynamodb-local.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DEPS="$ROOT/.deps"
PID_FILE="${DYNAMODB_LOCAL_PID_FILE:-$DEPS/dynamodb-local.pid}"
LOG="${DYNAMODB_LOCAL_LOG:-$DEPS/dynamodb-local.log}"
PACKAGE="amplify-dynamodb-simulator@2.9.30"
EMULATOR="$DEPS/node_modules/amplify-dynamodb-simulator/emulator"

command -v java >/dev/null || {
  echo "start-dynamodb-local: java is not installed: apt-get install openjdk-17-jre-headless" \
    "(scripts/install-deps.sh installs it)" >&2
  exit 1
}
mkdir -p "$DEPS"
if [ ! -f "$EMULATOR/DynamoDBLocal.jar" ]; then
  command -v npm >/dev/null || { echo "start-dynamodb-local: npm is not installed (scripts/install-deps.sh)" >&2; exit 1; }
  echo "start-dynamodb-local: installing $PACKAGE (DynamoDB Local's jar) into $DEPS" >&2
  npm install --prefix "$DEPS" --save-exact --no-audit --no-fund --loglevel=error "$PACKAGE" >&2
  [ -f "$EMULATOR/DynamoDBLocal.jar" ] || { echo "start-dynamodb-local: $PACKAGE has no $EMULATOR/DynamoDBLocal.jar" >&2; exit 1; }
fi

# Another instance started with this pid file is stopped first, so its port is not leaked.
if [ -f "$PID_FILE" ]; then
  old="$(cat "$PID_FILE")"
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then kill "$old" 2>/dev/null || true; fi
  rm -f "$PID_FILE"
fi

# Whether DynamoDB Local on PORT answers ListTables with 200. It wants the request signed (any
# key will do), so the probe carries a well-formed Authorization header.
answers() {
  local port=$1 body='{}' reply
  reply="$( (exec 3<>"/dev/tcp/127.0.0.1/$port" &&
    printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDVDPARKTEST/20260101/me-central-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
      "$port" "${#body}" "$body" >&3 && timeout 2 cat <&3) 2>/dev/null)" || return 1
  [[ "$reply" == "HTTP/1.1 200"* && "$reply" == *TableNames* ]]
}

# The port is free when chosen but could be taken before the server binds it: try a few.
for _ in 1 2 3; do
  PORT="$("$ROOT/scripts/free-port.sh")"
  # cwd = the emulator folder: the jar finds its native SQLite library (DynamoDBLocal_lib) there.
  (cd "$EMULATOR" && exec nohup java -Djava.library.path=DynamoDBLocal_lib -jar DynamoDBLocal.jar \
    -inMemory -sharedDb -port "$PORT" -disableTelemetry) >"$LOG" 2>&1 </dev/null &
  PID=$!
  for _ in $(seq 300); do
    if ! kill -0 "$PID" 2>/dev/null; then break; fi
    if answers "$PORT"; then
      echo "$PID" >"$PID_FILE"
      echo "start-dynamodb-local: DynamoDB Local $(sed -n "s/^Version:[[:space:]]*//p" "$LOG" | head -1) pid $PID on 127.0.0.1:$PORT" >&2
      echo "export VDPARK_DYNAMODB_LOCAL_ENDPOINT=http://127.0.0.1:$PORT"
      exit 0
    fi
    sleep 0.1
  done
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
done
echo "start-dynamodb-local: DynamoDB Local did not start; its log ($LOG):" >&2
cat "$LOG" >&2 || true
exit 1
