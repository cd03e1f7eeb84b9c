#!/usr/bin/env bash
# The REST API benchmark (SPEC §5): `vdpark serve` over an embedded store, measured with wrk
# (Debian's package) on keep-alive connections, on the same machine as the server.
#   1. generate a fleet and a day of history, migrate it into embedded:DIR/store, and copy that
#      store (RocksDB locks its folder: each server gets its own copy of the same data);
#   2. serve it twice (--listen 127.0.0.1:PORT, no ingest): with the response cache
#      (--api-cache 1s) and without it (--api-cache 0s: every request reads the store, as every
#      query with parameters does);
#   3. wrk on GET /v1/zones and on GET /v1/zones/{id}/bays of a zone with about 50 bays, cached and
#      uncached back to back, ROUNDS times: the medians of requests/s and of the latency
#      percentiles (p50, p99), and the uncached/cached ratio of each round's pair (the machine is
#      shared: a ratio measured back to back is steadier than either figure alone).
# Usage: bench/api_bench.sh [SECONDS] [CONNECTIONS] [ROUNDS]   (needs a Release build in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-10}
CONNECTIONS=${2:-64}
ROUNDS=${3:-3}
DIR=${BENCH_DIR:-/tmp/vdpark-api-bench}
BIN=build
command -v wrk >/dev/null || { echo "api_bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }
rm -rf "$DIR" && mkdir -p "$DIR"
machine() {
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB," \
    "$(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg) ($1)"
}
machine "before" >&2

$BIN/vdpark generate --out "csv:$DIR/export" --zones 20 --days 1 --end 2026-11-27T00:00:00Z \
  >/dev/null
$BIN/vdpark migrate --source "csv:$DIR/export" --target "embedded:$DIR/store" \
  --retention-days 0 --checkpoint "$DIR/checkpoint.json" >/dev/null
cp -a "$DIR/store" "$DIR/store-uncached"
# The zone whose bay count is nearest 50.
zone=$(python3 - "$DIR/export/bays.csv" <<'PY'
import csv, sys, collections
n = collections.Counter(r["zone_id"] for r in csv.DictReader(open(sys.argv[1])))
print(min(n, key=lambda z: abs(n[z] - 50)))
PY
)
bays=$(awk -F, -v z="$zone" '$1 == z' "$DIR/export/bays.csv" | wc -l)

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done' EXIT
serve() {  # store cache port: starts a server (its pid added to pids) and waits until it answers
  $BIN/vdpark serve --store "embedded:$DIR/$1" --listen "127.0.0.1:$3" --api-cache "$2" \
    >"$DIR/serve-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$3/healthz" >/dev/null && return; sleep 0.1; done
  echo "api_bench: the server on $1 did not answer:" >&2; cat "$DIR/serve-$1.log" >&2; exit 1
}
cached_port=$(scripts/free-port.sh)
serve store 1s "$cached_port"
uncached_port=$(scripts/free-port.sh)
serve store-uncached 0s "$uncached_port"

run() {  # name port path: prints "requests/s p50_ms p99_ms"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency "http://127.0.0.1:$2$3" >"$DIR/$1.txt"
  python3 - "$DIR/$1.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
def ms(p):
    v, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", t).groups()
    return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
if errors: sys.exit(f"{sys.argv[1]}: {errors.group(1)} error responses")
print(f"{rps:.0f} {ms(50):.2f} {ms(99):.2f}")
PY
}
# Both servers answer alike (the cache changes when, not what).
for path in /v1/zones "/v1/zones/$zone/bays"; do
  a=$(curl -s "http://127.0.0.1:$cached_port$path" | python3 -c "import json,sys; print(len(json.dumps(json.load(sys.stdin))))")
  b=$(curl -s "http://127.0.0.1:$uncached_port$path" | python3 -c "import json,sys; print(len(json.dumps(json.load(sys.stdin))))")
  [ "$a" = "$b" ] || { echo "api_bench: $path differs between the servers ($a vs $b bytes)" >&2; exit 1; }
done

: >"$DIR/results.txt"
for round in $(seq "$ROUNDS"); do
  for route in zones bays; do
    path=/v1/zones
    [ "$route" = bays ] && path="/v1/zones/$zone/bays"
    echo "$route cached $(run "$route-cached-$round" "$cached_port" "$path")" >>"$DIR/results.txt"
    echo "$route uncached $(run "$route-uncached-$round" "$uncached_port" "$path")" >>"$DIR/results.txt"
  done
  echo "round $round of $ROUNDS done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
zone_count=$(curl -s "http://127.0.0.1:$cached_port/v1/zones" | python3 -c "import json,sys; print(json.load(sys.stdin)['count'])")

python3 - "$DIR/results.txt" "$zone_count" "$bays" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    route, cache, rps, p50, p99 = line.split()
    rows[route, cache].append((float(rps), float(p50), float(p99)))
label = {"zones": f"GET /v1/zones ({sys.argv[2]} zones)",
         "bays": f"GET /v1/zones/{{id}}/bays ({sys.argv[3]} bays)"}
print("| route | store read | requests/s (median) | p50 | p99 | uncached / cached | goal |")
print("|---|---|---|---|---|---|---|")
for route in ("zones", "bays"):
    for cache, how in (("cached", "cached (`--api-cache 1s`)"),
                       ("uncached", "every request (`--api-cache 0s`)")):
        runs = rows[route, cache]
        med = lambda i: statistics.median(r[i] for r in runs)
        ratio = ""
        if cache == "uncached":
            ratios = [u[0] / c[0] for u, c in zip(runs, rows[route, "cached"])]
            ratio = f"{statistics.median(ratios):.2f}"
        print(f"| {label[route]} | {how} | **{med(0):,.0f}** | {med(1):.2f} ms | {med(2):.2f} ms "
              f"| {ratio} | 20,000/s, p99 < 10 ms |")
print()
for (route, cache), runs in rows.items():
    print(f"{route} {cache}: " + ", ".join(f"{r[0]:,.0f}/s" for r in runs), file=sys.stderr)
PY
machine "after" >&2
echo "wrk -t2 -c$CONNECTIONS -d${SECONDS_EACH}s, $ROUNDS rounds, on the same 2-core machine as the servers" >&2
