#!/usr/bin/env python3
# Writes the soak manifest: one SLACK create per project of the simulator's world (ids from
# GET /__sim/state). Usage: make_manifest.py BASE_URL OUT.csv
import json, sys, urllib.request

base, out = sys.argv[1], sys.argv[2]
state = json.load(urllib.request.urlopen(base + "/__sim/state"))
ids = [p["id"] for o in state["orgs"] for p in o["projects"]]
with open(out, "w") as f:
    f.write("projectId,type,apiToken,teamName,channelName\n")
    for i, pid in enumerate(ids):
        f.write("%s,SLACK,xoxb-soak-%07d-token,team-%d,#alerts\n" % (pid, i, i % 97))
