#!/usr/bin/env bash
# Benchmark peer: what an operator writes by hand — one `curl --digest` process per row under
# `xargs -P N`. Each curl does its own Digest challenge (two requests per row) and its own TCP
# connection. No retries. Input: a file of alternating lines (JSON body, then URL), as written by
# bench/bench.py; output: one "<http status>" line per row on stdout.
# Usage: curl_xargs.sh ROWS_FILE CONCURRENCY   (credentials in CMBULK_PUBLIC_KEY/CMBULK_PRIVATE_KEY)
set -euo pipefail
rows=$1
conc=${2:-16}
# The credentials are in a mode-600 curl config file (-K) so the key never shows in `ps`;
# each curl process still reads it and does its own challenge.
cfg=$(mktemp)
trap 'rm -f "$cfg"' EXIT
chmod 600 "$cfg"
printf 'user = "%s:%s"\n' "$CMBULK_PUBLIC_KEY" "$CMBULK_PRIVATE_KEY" > "$cfg"
xargs -P "$conc" -n 2 -d '\n' \
  curl -s -o /dev/null -w '%{http_code}\n' --digest -K "$cfg" \
       -H 'Content-Type: application/json' -X POST -d < "$rows"
