#!/usr/bin/env bash
# The PostgreSQL benchmark: export, backfill and rollback against a throw-away PostgreSQL 15 +
# PostGIS cluster, each beside its ceiling, on the same events, in one run.
#   1. start a cluster (scripts/start-postgres.sh, own PG_TEST_DIR, stopped at exit), generate an
#      export of EVENTS events (default 5.1 million), create the schema and load it with
#      vdpark migrate csv -> postgres (its rate is reported too);
#   2. export: vdpark migrate postgres -> csv, beside the ceiling: psql \copy (SELECT the event
#      columns) TO /dev/null;
#   3. backfill: vdpark migrate postgres -> embedded: events/s and peak memory (GNU time's max RSS);
#   4. rollback: vdpark migrate embedded -> postgres (a second, empty database), beside the
#      ceiling: psql \copy parking_events FROM events.csv into a third, empty database.
# Usage: bench/postgres_bench.sh [EVENTS]   (needs a Release build in build/; ./test.sh makes one)
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-5100000}
DIR=${BENCH_DIR:-/tmp/vdpark-postgres-bench}
BIN=build
export PG_TEST_DIR="$DIR/pg"
rm -rf "$DIR" && mkdir -p "$DIR"
cleanup() { scripts/stop-postgres.sh >/dev/null 2>&1 || true; }
trap cleanup EXIT
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
now() { echo "$EPOCHREALTIME"; }
# vdpark migrate with its checkpoint kept in the bench folder (never the repository's .vdpark-migrate).
migrate() {
  local name=$1; shift
  /usr/bin/time -f "%M" -o "$DIR/$name.rss" $BIN/vdpark migrate "$@" --retention-days 0 \
    --checkpoint "$DIR/$name.checkpoint.json" --restart --rejects "$DIR/$name.rejects.csv" \
    --json >"$DIR/$name.json"
}
count_events() { PGOPTIONS="-c TimeZone=UTC" psql -X -qAt -v ON_ERROR_STOP=1 "$1" -c "SELECT count(*) FROM parking_events"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p')" >&2
eval "$(scripts/start-postgres.sh)"
URL=$VDPARK_POSTGRES_URL               # the source: loaded from the export
URL2=${URL%/*}/vdpark_rollback          # rollback target of vdpark
URL3=${URL%/*}/vdpark_ceiling           # rollback ceiling: plain \copy
psql -X -q -v ON_ERROR_STOP=1 "${URL%/*}/postgres" -c "CREATE DATABASE vdpark_rollback" -c "CREATE DATABASE vdpark_ceiling"
for u in "$URL" "$URL2" "$URL3"; do $BIN/vdpark schema create --target "$u" >/dev/null; done

$BIN/vdpark generate --out "csv:$DIR/export" --events "$EVENTS" --zones 200 \
  --end 2026-11-27T00:00:00Z --json >"$DIR/generate.json"
events=$(json '["events"]' <"$DIR/generate.json")
size=$(du -m "$DIR/export/events.csv" | cut -f1)
cols="zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode"
header=$(head -1 "$DIR/export/events.csv")

# 1. load: csv -> postgres.
migrate load --source "csv:$DIR/export" --target "$URL"
loaded=$(count_events "$URL")
psql -X -q "$URL" -c "VACUUM ANALYZE" >/dev/null

# 2. export: postgres -> csv, beside psql \copy of the same rows to /dev/null (the ceiling runs
#    first, so if anything it pays for pulling the table into the cache, not vdpark).
t0=$(now)
PGOPTIONS="-c TimeZone=UTC" psql -X -q -v ON_ERROR_STOP=1 "$URL" \
  -c "\copy (SELECT ${cols//,/, } FROM parking_events) TO '/dev/null' WITH CSV"
t1=$(now)
copy_out_s=$(python3 -c "print($t1 - $t0)")
migrate export --source "$URL" --target "csv:$DIR/out" --truncate

# 3. backfill: postgres -> embedded.
migrate backfill --source "$URL" --target "embedded:$DIR/store"

# 4. rollback: embedded -> postgres (empty), beside psql \copy FROM events.csv into another empty one.
migrate rollback --source "embedded:$DIR/store" --target "$URL2"
rolled=$(count_events "$URL2")
if [ "$header" = "$cols" ]; then
  from="\copy parking_events($cols) FROM '$DIR/export/events.csv' WITH CSV HEADER"
else  # the export carries more columns (sensor_id): copy them all, as the file has them
  from="\copy parking_events($header) FROM '$DIR/export/events.csv' WITH CSV HEADER"
fi
t0=$(now)
PGOPTIONS="-c TimeZone=UTC" psql -X -q -v ON_ERROR_STOP=1 "$URL3" -c "$from"
t1=$(now)
copy_in_s=$(python3 -c "print($t1 - $t0)")
copied=$(count_events "$URL3")

for f in load export backfill rollback; do echo "$f: $(cat "$DIR/$f.json")" >&2; done

python3 - "$DIR" "$events" "$size" "$loaded" "$rolled" "$copied" "$copy_out_s" "$copy_in_s" <<'PY'
import json, sys
d, ev, size, loaded, rolled, copied = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
out_s, in_s = float(sys.argv[7]), float(sys.argv[8])
r = {n: json.load(open(f"{d}/{n}.json")) for n in ("load", "export", "backfill", "rollback")}
rss = {n: int(open(f"{d}/{n}.rss").read().split()[-1]) // 1024 for n in r}
rate = {n: float(r[n]["eventsPerSecond"]) for n in r}
out_ceil, in_ceil = loaded / out_s, copied / in_s
print("| figure | value | beside |")
print("|---|---|---|")
print(f"| events in the export | {ev:,} ({size} MB events.csv); {loaded:,} in PostgreSQL | |")
print(f"| vdpark migrate csv -> postgres (load of the source) | {rate['load']:,.0f} events/s | peak {rss['load']} MB |")
print(f"| ceiling: psql \\copy (SELECT events) TO /dev/null | {out_ceil:,.0f} events/s ({out_s:.1f} s) | |")
print(f"| **vdpark migrate postgres -> csv (export)** | **{rate['export']:,.0f} events/s** | **{100*rate['export']/out_ceil:.0f} % of the ceiling** (goal >= 90 %) |")
print(f"| **vdpark migrate postgres -> embedded (backfill)** | **{rate['backfill']:,.0f} events/s** | |")
print(f"| peak memory of that backfill | {rss['backfill']} MB | goal < 500 MB |")
print(f"| ceiling: psql \\copy parking_events FROM events.csv, empty schema | {in_ceil:,.0f} events/s ({copied:,} in {in_s:.1f} s) | |")
print(f"| **vdpark migrate embedded -> postgres (rollback)** | **{rate['rollback']:,.0f} events/s** ({rolled:,} events) | **{100*rate['rollback']/in_ceil:.0f} % of the ceiling**; peak {rss['rollback']} MB |")
PY
