#!/usr/bin/env bash
# The fuzzers (fuzz/fuzz_targets.h): libFuzzer with ASan and UBSan, built with clang in build-fuzz
# (VDPARK_BUILD_FUZZ), each target run for a bounded time on a copy of its corpus
# (fuzz/corpus/<target>) with its dictionary (fuzz/dict/<target>.dict), niced, in fork mode so
# that one crash does not end the run.
#   Prints per target: executions, executions/s, the corpus grown, and every crash found (its
#   file under build-fuzz/fuzz-run/<target>/, and what broke). Exits 1 when anything crashed.
#   A crash is minimized with:
#     build-fuzz/<target>_fuzzer -minimize_crash=1 -max_total_time=60 -exact_artifact_path=OUT CRASH
#   and, once fixed, added to fuzz/corpus/<target>/ (tests/fuzz_replay_test.cc replays it).
# Usage: bench/fuzz.sh [SECONDS_EACH] [TARGET...]   (default 60 s; targets: psql_csv
#        sensor_message http_request dynamodb_attribute_json)
# Needs clang and libFuzzer's runtime (Debian 12: apt-get install -y clang libclang-rt-14-dev);
# VDPARK_FUZZ_INSTALL=1 installs them when missing. FUZZ_JOBS: build parallelism (default 1);
# FUZZ_NO_BUILD=1 runs the fuzzers already built.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(psql_csv sensor_message http_request dynamodb_attribute_json)
BUILD=build-fuzz
RUN=$BUILD/fuzz-run

# clang with libFuzzer's runtime: a one-line fuzzer must link.
have_libfuzzer() {
  command -v clang++ >/dev/null || return 1
  local probe
  probe=$(mktemp -d)
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
    >"$probe/p.cc"
  clang++ -fsanitize=fuzzer,address "$probe/p.cc" -o "$probe/p" >/dev/null 2>&1
  local ok=$?
  rm -rf "$probe"
  return $ok
}
if ! have_libfuzzer; then
  if [ "${VDPARK_FUZZ_INSTALL:-0}" = 1 ]; then
    apt-get install -y clang libclang-rt-14-dev
  fi
  have_libfuzzer || {
    echo "fuzz: clang with libFuzzer is missing: apt-get install -y clang libclang-rt-14-dev" \
      "(or run with VDPARK_FUZZ_INSTALL=1)" >&2
    exit 2
  }
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f $BUILD/build.ninja ]; then
  cmake -S . -B $BUILD -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVDPARK_BUILD_FUZZ=ON -DVDPARK_BUILD_TESTS=OFF -DVDPARK_BUILD_BENCH=OFF "${launcher[@]}" \
    >/dev/null
fi
[ "${FUZZ_NO_BUILD:-0}" = 1 ] ||
  nice ninja -C $BUILD -j"${FUZZ_JOBS:-1}" "${TARGETS[@]/%/_fuzzer}" >/dev/null

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); $SECONDS_EACH s per target" >&2
printf '%-26s %12s %10s %8s %8s  %s\n' target executions exec/s seeds corpus crashes
status=0
for t in "${TARGETS[@]}"; do
  dir=$RUN/$t
  rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/artifacts"
  cp fuzz/corpus/"$t"/* "$dir/corpus/"
  seeds=$(ls "$dir/corpus" | wc -l)
  start=$(date +%s)
  # -fork=1 -ignore_crashes=1: a child process fuzzes, and a crash is saved and fuzzing goes on.
  dict=()
  [ -f fuzz/dict/"$t".dict ] && dict=(-dict=fuzz/dict/"$t".dict)
  nice -n 15 $BUILD/${t}_fuzzer "${dict[@]}" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$SECONDS_EACH" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/fuzz.log" 2>&1 || true
  elapsed=$(($(date +%s) - start))
  # The fork-mode status lines: "#EXECS: cov: ... corp: N ..."; the last one is the total.
  execs=$(grep -oE '^#[0-9]+' "$dir/fuzz.log" | tail -1 | tr -d '#')
  execs=${execs:-0}
  crashes=$(find "$dir/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' \
    -o -name 'timeout-*' \) | sort)
  printf '%-26s %12s %10s %8s %8s  %s\n' "$t" "$execs" "$((execs / (elapsed > 0 ? elapsed : 1)))" \
    "$seeds" "$(ls "$dir/corpus" | wc -l)" "$(echo -n "$crashes" | grep -c . || true)"
  for c in $crashes; do
    status=1
    why=$($BUILD/${t}_fuzzer -runs=1 "$c" 2>&1 |
      grep -a -m1 -E 'broken invariant:|ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|SUMMARY:|out-of-memory|timeout' ||
      true)
    echo "  crash: $c: ${why:-(see $dir/fuzz.log)}"
  done
done
exit $status
