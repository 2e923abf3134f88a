#!/usr/bin/env bash
# The README demo: builds cmbulk and cmbulk-sim, starts the simulator on a free loopback port with
# samples/sim-seed.json, runs `cmbulk apply` of the sample Slack token migration against it,
# prints the summary and the report, and stops the simulator. Output goes to ./demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build --target cmbulk cmbulk-sim -j "$(nproc)"

out=demo-out
mkdir -p "$out"
rm -f "$out"/port "$out"/slack-migration.report.csv "$out"/slack-migration.checkpoint.jsonl
build/cmbulk-sim --listen 127.0.0.1:0 --port-file "$out/port" --seed samples/sim-seed.json \
  --state-out "$out/sim-state.json" >"$out/sim.log" 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$out/port" ] && break; sleep 0.1; done
port=$(cat "$out/port")
echo "cmbulk-sim listening on 127.0.0.1:$port (seed: samples/sim-seed.json)"

# The seed's demo API key. Real keys come from the environment or a mode-600 key file, never
# from the command line.
export CMBULK_PUBLIC_KEY=demo
export CMBULK_PRIVATE_KEY=3f1c8e2a-7b6d-4c5e-9a0f-1d2e3c4b5a69
set +e
build/cmbulk apply samples/slack-migration.csv --base-url "http://127.0.0.1:$port" \
  --report "$out/slack-migration.report.csv" --progress plain
status=$?
set -e
echo
echo "report ($out/slack-migration.report.csv):"
column -s, -t < "$out/slack-migration.report.csv" 2>/dev/null || cat "$out/slack-migration.report.csv"
echo
echo "exit status: $status"
exit "$status"
