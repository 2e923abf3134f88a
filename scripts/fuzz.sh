#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (build dir build-fuzz, -DCMBULK_FUZZ=ON,
# ASan + UBSan) and runs each for SECONDS (default 60) on a copy of its seed corpus. Fails on
# any crash, leak, sanitizer report or timeout; prints executions and coverage per target.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: fuzz_csv_manifest, fuzz_json_manifest, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
seconds=${1:-60}
shift || true
build=${CMBULK_FUZZ_BUILD:-build-fuzz}
jobs=${CMBULK_JOBS:-$(nproc)}

CC=${CC_FUZZ:-clang} CXX=${CXX_FUZZ:-clang++} \
  cmake -S . -B "$build" -G Ninja -DCMBULK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target fuzz_all

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for src in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi

out="$build/fuzz-out"
mkdir -p "$out"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
summary=()
for t in "${targets[@]}"; do
  seeds="tests/fuzz/corpus/${t#fuzz_}"
  work="$out/$t.corpus"         # grows while fuzzing; the committed seeds stay untouched
  rm -rf "$work" && mkdir -p "$work"
  [ -d "$seeds" ] && cp "$seeds"/* "$work"/ 2>/dev/null || true
  log="$out/$t.log"
  echo "fuzz: $t for ${seconds}s (seeds: $(ls "$seeds" 2>/dev/null | wc -l))"
  set +e
  "$build/tests/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$out/$t-" "$work" </dev/null >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  line="$t: ${seconds}s, ${execs:-?} executions, coverage ${cov:-?} edges, corpus $(ls "$work" | wc -l), exit $rc"
  summary+=("$line")
  if [ $rc -ne 0 ]; then
    failed=1
    echo "fuzz: $t FAILED (exit $rc); the last lines of $log:" >&2
    tail -n 40 "$log" >&2
    ls "$out/$t-"* 2>/dev/null >&2 || true
  fi
done
echo "fuzz summary:"
printf '  %s\n' "${summary[@]}"
exit $failed
