#!/usr/bin/env bash
# Live ingest into DynamoDB beside embedded (issue 14, SPEC §4): `vdpark serve` taking the same N
# sensor messages from Mosquitto into a table on AWS's DynamoDB Local (every bay change one
# TransactWriteItems: event, bay, zone counter and sensor together) and into an embedded store,
# in one run, ROUNDS times, and the medians.
#   1. DynamoDB Local and Mosquitto (the project's scripts, this run's own pid files and folders),
#      stopped on exit;
#   2. a fleet (`vdpark generate`), loaded into a fresh table and a fresh embedded store each round;
#   3. serve on the store (ingest, and /metrics on a loopback port), then `vdpark simulate --speed 0
#      --messages N` publishing the fleet's traffic as fast as the broker takes it; the rate is N
#      over the time from the first publish until serve's vdpark_ingest_messages_total reaches N;
#      serve's vdpark_store_live_writes_total says which path its writes took;
#   4. the live view across processes: an ingest-only and an API-only serve on one table, and
#      `vdpark probe --stream` PROBES times: publish -> the API process's live stream and REST API;
#   5. the write units one message of each kind costs (build/live_write_units_bench), the capacity
#      plan's input (docs/capacity.md).
# DynamoDB Local runs on this machine too (one Java process): what it costs is in the figure, where
# on AWS a network round trip (a few milliseconds) would be; serve handles one message at a time,
# so its rate on AWS is about one over that latency.
#
# Usage: bench/live_ingest_stores_bench.sh [N] [ROUNDS]   (default 20000, 3; a Release build in
# build/, BIN=other/build for another)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
ROUNDS=${2:-3}
DIR=${BENCH_DIR:-/tmp/vdpark-live-ingest-bench}
BIN=${BIN:-build}
rm -rf "$DIR" && mkdir -p "$DIR"
export AWS_ACCESS_KEY_ID=AKIDVDPARKBENCH AWS_SECRET_ACCESS_KEY=vdpark-bench-secret
export AWS_REGION=me-central-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB
unset VDPARK_DYNAMODB_LOCAL_ENDPOINT VDPARK_MQTT_URL

export DYNAMODB_LOCAL_PID_FILE=$DIR/dynamodb-local.pid DYNAMODB_LOCAL_LOG=$DIR/dynamodb-local.log
export MOSQUITTO_DIR=$DIR/mosquitto
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
  scripts/stop-dynamodb-local.sh || true
  scripts/stop-mosquitto.sh || true
}
trap cleanup EXIT
# DynamoDB Local slows down as tables come and go (it keeps the streams of deleted tables: a
# second round's load on the same server took minutes where the first took seconds): a fresh one
# for each round and for each step below.
fresh_dynamodb_local() {
  scripts/stop-dynamodb-local.sh || true
  local started
  started=$(scripts/start-dynamodb-local.sh)
  eval "$started"
  ENDPOINT=$VDPARK_DYNAMODB_LOCAL_ENDPOINT
}
started=$(scripts/start-mosquitto.sh)
eval "$started"
MQTT=$VDPARK_MQTT_URL
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB," \
  "$(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

FLEET=(--seed 42 --zones 20 --days 1 --end 2026-11-01T00:00:00Z)
"$BIN/vdpark" generate --out "csv:$DIR/export" "${FLEET[@]}" >/dev/null

metric() {  # port name: the value of an unlabelled metric (0 when absent)
  curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2; found=1} END {if (!found) print 0}'
}
# One round on store URL: prints messages/s.
round() {
  local store=$1 name=$2 port
  "$BIN/vdpark" migrate --source "csv:$DIR/export" --target "$store" --retention-days 0 \
    --restart >"$DIR/migrate-$name.log" 2>&1
  port=$(scripts/free-port.sh)
  "$BIN/vdpark" serve --store "$store" --mqtt "$MQTT" --client-id "bench-$name-$RANDOM" \
    --listen "127.0.0.1:$port" --max-skew 10000d --retention-days 0 >"$DIR/serve-$name.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 200); do grep -q "serving: " "$DIR/serve-$name.log" && break; sleep 0.1; done
  local start end
  start=$(date +%s.%N)
  "$BIN/vdpark" simulate --mqtt "$MQTT" --store "csv:$DIR/export" --start 2026-11-01T00:00:00Z \
    --duration 48h --speed 0 --messages "$N" >"$DIR/simulate-$name.log" 2>&1
  while [ "$(metric "$port" vdpark_ingest_messages_total)" -lt "$N" ]; do sleep 0.05; done
  end=$(date +%s.%N)
  curl -s "http://127.0.0.1:$port/metrics" | grep '^vdpark_store_live_writes_total' \
    >"$DIR/live-writes-$name.txt" || true
  kill "$serve_pid" && wait "$serve_pid" 2>/dev/null || true
  serve_pid=""
  python3 -c "print(f'{$N / ($end - $start):.0f}')"
}

: >"$DIR/results.txt"
for r in $(seq "$ROUNDS"); do
  table="bench-live-$r"
  fresh_dynamodb_local
  "$BIN/vdpark" table create --target "dynamodb://$table?endpoint=$ENDPOINT" >/dev/null
  d=$(round "dynamodb://$table?endpoint=$ENDPOINT" "dynamodb-$r")
  "$BIN/vdpark" table delete --target "dynamodb://$table?endpoint=$ENDPOINT" --yes >/dev/null
  e=$(round "embedded:$DIR/store-$r" "embedded-$r")
  echo "$d $e" >>"$DIR/results.txt"
  echo "round $r: DynamoDB Local $d/s, embedded $e/s ($(cat "$DIR/live-writes-dynamodb-$r.txt" | tr '\n' ' '))" >&2
done
python3 - "$DIR/results.txt" "$N" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
d = statistics.median(r[0] for r in rows)
e = statistics.median(r[1] for r in rows)
ratio = statistics.median(r[0] / r[1] for r in rows)
print(f"| store | messages/s (median of {len(rows)}) | rounds |")
print("|---|---|---|")
print(f"| DynamoDB Local 1.25.1, transactions | **{d:,.0f}** | " + ", ".join(f"{r[0]:,.0f}" for r in rows) + " |")
print(f"| embedded | **{e:,.0f}** | " + ", ".join(f"{r[1]:,.0f}" for r in rows) + " |")
print(f"\nDynamoDB Local / embedded: {ratio:.3f} ({int(sys.argv[2]):,} messages a round)")
PY
echo
# The live view across processes: an ingest-only serve and an API-only serve on one table; `vdpark
# probe` publishes a bay change PROBES times and reports when the API process's GET /stream (fed by
# the table's stream) and its REST API showed it.
PROBES=${PROBES:-20}
table=bench-live-view
fresh_dynamodb_local
"$BIN/vdpark" table create --target "dynamodb://$table?endpoint=$ENDPOINT" >/dev/null
store="dynamodb://$table?endpoint=$ENDPOINT"
"$BIN/vdpark" migrate --source "csv:$DIR/export" --target "$store" --retention-days 0 \
  >"$DIR/migrate-view.log" 2>&1
"$BIN/vdpark" serve --store "$store" --mqtt "$MQTT" --listen "" --client-id bench-view-ingest \
  --retention-days 0 >"$DIR/serve-view-ingest.log" 2>&1 &
ingest_pid=$!
api_port=$(scripts/free-port.sh)
"$BIN/vdpark" serve --store "$store" --listen "127.0.0.1:$api_port" >"$DIR/serve-view-api.log" 2>&1 &
serve_pid=$!
for _ in $(seq 200); do
  grep -q "serving: " "$DIR/serve-view-ingest.log" && grep -q "dashboard: " "$DIR/serve-view-api.log" && break
  sleep 0.1
done
zone=$(curl -s "http://127.0.0.1:$api_port/v1/zones" | python3 -c "import json,sys; print(json.load(sys.stdin)['zones'][0]['zoneId'])")
bay=$(curl -s "http://127.0.0.1:$api_port/v1/zones/$zone/bays" | python3 -c "import json,sys; print(json.load(sys.stdin)['bays'][0]['bayNumber'])")
: >"$DIR/probes.json"
for _ in $(seq "$PROBES"); do
  "$BIN/vdpark" probe --mqtt "$MQTT" --zone "$zone" --bay "$bay" --api "http://127.0.0.1:$api_port" \
    --stream "http://127.0.0.1:$api_port/stream" --json >>"$DIR/probes.json" 2>>"$DIR/probes.err"
done
kill "$ingest_pid" "$serve_pid" 2>/dev/null; wait "$ingest_pid" "$serve_pid" 2>/dev/null || true
serve_pid=""
python3 - "$DIR/probes.json" <<'PY2'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def lat(kind):
    return sorted(t["latencyMs"] for r in runs for t in r["targets"] if t["kind"] == kind and t["shown"])
print(f"| publish -> shown by the API process ({len(runs)} probes) | median | p90 | slowest |")
print("|---|---|---|---|")
for kind, label in (("stream", "its live stream (GET /stream, from the table's stream)"),
                    ("api", "its REST API (GET the bay)")):
    v = lat(kind)
    if len(v) != len(runs):
        sys.exit(f"{kind}: {len(v)} of {len(runs)} probes shown")
    print(f"| {label} | {statistics.median(v):.0f} ms | {v[int(0.9 * (len(v) - 1))]:.0f} ms | {v[-1]:.0f} ms |")
PY2
echo
if [ -x "$BIN/live_write_units_bench" ]; then
  fresh_dynamodb_local
  "$BIN/live_write_units_bench" "$ENDPOINT"
fi
