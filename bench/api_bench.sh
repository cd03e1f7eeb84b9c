#!/usr/bin/env bash
# The REST API benchmark (SPEC §5): `vdpark serve` over an embedded store, measured with wrk
# (Debian's package) on keep-alive connections, on the same machine as the server.
#   1. generate a fleet and a day of history, migrate it into embedded:DIR/store;
#   2. serve it (--listen 127.0.0.1:PORT, no ingest);
#   3. wrk on GET /v1/zones and on GET /v1/zones/{id}/bays of a zone with about 50 bays:
#      requests/s and latency percentiles (p50, p99).
# Usage: bench/api_bench.sh [SECONDS] [CONNECTIONS]   (needs a Release build in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-15}
CONNECTIONS=${2:-64}
DIR=${BENCH_DIR:-/tmp/vdpark-api-bench}
BIN=build
command -v wrk >/dev/null || { echo "api_bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }
rm -rf "$DIR" && mkdir -p "$DIR"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p')" >&2

$BIN/vdpark generate --out "csv:$DIR/export" --zones 20 --days 1 --end 2026-11-27T00:00:00Z \
  >/dev/null
$BIN/vdpark migrate --source "csv:$DIR/export" --target "embedded:$DIR/store" \
  --retention-days 0 --checkpoint "$DIR/checkpoint.json" >/dev/null
# The zone whose bay count is nearest 50.
zone=$(python3 - "$DIR/export/bays.csv" <<'PY'
import csv, sys, collections
n = collections.Counter(r["zone_id"] for r in csv.DictReader(open(sys.argv[1])))
print(min(n, key=lambda z: abs(n[z] - 50)))
PY
)
bays=$(awk -F, -v z="$zone" '$1 == z' "$DIR/export/bays.csv" | wc -l)
port=$(scripts/free-port.sh)
$BIN/vdpark serve --store "embedded:$DIR/store" --listen "127.0.0.1:$port" >"$DIR/serve.log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

run() {  # name path: prints "requests/s p50_ms p99_ms"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency "http://127.0.0.1:$port$2" >"$DIR/$1.txt"
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
read -r zones_rps zones_p50 zones_p99 <<<"$(run zones /v1/zones)"
read -r bays_rps bays_p50 bays_p99 <<<"$(run bays "/v1/zones/$zone/bays")"
zone_count=$(curl -s "http://127.0.0.1:$port/v1/zones" | python3 -c "import json,sys; print(json.load(sys.stdin)['count'])")

echo "| route | requests/s | p50 | p99 | goal |"
echo "|---|---|---|---|---|"
echo "| GET /v1/zones ($zone_count zones) | **$zones_rps** | $zones_p50 ms | $zones_p99 ms | 20,000/s, p99 < 10 ms |"
echo "| GET /v1/zones/{id}/bays ($bays bays) | **$bays_rps** | $bays_p50 ms | $bays_p99 ms | 20,000/s, p99 < 10 ms |"
echo "wrk -t2 -c$CONNECTIONS -d${SECONDS_EACH}s on the same 2-core machine as the server" >&2
