#!/usr/bin/env python3
"""Measures the acceptance figures of `cmbulk apply` (issue 3) and resume (issue 4) against a
cmbulk-sim it starts on 127.0.0.1:0: request counts, 1-second windows, wall times, 429 shares,
exactly-once creates under faults, and a wrong key. Prints one line per item; not run in CI.
Usage: bench/acceptance_apply.py BUILD_DIR   (a build with cmbulk and cmbulk-sim)"""
import json, os, subprocess, sys, tempfile, time, urllib.request

build = sys.argv[1] if len(sys.argv) > 1 else "build"
CMBULK, SIM = os.path.join(build, "cmbulk"), os.path.join(build, "cmbulk-sim")
PUB, PRIV = "simpublic", "simprivate-0123456789abcdef"


class Sim:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="cmbulk-acc-")
        port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen([SIM, "--listen", "127.0.0.1:0", "--port-file", port_file, *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().endswith("\n"):
                break
            time.sleep(0.05)
        self.port = int(open(port_file).read())
        self.url = f"http://127.0.0.1:{self.port}"

    def get(self, path):
        return json.load(urllib.request.urlopen(self.url + path, timeout=30))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def manifest(sim, n, d):
    ids = [p["id"] for o in sim.get("/__sim/state")["orgs"] for p in o["projects"]][:n]
    path = os.path.join(d, "m.csv")
    with open(path, "w") as f:
        f.write("projectId,type,apiToken,teamName\n")
        for i, pid in enumerate(ids):
            f.write(f"{pid},SLACK,xoxb-acc-{i:07d}-token,team\n")
    return path, ids


def apply(sim, path, *extra, key=PRIV):
    env = dict(os.environ, CMBULK_PUBLIC_KEY=PUB, CMBULK_PRIVATE_KEY=key)
    d = os.path.dirname(path)
    t0 = time.monotonic()
    p = subprocess.run([CMBULK, "apply", path, "--base-url", sim.url, "--report", os.path.join(d, "r.csv"),
                        "--checkpoint", os.path.join(d, "c.jsonl"), "-q", *extra],
                       env=env, capture_output=True, text=True)
    return p.returncode, time.monotonic() - t0, p


def outcomes(d):
    import csv
    counts = {}
    with open(os.path.join(d, "r.csv")) as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    return counts, rows


def once(sim):
    ps = [p for o in sim.get("/__sim/state")["orgs"] for p in o["projects"]]
    return sum(1 for p in ps if p["creates"] == 1), len(ps)


def item(name, **kv):
    print(name + ": " + ", ".join(f"{k}={v}" for k, v in kv.items()), flush=True)


def run(n, sim_args, extra, name, check_once=False):
    sim = Sim("--generate", f"1:{n}", *sim_args)
    d = tempfile.mkdtemp(prefix="cmbulk-acc-run-")
    path, _ = manifest(sim, n, d)
    code, secs, _ = apply(sim, path, *extra)
    log = sim.get("/__sim/requests")
    counts, rows = outcomes(d)
    t = sorted(e["tUs"] for e in log)
    worst, j = 0, 0
    for i in range(len(t)):
        while t[i] - t[j] >= 1_000_000:
            j += 1
        worst = max(worst, i - j + 1)
    throttled = sum(1 for e in log if e["status"] == 429)
    retried = sum(1 for r in rows if int(r["attempts"]) > 1)
    kv = dict(exit=code, wall_s=round(secs, 2), requests=len(log), outcomes=counts,
              max_per_1s_window=worst, throttled_429=throttled,
              share_429=f"{100.0 * throttled / max(len(log), 1):.2f}%", rows_retried=retried)
    if check_once:
        ok, total = once(sim)
        kv["projects_created_exactly_once"] = f"{ok}/{total}"
    item(name, **kv)
    sim.stop()


run(1000, [], ["--concurrency", "8"], "1. 1000 creates")
run(1000, [], ["--rate", "100", "--burst", "10"], "2. --rate 100 --burst 10")
run(1000, ["--rate-limit", "50", "--rate-burst", "10"], [], "3. server 50/s, no --rate")
run(1000, ["--fault", "503-html=0.10", "--fault", "500=0.05", "--fault", "reset-before=0.05", "--fault-seed", "3"],
    [], "4. faults 10% 503-html, 5% 500, 5% reset-before (default --max-attempts 5)")
run(1000, ["--fault", "reset-after=0.10", "--fault-seed", "4"], [], "5. faults 10% reset-after", check_once=True)

sim = Sim("--generate", "1:1000")
d = tempfile.mkdtemp(prefix="cmbulk-acc-run-")
path, _ = manifest(sim, 1000, d)
code, secs, p = apply(sim, path, "--concurrency", "8", key="wrong-key")
item("6. wrong private key", exit=code, wall_s=round(secs, 3), requests=len(sim.get("/__sim/requests")),
     message=p.stderr.strip().splitlines()[-1])
sim.stop()
