#!/usr/bin/python3
"""The benchmark driver (started by bench/run.sh): runs cmbulk and the peers in bench/peers/
against cmbulk-sim on the same manifest and server, reads what reached the server from the
simulator's admin endpoints, and prints a table plus a JSON file. Times nothing in CI.
Usage: bench.py --bin DIR --work DIR --out FILE [--quick]
                [--only s1,s2,s3,s4,resume,journal,s5,s6]"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PUB = "simpublic"
PRIV = "simprivate-0123456789abcdef"
TIME = "/usr/bin/time"


class Sim:
    """One cmbulk-sim on 127.0.0.1:0 with a generated world; stopped by stop() (or run.sh's trap)."""

    def __init__(self, bindir, work, projects, extra=()):
        self.port_file = os.path.join(work, "sim.port")
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        orgs = max(1, projects // 10000)
        per_org = (projects + orgs - 1) // orgs
        self.proc = subprocess.Popen(
            [os.path.join(bindir, "cmbulk-sim"), "--listen", "127.0.0.1:0", "--port-file",
             self.port_file, "--generate", f"{orgs}:{per_org}", "--key-file",
             os.path.join(work, "sim.key"), *extra],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "sim.log"), "w"))
        with open(os.path.join(work, "sim.pid"), "w") as f:
            f.write(str(self.proc.pid))
        deadline = time.monotonic() + 60
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("cmbulk-sim did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())
        self.base = f"http://127.0.0.1:{self.port}"

    def admin(self, method, path, body=None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=120) as r:
            data = r.read()
        return json.loads(data) if data else None

    def reset(self):
        self.admin("POST", "/__sim/reset")

    def requests(self):
        return self.admin("GET", "/__sim/requests")

    def state(self):
        return self.admin("GET", "/__sim/state")

    def cpu_seconds(self):
        """user+sys CPU of the simulator process so far (from /proc)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def project_ids(state):
    return [p["id"] for o in state["orgs"] for p in o["projects"]]


def write_inputs(work, name, base, ids):
    """The same rows for every tool: a CSV manifest for cmbulk, body/URL line pairs for the peers."""
    csv_path = os.path.join(work, f"{name}.csv")
    rows_path = os.path.join(work, f"{name}.rows")
    with open(csv_path, "w") as c, open(rows_path, "w") as r:
        c.write("projectId,type,apiToken,teamName,channelName\n")
        for i, pid in enumerate(ids):
            tok = f"xoxb-bench-{100000 + i}"
            c.write(f"{pid},SLACK,{tok},team-{i},#alerts\n")
            body = json.dumps({"type": "SLACK", "apiToken": tok, "teamName": f"team-{i}",
                               "channelName": "#alerts"}, separators=(",", ":"))
            r.write(body + "\n" + f"{base}/api/public/v1.0/groups/{pid}/integrations/SLACK\n")
    return csv_path, rows_path


def timed(argv, env_extra=None, stdout_path=None):
    """Runs argv under /usr/bin/time; returns wall (s), cpu (user+sys of the process tree, s),
    peak RSS (KiB, largest process of the tree), exit status and stdout."""
    env = dict(os.environ, CMBULK_PUBLIC_KEY=PUB, CMBULK_PRIVATE_KEY=PRIV, **(env_extra or {}))
    tfile = stdout_path + ".time" if stdout_path else "/dev/null"
    t0 = time.monotonic()
    p = subprocess.run([TIME, "-f", "%U %S %M", "-o", tfile, *argv], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - t0
    with open(tfile) as f:
        u, s, m = f.read().split()[-3:]
    return {"wall_s": wall, "cpu_s": float(u) + float(s), "peak_rss_kib": int(m),
            "exit": p.returncode, "stdout": p.stdout.decode(errors="replace"),
            "stderr": p.stderr.decode(errors="replace")[-2000:]}


def server_view(sim, ids):
    """What reached the server since the last reset, and which of the rows' projects now have SLACK."""
    log = sim.requests()
    statuses = {}
    for e in log:
        statuses[str(e["status"])] = statuses.get(str(e["status"]), 0) + 1
    wanted = set(ids)
    created = 0
    creates = 0
    for o in sim.state()["orgs"]:
        for p in o["projects"]:
            if p["id"] in wanted:
                creates += p.get("creates", 0)
                if any(i.get("type") == "SLACK" for i in p.get("integrations", [])):
                    created += 1
    return {"requests": len(log), "statuses": statuses, "rows_created": created,
            "create_count": creates}


def run_tool(tool, sim, bindir, work, csv_path, rows_path, conc=16, extra=(), tag=""):
    out = os.path.join(work, f"{tool}{tag}.out")
    if tool == "cmbulk":
        ck = os.path.join(work, f"run{tag}.checkpoint.jsonl")
        for p in (ck, os.path.join(work, f"run{tag}.report.csv")):
            if os.path.exists(p):
                os.remove(p)
        argv = [os.path.join(bindir, "cmbulk"), "apply", csv_path, "--base-url", sim.base,
                "--concurrency", str(conc), "--report", os.path.join(work, f"run{tag}.report.csv"),
                *([] if "--no-checkpoint" in extra else ["--checkpoint", ck]),
                "--progress", "plain", "--quiet", *extra]
    elif tool == "curl_xargs":
        argv = [os.path.join(HERE, "peers", "curl_xargs.sh"), rows_path, str(conc)]
    else:
        argv = ["/usr/bin/python3", os.path.join(HERE, "peers", "requests_pool.py"), rows_path,
                str(conc)]
    cpu0 = sim.cpu_seconds()
    r = timed(argv, stdout_path=out)
    r["sim_cpu_s"] = sim.cpu_seconds() - cpu0
    return r


def s1(bindir, work, n, results):
    sim = Sim(bindir, work, n)
    try:
        ids = project_ids(sim.state())[:n]
        csv_path, rows_path = write_inputs(work, "s1", sim.base, ids)
        rows = {}
        for tool in ("cmbulk", "requests_py", "curl_xargs"):
            sim.reset()
            r = run_tool(tool, sim, bindir, work, csv_path, rows_path, tag="-s1")
            v = server_view(sim, ids)
            rows[tool] = {"wall_s": round(r["wall_s"], 3), "exit": r["exit"],
                          "requests": v["requests"],
                          "requests_per_change": round(v["requests"] / n, 4),
                          "client_cpu_s": round(r["cpu_s"], 3),
                          "client_cpu_us_per_request": round(1e6 * r["cpu_s"] / max(1, v["requests"]), 1),
                          "sim_cpu_s": round(r["sim_cpu_s"], 3),
                          "sim_cpu_us_per_request": round(1e6 * r["sim_cpu_s"] / max(1, v["requests"]), 1),
                          "rows_created": v["rows_created"], "statuses": v["statuses"]}
            print(f"  s1 {tool}: {rows[tool]}", flush=True)
        for peer in ("curl_xargs", "requests_py"):
            rows[f"speedup_vs_{peer}"] = round(rows[peer]["wall_s"] / rows["cmbulk"]["wall_s"], 2)
        results["s1_unlimited"] = {"rows": n, "concurrency": 16, **rows}
    finally:
        sim.stop()


def s2(bindir, work, n, rate, burst, results):
    sim = Sim(bindir, work, n, ["--rate-limit", str(rate), "--rate-burst", str(burst)])
    try:
        ids = project_ids(sim.state())[:n]
        csv_path, rows_path = write_inputs(work, "s2", sim.base, ids)
        rows = {}
        for tool in ("cmbulk", "requests_py", "curl_xargs"):
            sim.reset()
            r = run_tool(tool, sim, bindir, work, csv_path, rows_path, tag="-s2")
            v = server_view(sim, ids)
            rows[tool] = {"wall_s": round(r["wall_s"], 3), "exit": r["exit"],
                          "wall_over_n_div_r": round(r["wall_s"] / (n / rate), 3),
                          "requests": v["requests"], "429s": v["statuses"].get("429", 0),
                          "429_share_of_n": round(v["statuses"].get("429", 0) / n, 4),
                          "rows_created": v["rows_created"], "rows_lost": n - v["rows_created"],
                          "statuses": v["statuses"]}
            print(f"  s2 {tool}: {rows[tool]}", flush=True)
        results["s2_rate_limited"] = {"rows": n, "rate": rate, "burst": burst,
                                      "n_div_r_s": n / rate, **rows}
    finally:
        sim.stop()


def s3_and_resume(bindir, work, sizes, results, do_resume, journal_n, journal_reps):
    biggest = max(sizes + [journal_n])
    sim = Sim(bindir, work, biggest)
    try:
        all_ids = project_ids(sim.state())
        scaling = {}
        for n in sizes:
            ids = all_ids[:n]
            csv_path, rows_path = write_inputs(work, f"s3-{n}", sim.base, ids)
            sim.reset()
            r = run_tool("cmbulk", sim, bindir, work, csv_path, rows_path, tag=f"-s3-{n}")
            v = server_view(sim, ids)
            scaling[str(n)] = {"wall_s": round(r["wall_s"], 3), "exit": r["exit"],
                               "rows_per_s": round(n / r["wall_s"]),
                               "peak_rss_mib": round(r["peak_rss_kib"] / 1024, 1),
                               "requests": v["requests"],
                               "requests_per_change": round(v["requests"] / n, 4),
                               "client_cpu_us_per_request": round(1e6 * r["cpu_s"] / max(1, v["requests"]), 1),
                               "sim_cpu_us_per_request": round(1e6 * r["sim_cpu_s"] / max(1, v["requests"]), 1),
                               "rows_created": v["rows_created"]}
            print(f"  s3 {n}: {scaling[str(n)]}", flush=True)
            if do_resume and n == max(sizes):
                # Issue 4: resume a run whose rows are all done: reads the checkpoint, sends nothing.
                before = len(sim.requests())
                tag = f"-s3-{n}"
                argv = [os.path.join(bindir, "cmbulk"), "apply", csv_path, "--base-url", sim.base,
                        "--concurrency", "16", "--report", os.path.join(work, f"run{tag}.report.csv"),
                        "--checkpoint", os.path.join(work, f"run{tag}.checkpoint.jsonl"),
                        "--progress", "plain", "--quiet", "--resume"]
                rr = timed(argv, stdout_path=os.path.join(work, "resume.out"))
                sent = len(sim.requests()) - before
                results["resume_all_done"] = {"rows": n, "wall_s": round(rr["wall_s"], 3),
                                              "exit": rr["exit"], "requests_sent": sent,
                                              "peak_rss_mib": round(rr["peak_rss_kib"] / 1024, 1)}
                print(f"  resume {n}: {results['resume_all_done']}", flush=True)
        results["s3_scaling"] = scaling
        if journal_n:
            # Issue 4: throughput with the default checkpoint vs --no-checkpoint, alternated.
            ids = all_ids[:journal_n]
            csv_path, rows_path = write_inputs(work, "jr", sim.base, ids)
            walls = {"checkpoint": [], "no_checkpoint": []}
            for rep in range(journal_reps):
                for mode in ("checkpoint", "no_checkpoint"):
                    sim.reset()
                    extra = ["--no-checkpoint"] if mode == "no_checkpoint" else []
                    r = run_tool("cmbulk", sim, bindir, work, csv_path, rows_path, extra=extra,
                                 tag=f"-jr-{mode}")
                    if r["exit"] != 0:
                        raise RuntimeError(f"journal run ({mode}) exited {r['exit']}: {r['stderr']}")
                    walls[mode].append(r["wall_s"])
            med = {k: statistics.median(v) for k, v in walls.items()}
            results["journal_cost"] = {
                "rows": journal_n, "reps": journal_reps,
                "wall_s": {k: [round(x, 3) for x in v] for k, v in walls.items()},
                "median_rows_per_s": {k: round(journal_n / v) for k, v in med.items()},
                "throughput_ratio": round(med["no_checkpoint"] / med["checkpoint"], 3)}
            print(f"  journal: {results['journal_cost']}", flush=True)
    finally:
        sim.stop()


def write_four_type_inputs(work, name, base, ids, peer_repeat):
    """Four rows per project (SLACK, PAGER_DUTY, OPS_GENIE, VICTOR_OPS) as JSON Lines for cmbulk
    (a create each: 4 requests per project); the peers PUT the same rows (`peer_repeat` times)."""
    jl_path = os.path.join(work, f"{name}.jsonl")
    rows_path = os.path.join(work, f"{name}.rows")
    with open(jl_path, "w") as j, open(rows_path, "w") as r:
        for i, pid in enumerate(ids):
            bodies = [{"type": "SLACK", "apiToken": f"xoxb-bench-{100000 + i}",
                       "teamName": f"team-{i}", "channelName": "#alerts"},
                      {"type": "PAGER_DUTY", "serviceKey": f"{i:032x}", "region": "US"},
                      {"type": "OPS_GENIE", "apiKey": "01234567-89ab-cdef-0123-456789abcdef",
                       "region": "US"},
                      {"type": "VICTOR_OPS", "apiKey": "01234567-89ab-cdef-0123-456789abcdef",
                       "routingKey": f"vo-{i}"}]
            for b in bodies:
                j.write(json.dumps({"projectId": pid, **b}) + "\n")
            for _ in range(peer_repeat):
                for b in bodies:
                    r.write(json.dumps(b, separators=(",", ":")) + "\n" +
                            f"{base}/api/public/v1.0/groups/{pid}/integrations/{b['type']}\n")
    return jl_path, rows_path


def rows_configured(sim, ids, types):
    """Rows of `types` now configured on the projects `ids`."""
    wanted = set(ids)
    n = 0
    for o in sim.state()["orgs"]:
        for p in o["projects"]:
            if p["id"] in wanted:
                n += sum(1 for i in p.get("integrations", []) if i.get("type") in types)
    return n


def s5(bindir, work, projects, results):
    """Issue 16: buckets per project (capacity 2, one token back every 10 s), 4 requests per
    project. The ideal: every project in parallel, its first `capacity` requests at once and one
    per refill after: (4 - capacity) / refill seconds."""
    cap, refill, period = 2, 1, 10
    sim = Sim(bindir, work, projects, ["--limit", f"integrations=project:{cap}:{refill}/{period}"])
    try:
        ids = project_ids(sim.state())[:projects]
        jl, rows_path = write_four_type_inputs(work, "s5", sim.base, ids, 1)
        ideal = max(0, 4 - cap) / (refill / period)
        rows = {}
        for tool in ("cmbulk", "requests_py", "curl_xargs"):
            sim.reset()
            r = run_tool(tool, sim, bindir, work, jl, rows_path, conc=16, tag="-s5")
            v = server_view(sim, ids)
            done = rows_configured(sim, ids, {"SLACK", "PAGER_DUTY", "OPS_GENIE", "VICTOR_OPS"})
            rows[tool] = {"wall_s": round(r["wall_s"], 3), "exit": r["exit"],
                          "wall_over_ideal": round(r["wall_s"] / ideal, 3),
                          "requests": v["requests"], "429s": v["statuses"].get("429", 0),
                          "rows_configured": done, "rows_lost": 4 * projects - done}
            print(f"  s5 {tool}: {rows[tool]}", flush=True)
        results["s5_project_buckets"] = {"projects": projects, "rows": 4 * projects,
                                         "requests_per_project": 4, "capacity": cap,
                                         "refill_per_s": refill / period, "ideal_s": ideal, **rows}
    finally:
        sim.stop()


def s6(bindir, work, n, rate, share, results):
    """Issue 16: a user bucket of `rate`/s (capacity `rate`) plus `share` random 429s
    (Retry-After: 1). N = the requests the rows need (a create each); the issue's
    bound is 1.3 x N/R. The exact ideal counts the injected 429s too (they take a token, as the
    bucket comes first): (N / (1 - share) - capacity) / R."""
    sim = Sim(bindir, work, n, ["--no-limits", "--limit", f"all=user:{rate}:{rate}/1",
                                "--fault", f"429={share}", "--fault-seed", "16"])
    try:
        ids = project_ids(sim.state())[:n]
        csv_path, rows_path = write_inputs(work, "s6", sim.base, ids)
        need = n
        n_div_r = need / rate
        ideal = (need / (1 - share) - rate) / rate
        rows = {}
        for tool in ("cmbulk", "requests_py", "curl_xargs"):
            sim.reset()
            r = run_tool(tool, sim, bindir, work, csv_path, rows_path, conc=16, tag="-s6")
            v = server_view(sim, ids)
            rows[tool] = {"wall_s": round(r["wall_s"], 3), "exit": r["exit"],
                          "wall_over_n_div_r": round(r["wall_s"] / n_div_r, 3),
                          "wall_over_ideal": round(r["wall_s"] / ideal, 3),
                          "requests": v["requests"], "429s": v["statuses"].get("429", 0),
                          "rows_created": v["rows_created"], "rows_lost": n - v["rows_created"]}
            print(f"  s6 {tool}: {rows[tool]}", flush=True)
        results["s6_user_bucket_random_429"] = {"rows": n, "requests_needed": need, "rate": rate,
                                                "random_429_share": share, "n_div_r_s": n_div_r,
                                                "ideal_s": round(ideal, 3), **rows}
    finally:
        sim.stop()


def s4(bindir, work, n, results):
    """Simulator capacity: cmbulk at concurrency 64 against it; the simulator's own CPU per request
    bounds what one simulator thread can serve (1 / CPU per request)."""
    sim = Sim(bindir, work, n)
    try:
        ids = project_ids(sim.state())[:n]
        csv_path, rows_path = write_inputs(work, "s4", sim.base, ids)
        sim.reset()
        r = run_tool("cmbulk", sim, bindir, work, csv_path, rows_path, conc=64, tag="-s4")
        v = server_view(sim, ids)
        per_req = r["sim_cpu_s"] / max(1, v["requests"])
        results["s4_sim_capacity"] = {
            "rows": n, "concurrency": 64, "requests": v["requests"],
            "achieved_requests_per_s": round(v["requests"] / r["wall_s"]),
            "sim_busy_share": round(r["sim_cpu_s"] / r["wall_s"], 3),
            "sim_cpu_us_per_request": round(1e6 * per_req, 1),
            "sim_capacity_requests_per_s_one_core": round(1 / per_req) if per_req else None}
        print(f"  s4: {results['s4_sim_capacity']}", flush=True)
    finally:
        sim.stop()


def nonce_refused(bindir, work, n, results):
    """Issue 13: a server that refuses every reused Digest nonce (cmbulk-sim --nonce-reuse
    refuse, as MongoDB's own Digest client assumes). No row may be lost, and each change costs at
    most two requests (the challenge and the answer): the ideal is 2.0."""
    sim = Sim(bindir, work, n, ["--nonce-reuse", "refuse"])
    try:
        ids = project_ids(sim.state())[:n]
        csv_path, rows_path = write_inputs(work, "nonce", sim.base, ids)
        sim.reset()
        r = run_tool("cmbulk", sim, bindir, work, csv_path, rows_path, conc=16, tag="-nonce")
        v = server_view(sim, ids)
        per_change = v["requests"] / n
        results["nonce_refused"] = {
            "rows": n, "concurrency": 16, "exit": r["exit"], "wall_s": round(r["wall_s"], 3),
            "requests": v["requests"], "rows_created": v["rows_created"],
            "rows_failed": n - v["rows_created"],
            "requests_per_change": round(per_change, 4),
            "ratio_to_ideal_2": round(per_change / 2.0, 4), "statuses": v["statuses"]}
        print(f"  nonce: {results['nonce_refused']}", flush=True)
    finally:
        sim.stop()


def table(results):
    lines = []
    if "s1_unlimited" in results:
        s = results["s1_unlimited"]
        lines += [f"Scenario 1: {s['rows']} creates, no server limit, concurrency 16",
                  "| tool | wall s | speedup of cmbulk | requests/change | client CPU us/request | sim CPU us/request | rows created |",
                  "|---|---|---|---|---|---|---|"]
        for tool in ("cmbulk", "requests_py", "curl_xargs"):
            t = s[tool]
            sp = "-" if tool == "cmbulk" else f"{s['speedup_vs_' + tool]}x"
            lines.append(f"| {tool} | {t['wall_s']} | {sp} | {t['requests_per_change']} | "
                         f"{t['client_cpu_us_per_request']} | {t['sim_cpu_us_per_request']} | {t['rows_created']} |")
        lines.append("")
    if "s2_rate_limited" in results:
        s = results["s2_rate_limited"]
        lines += [f"Scenario 2: {s['rows']} creates, server bucket {s['rate']}/s burst {s['burst']} (N/R = {s['n_div_r_s']} s), cmbulk given no --rate",
                  "| tool | wall s | wall / (N/R) | 429s | 429s / N | rows created | rows lost |",
                  "|---|---|---|---|---|---|---|"]
        for tool in ("cmbulk", "requests_py", "curl_xargs"):
            t = s[tool]
            lines.append(f"| {tool} | {t['wall_s']} | {t['wall_over_n_div_r']} | {t['429s']} | "
                         f"{t['429_share_of_n']} | {t['rows_created']} | {t['rows_lost']} |")
        lines.append("")
    if "s3_scaling" in results:
        lines += ["Scenario 3: cmbulk scaling (creates, concurrency 16)",
                  "| rows | wall s | rows/s | peak RSS MiB | requests/change | client CPU us/request |",
                  "|---|---|---|---|---|---|"]
        for n, t in results["s3_scaling"].items():
            lines.append(f"| {n} | {t['wall_s']} | {t['rows_per_s']} | {t['peak_rss_mib']} | "
                         f"{t['requests_per_change']} | {t['client_cpu_us_per_request']} |")
        lines.append("")
    if "s4_sim_capacity" in results:
        t = results["s4_sim_capacity"]
        lines += [f"Scenario 4: simulator capacity: {t['achieved_requests_per_s']} requests/s achieved at "
                  f"concurrency 64 (simulator busy {t['sim_busy_share']} of one core), "
                  f"{t['sim_cpu_us_per_request']} us simulator CPU per request -> "
                  f"~{t['sim_capacity_requests_per_s_one_core']} requests/s per simulator core", ""]
    if "s5_project_buckets" in results:
        s = results["s5_project_buckets"]
        lines += [f"Scenario 5: {s['projects']} projects x {s['requests_per_project']} requests, a bucket per project "
                  f"(capacity {s['capacity']}, refill {s['refill_per_s']}/s): ideal {s['ideal_s']} s (bound: 1.2x)",
                  "| tool | wall s | wall / ideal | requests | 429s | rows configured | rows lost |",
                  "|---|---|---|---|---|---|---|"]
        for tool in ("cmbulk", "requests_py", "curl_xargs"):
            t = s[tool]
            lines.append(f"| {tool} | {t['wall_s']} | {t['wall_over_ideal']} | {t['requests']} | "
                         f"{t['429s']} | {t['rows_configured']} | {t['rows_lost']} |")
        lines.append("")
    if "s6_user_bucket_random_429" in results:
        s = results["s6_user_bucket_random_429"]
        lines += [f"Scenario 6: {s['rows']} creates ({s['requests_needed']} requests), a user bucket of {s['rate']}/s "
                  f"plus {s['random_429_share']:.0%} random 429s: N/R = {s['n_div_r_s']} s, exact ideal {s['ideal_s']} s "
                  f"(bound: 1.3x N/R, no row lost)",
                  "| tool | wall s | wall / (N/R) | wall / ideal | 429s | rows created | rows lost |",
                  "|---|---|---|---|---|---|---|"]
        for tool in ("cmbulk", "requests_py", "curl_xargs"):
            t = s[tool]
            lines.append(f"| {tool} | {t['wall_s']} | {t['wall_over_n_div_r']} | {t['wall_over_ideal']} | "
                         f"{t['429s']} | {t['rows_created']} | {t['rows_lost']} |")
        lines.append("")
    if "nonce_refused" in results:
        t = results["nonce_refused"]
        lines += [f"Scenario nonce: {t['rows']} creates, every reused nonce refused (--nonce-reuse refuse), "
                  f"concurrency {t['concurrency']}: {t['rows_created']} created, {t['rows_failed']} failed, "
                  f"{t['requests_per_change']} requests/change (ideal 2.0; ratio {t['ratio_to_ideal_2']}), "
                  f"exit {t['exit']}", ""]
    if "resume_all_done" in results:
        t = results["resume_all_done"]
        lines.append(f"Resume of a {t['rows']}-row run whose rows are all done: {t['wall_s']} s, "
                     f"{t['requests_sent']} requests sent, exit {t['exit']}")
    if "journal_cost" in results:
        t = results["journal_cost"]
        lines.append(f"Checkpoint cost ({t['rows']} rows, median of {t['reps']}): "
                     f"{t['median_rows_per_s']['checkpoint']} rows/s with, "
                     f"{t['median_rows_per_s']['no_checkpoint']} rows/s without "
                     f"(throughput with/without = {t['throughput_ratio']})")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--only", default="s1,s2,s3,s4,resume,journal,s5,s6,nonce")
    a = ap.parse_args()
    only = set(a.only.split(","))
    os.makedirs(a.work, exist_ok=True)
    q = a.quick
    results = {"machine": {"cores": os.cpu_count(), "uname": os.uname().release,
                           "loadavg_at_start": os.getloadavg()},
               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        v = subprocess.run([os.path.join(a.bin, "cmbulk"), "--version"], capture_output=True, text=True)
        results["cmbulk_version"] = v.stdout.strip()
    except OSError:
        pass
    if "s1" in only:
        print("scenario 1 ...", flush=True)
        s1(a.bin, a.work, 500 if q else 5000, results)
    if "s2" in only:
        print("scenario 2 ...", flush=True)
        s2(a.bin, a.work, 100 if q else 1000, 50, 10, results)
    if "s3" in only or "resume" in only or "journal" in only:
        print("scenario 3 / resume / journal ...", flush=True)
        sizes = ([1000, 2000] if q else [1000, 10000, 100000]) if "s3" in only else []
        s3_and_resume(a.bin, a.work, sizes, results, "resume" in only and bool(sizes),
                      (1000 if q else 10000) if "journal" in only else 0, 1 if q else 3)
    if "s4" in only:
        print("scenario 4 ...", flush=True)
        s4(a.bin, a.work, 2000 if q else 20000, results)
    if "s5" in only:
        print("scenario 5 (per-project buckets; ~20 s per tool by design) ...", flush=True)
        s5(a.bin, a.work, 50 if q else 500, results)
    if "s6" in only:
        print("scenario 6 ...", flush=True)
        s6(a.bin, a.work, 50 if q else 200, 10, 0.08, results)
    if "nonce" in only:
        print("scenario nonce ...", flush=True)
        nonce_refused(a.bin, a.work, 1000, results)
    results["loadavg_at_end"] = os.getloadavg()
    with open(a.out, "w") as f:
        json.dump(results, f, indent=2)
    print()
    print(table(results))
    print(f"\nJSON: {a.out}")


if __name__ == "__main__":
    main()
