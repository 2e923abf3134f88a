#!/usr/bin/env python3
# Issue 14's acceptance run and figure: a generated world (PagerDuty, Slack and webhook
# integrations, --with-alerts 3 configs per project), a PagerDuty key rotation with `plan`, then
# `apply` killed with SIGKILL at random moments and finished with --resume. Checks in the
# simulator's clear state that no notification keeps the old key, that every other notification
# is unchanged byte for byte, and that each config got one PUT when it needed one and none
# otherwise, and that an audit afterwards finds no stale-alert-secret; prints requests per
# project against the minimum (read, write, one list page, one
# PUT per config that carried the old key). Needs a cmbulk-sim with --with-alerts.
# The simulator adds --latency MS to every request (default 25) so that the run lasts long enough
# for every kill to land; each kill comes at a random moment 0.2-2 s into its attempt, and the
# run fails when fewer than --kills landed (the kills counted are the ones that did).
# Usage: bench/rotation.py --bin BUILD_DIR [--projects 1000] [--kills 10] [--latency MS]
#        [--seed N] [--work DIR]
import argparse, json, os, random, signal, subprocess, sys, tempfile, time, urllib.request


def get(url):
    with urllib.request.urlopen(url) as r:
        return json.load(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--projects", type=int, default=1000)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--latency", type=int, default=25)
    ap.add_argument("--seed", type=int, default=None, help="the kill moments' random seed")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = a.work or tempfile.mkdtemp(prefix="cmbulk-rotation-")
    os.makedirs(work, exist_ok=True)
    port_file = os.path.join(work, "port")
    if os.path.exists(port_file):
        os.remove(port_file)
    sim = subprocess.Popen([os.path.join(a.bin, "cmbulk-sim"), "--generate", f"1:{a.projects}",
                            "--with", "PAGER_DUTY,SLACK,WEBHOOK", "--with-alerts", "3",
                            "--latency", str(a.latency),
                            "--listen", "127.0.0.1:0", "--port-file", port_file,
                            "--key-file", os.path.join(work, "key")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            time.sleep(0.05)
        base = "http://127.0.0.1:" + open(port_file).read().strip()
        before = get(base + "/__sim/state")
        old, rows = {}, ["projectId,type,serviceKey"]
        for o in before["orgs"]:
            for i, p in enumerate(o["projects"]):
                old[p["id"]] = next(x["serviceKey"] for x in p["integrations"]
                                    if x["type"] == "PAGER_DUTY")
                rows.append(f"{p['id']},PAGER_DUTY,{0xabc0000 + i:032x}")
        manifest = os.path.join(work, "pd.csv")
        open(manifest, "w").write("\n".join(rows) + "\n")
        env = dict(os.environ, CMBULK_PUBLIC_KEY="simpublic",
                   CMBULK_PRIVATE_KEY="simprivate-0123456789abcdef")
        cmd = [os.path.join(a.bin, "cmbulk"), "apply", manifest, "--action", "update",
               "--base-url", base, "--report", os.path.join(work, "run.csv"), "-q"]
        plan = subprocess.run([os.path.join(a.bin, "cmbulk"), "plan", manifest, "--action",
                               "update", "--base-url", base, "-q"], env=env,
                              capture_output=True, text=True)
        planned = sum(1 for l in plan.stdout.splitlines() if l.startswith("  alert config "))
        requests_before = len(get(base + "/__sim/requests"))
        killed, moments = 0, []
        for k in range(a.kills):
            p = subprocess.Popen(cmd + (["--resume"] if k else []), env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            moment = rng.uniform(0.2, 2.0)
            time.sleep(moment)
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed += 1
                moments.append(round(moment, 2))
            p.wait()
        final = subprocess.run(cmd + (["--resume"] if a.kills else []), env=env)
        requests = len(get(base + "/__sim/requests")) - requests_before
        after = get(base + "/__sim/state")
        # What the service shows afterwards, as an operator would check it.
        audit_csv = os.path.join(work, "audit-after.csv")
        audit = subprocess.run([os.path.join(a.bin, "cmbulk"), "audit", "--all", "--base-url",
                                base, "--report", audit_csv, "-q"], env=env)
        stale = (open(audit_csv).read().count("stale-alert-secret")
                 if audit.returncode == 0 else -1)
    finally:
        sim.terminate()
        sim.wait()
    left = wrong_puts = others = needed_total = 0
    for ob, oa in zip(before["orgs"], after["orgs"]):
        for pb, pa in zip(ob["projects"], oa["projects"]):
            for cb, ca in zip(pb["alertConfigs"], pa["alertConfigs"]):
                needed = any(n["typeName"] == "PAGER_DUTY" and n.get("serviceKey") == old[pb["id"]]
                             for n in cb["notifications"])
                needed_total += needed
                # Exactly one PUT when needed, kills or not: a resume re-reads before it sends.
                wrong_puts += ca["puts"] != (1 if needed else 0)
                for nb, na in zip(cb["notifications"], ca["notifications"]):
                    if na["typeName"] == "PAGER_DUTY" and na.get("serviceKey") == old[pb["id"]]:
                        left += 1
                    if na["typeName"] != "PAGER_DUTY" and nb != na:
                        others += 1
    minimum = 3 + needed_total / a.projects
    print(json.dumps({"projects": a.projects, "kills": killed, "kill_moments_s": moments,
                      "latency_ms": a.latency, "exit": final.returncode,
                      "planned": planned, "needed": needed_total, "old_keys_left": left,
                      "other_notifications_changed": others, "wrong_put_counts": wrong_puts,
                      "audit_stale_alert_secrets": stale,
                      "requests_per_project": round(requests / a.projects, 3),
                      "minimum_per_project": round(minimum, 3)}))
    ok = (final.returncode == 0 and left == 0 and others == 0 and wrong_puts == 0 and
          planned == needed_total and killed == a.kills and stale == 0)
    if killed < a.kills:
        print(f"rotation: only {killed} of {a.kills} kills landed (the run ended first): "
              "give a larger --latency", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
