#!/usr/bin/env bash
# The load benchmark of the foundation: csv -> embedded, beside its two ceilings, in one run.
#   1. generate an export of EVENTS events (default 5.1 million);
#   2. ceiling A: reading events.csv alone (raw bytes, then parsed into events, nothing written);
#   3. ceiling B: RocksDB writing the same items, pre-encoded (bench/rocksdb_ceiling_bench.cc);
#   4. vdpark migrate csv -> embedded: events/s and peak memory (GNU time's maximum RSS);
#   5. vdpark verify of the same data: items/s.
# Usage: bench/load_bench.sh [EVENTS]   (needs a Release build in build/; ./test.sh makes one)
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-5100000}
DIR=${BENCH_DIR:-/tmp/vdpark-load-bench}
BIN=build
rm -rf "$DIR" && mkdir -p "$DIR"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p')" >&2
$BIN/vdpark generate --out "csv:$DIR/export" --events "$EVENTS" --zones 200 \
  --end 2026-11-27T00:00:00Z --json >"$DIR/generate.json"
events=$(json '["events"]' <"$DIR/generate.json")
size=$(du -m "$DIR/export/events.csv" | cut -f1)

$BIN/csv_read_bench "$DIR/export" >"$DIR/read.json"
$BIN/rocksdb_ceiling_bench "$DIR/export" "$DIR/ceiling" >"$DIR/ceiling.json"
rm -rf "$DIR/ceiling"

/usr/bin/time -f "%M" -o "$DIR/migrate.rss" $BIN/vdpark migrate --source "csv:$DIR/export" \
  --target "embedded:$DIR/store" --retention-days 0 --json >"$DIR/migrate.json"
/usr/bin/time -f "%M" -o "$DIR/verify.rss" $BIN/vdpark verify --source "csv:$DIR/export" \
  --target "embedded:$DIR/store" --retention-days 0 --json >"$DIR/verify.json"

raw=$(json '["raw_rows_per_s"]' <"$DIR/read.json")
parse=$(json '["parse_rows_per_s"]' <"$DIR/read.json")
ceiling=$(json '["events_per_s"]' <"$DIR/ceiling.json")
load=$(json '["eventsPerSecond"]' <"$DIR/migrate.json")
load_rss=$(( $(cat "$DIR/migrate.rss") / 1024 ))
verify_s=$(json '["seconds"]' <"$DIR/verify.json")
verify_ok=$(json '["ok"]' <"$DIR/verify.json")
verify_items=$(python3 -c "
import json; r=json.load(open('$DIR/verify.json'))
print(sum(r[k]['source']+r[k]['target'] for k in ('zones','bays','sensors','events')))")
verify_rss=$(( $(cat "$DIR/verify.rss") / 1024 ))

python3 - "$events" "$size" "$raw" "$parse" "$ceiling" "$load" "$load_rss" "$verify_items" \
  "$verify_s" "$verify_rss" "$verify_ok" <<'PY'
import sys
ev, size, raw, parse, ceil, load, rss, vitems, vsec, vrss, vok = sys.argv[1:]
ev, raw, parse, ceil, load, vitems, vsec = int(ev), float(raw), float(parse), float(ceil), float(load), int(vitems), float(vsec)
print(f"| figure | value | beside |")
print(f"|---|---|---|")
print(f"| events in the export | {ev:,} ({size} MB events.csv) | |")
print(f"| ceiling A: read events.csv, raw bytes | {raw:,.0f} rows/s | |")
print(f"| ceiling A: read events.csv, parsed into events | {parse:,.0f} events/s | |")
print(f"| ceiling B: RocksDB writing the same items, pre-encoded | {ceil:,.0f} events/s | |")
print(f"| **vdpark migrate csv -> embedded** | **{load:,.0f} events/s** | {100*load/ceil:.0f} % of ceiling B, {100*load/parse:.0f} % of ceiling A (parsed) |")
print(f"| peak memory of that load | {rss} MB | goal < 500 MB |")
print(f"| vdpark verify csv vs embedded, every item | {vitems/vsec:,.0f} items/s ({vitems:,} items in {vsec:.1f} s, ok={vok}) | peak {vrss} MB |")
PY
