#!/usr/bin/env python3
"""testbed_jobs.py — client side of testbed_jobs.sh: submits jobs to a surge-testbed running
--profile jobs, polls them, speaks WebSocket, and prints one JSON object for jq to check.

  testbed_jobs.py URL timed          one job: time to completion, states seen, 409 before
  testbed_jobs.py URL batch N        N jobs at once: codes, most running at once, final states
  testbed_jobs.py URL ws ID [ping]   follow job ID (new: submit one) over WebSocket (ping: also
                                     ping once)
  testbed_jobs.py URL wsbad ID       bad handshakes (status codes) and misbehaving clients
"""
import base64
import hashlib
import http.client
import json
import os
import socket
import struct
import sys
import time
import urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
URL = urllib.parse.urlparse(sys.argv[1])
HOST, PORT = URL.hostname, URL.port
DEADLINE = time.monotonic() + 25  # no loop below runs longer than this


def req(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(HOST, PORT, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheader("Content-Type"), data


def submit():
    b = "----surgeb0undary"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"in.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + b"\x89PNG\r\n\x1a\n" + os.urandom(2048) \
        + f"\r\n--{b}--\r\n".encode()
    st, _, data = req("POST", "/api/generate", body,
                      {"Content-Type": f"multipart/form-data; boundary={b}"})
    try:
        j = json.loads(data)
    except ValueError:
        j = {}
    return st, j.get("job_id")


def status(jid):
    st, _, data = req("GET", f"/api/jobs/{jid}")
    return json.loads(data) if st == 200 else {"status": f"http{st}"}


def metric(name):
    for line in req("GET", "/metrics")[2].decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return -1


def timed():
    t0 = time.monotonic()
    code, jid = submit()
    out = {"code": code, "job_id": jid, "states": [], "monotonic": True, "result_before": None}
    last_p = -1
    while time.monotonic() < DEADLINE:
        s = status(jid)
        if not out["states"] or out["states"][-1] != s["status"]:
            out["states"].append(s["status"])
        p = s.get("progress", -1)
        if p < last_p:
            out["monotonic"] = False
        last_p = p
        if s["status"] == "running" and out["result_before"] is None:
            out["result_before"] = req("GET", f"/api/jobs/{jid}/result")[0]
        if s["status"] in ("completed", "failed"):
            break
        time.sleep(0.01)
    out["elapsed"] = time.monotonic() - t0
    out["final"] = s
    st, ctype, data = req("GET", f"/api/jobs/{jid}/result")
    out["result"] = {"code": st, "type": ctype, "size": len(data), "magic": data[:4].decode("latin1")}
    print(json.dumps(out))


def batch(n):
    t0 = time.monotonic()
    subs = [submit() for _ in range(n)]
    ids = [j for c, j in subs if c == 202]
    out = {"codes": [c for c, _ in subs], "ids": ids, "max_running": 0, "saw_queued": False}
    final = {}
    while time.monotonic() < DEADLINE and len(final) < len(ids):
        for jid in ids:
            if jid in final:
                continue
            s = status(jid)
            out["saw_queued"] |= s["status"] == "queued"
            if s["status"] in ("completed", "failed"):
                final[jid] = s
        # one poll per job is no snapshot (a job may end and the next start between two
        # polls): the server's gauge is
        out["max_running"] = max(out["max_running"], metric("jobs_running"))
        time.sleep(0.01)
    out["elapsed"] = time.monotonic() - t0
    out["final"] = [final.get(j, {"status": "unfinished"}) for j in ids]
    print(json.dumps(out))


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b


def read_frame(s):
    b0, b1 = recv_exact(s, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", recv_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(s, 8))[0]
    mask = recv_exact(s, 4) if b1 & 0x80 else None
    p = recv_exact(s, n)
    return b0, b1 & 0x80, p if not mask else bytes(x ^ mask[i % 4] for i, x in enumerate(p))


def send_frame(s, opcode, payload):
    mask = os.urandom(4)
    assert len(payload) < 126
    s.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask +
              bytes(x ^ mask[i % 4] for i, x in enumerate(payload)))


def handshake(path, lines):
    s = socket.create_connection((HOST, PORT), timeout=5)
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n" + "".join(l + "\r\n" for l in lines)
               + "\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        c = s.recv(1)
        if not c:
            break
        head += c
    first, *hdrs = head.decode("latin1").split("\r\n")
    code = int(first.split()[1]) if first.startswith("HTTP/") else 0
    hd = {}
    for h in hdrs:
        if ":" in h:
            k, v = h.split(":", 1)
            hd[k.strip().lower()] = v.strip()
    return s, code, hd


def ws(jid, ping):
    if jid == "new":
        jid = submit()[1]
    key = base64.b64encode(os.urandom(16)).decode()
    s, code, hd = handshake(f"/ws/jobs/{jid}", [
        "Upgrade: websocket", "Connection: keep-alive, Upgrade", f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13"])
    want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    out = {"job_id": jid, "code": code, "accept_ok": hd.get("sec-websocket-accept") == want,
           "upgrade": hd.get("upgrade", ""), "frames": [], "pong": None, "masked": 0,
           "close_code": None, "eof_after_close": False, "bad_json": 0}
    try:
        while time.monotonic() < DEADLINE:
            b0, masked, p = read_frame(s)
            out["masked"] += bool(masked)
            op = b0 & 0x0F
            if op == 1:
                try:
                    out["frames"].append(json.loads(p))
                except ValueError:
                    out["bad_json"] += 1
                if ping and len(out["frames"]) == 1:
                    send_frame(s, 9, b"hello")
            elif op == 10:
                out["pong"] = p.decode("latin1")
            elif op == 8:
                out["close_code"] = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else None
                send_frame(s, 8, p[:2])
                s.settimeout(3)
                out["eof_after_close"] = s.recv(16) == b""
                break
    except (EOFError, OSError) as e:
        out["error"] = repr(e)
    s.close()
    print(json.dumps(out))


def wsabuse(case):
    """A misbehaving client on a fresh job: the close code (or pong) the server answers."""
    jid = submit()[1]
    key = base64.b64encode(os.urandom(16)).decode()
    s, code, _ = handshake(f"/ws/jobs/{jid}", [
        "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13"])
    mask = b"\x01\x02\x03\x04"
    if case == "unmasked":
        s.sendall(b"\x81\x05hello")
    elif case == "huge":
        s.sendall(b"\x82\xff" + struct.pack("!Q", 1 << 40) + mask)
    elif case == "bigping":
        s.sendall(b"\x89\xfe" + struct.pack("!H", 200) + mask + bytes(200))
    elif case == "split":  # a ping (after a masked text frame) one byte per send
        text = bytes(x ^ mask[i % 4] for i, x in enumerate(b"hi"))
        ping = bytes(x ^ mask[i % 4] for i, x in enumerate(b"abc"))
        for b in b"\x81\x82" + mask + text + b"\x89\x83" + mask + ping:
            s.sendall(bytes([b]))
            time.sleep(0.002)
    elif case == "badop":
        s.sendall(b"\x83\x80" + mask)
    out = {"code": code, "close_code": None, "pong": None}
    try:
        while time.monotonic() < DEADLINE:
            b0, _, p = read_frame(s)
            if b0 & 0x0F == 10:
                out["pong"] = p.decode("latin1")
                break
            if b0 & 0x0F == 8:
                out["close_code"] = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else None
                break
    except (EOFError, OSError) as e:
        out["error"] = repr(e)
    s.close()
    return out


def wsbad(jid):
    """Bad handshakes and misbehaving clients: {case: status code, or the abuse result}."""
    key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="
    up, conn, v13 = "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13"
    cases = {
        "no_key": (jid, [up, conn, v13]),
        "version_8": (jid, [up, conn, "Sec-WebSocket-Version: 8", key]),
        "bad_key": (jid, [up, conn, v13, "Sec-WebSocket-Key: short"]),
        "no_upgrade": (jid, [conn, v13, key]),
        "no_connection": (jid, [up, v13, key]),
        "unknown_job": ("nope", [up, conn, v13, key]),
    }
    out = {}
    for name, (j, lines) in cases.items():
        s, code, _ = handshake(f"/ws/jobs/{j}", lines)
        s.close()
        out[name] = code
    for case in ("unmasked", "huge", "bigping", "split", "badop"):
        out[case] = wsabuse(case)
    print(json.dumps(out))


cmd = sys.argv[2]
if cmd == "timed":
    timed()
elif cmd == "batch":
    batch(int(sys.argv[3]))
elif cmd == "ws":
    ws(sys.argv[3], len(sys.argv) > 4)
elif cmd == "wsbad":
    wsbad(sys.argv[3])
