#!/usr/bin/env bash
# Stops the DynamoDB Local that scripts/start-dynamodb-local.sh started (its pid file), if it
# still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/stop-by-pid-file.sh "${DYNAMODB_LOCAL_PID_FILE:-$PWD/.deps/dynamodb-local.pid}"
