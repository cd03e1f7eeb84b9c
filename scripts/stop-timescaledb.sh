#!/usr/bin/env bash
# Stops the TimescaleDB that scripts/start-timescaledb.sh started (its pid file), if it still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/stop-by-pid-file.sh "${TIMESCALE_PID_FILE:-$PWD/.deps/timescaledb.pid}"
