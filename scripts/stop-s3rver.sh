#!/usr/bin/env bash
# Stops the s3rver that scripts/start-s3rver.sh started (its pid file), if it still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/stop-by-pid-file.sh "${S3RVER_PID_FILE:-$PWD/.deps/s3rver.pid}"
