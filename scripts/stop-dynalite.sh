#!/usr/bin/env bash
# Stops the dynalite that scripts/start-dynalite.sh started (its pid file), if it still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/stop-by-pid-file.sh "${DYNALITE_PID_FILE:-$PWD/.deps/dynalite.pid}"
