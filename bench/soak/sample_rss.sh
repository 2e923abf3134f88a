#!/usr/bin/env bash
# Samples a process's resident set size once a second until it exits: prints
# "seconds<TAB>rss_kib<TAB>rows_done" lines, rows_done counted from outcome records of the
# checkpoint journal. Usage: sample_rss.sh PID CHECKPOINT ROWS
pid=$1 ckpt=$2
t=0
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  done_rows=$(grep -c '"k":"outcome"' "$ckpt" 2>/dev/null)
  [ -n "$rss" ] && printf '%s\t%s\t%s\n' "$t" "$rss" "${done_rows:-0}"
  sleep 1
  t=$((t + 1))
done
