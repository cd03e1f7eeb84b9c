#!/usr/bin/env bash
# The archive benchmark (plan §8.1): the final backup of PostgreSQL into an S3 archive beside the
# same export into a csv folder, in one run, on the same events, and the archive's size beside
# the CSV's.
#   1. a throw-away PostgreSQL 15 (scripts/start-postgres.sh) loaded with EVENTS generated events
#      (default 1,000,000) by vdpark migrate csv -> postgres;
#   2. s3rver (scripts/start-s3rver.sh) on the same machine, objects on disk;
#   3. vdpark migrate postgres -> csv:DIR and postgres -> s3://archive/timescale/, each timed, with
#      peak memory (GNU time's max RSS); then verify postgres -> s3 (every item);
#   4. a markdown table: events/s of each, s3 / csv, the bytes of the csv folder and of the
#      archive's objects (gzip), and their ratio.
# Usage: bench/archive_bench.sh [EVENTS]   (needs a Release build in build/; ./test.sh makes one)
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-1000000}
DIR=${BENCH_DIR:-/tmp/vdpark-archive-bench}
BIN=build
rm -rf "$DIR" && mkdir -p "$DIR"
export PG_TEST_DIR="$DIR/pg" S3RVER_DIR="$DIR/s3" S3RVER_PID_FILE="$DIR/s3rver.pid" \
  S3RVER_LOG="$DIR/s3rver.log"
# The server checks that requests are signed, not by whom: dummy keys, never the caller's own.
export AWS_ACCESS_KEY_ID=AKIDVDPARKTEST AWS_SECRET_ACCESS_KEY=vdpark-test-secret
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
cleanup() {
  scripts/stop-postgres.sh >/dev/null 2>&1 || true
  scripts/stop-s3rver.sh >/dev/null 2>&1 || true
}
trap cleanup EXIT
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
migrate() {
  local name=$1; shift
  local start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$DIR/$name.rss" $BIN/vdpark migrate "$@" --retention-days 0 \
    --checkpoint "$DIR/$name.checkpoint.json" --record-dir "$DIR/records" --restart \
    --rejects "$DIR/$name.rejects.csv" \
    --json >"$DIR/$name.json"
  python3 -c "print(f'{$EPOCHREALTIME - $start:.2f}')" >"$DIR/$name.seconds"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p')" >&2
eval "$(scripts/start-postgres.sh)"
eval "$(scripts/start-s3rver.sh)"
PG=$VDPARK_POSTGRES_URL
S3="s3://archive/timescale/?endpoint=$VDPARK_S3_ENDPOINT&region=me-central-1"

$BIN/vdpark generate --out "csv:$DIR/export" --events "$EVENTS" --json >"$DIR/generate.json"
$BIN/vdpark schema create --target "$PG" >/dev/null
migrate load --source "csv:$DIR/export" --target "$PG"

migrate to-csv --source "$PG" --target "csv:$DIR/csv"
migrate to-s3 --source "$PG" --target "$S3"
$BIN/vdpark verify --source "$PG" --target "$S3" --json --record-dir "$DIR/records" >"$DIR/verify.json"

python3 - "$DIR" <<'PY'
import json, os, sys
d = sys.argv[1]
def du(path):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)
def run(name):
    with open(f"{d}/{name}.json") as f:
        j = json.loads(f.read().strip().splitlines()[-1])
    seconds = float(open(f"{d}/{name}.seconds").read())
    rss = int(open(f"{d}/{name}.rss").read().strip().splitlines()[-1]) / 1024
    return j, seconds, rss
verify = json.loads(open(f"{d}/verify.json").read().strip().splitlines()[-1])
csv_j, csv_s, csv_rss = run("to-csv")
s3_j, s3_s, s3_rss = run("to-s3")
assert csv_j["eventsWritten"] == s3_j["eventsWritten"], (csv_j["eventsWritten"], s3_j["eventsWritten"])
events = s3_j["eventsWritten"]
csv_bytes = du(f"{d}/csv")
s3_bytes = du(f"{d}/s3")
print(f"{events:,} events; verify postgres -> s3: ok={verify['ok']}, {verify['totalDifferences']} differences\n")
print("| export | seconds | events/s | peak memory | bytes |")
print("|---|---|---|---|---|")
print(f"| postgres -> csv | {csv_s:.1f} | {events/csv_s:,.0f} | {csv_rss:.0f} MB | {csv_bytes:,} |")
print(f"| **postgres -> s3** (gzip, manifest) | {s3_s:.1f} | **{events/s3_s:,.0f}** | {s3_rss:.0f} MB | {s3_bytes:,} |")
print(f"\ns3 / csv: {csv_s/s3_s:.2f}x the rate; archive {s3_bytes/csv_bytes:.2f} of the CSV's size")
PY
