#!/usr/bin/env bash
# Installs what is missing, builds, starts what the tests need (dynalite, DynamoDB Local,
# PostgreSQL + PostGIS, Mosquitto, TimescaleDB, s3rver), and runs the whole suite with ctest.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh -DVDPARK_BUILD_TESTS=ON -DVDPARK_BUILD_BENCH=ON

# The DynamoDB tests run against dynalite (in memory, on a free loopback port), stopped on exit.
# A pid file of this run's own, so that runs side by side do not stop each other's server.
ROOT="$PWD"
export DYNALITE_PID_FILE="$ROOT/.deps/dynalite-test.$$.pid" DYNALITE_LOG="$ROOT/.deps/dynalite-test.$$.log"
# The same tests, and those that need TransactWriteItems or Streams, also run against AWS's own
# DynamoDB Local (Java, in memory, on a free loopback port; tests/dynamodb_local.h).
export DYNAMODB_LOCAL_PID_FILE="$ROOT/.deps/dynamodb-local-test.$$.pid" DYNAMODB_LOCAL_LOG="$ROOT/.deps/dynamodb-local-test.$$.log"
# The PostgreSQL tests run against a throw-away cluster (PostGIS, on a free loopback port) in a
# folder of this run's own, removed on exit. One trap stops every server.
export PG_TEST_DIR="$ROOT/.deps/pg-test.$$"
# The MQTT tests run against a private Mosquitto (config/mosquitto.conf, on a free loopback port)
# in a folder of this run's own, removed on exit.
export MOSQUITTO_DIR="$ROOT/.deps/mosquitto-test.$$"
# The TimescaleDB tests (tests/timescaledb) run against TimescaleDB with compression, built to
# WebAssembly (scripts/start-timescaledb.sh), in memory on a free loopback port.
export TIMESCALE_PID_FILE="$ROOT/.deps/timescaledb-test.$$.pid" TIMESCALE_LOG="$ROOT/.deps/timescaledb-test.$$.log"
# The S3 tests (the s3:// store) run against s3rver (scripts/start-s3rver.sh), on a free loopback
# port, its objects in a folder of this run's own, removed on exit.
export S3RVER_PID_FILE="$ROOT/.deps/s3rver-test.$$.pid" S3RVER_LOG="$ROOT/.deps/s3rver-test.$$.log" S3RVER_DIR="$ROOT/.deps/s3rver-test.$$"
trap '"$ROOT/scripts/stop-dynalite.sh"; rm -f "$DYNALITE_LOG"; "$ROOT/scripts/stop-dynamodb-local.sh"; rm -f "$DYNAMODB_LOCAL_LOG"; "$ROOT/scripts/stop-postgres.sh"; "$ROOT/scripts/stop-mosquitto.sh"; "$ROOT/scripts/stop-timescaledb.sh"; rm -f "$TIMESCALE_LOG"; "$ROOT/scripts/stop-s3rver.sh"; rm -rf "$S3RVER_LOG" "$S3RVER_DIR"' EXIT
dynalite_env="$(scripts/start-dynalite.sh)"  # its own line: a failure to start stops the run
eval "$dynalite_env"
export VDPARK_DYNAMODB_ENDPOINT
dynamodb_local_env="$(scripts/start-dynamodb-local.sh)"
eval "$dynamodb_local_env"
export VDPARK_DYNAMODB_LOCAL_ENDPOINT
postgres_env="$(scripts/start-postgres.sh)"
eval "$postgres_env"
export VDPARK_POSTGRES_URL
mosquitto_env="$(scripts/start-mosquitto.sh)"
eval "$mosquitto_env"
export VDPARK_MQTT_URL
timescale_env="$(scripts/start-timescaledb.sh)"
eval "$timescale_env"
export VDPARK_TIMESCALE_URL
s3rver_env="$(scripts/start-s3rver.sh)"
eval "$s3rver_env"
export VDPARK_S3_ENDPOINT
# dynalite and DynamoDB Local check that requests are signed, not by whom (s3rver, that the key id
# is this one: scripts/s3rver-server.mjs): the tests sign with dummy keys, never
# with the caller's own.
export AWS_ACCESS_KEY_ID=AKIDVDPARKTEST AWS_SECRET_ACCESS_KEY=vdpark-test-secret AWS_REGION=me-central-1
unset AWS_SESSION_TOKEN AWS_PROFILE

cd build
status=0
ctest --output-on-failure -j2 --timeout 900 "$@" || status=$?
# A server that ended during the run fails every test after it: say which, with its log's end.
for server in "dynalite $DYNALITE_PID_FILE $DYNALITE_LOG" \
              "DynamoDB-Local $DYNAMODB_LOCAL_PID_FILE $DYNAMODB_LOCAL_LOG" \
              "TimescaleDB $TIMESCALE_PID_FILE $TIMESCALE_LOG" "s3rver $S3RVER_PID_FILE $S3RVER_LOG"; do
  read -r name pid_file log <<<"$server"
  if ! kill -0 "$(cat "$pid_file" 2>/dev/null)" 2>/dev/null; then
    echo "test.sh: $name ended during the run; the end of its log ($log):" >&2
    tail -n 40 "$log" >&2 || true
    status=1
  fi
done
exit "$status"
