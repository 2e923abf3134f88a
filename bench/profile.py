#!/usr/bin/python3
"""The client's CPU profile, reproducibly: starts cmbulk-sim on 127.0.0.1:0, then runs one
`cmbulk apply` of N creates under callgrind (valgrind) for each binary given, and prints the
instructions executed per request that reached the server (user space only, and the same from
run to run, unlike timings on a shared machine) with the functions that cost the most.
Nothing here runs in CI.
Usage: bench/profile.py [--rows N] [--top K] [--sim-dir DIR] [--keep DIR] CMBULK [CMBULK...]
  e.g. bench/profile.py build-release/cmbulk /tmp/cmbulk-of-an-older-commit
cmbulk-sim is taken from --sim-dir, by default the directory of the first CMBULK. --keep DIR
keeps each callgrind output as DIR/callgrind.N.out (N: the binary's position) for
callgrind_annotate --inclusive=yes or a diff of two runs."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (Sim, project_ids, write_inputs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--sim-dir", help="where cmbulk-sim is (default: beside the first CMBULK)")
    ap.add_argument("--keep", help="keep the callgrind outputs in this directory")
    ap.add_argument("binaries", nargs="+")
    a = ap.parse_args()
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        sys.exit("profile: valgrind is missing (apt-get install valgrind)")
    sim_dir = a.sim_dir or os.path.dirname(os.path.abspath(a.binaries[0]))
    if not os.access(os.path.join(sim_dir, "cmbulk-sim"), os.X_OK):
        sys.exit(f"profile: no cmbulk-sim in {sim_dir} (give --sim-dir)")
    work = tempfile.mkdtemp(prefix="cmbulk-profile-")
    sim = bench.Sim(sim_dir, work, a.rows)
    try:
        ids = bench.project_ids(sim.state())[:a.rows]
        csv_path, _ = bench.write_inputs(work, "profile", sim.base, ids)
        env = dict(os.environ, CMBULK_PUBLIC_KEY=bench.PUB, CMBULK_PRIVATE_KEY=bench.PRIV)
        for n, binary in enumerate(a.binaries):
            sim.reset()
            out = os.path.join(work, "callgrind.out")
            for f in ("r.csv", "r.ck"):
                if os.path.exists(os.path.join(work, f)):
                    os.remove(os.path.join(work, f))
            p = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "apply",
                 csv_path, "--base-url", sim.base, "--concurrency", "16", "--report",
                 os.path.join(work, "r.csv"), "--checkpoint", os.path.join(work, "r.ck"),
                 "--progress", "plain", "--quiet"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            requests = len(sim.requests())
            ann = subprocess.run(["callgrind_annotate", out], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
            total = int(re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", ann)
                        .group(1).replace(",", ""))
            print(f"{binary}: exit {p.returncode}, {requests} requests, "
                  f"{total / requests / 1000:.1f}k instructions per request")
            if a.keep:
                os.makedirs(a.keep, exist_ok=True)
                shutil.copy(out, os.path.join(a.keep, f"callgrind.{n}.out"))
            rows = re.findall(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)$", ann, re.M)
            for ir, pct, name in rows[1:a.top + 1]:
                name = name.split(" [")[0]
                name = re.sub(r"^(\?\?\?|\S*?/\S*?\.\w+):", "", name)  # "???:" or "file.c:"
                print(f"  {pct:>5}%  {name[:110]}")
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
