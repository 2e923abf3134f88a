#!/usr/bin/env python3
# Checks a soak run and prints its figures: every project created exactly once (creates == 1,
# one SLACK integration), every report row `created`, the client's RSS (peak and at 10/50/90%
# of progress). Exits 1 when anything was lost or duplicated.
# Usage: check.py BASE_URL REPORT.csv RSS.tsv ROWS APPLY_EXIT
import csv, json, sys, urllib.request
from collections import Counter

base, report, rss_file, rows, apply_rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
ok = apply_rc == 0
state = json.load(urllib.request.urlopen(base + "/__sim/state"))
projects = [p for o in state["orgs"] for p in o["projects"]]
creates = Counter(p.get("creates", 0) for p in projects)
slack = sum(1 for p in projects if any(i.get("type") == "SLACK" for i in p.get("integrations", [])))
print("server: %d projects, creates per project %s, with a SLACK integration: %d"
      % (len(projects), dict(sorted(creates.items())), slack))
dups = sum(n for c, n in creates.items() if c > 1)
missing = creates.get(0, 0)
print("server: duplicates %d, never created %d" % (dups, missing))
ok &= dups == 0 and missing == 0 and slack == len(projects) == rows

log = json.load(urllib.request.urlopen(base + "/__sim/requests"))
faults = Counter(r.get("fault") or "none" for r in log)
print("server: %d requests, faults injected %s" % (len(log), dict(faults)))

with open(report, newline="") as f:
    outcomes = Counter(r.get("result") or r.get("outcome") for r in csv.DictReader(f))
print("report: %d rows, outcomes %s" % (sum(outcomes.values()), dict(outcomes)))
ok &= outcomes.get("created", 0) == rows and sum(outcomes.values()) == rows

samples = []
with open(rss_file) as f:
    for line in f:
        t, rss, done = line.split("\t")
        samples.append((int(t), int(rss), int(done)))
if samples:
    peak = max(s[1] for s in samples)
    print("client RSS: peak %.1f MiB over %d samples" % (peak / 1024, len(samples)))
    for pct in (10, 50, 90):
        at = next((s for s in samples if s[2] >= rows * pct / 100), samples[-1])
        print("client RSS at %d%% (t=%ds, %d rows done): %.1f MiB" % (pct, at[0], at[2], at[1] / 1024))
print("soak: %s" % ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
