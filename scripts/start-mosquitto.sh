#!/usr/bin/env bash
# Starts a private Mosquitto MQTT broker for the tests, in the background.
#
# Its configuration is config/mosquitto.conf (persistence on, deep per-client queues: see the
# comments there), filled in with a free loopback port and the folder $MOSQUITTO_DIR (default
# .deps/mosquitto-test): mosquitto.conf, data/ (the persistence database), mosquitto.log and
# mosquitto.pid all inside it. When it answers, prints on stdout the line to evaluate:
#   export VDPARK_MQTT_URL=mqtt://127.0.0.1:PORT
# Stop it (and remove the folder) with scripts/stop-mosquitto.sh, with the same MOSQUITTO_DIR.
#
#   eval "$(scripts/start-mosquitto.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DIR="${MOSQUITTO_DIR:-$ROOT/.deps/mosquitto-test}"
BIN="${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"

[ -x "$BIN" ] || { echo "start-mosquitto: mosquitto not found (scripts/install-deps.sh installs mosquitto)" >&2; exit 1; }

# A broker left by an earlier run in the same folder is stopped and replaced.
if [ -d "$DIR" ]; then MOSQUITTO_DIR="$DIR" "$ROOT/scripts/stop-mosquitto.sh" || true; fi
mkdir -p "$DIR/data"
DIR="$(cd "$DIR" && pwd)"

# The port is free when chosen but could be taken before the broker binds it: try a few.
for _ in 1 2 3; do
  PORT="$("$ROOT/scripts/free-port.sh")"
  sed -e "s|@PORT@|$PORT|g" -e "s|@DATA_DIR@|$DIR/data/|g" -e "s|@PID_FILE@|$DIR/mosquitto.pid|g" \
    -e "s|@LOG_FILE@|$DIR/mosquitto.log|g" -e "s|@USER@|$(id -un)|g" \
    "$ROOT/config/mosquitto.conf" >"$DIR/mosquitto.conf"
  nohup "$BIN" -c "$DIR/mosquitto.conf" >"$DIR/stderr.log" 2>&1 </dev/null &
  PID=$!
  for _ in $(seq 100); do
    if ! kill -0 "$PID" 2>/dev/null; then break; fi
    # It answers once the listener is open (and has written its pid file).
    if [ -s "$DIR/mosquitto.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      echo "$PID" >"$DIR/mosquitto.pid"
      echo "start-mosquitto: $("$BIN" -h 2>/dev/null | head -1) pid $PID in $DIR on 127.0.0.1:$PORT" >&2
      echo "export VDPARK_MQTT_URL=mqtt://127.0.0.1:$PORT"
      exit 0
    fi
    sleep 0.1
  done
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -f "$DIR/mosquitto.pid"
done
echo "start-mosquitto: mosquitto did not start; its output and log ($DIR):" >&2
cat "$DIR/stderr.log" "$DIR/mosquitto.log" >&2 2>/dev/null || true
exit 1
