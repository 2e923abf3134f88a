#!/usr/bin/env bash
# Soak benchmark (not in CI): a release build of cmbulk applies 100,000 SLACK creates to
# cmbulk-sim (--generate 10:10000) injecting a 20% mix of faults (500, 503-html, 429, reset-before,
# reset-after, truncate). Checks that every project got exactly one create, the report has every
# row `created`, and samples the client's RSS each second (peak and at 10/50/90% of progress).
# Usage: bench/soak.sh [ORGS:PROJECTS] [CONCURRENCY]   (default 10:10000 and 32)
# Env: CMBULK_SOAK_BUILD=DIR (default build-release), CMBULK_SOAK_NO_BUILD=1 to skip building.
set -euo pipefail
cd "$(dirname "$0")/.."
world=${1:-10:10000}
conc=${2:-32}
build=${CMBULK_SOAK_BUILD:-build-release}
work=$(mktemp -d /tmp/cmbulk-soak.XXXXXX)
echo "soak: build $build, work dir $work"

if [ -z "${CMBULK_SOAK_NO_BUILD:-}" ]; then  # set it to use already built binaries in $build
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMBULK_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j "${CMBULK_JOBS:-2}" --target cmbulk cmbulk-sim >/dev/null
fi

# 20% in all. A 429 pauses the whole run for its Retry-After (1 s) and cuts the pace, as it must
# against a real server, so it gets a small share: 3% of 429s would make the run take hours.
read -r -a faults <<<"${CMBULK_SOAK_FAULTS:---fault 500=0.05 --fault 503-html=0.045 --fault 429=0.005 --fault reset-before=0.035 --fault reset-after=0.035 --fault truncate=0.03}"
"$build/cmbulk-sim" --listen 127.0.0.1:0 --port-file "$work/port" --generate "$world" \
    --key-file "$work/keys.json" --fault-seed 7 "${faults[@]}" >"$work/sim.log" 2>&1 &
sim_pid=$!
cleanup() { kill "$sim_pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
base="http://127.0.0.1:$port"

python3 bench/soak/make_manifest.py "$base" "$work/slack.csv"
rows=$(($(wc -l <"$work/slack.csv") - 1))
echo "soak: $rows rows, faults ${faults[*]}, concurrency $conc, --max-attempts 10"

start=$(date +%s.%N)
CMBULK_PUBLIC_KEY=simpublic CMBULK_PRIVATE_KEY=simprivate-0123456789abcdef \
  "$build/cmbulk" apply "$work/slack.csv" --base-url "$base" --concurrency "$conc" \
  --max-attempts 10 --report "$work/report.csv" --checkpoint "$work/ckpt.jsonl" \
  --progress plain >"$work/apply.out" 2>"$work/apply.err" &
client=$!
bash bench/soak/sample_rss.sh "$client" "$work/ckpt.jsonl" "$rows" >"$work/rss.tsv" &
sampler=$!
set +e
wait "$client"
rc=$?
set -e
end=$(date +%s.%N)
wait "$sampler" || true
echo "soak: cmbulk apply exit $rc in $(python3 -c "print(round($end - $start, 1))") s"
tail -n 5 "$work/apply.out" || true
[ -s "$work/apply.err" ] && { echo "stderr (last 5 lines):"; tail -n 5 "$work/apply.err"; }

python3 bench/soak/check.py "$base" "$work/report.csv" "$work/rss.tsv" "$rows" "$rc"
