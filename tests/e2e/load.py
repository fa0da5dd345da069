"""A request loop run inside the container (with Debian's python3): CLIENTS
threads, each a new connection per request, for SECONDS; every request that
gets no HTTP 200 counts as failed. Prints one JSON line at the end.

    python3 load.py URL CLIENTS SECONDS
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse

url, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
u = urllib.parse.urlsplit(url)
lock = threading.Lock()
result: dict = {"ok": 0, "failed": 0, "errors": {}, "latencies": []}


def client(stop: float) -> None:
    while time.monotonic() < stop:
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            c.request("GET", u.path or "/")
            r = c.getresponse()
            body = r.read()
            c.close()
            error = (
                "" if r.status == 200 and body.startswith(b"demo marker=") else f"HTTP {r.status}"
            )
        except OSError as e:
            error = type(e).__name__
        with lock:
            if error:
                result["failed"] += 1
                result["errors"][error] = result["errors"].get(error, 0) + 1
            else:
                result["ok"] += 1
                result["latencies"].append(time.monotonic() - t0)


stop = time.monotonic() + seconds
threads = [threading.Thread(target=client, args=(stop,)) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
lat = sorted(result.pop("latencies")) or [0.0]
result["p99"] = lat[int(len(lat) * 0.99) - 1 if len(lat) > 1 else 0]
result["worst"] = lat[-1]
print(json.dumps(result))
