#!/usr/bin/env python3
"""A flood of password resets against a running bellhop-server, and what it costs the server.

    flood.py BASE_URL SERVER_PID MODE [REQUESTS] [AT_ONCE]

MODE bogus: every request carries a made-up token. MODE live: every request carries the same
live link's token ($BELLHOP_FLOOD_TOKEN, read by the caller from the demo server's mail), so
each one passes the cheap check and asks for a password hash until the first has used the link.
MODE signin: wrong passwords for made-up accounts, each from an address of its own (sent as
X-Forwarded-For to a server that trusts 127.0.0.1 as its proxy), so no per-client limit stops
them and every one asks for a hash.

While the flood runs, /healthz is asked every 2 ms and the server's resident memory read from
/proc every 5 ms. Prints the answers' statuses, the peak memory and /healthz's latencies.
"""
import concurrent.futures
import json
import os
import secrets
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request

base, pid, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
total = int(sys.argv[4]) if len(sys.argv) > 4 else 600
at_once = int(sys.argv[5]) if len(sys.argv) > 5 else 200
live_token = os.environ.get("BELLHOP_FLOOD_TOKEN", "")


def rss_mib():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset(n):
    headers = {"Content-Type": "application/json"}
    if mode == "signin":
        path = "/api/v1/auth/login"
        body = {"email": f"nobody{n}@flood.example", "password": "not the password"}
        headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    else:
        path = "/api/v1/auth/reset-password"
        token = live_token if mode == "live" else "bhr_" + secrets.token_urlsafe(32)
        body = {"token": token, "password": "a long enough new passphrase"}
    request = urllib.request.Request(
        f"{base}{path}", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError as e:
        return type(e).__name__


done = threading.Event()
peak = [rss_mib()]
health = []


def watch_memory():
    while not done.is_set():
        peak[0] = max(peak[0], rss_mib())
        time.sleep(0.005)


def watch_health():
    while not done.is_set():
        start = time.perf_counter()
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=30).read()
            health.append((time.perf_counter() - start) * 1000)
        except OSError:
            health.append(float("inf"))
        time.sleep(0.002)


before = rss_mib()
watchers = [threading.Thread(target=watch_memory), threading.Thread(target=watch_health)]
for w in watchers:
    w.start()
started = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(max_workers=at_once) as pool:
    statuses = list(pool.map(reset, range(total)))
elapsed = time.perf_counter() - started
done.set()
for w in watchers:
    w.join()
after = rss_mib()

counts = {}
for s in statuses:
    counts[str(s)] = counts.get(str(s), 0) + 1
health.sort()
p99 = health[min(len(health) - 1, int(len(health) * 0.99))]
print(
    f"{mode}: {total} requests, {at_once} at a time, in {elapsed:.1f} s; answers {counts}; "
    f"memory {before:.0f} MiB before, {peak[0]:.0f} MiB peak, {after:.0f} MiB after; "
    f"/healthz ({len(health)} asked) p50 {statistics.median(health):.1f} ms, "
    f"p99 {p99:.1f} ms, max {health[-1]:.1f} ms"
)
