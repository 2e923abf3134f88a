#!/usr/bin/python3
"""Benchmark S7 (issue 16), started by bench/run.sh: a fleet of 20 orgs x 100 projects, one key
per org, each org limited to 20 requests/s with a burst of 20 by an org-scoped bucket over every
API request (`--limit all=org:20:20/1`, as the issue puts it: "an org bucket of 20/s each").
One `cmbulk apply --credentials` run rotates every project's Slack token (rows interleaved
across the orgs, orgId column present); then the same rotation as one run per org in sequence.
Printed as ratios against the ideal computed from the simulator's configuration: the orgs in
parallel (each org's requests minus its burst, over its rate) and the orgs in sequence.
It also checks issue 16's first acceptance item at its full size (2,000 projects, 20 orgs, 20
credentials): the one run ends in the same state as the 20 runs (every project's Slack token,
read from GET /__sim/state), every request to a project went out with its org's key (the
simulator's request log), and with org 7's key revoked the one run fails exactly org 7's rows
and changes nothing of org 7. Any check failing makes the script exit 1.
Usage: s7_fleet.py --bin DIR --work DIR [--orgs N] [--projects N] [--rate R] [--out FILE]"""
import argparse
import json
import os
import subprocess
import time
import urllib.request


def start_sim(bindir, work, orgs, projects, rate):
    port_file = os.path.join(work, "s7.port")
    if os.path.exists(port_file):
        os.remove(port_file)
    proc = subprocess.Popen(
        [os.path.join(bindir, "cmbulk-sim"), "--listen", "127.0.0.1:0", "--port-file", port_file,
         "--generate", f"{orgs}:{projects}", "--with", "SLACK", "--key-file",
         os.path.join(work, "s7.key"), "--limit", f"all=org:{rate:g}:{rate:g}/1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(work, "sim.pid"), "w") as f:
        f.write(str(proc.pid))
    deadline = time.monotonic() + 60
    while not os.path.exists(port_file) or not open(port_file).read().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("cmbulk-sim did not start")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{int(open(port_file).read().strip())}"


def admin(base, method, path):
    req = urllib.request.Request(base + path, method=method)
    with urllib.request.urlopen(req, timeout=120) as r:
        data = r.read()
    return json.loads(data) if data else None


def org_id(o):
    return "5f%022x" % o


def project_id(o, p):
    return "6f%06x%016x" % (o, p)


def write_manifest(path, orgs_list, projects, tag):
    with open(path, "w") as f:
        f.write("projectId,orgId,type,apiToken,teamName,channelName\n")
        for p in range(1, projects + 1):  # interleaved: the workers spread over the orgs
            for o in orgs_list:
                f.write(f"{project_id(o, p)},{org_id(o)},SLACK,xoxb-s7-{tag}-{o:04d}-{p:05d},s7,#s7\n")


def env_for(orgs):
    env = dict(os.environ)
    for k in ("CMBULK_PUBLIC_KEY", "CMBULK_PRIVATE_KEY", "CMBULK_CONFIG"):
        env.pop(k, None)
    for o in range(1, orgs + 1):
        env[f"S7_KEY_{o}"] = "simprivate-%04d-0123456789abcdef" % o
    return env


def slack_tokens(base):
    """Every project's Slack token (in clear in the simulator's state), by project id."""
    out = {}
    for org in admin(base, "GET", "/__sim/state")["orgs"]:
        for p in org["projects"]:
            out[p["id"]] = [i.get("apiToken") for i in p["integrations"] if i["type"] == "SLACK"]
    return out


def wrong_keys(base):
    """Requests to a project's resources sent with another key than its org's (Digest challenges
    aside: they carry no key yet), and how many such requests there were."""
    wrong = checked = 0
    for e in admin(base, "GET", "/__sim/requests"):
        parts = e["path"].split("/")
        if "groups" not in parts or parts.index("groups") + 1 >= len(parts):
            continue
        pid = parts[parts.index("groups") + 1]
        if len(pid) != 24 or not pid.startswith("6f"):
            continue
        if e["status"] == 401 and not e.get("key"):
            continue  # a Digest challenge: no key was sent yet
        checked += 1
        if e.get("key") != "simpublic-%04d" % int(pid[2:8], 16):
            wrong += 1
    return wrong, checked


def outcomes_by_org(report):
    """{org number: {outcome: rows}} of an apply report."""
    import csv
    out = {}
    with open(report) as f:
        for row in csv.DictReader(f):
            o = int(row["projectId"][2:8], 16)
            out.setdefault(o, {}).setdefault(row["outcome"], 0)
            out[o][row["outcome"]] += 1
    return out


def per_org_requests(base):
    counts = {}
    for e in admin(base, "GET", "/__sim/requests"):
        k = e.get("key") or ""
        counts[k] = counts.get(k, 0) + 1
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--orgs", type=int, default=20)
    ap.add_argument("--projects", type=int, default=100)
    ap.add_argument("--rate", type=float, default=20)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    cmbulk = os.path.join(a.bin, "cmbulk")
    creds = os.path.join(a.work, "s7.credentials.toml")
    with open(creds, "w") as f:
        for o in range(1, a.orgs + 1):
            f.write(f"[orgs.{org_id(o)}]\nname = \"org-{o}\"\npublic-key = \"simpublic-{o:04d}\"\n"
                    f"private-key = \"${{env:S7_KEY_{o}}}\"\n")
    env = env_for(a.orgs)
    result = {"orgs": a.orgs, "projects_per_org": a.projects, "rate_per_org": a.rate,
              "burst_per_org": a.rate, "concurrency": a.concurrency}

    proc, base = start_sim(a.bin, a.work, a.orgs, a.projects, a.rate)
    try:
        m = os.path.join(a.work, "s7.csv")
        write_manifest(m, range(1, a.orgs + 1), a.projects, "rot")
        admin(base, "POST", "/__sim/reset")
        argv = [cmbulk, "apply", m, "--credentials", creds, "--base-url", base, "--action",
                "update", "--report", os.path.join(a.work, "s7.report.csv"), "--no-checkpoint",
                "-q", "-c", str(a.concurrency)]
        t0 = time.monotonic()
        p = subprocess.run(argv, env=env, capture_output=True, text=True)
        fleet_wall = time.monotonic() - t0
        counts = per_org_requests(base)
        n429 = sum(1 for e in admin(base, "GET", "/__sim/requests") if e["status"] == 429)
        org_reqs = [c for k, c in counts.items() if k.startswith("simpublic-")]
        # Ideal: every org's bucket busy from the start; its first `burst` requests are free.
        ideal_parallel = max((c - a.rate) / a.rate for c in org_reqs) if org_reqs else 0
        ideal_sequence = sum((c - a.rate) / a.rate for c in org_reqs)
        result["fleet"] = {"wall_s": round(fleet_wall, 2), "exit": p.returncode,
                           "requests": sum(org_reqs), "429s": n429,
                           "ideal_parallel_s": round(ideal_parallel, 2),
                           "ideal_sequence_s": round(ideal_sequence, 2),
                           "wall_over_ideal_parallel": round(fleet_wall / ideal_parallel, 3)
                           if ideal_parallel else None}
        print(f"  s7 fleet: {result['fleet']}", flush=True)
        state_fleet = slack_tokens(base)
        wrong, checked = wrong_keys(base)
        result["fleet"]["requests_with_another_orgs_key"] = wrong
        result["fleet"]["project_requests_checked"] = checked
        admin(base, "POST", "/__sim/reset")
        initial = slack_tokens(base)

        # The same rotation, one run per org in sequence (each with its org's key alone).
        t0 = time.monotonic()
        for o in range(1, a.orgs + 1):
            mo = os.path.join(a.work, f"s7-org{o}.csv")
            write_manifest(mo, [o], a.projects, "rot")
            e = dict(env, CMBULK_PUBLIC_KEY=f"simpublic-{o:04d}",
                     CMBULK_PRIVATE_KEY="simprivate-%04d-0123456789abcdef" % o)
            subprocess.run([cmbulk, "apply", mo, "--base-url", base, "--action", "update",
                            "--report", os.path.join(a.work, "s7-org.report.csv"),
                            "--no-checkpoint", "-q", "-c", str(a.concurrency)],
                           env=e, capture_output=True)
        seq_wall = time.monotonic() - t0
        result["sequence"] = {"wall_s": round(seq_wall, 2),
                              "wall_over_ideal_sequence": round(seq_wall / ideal_sequence, 3)
                              if ideal_sequence else None}
        result["speedup_fleet_vs_sequence"] = round(seq_wall / fleet_wall, 2)
        print(f"  s7 sequence: {result['sequence']}", flush=True)
        state_seq = slack_tokens(base)
        changed = sum(1 for k in initial if initial[k] != state_seq.get(k))
        result["same_end_state"] = state_fleet == state_seq and changed == len(initial)
        result["projects_rotated"] = changed

        # Org 7's key revoked: the one run fails exactly its rows and nothing of org 7 changes.
        admin(base, "POST", "/__sim/reset")
        admin(base, "POST", "/__sim/keys/simpublic-0007/revoke")
        rep = os.path.join(a.work, "s7.revoked.report.csv")
        pr = subprocess.run(argv[:argv.index("--report") + 1] + [rep] +
                            argv[argv.index("--report") + 2:], env=env, capture_output=True,
                            text=True)
        by_org = outcomes_by_org(rep)
        after = slack_tokens(base)
        org7 = [k for k in initial if int(k[2:8], 16) == 7]
        others_done = sum(n for o, c in by_org.items() if o != 7
                          for oc, n in c.items() if oc == "updated")
        org7_done = sum(n for oc, n in by_org.get(7, {}).items() if oc == "updated")
        org7_rows = sum(by_org.get(7, {}).values())
        result["revoked"] = {
            "exit": pr.returncode, "org7_rows": org7_rows, "org7_updated": org7_done,
            "org7_outcomes": by_org.get(7, {}), "other_rows_updated": others_done,
            "org7_projects_changed": sum(1 for k in org7 if after[k] != initial[k]),
            "summary": [ln for ln in pr.stderr.splitlines() if "refused" in ln][:2]}
        print(f"  s7 revoked key: {result['revoked']}", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"Scenario 7: {a.orgs} orgs x {a.projects} projects, one key each, {a.rate:g}/s per org: "
          f"one run {result['fleet']['wall_s']} s = {result['fleet']['wall_over_ideal_parallel']} x "
          f"the ideal {result['fleet']['ideal_parallel_s']} s (orgs in parallel); one run per org "
          f"in sequence {result['sequence']['wall_s']} s (the one run is "
          f"{result['speedup_fleet_vs_sequence']}x faster)")
    rv = result["revoked"]
    checks = {
        f"one run ends as the {a.orgs} runs": result["same_end_state"],
        "every project request with its org's key":
            result["fleet"]["requests_with_another_orgs_key"] == 0 and
            result["fleet"]["project_requests_checked"] > 0,
        "revoked key: only its rows fail": rv["exit"] != 0 and rv["org7_rows"] == a.projects and
            rv["org7_updated"] == 0 and rv["org7_projects_changed"] == 0 and
            rv["other_rows_updated"] == (a.orgs - 1) * a.projects,
    }
    result["checks"] = checks
    for name, ok in checks.items():
        print(f"  s7 check: {name}: {'ok' if ok else 'FAILED'}")
    if a.out:
        with open(a.out, "w") as f:
            json.dump(result, f, indent=2)
    if not all(checks.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
