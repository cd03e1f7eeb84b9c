#!/usr/bin/env bash
# The ingest benchmark (SPEC §4): the event processor beside its ceilings, in one run, all on the
# same N messages (the stream `vdpark simulate --speed 0` makes of one generated fleet):
#   1. the processor alone: the N messages handed to Ingestor::Handle over an embedded store, no
#      broker (bench/ingest_processor_bench.cc): messages/s, and p50/p99 of one Handle call;
#   2. the ceiling: Mosquitto's own QoS 1 publish -> subscribe rate with the configuration vdpark
#      ships (scripts/start-mosquitto.sh): the N payloads published by mosquitto_pub -l, received
#      by mosquitto_sub -q 1 -C N; and how busy the broker was meanwhile;
#   3. the publisher: `vdpark simulate --speed 0` publishing the N messages to mosquitto_sub, i.e.
#      what the end-to-end run below is fed with;
#   4. end to end: `vdpark serve` taking the N messages from the broker into an embedded store
#      (serve_end_to_end below).
#
# Why mosquitto_pub for the ceiling: with a window of 100 (-M 100, the shipped broker's
# max_inflight_messages, which it also announces to MQTT 5 clients as Receive Maximum) it feeds
# the broker faster than the broker forwards to a subscriber, so the figure is the broker's
# (the broker's CPU share is printed beside it to show it). Mosquitto 2.0.11's mosquitto_pub -l
# disconnects at the end of its input without waiting for its PUBACKs, dropping what is still
# queued (the broker logs "disconnected due to out of memory"), so its input is a FIFO held open
# until the subscriber has all N, and the clock stops at the subscriber.
#
# Usage: bench/ingest_bench.sh [N]   (default 200000; BIN=build folder, default build/, Release)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
DIR=${BENCH_DIR:-/tmp/vdpark-ingest-bench}
BIN=${BIN:-build}
# The fleet (as `vdpark generate` makes it) and the traffic: the same for every figure.
SEED=42 ZONES=40 DAYS=1 END=2026-11-01T00:00:00Z HOURS=48
FLEET_ARGS=(--seed "$SEED" --zones "$ZONES" --days "$DAYS" --end "$END")
SIM_ARGS=(--start "$END" --duration "${HOURS}h" --speed 0 --messages "$N")
WINDOW=100  # QoS 1 publishes in flight: the broker's Receive Maximum
REPEAT=${REPEAT:-3}

rm -rf "$DIR" && mkdir -p "$DIR"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
now() { date +%s.%N; }
rate() { python3 -c "print($1 / ($3 - $2))"; }

# A broker of this run's own (its folder keeps it apart from any other), stopped on exit.
export MOSQUITTO_DIR="$DIR/mosquitto"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/stop-mosquitto.sh || true
}
trap cleanup EXIT
eval "$(scripts/start-mosquitto.sh)"
PORT=${VDPARK_MQTT_URL##*:}
BROKER_PID=$(cat "$MOSQUITTO_DIR/mosquitto.pid")
broker_cpu_ticks() { awk '{print $14 + $15}' "/proc/$BROKER_PID/stat"; }

# Starts mosquitto_sub -q 1 -C $N on topic filter $1 writing payloads to $2; returns once the
# broker has the client (then a moment for its SUBSCRIBE). Sets SUB_PID.
start_subscriber() {
  local id="vdpark-bench-sub-$RANDOM"
  timeout 600 mosquitto_sub -h 127.0.0.1 -p "$PORT" -q 1 -C "$N" -t "$1" -i "$id" >"$2" &
  SUB_PID=$!
  PIDS+=("$SUB_PID")
  for _ in $(seq 100); do
    grep -q " as $id " "$MOSQUITTO_DIR/mosquitto.log" 2>/dev/null && break
    sleep 0.05
  done
  sleep 0.3
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p'); $(mosquitto -h 2>/dev/null | head -1); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# Each figure is the best of $REPEAT runs (the spread beside it): the publisher, the broker and
# the subscriber share this machine's cores with each other, and with whatever else runs on it.

# 1. The processor alone.
processor=()
for i in $(seq "$REPEAT"); do
  "$BIN/ingest_processor_bench" --messages "$N" --seed "$SEED" --zones "$ZONES" --days "$DAYS" \
    --hours "$HOURS" >"$DIR/processor-$i.json"
  processor+=("$(json '["messages_per_s"]' <"$DIR/processor-$i.json")")
done

# 3 (first: its subscriber keeps the payloads for 2). vdpark simulate -> mosquitto_sub.
publisher=()
for i in $(seq "$REPEAT"); do
  start_subscriber 'visiondrive/parking/#' "$DIR/payloads.txt"
  t0=$(now)
  "$BIN/vdpark" -q simulate --mqtt "$VDPARK_MQTT_URL" "${FLEET_ARGS[@]}" "${SIM_ARGS[@]}" \
    --max-in-flight "$WINDOW" --json >"$DIR/simulate-$i.json"
  wait "$SUB_PID"
  t1=$(now)
  [ "$(wc -l <"$DIR/payloads.txt")" -eq "$N" ] || { echo "simulate: the subscriber did not get $N messages" >&2; exit 1; }
  publisher+=("$(rate "$N" "$t0" "$t1")")
done

# 2. Mosquitto's ceiling: the same payloads through mosquitto_pub -l.
ceiling=() broker_busy=()
for i in $(seq "$REPEAT"); do
  start_subscriber 'vdpark-bench/ceiling/#' "$DIR/ceiling.txt"
  rm -f "$DIR/pub.fifo" && mkfifo "$DIR/pub.fifo"
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -M "$WINDOW" -l -t vdpark-bench/ceiling/status \
    <"$DIR/pub.fifo" &
  PUB_PID=$!
  PIDS+=("$PUB_PID")
  exec 3>"$DIR/pub.fifo"  # held open: mosquitto_pub must not see the end of its input (see above)
  cpu0=$(broker_cpu_ticks)
  t0=$(now)
  cat "$DIR/payloads.txt" >&3 &
  CAT_PID=$!
  PIDS+=("$CAT_PID")
  wait "$SUB_PID"
  t1=$(now)
  cpu1=$(broker_cpu_ticks)
  exec 3>&-
  kill "$PUB_PID" 2>/dev/null || true
  wait "$PUB_PID" "$CAT_PID" 2>/dev/null || true
  [ "$(wc -l <"$DIR/ceiling.txt")" -eq "$N" ] || { echo "ceiling: the subscriber did not get $N messages" >&2; exit 1; }
  ceiling+=("$(rate "$N" "$t0" "$t1")")
  broker_busy+=("$(python3 -c "print(100 * ($cpu1 - $cpu0) / $(getconf CLK_TCK) / ($t1 - $t0))")")
done

# 4. End to end: the same N messages, published by `vdpark simulate --speed 0` while
#    `vdpark serve --store embedded:DIR --mqtt URL` takes them into the store the processor bench
#    starts from; the clock runs from the first publish until serve's /metrics count all N.
#    Prints "messages/s seconds" on stdout; nothing = not measured.
serve_end_to_end() {
  "$BIN/vdpark" -q generate --out "embedded:$DIR/serve-store" "${FLEET_ARGS[@]}" >/dev/null
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$BIN/vdpark" -q serve --store "embedded:$DIR/serve-store" --mqtt "$VDPARK_MQTT_URL" \
    --listen "127.0.0.1:$port" --client-id bench-serve --retention-days 0 >"$DIR/serve.log" 2>&1 &
  local serve_pid=$!
  local metrics="http://127.0.0.1:$port/metrics"
  for _ in $(seq 300); do curl -sf "$metrics" >/dev/null && break; sleep 0.1; done
  handled() { curl -sf "$metrics" | awk '/^vdpark_ingest_messages_total /{print $2}'; }
  local t0 t1
  t0=$(now)
  "$BIN/vdpark" -q simulate --mqtt "$VDPARK_MQTT_URL" "${FLEET_ARGS[@]}" "${SIM_ARGS[@]}" \
    --max-in-flight "$WINDOW" --expect "$DIR/serve-expect.json" --json >"$DIR/serve-simulate.json"
  while [ "$(handled)" -lt "$N" ]; do sleep 0.02; done
  t1=$(now)
  kill "$serve_pid" && wait "$serve_pid" || true
  echo "$(rate "$N" "$t0" "$t1") $(python3 -c "print($t1 - $t0)")"
}
serve=$(serve_end_to_end)

# 5. Latency: publish -> the bay's state written (readable), at the pace sensors really publish:
#    `vdpark simulate --speed 1 --start now` (ts = the moment of publishing) for LATENCY_S seconds
#    into a serve of its own; serve's lag histogram (receive time - ts + the write) gives p50 and
#    p99. ts has millisecond resolution. Prints "p50_ms p99_ms samples".
LATENCY_S=${LATENCY_S:-45}
serve_latency() {
  "$BIN/vdpark" -q generate --out "embedded:$DIR/latency-store" "${FLEET_ARGS[@]}" >/dev/null
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$BIN/vdpark" -q serve --store "embedded:$DIR/latency-store" --mqtt "$VDPARK_MQTT_URL" \
    --listen "127.0.0.1:$port" --client-id bench-latency --retention-days 0 \
    >"$DIR/latency-serve.log" 2>&1 &
  local serve_pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.1; done
  "$BIN/vdpark" -q simulate --mqtt "$VDPARK_MQTT_URL" "${FLEET_ARGS[@]}" --speed 1 \
    --duration "${LATENCY_S}s" --json >"$DIR/latency-simulate.json"
  sleep 1
  curl -sf "http://127.0.0.1:$port/metrics" >"$DIR/latency-metrics.txt"
  kill "$serve_pid" && wait "$serve_pid" || true
  awk '/^vdpark_ingest_lag_p50_seconds /{p50=$2*1000} /^vdpark_ingest_lag_p99_seconds /{p99=$2*1000}
       /^vdpark_ingest_lag_seconds_count /{n=$2} END{printf "%.1f %.1f %d\n", p50, p99, n}' \
    "$DIR/latency-metrics.txt"
}
latency=$(serve_latency)
echo "latency: publish -> state written, p50/p99 ms and samples: $latency" >&2

python3 - "$N" "$DIR" "$REPEAT" "$WINDOW" "$serve" "${processor[*]}" "${ceiling[*]}" \
  "${broker_busy[*]}" "${publisher[*]}" <<'PY'
import json, sys
n, d, repeat, window, serve, proc, ceil, busy, pub = sys.argv[1:]
n, repeat = int(n), int(repeat)
proc, ceil, busy, pub = ([float(x) for x in v.split()] for v in (proc, ceil, busy, pub))
best_i = max(range(repeat), key=lambda i: proc[i])
p = json.load(open(f"{d}/processor-{best_i + 1}.json"))
s = json.load(open(f"{d}/simulate-{max(range(repeat), key=lambda i: pub[i]) + 1}.json"))
c = max(ceil)
def spread(v): return f"best of {len(v)}: {min(v):,.0f}-{max(v):,.0f}"
o = p["outcomes"]
print("| figure | value | beside |")
print("|---|---|---|")
print(f"| messages | {n:,} from {p['bays']:,} simulated sensors | {o['arrivals']:,} arrivals, "
      f"{o['departures']:,} departures, {o['heartbeats']:,} heartbeats, {o['health']:,} health |")
print(f"| processor alone: Ingestor::Handle -> embedded store | **{max(proc):,.0f} messages/s** "
      f"({spread(proc)}) | per message p50 {p['p50_us']:.0f} µs, p99 {p['p99_us']:.0f} µs, "
      f"p99.9 {p['p999_us']:.0f} µs; {100 * max(proc) / c:.0f} % of the Mosquitto ceiling; "
      f"store as expected: {'yes' if p['mismatches'] == 0 else 'NO (%d mismatches)' % p['mismatches']} |")
print(f"| ceiling: Mosquitto QoS 1 publish -> subscribe (mosquitto_pub -l -M {window} -> "
      f"mosquitto_sub -q 1) | **{c:,.0f} messages/s** ({spread(ceil)}) | broker busy "
      f"{busy[ceil.index(c)]:.0f} % of one core in the best run |")
print(f"| publisher: vdpark simulate --speed 0 -> mosquitto_sub | {max(pub):,.0f} messages/s "
      f"({spread(pub)}) | {100 * max(pub) / c:.0f} % of the ceiling (simulate's own figure, to "
      f"the last PUBACK: {s['rate']:,.0f}/s) |")
if serve:
    sv = float(serve.split()[0])
    print(f"| **vdpark serve end to end** (simulate -> Mosquitto -> serve -> embedded) | "
          f"**{sv:,.0f} messages/s** | {100 * sv / c:.0f} % of the ceiling, "
          f"{100 * sv / max(proc):.0f} % of the processor alone |")
else:
    print("| vdpark serve end to end | not measured (serve_end_to_end printed nothing) | |")
if max(pub) > c:
    print("\nNote: vdpark simulate got through the broker faster than mosquitto_pub: the ceiling "
          "runs were starved of CPU (see the load average), so the ceiling is understated.")
PY
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
