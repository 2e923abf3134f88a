#!/usr/bin/python3
"""Benchmark peer: a Python script with `requests` (Debian's python3-requests), HTTPDigestAuth
and a ThreadPoolExecutor of N threads, one requests.Session per thread (keep-alive, and the
Digest nonce reused by the auth object). No retries. Prints one JSON object with the status
counts on stdout.
Usage: requests_pool.py ROWS_FILE CONCURRENCY  (rows file: alternating body / URL lines;
credentials in CMBULK_PUBLIC_KEY / CMBULK_PRIVATE_KEY)"""
import collections
import concurrent.futures
import json
import os
import sys
import threading

import requests
from requests.auth import HTTPDigestAuth

rows_file = sys.argv[1]
conc = int(sys.argv[2]) if len(sys.argv) > 2 else 16
user = os.environ["CMBULK_PUBLIC_KEY"]
password = os.environ["CMBULK_PRIVATE_KEY"]

with open(rows_file, encoding="utf-8") as f:
    lines = f.read().splitlines()
rows = list(zip(lines[0::2], lines[1::2]))

local = threading.local()


def session():
    s = getattr(local, "s", None)
    if s is None:
        s = requests.Session()
        s.auth = HTTPDigestAuth(user, password)
        s.headers["Content-Type"] = "application/json"
        local.s = s
    return s


def post(row):
    body, url = row
    try:
        return session().post(url, data=body.encode(), timeout=60).status_code
    except requests.RequestException:
        return 0


with concurrent.futures.ThreadPoolExecutor(max_workers=conc) as pool:
    statuses = collections.Counter(pool.map(post, rows))
print(json.dumps({str(k): v for k, v in sorted(statuses.items())}))
