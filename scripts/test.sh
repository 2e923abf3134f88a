#!/usr/bin/env bash
# The test command: installs missing Debian packages (as root), configures, builds and runs every
# test (unit and integration; integration tests start their own cmbulk-sim on 127.0.0.1:0).
# Usage: scripts/test.sh [--sanitize]   (build dir: build/ or build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build=build
extra=()
if [ "${1:-}" = "--sanitize" ]; then
  build=build-asan
  extra=(-DCMBULK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cmake -S . -B "$build" -G Ninja "${extra[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure -j "$(nproc)"
