#!/usr/bin/env bash
# The ingest benchmark (SPEC §4): the event processor beside its ceilings, in one run, all on the
# same N messages (the stream `vdpark simulate --speed 0` makes of one generated fleet):
#   1. the processor alone: the N messages handed to Ingestor::Handle over an embedded store, no
#      broker (bench/ingest_processor_bench.cc): messages/s, and p50/p99 of one Handle call;
#   2. the publisher: `vdpark simulate --speed 0` publishing the N messages to `mosquitto_sub -v`,
#      which keeps them as "topic payload" lines for everything below;
#   3. the ceiling: Mosquitto's own QoS 1 publish -> subscribe rate with the configuration vdpark
#      ships (scripts/start-mosquitto.sh): the N lines published by mqtt_publish_lines
#      (bench/mqtt_publish_lines.cc: `mosquitto_pub -l` with a topic per line, on libmosquitto as
#      mosquitto_pub is) to `mosquitto_sub -q 1 -C N`; and, as before, mosquitto_pub -l itself (all
#      on one topic); how busy the broker was;
#   4. the MQTT library's own ceiling as serve uses it: the same lines to bench/mqtt_sink_bench.cc,
#      serve's subscriber (Paho) with a handler that does nothing; and once more with serve's
#      intake log (--intake): serve with a processor that costs nothing;
#   5. end to end: the same lines through the same publisher to `vdpark serve` taking them into an
#      embedded store, so that it differs from the ceiling only in the subscriber; and once more
#      with `vdpark simulate` publishing them itself (serve_end_to_end below).
# 3.-5. also count the CPU time each process spends per message (the broker, the publisher, the
# subscriber) and how busy the machine was: on two cores they share, what serve may spend per
# message at 80 % of the ceiling follows from them (the CPU budget in the table).
#
# Why a window of 100 (-M 100): the shipped broker's max_inflight_messages, which it also
# announces to MQTT 5 clients as Receive Maximum. Mosquitto 2.0.11's mosquitto_pub -l disconnects
# at the end of its input without waiting for its PUBACKs, dropping what is still queued (the
# broker logs "disconnected due to out of memory"), so its input is a FIFO held open until the
# subscriber has all N, and the clock stops at the subscriber. Every figure is the median of REPEAT
# runs: the publisher, the broker and the subscriber share this machine's cores with each other
# and with whatever else runs on it, whose speed drifts over minutes; so the ceilings, the sink
# and serve are measured back to back in each run, and serve's share of the ceiling is taken
# within a run.
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
REPEAT=${REPEAT:-5}

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
# A fresh broker for every run: a persistent session left by an earlier subscriber (serve's, the
# sink's) would have the broker queue every later message for it too, and slow what follows.
fresh_broker() {
  eval "$(scripts/start-mosquitto.sh 2>/dev/null)"
  PORT=${VDPARK_MQTT_URL##*:}
  BROKER_PID=$(cat "$MOSQUITTO_DIR/mosquitto.pid")
}
# CPU accounting: a process's user + system ticks; the machine's busy and total ticks.
TCK=$(getconf CLK_TCK)
pid_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
broker_cpu_ticks() { pid_ticks "$BROKER_PID"; }
machine_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
# Runs a command, its output to /dev/null, writing its CPU seconds (user + system) to file $1.
timed_cpu() {
  local out=$1
  shift
  local TIMEFORMAT='%U %S'
  { time "$@" >/dev/null 2>&1; } 2>"$out.raw"
  awk '{print $1 + $2}' "$out.raw" >"$out"
}
# "µs of CPU per message" from seconds (or ticks with $2 = tick).
per_msg() { python3 -c "print(1e6 * $1 / ${2:-1} / $N)"; }
# Prints "broker publisher subscriber busy": µs of CPU per message of each, and the machine's busy
# share (percent of both cores) between two machine_ticks readings, $4 $5 and $6 $7.
cpu_line() {
  python3 -c "
b, p, s = $1, $2, $3
busy = 100 * ($6 - $4) / max($7 - $5, 1)
print(f'{b:.2f} {p:.2f} {s:.2f} {busy:.1f}')"
}

# Starts mosquitto_sub -q 1 -C $N on topic filter $1 writing payloads to $2 (more of its options
# after those); returns once the broker has the client (then a moment for its SUBSCRIBE). Sets
# SUB_PID.
start_subscriber() {
  local id="vdpark-bench-sub-$RANDOM"
  (
    TIMEFORMAT='%U %S'
    time timeout 600 mosquitto_sub -h 127.0.0.1 -p "$PORT" -q 1 -C "$N" -t "$1" -i "$id" \
      "${@:3}" >"$2" 2>/dev/null
  ) 2>"$DIR/sub.cpu" &
  SUB_PID=$!
  PIDS+=("$SUB_PID")
  for _ in $(seq 100); do
    grep -q " as $id " "$MOSQUITTO_DIR/mosquitto.log" 2>/dev/null && break
    sleep 0.05
  done
  sleep 0.3
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p'); $(mosquitto -h 2>/dev/null | head -1); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# 1. The processor alone.
processor=()
for i in $(seq "$REPEAT"); do
  "$BIN/ingest_processor_bench" --messages "$N" --seed "$SEED" --zones "$ZONES" --days "$DAYS" \
    --hours "$HOURS" >"$DIR/processor-$i.json"
  processor+=("$(json '["messages_per_s"]' <"$DIR/processor-$i.json")")
done

# 2. vdpark simulate -> mosquitto_sub -v, which keeps the lines for everything below.
publisher=()
for i in $(seq "$REPEAT"); do
  fresh_broker
  start_subscriber 'visiondrive/parking/#' "$DIR/lines.txt" -v
  t0=$(now)
  "$BIN/vdpark" -q simulate --mqtt "$VDPARK_MQTT_URL" "${FLEET_ARGS[@]}" "${SIM_ARGS[@]}" \
    --max-in-flight "$WINDOW" --json >"$DIR/simulate-$i.json"
  wait "$SUB_PID"
  t1=$(now)
  [ "$(wc -l <"$DIR/lines.txt")" -eq "$N" ] || { echo "simulate: the subscriber did not get $N messages" >&2; exit 1; }
  publisher+=("$(rate "$N" "$t0" "$t1")")
done
cut -d' ' -f2- "$DIR/lines.txt" >"$DIR/payloads.txt"

# 3.-5., run after run: the machine's speed drifts over minutes (it is shared), so each run
# measures every figure back to back, and the ratios are taken within a run, then their median.

# The ceiling, two ways: the lines through mqtt_publish_lines, and the payloads through
# mosquitto_pub -l (on one topic), each to mosquitto_sub. Prints "lines_rate pub_rate busy", busy
# the broker's share of one core in the first, and writes the first's cpu_line to $DIR/cpu-ceiling.
ceilings() {
  fresh_broker
  start_subscriber 'visiondrive/parking/#' /dev/null
  local cpu0 cpu1 t0 t1 lines pub m0 m1
  m0=$(machine_ticks)
  cpu0=$(broker_cpu_ticks)
  t0=$(now)
  timed_cpu "$DIR/pub.cpu" "$BIN/mqtt_publish_lines" 127.0.0.1 "$PORT" "$WINDOW" <"$DIR/lines.txt"
  wait "$SUB_PID"
  t1=$(now)
  cpu1=$(broker_cpu_ticks)
  m1=$(machine_ticks)
  lines=$(rate "$N" "$t0" "$t1")
  local busy
  busy=$(python3 -c "print(100 * ($cpu1 - $cpu0) / $TCK / ($t1 - $t0))")
  cpu_line "$(per_msg "$((cpu1 - cpu0))" "$TCK")" "$(per_msg "$(cat "$DIR/pub.cpu")")" \
    "$(per_msg "$(awk '{print $1 + $2}' "$DIR/sub.cpu")")" $m0 $m1 >"$DIR/cpu-ceiling"

  fresh_broker
  start_subscriber 'vdpark-bench/ceiling/#' "$DIR/ceiling.txt"
  rm -f "$DIR/pub.fifo" && mkfifo "$DIR/pub.fifo"
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -M "$WINDOW" -l -t vdpark-bench/ceiling/status \
    <"$DIR/pub.fifo" &
  local pub_pid=$!
  PIDS+=("$pub_pid")
  exec 3>"$DIR/pub.fifo"  # held open: mosquitto_pub must not see the end of its input (see above)
  t0=$(now)
  cat "$DIR/payloads.txt" >&3 &
  local cat_pid=$!
  PIDS+=("$cat_pid")
  wait "$SUB_PID"
  t1=$(now)
  exec 3>&-
  kill "$pub_pid" 2>/dev/null || true
  wait "$pub_pid" "$cat_pid" 2>/dev/null || true
  [ "$(wc -l <"$DIR/ceiling.txt")" -eq "$N" ] || { echo "ceiling: the subscriber did not get $N messages" >&2; exit 1; }
  pub=$(rate "$N" "$t0" "$t1")
  echo "$lines $pub $busy"
}

# Paho as serve uses it (bench/mqtt_sink_bench.cc), handling nothing; with $2 = intake, with
# serve's intake log (a processor that costs nothing). Prints messages/s, and writes the run's
# cpu_line to $DIR/cpu-sink-$1.
sink_rate() {
  local run=$1 intake=()
  [ "${2:-}" = intake ] && intake=(--intake "$DIR/sink-intake-$run")
  fresh_broker
  (
    TIMEFORMAT='%U %S'
    time "$BIN/mqtt_sink_bench" --mqtt "$VDPARK_MQTT_URL" --messages "$N" "${intake[@]}" \
      --client-id "vdpark-bench-sink-$run" >"$DIR/sink-$run.json" 2>"$DIR/sink-$run.log"
  ) 2>"$DIR/sink.cpu" &
  local sink_pid=$!
  PIDS+=("$sink_pid")
  for _ in $(seq 200); do grep -q ready "$DIR/sink-$run.log" && break; sleep 0.05; done
  local b0 b1 m0 m1
  m0=$(machine_ticks) b0=$(broker_cpu_ticks)
  timed_cpu "$DIR/pub.cpu" "$BIN/mqtt_publish_lines" 127.0.0.1 "$PORT" "$WINDOW" <"$DIR/lines.txt"
  wait "$sink_pid"
  m1=$(machine_ticks) b1=$(broker_cpu_ticks)
  cpu_line "$(per_msg "$((b1 - b0))" "$TCK")" "$(per_msg "$(cat "$DIR/pub.cpu")")" \
    "$(per_msg "$(awk '{print $1 + $2}' "$DIR/sink.cpu")")" $m0 $m1 >"$DIR/cpu-sink-$run"
  json '["messages_per_s"]' <"$DIR/sink-$run.json"
}

# End to end: `vdpark serve --store embedded:DIR --mqtt URL` (a fresh store each run, as the
#    processor bench starts from) taking the N messages; the clock runs from the first publish
#    until serve's /metrics count all N. $1: "lines" (mqtt_publish_lines, as the ceiling) or
#    "simulate" (vdpark simulate publishing them itself). Prints messages/s; with "lines", writes
#    the run's cpu_line to $DIR/cpu-serve-$1.
serve_end_to_end() {
  local run=$1 publisher=$2
  fresh_broker
  rm -rf "$DIR/serve-store"
  "$BIN/vdpark" -q generate --out "embedded:$DIR/serve-store" "${FLEET_ARGS[@]}" >/dev/null
  local port
  port=$(scripts/free-port.sh)
  # INTAKE="" (set and empty): serve handles each message inside the MQTT callback, no intake log.
  "$BIN/vdpark" -q serve --store "embedded:$DIR/serve-store" --mqtt "$VDPARK_MQTT_URL" \
    --listen "127.0.0.1:$port" --client-id "bench-serve-$run" --retention-days 0 \
    --intake "${INTAKE-$DIR/intake}" >"$DIR/serve-$run.log" 2>&1 &
  local serve_pid=$!
  PIDS+=("$serve_pid")
  local metrics="http://127.0.0.1:$port/metrics"
  for _ in $(seq 300); do curl -sf "$metrics" >/dev/null && break; sleep 0.1; done
  handled() { curl -sf "$metrics" | awk '/^vdpark_ingest_messages_total /{print $2}'; }
  local t0 t1 b0 b1 s0 s1 m0 m1
  m0=$(machine_ticks) b0=$(broker_cpu_ticks) s0=$(pid_ticks "$serve_pid")
  t0=$(now)
  if [ "$publisher" = lines ]; then
    timed_cpu "$DIR/pub.cpu" "$BIN/mqtt_publish_lines" 127.0.0.1 "$PORT" "$WINDOW" <"$DIR/lines.txt"
  else
    "$BIN/vdpark" -q simulate --mqtt "$VDPARK_MQTT_URL" "${FLEET_ARGS[@]}" "${SIM_ARGS[@]}" \
      --max-in-flight "$WINDOW" --json >"$DIR/serve-simulate-$run.json"
  fi
  while [ "$(handled)" -lt "$N" ]; do sleep 0.02; done
  t1=$(now)
  m1=$(machine_ticks) b1=$(broker_cpu_ticks) s1=$(pid_ticks "$serve_pid")
  if [ "$publisher" = lines ]; then
    cpu_line "$(per_msg "$((b1 - b0))" "$TCK")" "$(per_msg "$(cat "$DIR/pub.cpu")")" \
      "$(per_msg "$((s1 - s0))" "$TCK")" $m0 $m1 >"$DIR/cpu-serve-$run"
  fi
  kill "$serve_pid" && wait "$serve_pid" || true
  rate "$N" "$t0" "$t1"
}
ceiling=() ceiling_pub=() broker_busy=() sink=() noop=() serve=() serve_sim=()
cpu_ceiling=() cpu_sink=() cpu_noop=() cpu_serve=()
for i in $(seq "$REPEAT"); do
  read -r lines pub busy <<<"$(ceilings)"
  ceiling+=("$lines") ceiling_pub+=("$pub") broker_busy+=("$busy")
  cpu_ceiling+=("$(tr ' ' , <"$DIR/cpu-ceiling")")
  sink+=("$(sink_rate "$i")")
  cpu_sink+=("$(tr ' ' , <"$DIR/cpu-sink-$i")")
  noop+=("$(sink_rate "noop-$i" intake)")
  cpu_noop+=("$(tr ' ' , <"$DIR/cpu-sink-noop-$i")")
  serve+=("$(serve_end_to_end "lines-$i" lines)")
  cpu_serve+=("$(tr ' ' , <"$DIR/cpu-serve-lines-$i")")
  serve_sim+=("$(serve_end_to_end "simulate-$i" simulate)")
  echo "run $i: ceilings $lines / $pub, sink ${sink[-1]}, sink with intake log ${noop[-1]}, serve ${serve[-1]}, serve with simulate ${serve_sim[-1]}" >&2
  echo "run $i: CPU µs/message broker,publisher,subscriber,busy%: ceiling ${cpu_ceiling[-1]}; sink ${cpu_sink[-1]}; intake ${cpu_noop[-1]}; serve ${cpu_serve[-1]}" >&2
done

# 6. Latency: publish -> the bay's state written (readable), at the pace sensors really publish:
#    `vdpark simulate --speed 1 --start now` (ts = the moment of publishing), every sensor's
#    heartbeat every LATENCY_HEARTBEAT (2 s: about 1,300 messages/s from the fleet, for many
#    samples; a real PSL01B beats every 30 minutes) for LATENCY_S seconds, into a serve of its own;
#    serve's lag histogram (receive time - ts + the write) gives p50 and p99. ts has millisecond
#    resolution. Prints "p50_ms p99_ms samples".
LATENCY_S=${LATENCY_S:-45} LATENCY_HEARTBEAT=${LATENCY_HEARTBEAT:-2s}
serve_latency() {
  fresh_broker
  "$BIN/vdpark" -q generate --out "embedded:$DIR/latency-store" "${FLEET_ARGS[@]}" >/dev/null
  local port
  port=$(scripts/free-port.sh)
  "$BIN/vdpark" -q serve --store "embedded:$DIR/latency-store" --mqtt "$VDPARK_MQTT_URL" \
    --listen "127.0.0.1:$port" --client-id bench-latency --retention-days 0 \
    --intake "${INTAKE-$DIR/intake}" >"$DIR/latency-serve.log" 2>&1 &
  local serve_pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.1; done
  "$BIN/vdpark" -q simulate --mqtt "$VDPARK_MQTT_URL" "${FLEET_ARGS[@]}" --speed 1 \
    --heartbeat "$LATENCY_HEARTBEAT" --duration "${LATENCY_S}s" --json >"$DIR/latency-simulate.json"
  sleep 1
  curl -sf "http://127.0.0.1:$port/metrics" >"$DIR/latency-metrics.txt"
  kill "$serve_pid" && wait "$serve_pid" || true
  awk '/^vdpark_ingest_lag_p50_seconds /{p50=$2*1000} /^vdpark_ingest_lag_p99_seconds /{p99=$2*1000}
       /^vdpark_ingest_lag_seconds_count /{n=$2} END{printf "%.1f %.1f %d\n", p50, p99, n}' \
    "$DIR/latency-metrics.txt"
}
latency=$(serve_latency)
echo "latency: publish -> state written, p50/p99 ms and samples: $latency" >&2

python3 - "$N" "$DIR" "$REPEAT" "$WINDOW" "$latency" "${processor[*]}" "${ceiling[*]}" \
  "${ceiling_pub[*]}" "${broker_busy[*]}" "${publisher[*]}" "${sink[*]}" "${serve[*]}" \
  "${serve_sim[*]}" "${noop[*]}" "${cpu_ceiling[*]}" "${cpu_sink[*]}" "${cpu_noop[*]}" \
  "${cpu_serve[*]}" <<'PY'
import json, statistics, sys
n, d, repeat, window, latency = sys.argv[1:6]
n, repeat = int(n), int(repeat)
proc, ceil, ceil_pub, busy, pub, sink, serve, serve_sim, noop = (
    [float(x) for x in v.split()] for v in sys.argv[6:15])
# Per run: [broker, publisher, subscriber] µs of CPU per message, and the machine's busy %.
cpu_ceil, cpu_sink, cpu_noop, cpu_serve = (
    [[float(x) for x in run.split(",")] for run in v.split()] for v in sys.argv[15:19])
med = statistics.median
def spread(v): return f"median of {len(v)}, {min(v):,.0f}-{max(v):,.0f}"
# Within each run: the higher of its two ceilings, and serve's share of it.
top = [max(a, b) for a, b in zip(ceil, ceil_pub)]
share = [100 * s / t for s, t in zip(serve, top)]
share_sim = [100 * s / t for s, t in zip(serve_sim, top)]
share_sink = [100 * s / k for s, k in zip(serve, sink)]
share_noop = [100 * k / t for k, t in zip(noop, top)]
# What serve could reach at most in a run: the slower of its two stages measured alone, the MQTT
# client (that run's) and the processor (the median of step 1): serve runs them side by side.
share_slowest = [100 * s / min(k, med(proc)) for s, k in zip(serve, sink)]
p = json.load(open(f"{d}/processor-{proc.index(sorted(proc)[len(proc) // 2]) + 1}.json"))
s = json.load(open(f"{d}/simulate-1.json"))
o = p["outcomes"]
print("| figure | value | beside |")
print("|---|---|---|")
print(f"| messages | {n:,} from {p['bays']:,} simulated sensors | {o['arrivals']:,} arrivals, "
      f"{o['departures']:,} departures, {o['heartbeats']:,} heartbeats, {o['health']:,} health |")
print(f"| processor alone: Ingestor::Handle -> embedded store | **{med(proc):,.0f} messages/s** "
      f"({spread(proc)}) | per message p50 {p['p50_us']:.0f} µs, p99 {p['p99_us']:.0f} µs, "
      f"p99.9 {p['p999_us']:.0f} µs; store as expected: "
      f"{'yes' if p['mismatches'] == 0 else 'NO (%d mismatches)' % p['mismatches']} |")
print(f"| ceiling: Mosquitto QoS 1, mosquitto_pub -l -M {window} (one topic) -> mosquitto_sub -q 1 | "
      f"{med(ceil_pub):,.0f} messages/s ({spread(ceil_pub)}) | |")
print(f"| ceiling: Mosquitto QoS 1, mqtt_publish_lines -M {window} (the sensors' topics) -> "
      f"mosquitto_sub -q 1 | {med(ceil):,.0f} messages/s ({spread(ceil)}) | broker busy "
      f"{med(busy):.0f} % of one core |")
print(f"| serve's MQTT client alone (Paho, a handler doing nothing), mqtt_publish_lines | "
      f"{med(sink):,.0f} messages/s ({spread(sink)}) | |")
print(f"| serve with a processor that costs nothing: Paho and the intake log (mqtt_sink_bench --intake) | "
      f"{med(noop):,.0f} messages/s ({spread(noop)}) | {med(share_noop):.0f} % of the higher "
      f"ceiling of the same run (runs {min(share_noop):.0f}-{max(share_noop):.0f} %) |")
print(f"| **vdpark serve end to end**: mqtt_publish_lines -> Mosquitto -> serve -> embedded | "
      f"**{med(serve):,.0f} messages/s** ({spread(serve)}) | **{med(share):.0f} % of the higher "
      f"ceiling of the same run** (median; runs {min(share):.0f}-{max(share):.0f} %; goal >= 80 %); "
      f"{med(share_sink):.0f} % of its MQTT client alone |")
print(f"| the same, beside serve's slower stage alone (its MQTT client alone or the processor alone) | "
      f"{med(share_slowest):.0f} % (median; runs {min(share_slowest):.0f}-{max(share_slowest):.0f} %) | "
      f"serve runs the two side by side: the most it could reach |")
print(f"| vdpark serve end to end, vdpark simulate publishing | {med(serve_sim):,.0f} messages/s "
      f"({spread(serve_sim)}) | {med(share_sim):.0f} % of the higher ceiling of the same run |")
print(f"| publisher: vdpark simulate --speed 0 -> mosquitto_sub | {med(pub):,.0f} messages/s "
      f"({spread(pub)}) | simulate's own figure, to the last PUBACK: {s['rate']:,.0f}/s |")
# CPU per message, each figure the median over the runs.
def cpu(runs, i): return med([r[i] for r in runs])
def cpu_cell(runs):
    return (f"broker {cpu(runs, 0):.1f}, publisher {cpu(runs, 1):.1f}, subscriber "
            f"{cpu(runs, 2):.1f}: {sum(cpu(runs, i) for i in range(3)):.1f} µs; machine busy "
            f"{cpu(runs, 3):.0f} %")
print(f"| CPU per message, ceiling (mosquitto_sub subscribing) | {cpu_cell(cpu_ceil)} | |")
print(f"| CPU per message, Paho alone | {cpu_cell(cpu_sink)} | |")
print(f"| CPU per message, Paho and the intake log | {cpu_cell(cpu_noop)} | |")
print(f"| CPU per message, serve end to end | {cpu_cell(cpu_serve)} | |")
# The budget: at 80 % of its run's ceiling, with both cores never idle, serve may spend per message
# 2 cores / (0.8 x ceiling), less what the broker and the publisher spent per message in its own run
# (which is less than at the ceiling's pace: a generous bound) and what Paho and the intake log
# spend with a processor that costs nothing. The processor's own CPU per message: alone, 1 / its
# rate; in serve, serve's CPU less Paho's and the intake log's.
budget = [2e6 / (0.8 * t) - c[0] - c[1] - k[2] for t, c, k in zip(top, cpu_serve, cpu_noop)]
in_serve = [c[2] - k[2] for c, k in zip(cpu_serve, cpu_noop)]
print(f"| the processor's CPU budget for serve at 80 % of the ceiling (both cores never idle) | "
      f"**{med(budget):.1f} µs a message** (runs {min(budget):.1f} to {max(budget):.1f}; can be negative) | "
      f"the processor takes {1e6 / med(proc):.1f} µs alone, {med(in_serve):.1f} µs inside serve |")
p50, p99, samples = latency.split()
print(f"| latency, publish -> bay state written | p50 <= {float(p50):g} ms, p99 <= {float(p99):g} ms | "
      f"{int(samples):,} messages at about 1,300/s (quantiles to the histogram's bucket bounds); goal p99 < 20 ms |")
PY
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
