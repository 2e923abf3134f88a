#!/usr/bin/env bash
# The test command: installs missing Debian packages (as root), configures, builds and runs every
# test (unit and integration; integration tests start their own cmbulk-sim on 127.0.0.1:0).
# Usage: scripts/test.sh [--sanitize]   (build dir: build/ or build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build=build
extra=()
sanitize=0
if [ "${1:-}" = "--sanitize" ]; then
  sanitize=1
  build=build-asan
  extra=(-DCMBULK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  # Every process of the run (tests, and the cmbulk / cmbulk-sim children they spawn, which
  # inherit this environment) aborts on its first report and also writes it under
  # sanitizer-logs/, so a report from a child whose exit status no test looks at still fails CI.
  logs="$PWD/$build/sanitizer-logs"
  rm -rf "$logs" && mkdir -p "$logs"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1:log_path=$logs/asan
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$logs/ubsan
fi
cmake -S . -B "$build" -G Ninja "${extra[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
status=0
ctest --output-on-failure -j "$(nproc)" || status=$?
if [ "$sanitize" = 1 ] && [ -n "$(ls -A "$logs")" ]; then
  echo "sanitizer reports:" >&2
  for f in "$logs"/*; do echo "== $f" >&2; head -n 60 "$f" >&2; done
  status=1
fi
exit $status
