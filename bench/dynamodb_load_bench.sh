#!/usr/bin/env bash
# The DynamoDB load benchmark: vdpark's loader beside the plan's (MIGRATION_PLAN §5.3), one run, the
# same server, the same data (SPEC §7: "a loader written the plan's way").
#   1. start AWS's DynamoDB Local (scripts/start-dynamodb-local.sh; DYNAMODB_SERVER=dynalite for
#      dynalite), with this run's own pid file, stopped on exit;
#   2. generate an export of EVENTS events (default 200,000);
#   3. the plan's loader, bench/node/plan_loader.mjs on the AWS SDK v3, events only, each mode into
#      a fresh table of SPEC §3:
#        plan        sequential batches of 25 with the plan's `await sleep(100)`, on the first
#                    PLAN_LIMIT events only (default 5,000): at under 250 items/s the 200,000
#                    events would take about 15 minutes, most of it asleep
#        nopause     sequential batches of 25, no pause, every event
#        parallel16  16 batches in flight, every event
#   4. vdpark migrate csv -> dynamodb --concurrency 16 into a fresh table (zones, bays and sensors
#      too: its rate counts every item it wrote);
#   5. each table counted (Scan COUNT) against what its loader says it wrote, then dropped;
#   6. a markdown table of items/s and the ratios vdpark / parallel16 and vdpark / plan.
# The server (one Java or Node.js process) shares the machine: it is the ceiling every loader meets.
#
# Usage: bench/dynamodb_load_bench.sh [EVENTS]
#   needs a build in build/ (scripts/build.sh; VDPARK_BIN_DIR=other/build to use another), Node.js
#   and npm (the SDK is installed into bench/node/node_modules the first time).
#   BENCH_DIR (default /tmp/vdpark-dynamodb-bench) keeps the export, the logs and each run's JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-200000}
SERVER=${DYNAMODB_SERVER:-local}  # local: AWS's DynamoDB Local; dynalite
PLAN_LIMIT=${PLAN_LIMIT:-5000}
DIR=${BENCH_DIR:-/tmp/vdpark-dynamodb-bench}
BIN=${VDPARK_BIN_DIR:-build}
REGION=me-central-1
NODE_DIR=bench/node

rm -rf "$DIR" && mkdir -p "$DIR"
[ -x "$BIN/vdpark" ] || { echo "no $BIN/vdpark: build first (scripts/build.sh)" >&2; exit 1; }

# The servers check that requests are signed, not by whom: dummy keys, never the caller's own.
export AWS_ACCESS_KEY_ID=AKIDVDPARKBENCH AWS_SECRET_ACCESS_KEY=vdpark-bench-secret
export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB
# The SDK warns on stderr about future Node versions; the logs keep only what matters.
export NODE_NO_WARNINGS=1

# --- 1. the server, stopped however the script ends -----------------------------------------------
# This run's own server, never one found in the environment; a fresh one for each loader, so that
# none pays for what another left in it (DynamoDB Local slows down as tables come and go: it keeps
# the streams of deleted tables).
unset VDPARK_DYNAMODB_ENDPOINT VDPARK_DYNAMODB_LOCAL_ENDPOINT
if [ "$SERVER" = local ]; then
  export DYNAMODB_LOCAL_PID_FILE=$DIR/dynamodb-local.pid DYNAMODB_LOCAL_LOG=$DIR/dynamodb-local.log
  trap scripts/stop-dynamodb-local.sh EXIT
  fresh_server() {
    scripts/stop-dynamodb-local.sh || true
    local started
    started=$(scripts/start-dynamodb-local.sh)  # on its own line: a failed start stops the script
    eval "$started"
    ENDPOINT=$VDPARK_DYNAMODB_LOCAL_ENDPOINT
  }
  SERVER_NAME="DynamoDB Local 1.25.1 (npm amplify-dynamodb-simulator@$(node -p "require('./.deps/node_modules/amplify-dynamodb-simulator/package.json').version" 2>/dev/null || echo 2.9.30))"
else
  export DYNALITE_PID_FILE=$DIR/dynalite.pid DYNALITE_LOG=$DIR/dynalite.log
  trap scripts/stop-dynalite.sh EXIT
  fresh_server() {
    scripts/stop-dynalite.sh || true
    local started
    started=$(scripts/start-dynalite.sh)
    eval "$started"
    ENDPOINT=$VDPARK_DYNAMODB_ENDPOINT
  }
  SERVER_NAME="dynalite $(node -p "require('./.deps/node_modules/dynalite/package.json').version")"
fi
fresh_server
[ -d "$NODE_DIR/node_modules/@aws-sdk/client-dynamodb" ] ||
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error >&2

# --- helpers -------------------------------------------------------------------------------------
url() { echo "dynamodb://$1?endpoint=$ENDPOINT&region=$REGION"; }
# Runs "$@" with its stdout to FILE and its stderr to FILE.err; on failure shows both and stops.
run() {
  local out=$1
  shift
  if ! "$@" >"$out" 2>"$out.err"; then
    echo "failed: $*" >&2
    cat "$out" "$out.err" >&2
    exit 1
  fi
}
# (`vdpark table create --help` would print the top-level help and succeed on a build without it.)
if "$BIN/vdpark" --help | grep -qE '^ +table +'; then
  create_table() { run "$DIR/table-$1.log" "$BIN/vdpark" table create --target "$(url "$1")"; }
  delete_table() { run "$DIR/table-$1.log" "$BIN/vdpark" table delete --target "$(url "$1")" --yes; }
else
  create_table() { run "$DIR/table-$1.log" node "$NODE_DIR/table.mjs" create --endpoint "$ENDPOINT" --table "$1"; }
  delete_table() { run "$DIR/table-$1.log" node "$NODE_DIR/table.mjs" delete --endpoint "$ENDPOINT" --table "$1"; }
fi
count_table() { run "$DIR/$2.count" node "$NODE_DIR/table.mjs" count --endpoint "$ENDPOINT" --table "$1"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# --- 2. the data ---------------------------------------------------------------------------------
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p')" >&2
echo "$SERVER_NAME at $ENDPOINT," \
  "AWS SDK $(node -p "require('./$NODE_DIR/node_modules/@aws-sdk/client-dynamodb/package.json').version")," \
  "node $(node --version)" >&2
run "$DIR/generate.json" "$BIN/vdpark" generate --out "csv:$DIR/export" --events "$EVENTS" --json
events=$(json '["events"]' <"$DIR/generate.json")

# --- 3. the plan's loader, three ways ------------------------------------------------------------
for mode in plan nopause parallel16; do
  table=bench-$mode
  limit=()
  [ "$mode" = plan ] && limit=(--limit "$PLAN_LIMIT")
  echo "plan's loader, $mode ..." >&2
  fresh_server
  create_table "$table"
  run "$DIR/$mode.json" node "$NODE_DIR/plan_loader.mjs" --mode "$mode" --endpoint "$ENDPOINT" \
    --table "$table" --region "$REGION" --dir "$DIR/export" "${limit[@]}"
  count_table "$table" "$mode"
  delete_table "$table"
done

# --- 4. vdpark ------------------------------------------------------------------------------------
echo "vdpark migrate ..." >&2
fresh_server
create_table bench-vdpark
run "$DIR/vdpark.json" "$BIN/vdpark" migrate --source "csv:$DIR/export" --target "$(url bench-vdpark)" \
  --concurrency 16 --rejects "$DIR/vdpark-rejects.csv" --json
count_table bench-vdpark vdpark
delete_table bench-vdpark

# --- 5. the table --------------------------------------------------------------------------------
python3 - "$DIR" "$events" "$PLAN_LIMIT" <<'PY'
import json, sys
d, events, plan_limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(name):
    with open(f"{d}/{name}.json") as f:
        return json.loads(f.read().strip().splitlines()[-1])
def count(name):
    with open(f"{d}/{name}.count") as f:
        return int(f.read().strip())
runs = {m: load(m) for m in ("plan", "nopause", "parallel16")}
v = load("vdpark")
v_items = v["zones"] + v["bays"] + v["sensors"] + v["eventsWritten"]
v_rate = v_items / v["seconds"]
problems = []
for m, r in runs.items():
    if count(m) != r["items"]:
        problems.append(f"{m}: loader says {r['items']} items, table holds {count(m)}")
# A source row sharing a key with an earlier one overwrites it (SPEC §3): the table holds fewer.
if count("vdpark") != v_items - v["duplicates"]:
    problems.append(f"vdpark: wrote {v_items} items ({v['duplicates']} duplicate keys), table holds {count('vdpark')}")
if v["expired"] or v["rejected"]:
    problems.append(f"vdpark: {v['expired']} events skipped as expired, {v['rejected']} rejected")
plan_rate = runs["plan"]["items_per_s"]
par_rate = runs["parallel16"]["items_per_s"]
print(f"Export: {events:,} events (vdpark also loads {v['zones']+v['bays']+v['sensors']:,} zones, bays and sensors).\n")
print("| loader | items | seconds | items/s | vdpark is | items the plan's loader would drop (UnprocessedItems) |")
print("|---|---|---|---|---|---|")
rows = [
    ("plan", f"plan's loader as written: 25 per batch, sequential, sleep(100) (first {plan_limit:,} events)"),
    ("nopause", "plan's loader without the pause"),
    ("parallel16", "plan's loader, 16 batches in flight"),
]
for m, label in rows:
    r = runs[m]
    print(f"| {label} | {r['items']:,} | {r['seconds']:.1f} | {r['items_per_s']:,.0f} | "
          f"{v_rate / r['items_per_s']:.1f}x | {r['unprocessed_dropped']:,} |")
print(f"| **vdpark migrate --concurrency 16** (every item, events {v['eventsPerSecond']:,.0f}/s) | "
      f"{v_items:,} | {v['seconds']:.1f} | **{v_rate:,.0f}** | | 0 (resent until applied) |")
print()
print(f"vdpark / parallel16: {v_rate / par_rate:.2f}x; vdpark / plan: {v_rate / plan_rate:.1f}x")
if problems:
    print("\nCOUNT MISMATCH: " + "; ".join(problems))
    sys.exit(1)
PY
