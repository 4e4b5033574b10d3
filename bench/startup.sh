#!/usr/bin/env bash
# bench/startup.sh — start-up time: from just before exec to surge's first request bytes
# on the wire, timed at the receiving end (a loopback listener in Python that answers
# one request), RUNS times; prints min / median / p90 in ms. Goal (issue 13): < 5 ms.
# Also prints the floor: the median time to start and reap /bin/true the same way.
# Usage: bench/startup.sh    Environment: RUNS=30 SURGE_BIN=build/bin/surge
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
RUNS=${RUNS:-30}
SURGE_BIN=${SURGE_BIN:-build/bin/surge}
command -v python3 >/dev/null || { echo "startup: needs python3" >&2; exit 2; }
python3 - "$SURGE_BIN" "$RUNS" <<'PY'
import socket, subprocess, sys, time, statistics
surge, runs = sys.argv[1], int(sys.argv[2])
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(16)
port = ls.getsockname()[1]
url = f"http://127.0.0.1:{port}/"
resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
out = []
for _ in range(runs):
    t0 = time.monotonic()
    p = subprocess.Popen([surge, "-n", "1", "-c", "1", "-t", "1", "-q", url],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ls.settimeout(10)
    c, _ = ls.accept()
    c.settimeout(10)
    data = c.recv(4096)
    t1 = time.monotonic()
    c.sendall(resp); c.close()
    p.wait(timeout=10)
    if data.startswith(b"GET "):
        out.append((t1 - t0) * 1000)
out.sort()
# The floor: what starting any process costs here (Popen of /bin/true until it has exited).
floor = []
for _ in range(runs):
    t0 = time.monotonic()
    subprocess.run(["/bin/true"])
    floor.append((time.monotonic() - t0) * 1000)
print(f"floor: Popen + exit of /bin/true, median {statistics.median(floor):.2f} ms")
print(f"exec -> first request bytes, {len(out)} runs: min {out[0]:.2f} ms, "
      f"median {statistics.median(out):.2f} ms, p90 {out[int(len(out) * 0.9) - 1]:.2f} ms (goal < 5 ms)")
PY
