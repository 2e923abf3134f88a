#!/usr/bin/env bash
# One command for the benchmarks (issue 7, and issue 4's resume/checkpoint figures): builds cmbulk
# and cmbulk-sim in Release (build-release/), then bench/bench.py starts cmbulk-sim on
# 127.0.0.1:0, runs every scenario against cmbulk and the peers in bench/peers/ on the same
# manifest and server, prints a table and writes JSON. Nothing here runs in CI.
# Usage: bench/run.sh [--quick] [--only s1,s2,s3,s4,s5,resume,journal] [--out FILE]
# (s5: 1,000 creates against --nonce-reuse refuse; requests per change against the ideal 2.0)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CMBULK_BENCH_BUILD:-$root/build-release}
work=${CMBULK_BENCH_WORK:-$build/bench-work}   # on the real disk (checkpoints are fsynced here)
out=$root/bench/results/latest.json
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
for p in curl /usr/bin/python3 /usr/bin/time; do
  command -v "$p" >/dev/null || { echo "bench: $p is missing (apt-get install curl python3-requests time)" >&2; exit 2; }
done
/usr/bin/python3 -c 'import requests' 2>/dev/null || { echo "bench: python3-requests is missing" >&2; exit 2; }
if [ -z "${CMBULK_BENCH_NO_BUILD:-}" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMBULK_BUILD_TESTS=OFF >/dev/null
  nice ninja -C "$build" -j 2 cmbulk cmbulk-sim
fi
mkdir -p "$work" "$(dirname "$out")"
# The driver writes the simulator's pid here; stop it whatever happens.
stop_sim() { [ -f "$work/sim.pid" ] && kill "$(cat "$work/sim.pid")" 2>/dev/null || true; }
trap stop_sim EXIT
/usr/bin/python3 "$root/bench/bench.py" --bin "$build" --work "$work" --out "$out" "${args[@]}"
