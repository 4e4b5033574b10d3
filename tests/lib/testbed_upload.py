#!/usr/bin/env python3
"""testbed_upload.py — client side of tests/integration/testbed_upload.sh: logins, multipart bundles (valid and
broken), concurrent uploads with timings, and a Prometheus text parser. Every subcommand
prints one JSON object; the shell script judges it. Every socket has a 10 s timeout."""
import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)  # magic is all the server checks
JPEG = b"\xff\xd8\xff\xe0" + bytes(16) + b"\xff\xd9"
TEXT = b"this is not an image\n"


def conn(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def request(url, method, path, body=None, headers=None):
    c = conn(url)
    t0 = time.monotonic()
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    ms = (time.monotonic() - t0) * 1000
    out = {"status": r.status, "ms": round(ms, 1), "body": data.decode("latin-1"),
           "ctype": r.getheader("Content-Type"), "set_cookie": r.getheader("Set-Cookie")}
    c.close()
    return out


def multipart(files, boundary="surgeBoundary7MA4YWxk"):
    """files: list of (field, filename, bytes)."""
    out = bytearray()
    for field, name, data in files:
        out += b"--" + boundary.encode() + b"\r\n"
        out += ('Content-Disposition: form-data; name="%s"; filename="%s"\r\n' % (field, name)).encode()
        out += b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return bytes(out), "multipart/form-data; boundary=" + boundary


def bundle(spec):
    """'png:15,jpeg:15,text:1,png1m:1' -> list of files."""
    files = []
    for item in spec.split(","):
        kind, n = item.split(":")
        for i in range(int(n)):
            if kind == "png":
                data = PNG
            elif kind == "jpeg":
                data = JPEG
            elif kind == "png1m":
                data = PNG + os.urandom(1024 * 1024 - len(PNG))
            else:
                data = TEXT
            ext = {"png": "png", "png1m": "png", "jpeg": "jpg"}.get(kind, "txt")
            files.append(("images", "%s%d.%s" % (kind, i, ext), data))
    return files


def cookie(token):
    return {"Cookie": "session=" + token} if token else {}


def cmd_login(url, code, how="json", token=""):
    h = cookie(token)
    if how == "json":
        body = json.dumps({"access_code": code}).encode()
        h["Content-Type"] = "application/json"
    else:
        body = urllib.parse.urlencode({"access_code": code}).encode()
        h["Content-Type"] = "application/x-www-form-urlencoded"
    r = request(url, "POST", "/api/login", body, h)
    m = re.match(r"session=([^;]*)", r["set_cookie"] or "")
    r["token"] = m.group(1) if m else ""
    return r


def cmd_upload(url, token, spec, repeat="1"):
    body, ctype = multipart(bundle(spec))
    results = []
    for _ in range(int(repeat)):
        h = cookie(token)
        h["Content-Type"] = ctype
        results.append(request(url, "POST", "/api/upload", body, h))
    last = dict(results[-1])
    last["statuses"] = [r["status"] for r in results]
    last["bytes"] = len(body) * int(repeat)
    return last


MALFORMED = {
    # name: (content-type, body)
    "no_boundary": ("multipart/form-data", b"--x\r\n\r\n"),
    "not_multipart": ("text/plain", b"hello"),
    "empty_body": ("multipart/form-data; boundary=abc", b""),
    "truncated": ("multipart/form-data; boundary=abc",
                  b'--abc\r\nContent-Disposition: form-data; name="images"; filename="a.png"\r\n\r\n'
                  + PNG),
    "truncated_headers": ("multipart/form-data; boundary=abc",
                          b'--abc\r\nContent-Disposition: form-data; name="images"'),
    "header_without_colon": ("multipart/form-data; boundary=abc",
                             b'--abc\r\nthis is no header\r\n\r\n' + PNG + b"\r\n--abc--\r\n"),
    "no_disposition": ("multipart/form-data; boundary=abc",
                       b'--abc\r\nContent-Type: image/png\r\n\r\n' + PNG + b"\r\n--abc--\r\n"),
    "unterminated_quote": ("multipart/form-data; boundary=abc",
                           b'--abc\r\nContent-Disposition: form-data; name="images\r\n\r\n'
                           + PNG + b"\r\n--abc--\r\n"),
    "wrong_boundary": ("multipart/form-data; boundary=zzz",
                       b'--abc\r\nContent-Disposition: form-data; name="x"; filename="a"\r\n\r\n'
                       + PNG + b"\r\n--abc--\r\n"),
    "junk_after_boundary": ("multipart/form-data; boundary=abc",
                            b'--abcJUNK\r\nContent-Disposition: form-data; name="x"; filename="a"'
                            b"\r\n\r\n" + PNG + b"\r\n--abc--\r\n"),
    "long_boundary": ("multipart/form-data; boundary=" + "b" * 71, b"--" + b"b" * 71 + b"--\r\n"),
    "huge_part_headers": ("multipart/form-data; boundary=abc",
                          b"--abc\r\nX-Pad: " + b"p" * 9000 + b"\r\n\r\n" + PNG + b"\r\n--abc--\r\n"),
    "no_files": ("multipart/form-data; boundary=abc",
                 b'--abc\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--abc--\r\n'),
}


def cmd_malformed(url, token):
    out = {}
    for name, (ctype, body) in MALFORMED.items():
        h = cookie(token)
        h["Content-Type"] = ctype
        r = request(url, "POST", "/api/upload", body, h)
        try:
            err = json.loads(r["body"]).get("error", "")
        except ValueError:
            err = None
        out[name] = {"status": r["status"], "error": err, "ctype": r["ctype"]}
    return out


def cmd_pool(url, token, n, scrape_ms):
    """n concurrent one-image uploads released together; /metrics scraped scrape_ms later."""
    body, ctype = multipart(bundle("png:1"))
    results = [None] * int(n)
    gate = threading.Barrier(int(n) + 1)
    t0 = [0.0]

    def one(i):
        c = conn(url)
        c.connect()
        gate.wait()
        c.request("POST", "/api/upload", body, {"Content-Type": ctype, **cookie(token)})
        r = c.getresponse()
        data = r.read().decode()
        results[i] = {"status": r.status, "ms": round((time.monotonic() - t0[0]) * 1000, 1),
                      "body": data}
        c.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(int(n))]
    for t in threads:
        t.start()
    t0[0] = time.monotonic()
    gate.wait()
    time.sleep(float(scrape_ms) / 1000)
    scrape = cmd_metrics(url)["values"]
    for t in threads:
        t.join(15)
    return {"results": sorted(results, key=lambda r: r["ms"]),
            "during": {k: scrape.get(k) for k in
                       ("workers_busy", "upload_queue_size", "concurrent_requests")}}


LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"'
                  r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*)?\})? '
                  r'(-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$')


def cmd_metrics(url):
    r = request(url, "GET", "/metrics")
    bad, values, types = [], {}, {}
    for line in r["body"].split("\n"):
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            bad.append(line)
            continue
        values[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return {"status": r["status"], "ctype": r["ctype"], "bad_lines": bad[:5],
            "nbad": len(bad), "values": values, "types": types}


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    fn = {"login": cmd_login, "upload": cmd_upload, "malformed": cmd_malformed,
          "pool": cmd_pool, "metrics": cmd_metrics}[cmd]
    print(json.dumps(fn(*args)))


if __name__ == "__main__":
    main()
