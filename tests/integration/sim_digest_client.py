#!/usr/bin/python3
# A third-party Digest client against cmbulk-sim (Debian's python3-requests, HTTPDigestAuth),
# used by test_sim_python.cpp. Modes:
#   reuse BASE USER PASS N          one Session, N GETs; prints {"statuses": [...]}
#   stale BASE USER PASS SLEEP_S    two GETs SLEEP_S apart; prints statuses and the challenges seen
#   burst BASE USER PASS N          N threads, one Session each, released together; prints per-request results
import json
import sys
import threading
import time

import requests
from requests.auth import HTTPDigestAuth

PATH = "/api/public/v1.0/groups"


def main():
    mode, base, user, password, arg = sys.argv[1:6]
    url = base + PATH
    if mode == "reuse":
        s = requests.Session()
        s.auth = HTTPDigestAuth(user, password)
        statuses = [s.get(url, timeout=10).status_code for _ in range(int(arg))]
        print(json.dumps({"statuses": statuses}))
    elif mode == "stale":
        s = requests.Session()
        s.auth = HTTPDigestAuth(user, password)
        out = {"statuses": [], "challenges": []}
        for i in range(2):
            if i:
                time.sleep(float(arg))
            r = s.get(url, timeout=10)
            out["statuses"].append(r.status_code)
            out["challenges"] += [h.headers.get("WWW-Authenticate", "") for h in r.history]
        print(json.dumps(out))
    elif mode == "burst":
        n = int(arg)
        barrier = threading.Barrier(n, timeout=30)
        results = [None] * n

        def worker(i):
            s = requests.Session()
            s.auth = HTTPDigestAuth(user, password)
            # Released together; each first gets a 401 challenge (not counted by the per-key
            # bucket: the key is unknown until authenticated), then sends the authenticated GET.
            barrier.wait()
            r = s.get(url, timeout=20)
            body = {}
            try:
                body = r.json()
            except ValueError:
                pass
            results[i] = {"status": r.status_code, "retryAfter": r.headers.get("Retry-After"),
                          "errorCode": body.get("errorCode"), "error": body.get("error"),
                          "detail": body.get("detail")}

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        print(json.dumps({"results": results}))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
