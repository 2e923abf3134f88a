#!/usr/bin/env bash
# One command for the benchmarks (issue 7, and issue 4's resume/checkpoint figures): builds cmbulk
# and cmbulk-sim in Release (build-release/), then bench/bench.py starts cmbulk-sim on
# 127.0.0.1:0, runs every scenario against cmbulk and the peers in bench/peers/ on the same
# manifest and server, prints a table and writes JSON; then bench/rotation.py (issue 14) and
# bench/s7_fleet.py (issue 16: a fleet of 20 orgs x 100 projects, one credential each, run after
# bench.py when --only is not given or names s7). Nothing here runs in CI.
# Usage: bench/run.sh [--quick] [--only s1,s2,s3,s4,resume,journal,s5,s6,s7,nonce] [--out FILE]
# (nonce: 1,000 creates against --nonce-reuse refuse; requests per change against the ideal 2.0)
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
only=""
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = --only ] && only=${args[$((i + 1))]:-}
done
main_only=$(echo "$only" | tr , '\n' | grep -v '^s7$' | paste -sd, - || true)
if [ -z "$only" ] || [ -n "$main_only" ]; then
  main_args=()
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[$i]}" = --only ]; then main_args+=(--only "$main_only"); i=$((i + 1)); else main_args+=("${args[$i]}"); fi
  done
  /usr/bin/python3 "$root/bench/bench.py" --bin "$build" --work "$work" --out "$out" "${main_args[@]}"
fi
if [ -z "$only" ] || [[ ",$only," == *,s7,* ]]; then
  echo "scenario 7 ..."
  /usr/bin/python3 "$root/bench/s7_fleet.py" --bin "$build" --work "$work" --out "${out%.json}.s7.json"
fi
# Issue 14: a PagerDuty rotation with alert configurations on 1,000 projects, 10 SIGKILLs and
# --resume; prints requests per project against the minimum (needs cmbulk-sim --with-alerts).
if [ -z "$only" ] && "$build/cmbulk-sim" --help | grep -q -- --with-alerts; then
  /usr/bin/python3 "$root/bench/rotation.py" --bin "$build" --work "$work/rotation"
fi
