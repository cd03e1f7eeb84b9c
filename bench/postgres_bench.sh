#!/usr/bin/env bash
# The PostgreSQL / TimescaleDB benchmark: export, backfill and rollback, each beside its ceiling,
# on the same events, in one run, against one of two servers (SERVER=...):
#   pg15         (default) a throw-away PostgreSQL 15 + PostGIS cluster (scripts/start-postgres.sh),
#                parking_events a plain table;
#   timescaledb  TimescaleDB 2.23 on PostgreSQL 17, built to WebAssembly
#                (scripts/start-timescaledb.sh), parking_events a hypertable of daily chunks, all
#                but the newest COMPRESS_KEEP (default 3 days) compressed, as the customer runs it.
# Steps:
#   1. generate an export of EVENTS events (default 5.1 million; 1 million for timescaledb),
#      create the schema and load it with vdpark migrate csv -> server (its rate is reported too);
#   2. export: vdpark migrate server -> csv, beside the ceiling: psql \copy (SELECT the event
#      columns FROM parking_events) TO /dev/null;
#   3. backfill: vdpark migrate server -> embedded: events/s and peak memory (GNU time's max RSS);
#   4. rollback: vdpark migrate embedded -> server, beside the ceiling: psql \copy parking_events
#      FROM events.csv into an empty table. pg15: into a second, empty database (and the ceiling a
#      third); timescaledb: into the same hypertable, which holds every event in its compressed
#      chunks (the rollback of plan §9 over the data it came from), the ceiling into an empty
#      hypertable beside it.
# Usage: [SERVER=timescaledb] bench/postgres_bench.sh [EVENTS]   (needs a Release build in build/;
# ./test.sh makes one)
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=${SERVER:-pg15}
case "$SERVER" in
  pg15) EVENTS=${1:-5100000} ;;
  timescaledb) EVENTS=${1:-1000000} ;;
  *) echo "postgres_bench: SERVER must be pg15 or timescaledb" >&2; exit 2 ;;
esac
DIR=${BENCH_DIR:-/tmp/vdpark-postgres-bench}
BIN=build
export PG_TEST_DIR="$DIR/pg" TIMESCALE_PID_FILE="$DIR/timescaledb.pid" TIMESCALE_LOG="$DIR/timescaledb.log"
rm -rf "$DIR" && mkdir -p "$DIR"
cleanup() {
  scripts/stop-postgres.sh >/dev/null 2>&1 || true
  scripts/stop-timescaledb.sh >/dev/null 2>&1 || true
}
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
# psql takes the URL without vdpark's own connections= parameter.
psql_url() { local u=${1//&connections=1/}; echo "${u//\?connections=1/}"; }
sql() { local u; u=$(psql_url "$1"); shift; PGOPTIONS="-c TimeZone=UTC" psql -X -qAt -v ON_ERROR_STOP=1 "$u" "$@"; }
count_events() { sql "$1" -c "SELECT count(*) FROM ${2:-parking_events}"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p'); server: $SERVER" >&2
if [ "$SERVER" = pg15 ]; then
  eval "$(scripts/start-postgres.sh)"
  URL=$VDPARK_POSTGRES_URL               # the source: loaded from the export
  URL2=${URL%/*}/vdpark_rollback          # rollback target of vdpark
  URL3=${URL%/*}/vdpark_ceiling           # rollback ceiling: plain \copy
  sql "${URL%/*}/postgres" -c "CREATE DATABASE vdpark_rollback" -c "CREATE DATABASE vdpark_ceiling"
  for u in "$URL" "$URL2" "$URL3"; do $BIN/vdpark schema create --target "$u" >/dev/null; done
  CEILING_TABLE=parking_events
else
  eval "$(scripts/start-timescaledb.sh)"
  URL=$VDPARK_TIMESCALE_URL URL2=$VDPARK_TIMESCALE_URL URL3=$VDPARK_TIMESCALE_URL
  $BIN/vdpark schema create --target "$URL" >/dev/null
  sql "$URL" -c "SELECT set_chunk_time_interval('parking_events', INTERVAL '1 day')" \
    -c "CREATE TABLE parking_events_ceiling (LIKE parking_events INCLUDING ALL)" \
    -c "SELECT create_hypertable('parking_events_ceiling', 'timestamp', chunk_time_interval => INTERVAL '1 day')" >/dev/null
  CEILING_TABLE=parking_events_ceiling
fi

$BIN/vdpark generate --out "csv:$DIR/export" --events "$EVENTS" --zones 200 \
  --end 2026-11-27T00:00:00Z --json >"$DIR/generate.json"
events=$(json '["events"]' <"$DIR/generate.json")
size=$(du -m "$DIR/export/events.csv" | cut -f1)
cols="zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode"
header=$(head -1 "$DIR/export/events.csv")

# 1. load: csv -> server.
migrate load --source "csv:$DIR/export" --target "$URL"
loaded=$(count_events "$URL")
if [ "$SERVER" = timescaledb ]; then
  # Compression the usual way, every chunk but the newest COMPRESS_KEEP.
  sql "$URL" -c "ALTER TABLE parking_events SET (timescaledb.compress, timescaledb.compress_segmentby = 'zone_id', timescaledb.compress_orderby = '\"timestamp\" DESC')" \
    -c "DO \$\$ DECLARE cutoff timestamptz; c regclass; BEGIN SELECT max(\"timestamp\") - INTERVAL '${COMPRESS_KEEP:-3 days}' INTO cutoff FROM parking_events; FOR c IN SELECT show_chunks('parking_events', older_than => cutoff) LOOP PERFORM compress_chunk(c); END LOOP; END \$\$" >/dev/null
  chunks=$(sql "$URL" -c "SELECT count(*) || ' chunks, ' || count(*) FILTER (WHERE is_compressed) || ' compressed' FROM timescaledb_information.chunks WHERE hypertable_name = 'parking_events'")
else
  sql "$URL" -c "VACUUM ANALYZE" >/dev/null
  chunks="a plain table"
fi

# The server's speed drifts from run to run (the WebAssembly build by a third and more), so each
# goal's figure and its ceiling are measured back to back ROUNDS times (default 3), and the
# medians of the rates and of the within-round ratios are reported.
ROUNDS=${ROUNDS:-3}
timed() { local t0 t1; t0=$(now); "$@" >/dev/null; t1=$(now); python3 -c "print($t1 - $t0)"; }
if [ "$header" = "$cols" ]; then
  from="\copy $CEILING_TABLE($cols) FROM '$DIR/export/events.csv' WITH CSV HEADER"
else  # the export carries more columns (sensor_id): copy them all, as the file has them
  from="\copy $CEILING_TABLE($header) FROM '$DIR/export/events.csv' WITH CSV HEADER"
fi

# 2. export: server -> csv, beside psql \copy of the same rows to /dev/null (the ceiling runs
#    first, so if anything it pays for pulling the table into the cache, not vdpark).
for r in $(seq "$ROUNDS"); do
  timed sql "$URL" -c "\copy (SELECT ${cols//,/, } FROM parking_events) TO '/dev/null' WITH CSV" >"$DIR/copy_out.$r"
  migrate "export.$r" --source "$URL" --target "csv:$DIR/out" --overwrite
done

# 3. backfill: server -> embedded.
migrate backfill --source "$URL" --target "embedded:$DIR/store"

# 4. rollback: embedded -> server, beside psql \copy FROM events.csv into an empty table.
for r in $(seq "$ROUNDS"); do
  # pg15: into an empty schema each time; timescaledb: into the hypertable that holds the events.
  [ "$SERVER" = pg15 ] && sql "$URL2" -c "TRUNCATE parking_zones, parking_bays, parking_events, parking_sensors"
  migrate "rollback.$r" --source "embedded:$DIR/store" --target "$URL2"
  rolled=$(count_events "$URL2")
  sql "$URL3" -c "TRUNCATE $CEILING_TABLE"
  timed sql "$URL3" -c "$from" >"$DIR/copy_in.$r"
  copied=$(count_events "$URL3" "$CEILING_TABLE")
done

for f in load export.1 backfill rollback.1; do echo "$f: $(cat "$DIR/$f.json")" >&2; done

python3 - "$DIR" "$events" "$size" "$loaded" "$rolled" "$copied" "$ROUNDS" "$SERVER" "$chunks" <<'PY'
import json, statistics, sys
d, ev, size, loaded, rolled, copied = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rounds, server, chunks = int(sys.argv[7]), sys.argv[8], sys.argv[9]
med = statistics.median
def load(n): return json.load(open(f"{d}/{n}.json"))
def rss(n): return int(open(f"{d}/{n}.rss").read().split()[-1]) // 1024
runs = {n: load(n) for n in ["load", "backfill"] + [f"{k}.{i}" for k in ("export", "rollback") for i in range(1, rounds + 1)]}
for n, j in runs.items():
    assert j["sourceEvents"] is None or j["rowsRead"] >= j["sourceEvents"], n
rate = {n: float(j["eventsPerSecond"]) for n, j in runs.items()}
out_ceil = [loaded / float(open(f"{d}/copy_out.{i}").read()) for i in range(1, rounds + 1)]
in_ceil = [copied / float(open(f"{d}/copy_in.{i}").read()) for i in range(1, rounds + 1)]
export = [rate[f"export.{i}"] for i in range(1, rounds + 1)]
rollback = [rate[f"rollback.{i}"] for i in range(1, rounds + 1)]
export_ratio = [100 * e / c for e, c in zip(export, out_ceil)]
rollback_ratio = [100 * e / c for e, c in zip(rollback, in_ceil)]
span = lambda xs: f"{min(xs):.0f}-{max(xs):.0f}"
print(f"medians of {rounds} rounds, each figure beside its ceiling measured right before it")
print("| figure | value | beside |")
print("|---|---|---|")
print(f"| events in the export | {ev:,} ({size} MB events.csv); {loaded:,} in {server} ({chunks}) | |")
print(f"| vdpark migrate csv -> {server} (load of the source) | {rate['load']:,.0f} events/s | peak {rss('load')} MB |")
print(f"| ceiling: psql \\copy (SELECT the event columns) TO /dev/null | {med(out_ceil):,.0f} events/s | |")
print(f"| **vdpark migrate {server} -> csv (export)** | **{med(export):,.0f} events/s** | **{med(export_ratio):.0f} % of the ceiling** (rounds {span(export_ratio)} %; goal >= 90 %); source holds {runs['export.1']['sourceEvents']:,}, read {runs['export.1']['rowsRead']:,} |")
print(f"| **vdpark migrate {server} -> embedded (backfill)** | **{rate['backfill']:,.0f} events/s** | peak memory {rss('backfill')} MB (goal < 500 MB) |")
print(f"| ceiling: psql \\copy FROM events.csv into an empty table | {med(in_ceil):,.0f} events/s ({copied:,} events) | |")
print(f"| **vdpark migrate embedded -> {server} (rollback)** | **{med(rollback):,.0f} events/s** ({rolled:,} events after it) | **{med(rollback_ratio):.0f} % of the ceiling** (rounds {span(rollback_ratio)} %; goal >= 50 %); peak {rss('rollback.1')} MB |")
PY
