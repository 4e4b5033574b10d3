#!/usr/bin/env python3
"""httpget_server.py PORTFILE [CERT KEY] — a raw-socket HTTP server for the watch GET tests.
Writes its port to PORTFILE. Each path picks a reply shape:
  /chunked  a chunked body "hello, chunked world" in three chunks
  /eof      no Content-Length, body until the connection closes
  /big      Content-Length 100000
  /silent   reads the request and never answers
  /cut      Content-Length 100 but closes after 5 bytes
  /garbage  not HTTP at all
  /continue a 100 Continue, then 200 "after"
  /seq...   Prometheus text that changes with each hit n of that path (a counter +10 a
            hit that resets at hit 4, a gauge 1000n, a histogram, a summary, 3 labelled
            gauges); /seq-bad... answers malformed text, /seq-503... a 503
  other     503, "ok"
With CERT and KEY it speaks TLS."""
import socket, ssl, sys, threading, time

HITS = {}
LOCK = threading.Lock()

def seq_doc(n):
    c = 1 if n == 4 else 10 * n + (100 if n > 4 else 0)
    return ("# HELP reqs_total Requests.\n# TYPE reqs_total counter\n"
            'reqs_total{code="200"} %d\n' % c +
            "# TYPE mem_bytes gauge\nmem_bytes %d\n" % (1000 * n) +
            "# TYPE load_pct gauge\nload_pct 12.5\n"
            "# TYPE lat_seconds histogram\n"
            'lat_seconds_bucket{le="0.1",path="/a"} %d\n' % (10 * n) +
            'lat_seconds_bucket{le="0.2",path="/a"} %d\n' % (20 * n) +
            'lat_seconds_bucket{le="+Inf",path="/a"} %d\n' % (20 * n) +
            'lat_seconds_sum{path="/a"} %g\n' % (2.0 * n) +
            'lat_seconds_count{path="/a"} %d\n' % (20 * n) +
            "# TYPE rpc_seconds summary\n"
            'rpc_seconds{quantile="0.5"} 0.25\nrpc_seconds{quantile="0.99"} 0.75\n'
            "rpc_seconds_sum 10\nrpc_seconds_count %d\n" % (5 * n) +
            'temp{zone="a"} 1\ntemp{zone="b"} 2\ntemp{zone="c"} 3\n'
            "up NaN\n")

def handle(c):
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            d = c.recv(4096)
            if not d:
                return
            data += d
        path = data.split(b" ")[1].decode()
        if path.startswith("/seq"):
            with LOCK:
                HITS[path] = HITS.get(path, 0) + 1
                n = HITS[path]
            if path.startswith("/seq-bad"):
                body = b"ok 1\nbroken{ 2\n"
            else:
                body = seq_doc(n).encode()
            st = b"503 Unavailable" if path.startswith("/seq-503") else b"200 OK"
            c.sendall(b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s" % (st, len(body), body))
        elif path == "/chunked":
            c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for part in (b"hello, ", b"chunked ", b"world"):
                c.sendall(b"%x\r\n%s\r\n" % (len(part), part))
                time.sleep(0.05)
            c.sendall(b"0\r\n\r\n")
        elif path == "/eof":
            c.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until ")
            time.sleep(0.05)
            c.sendall(b"the end")
        elif path == "/big":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000)
        elif path == "/silent":
            time.sleep(30)
        elif path == "/cut":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
        elif path == "/garbage":
            c.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")
        elif path == "/continue":
            c.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter")
        else:
            c.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\nok")
    except OSError:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass

def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    ctx = None
    if len(sys.argv) > 3:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    while True:
        c, _ = s.accept()
        if ctx:
            try:
                c.settimeout(5)
                c = ctx.wrap_socket(c, server_side=True)
                c.settimeout(None)
            except (OSError, ssl.SSLError):
                c.close()
                continue
        threading.Thread(target=handle, args=(c,), daemon=True).start()

main()
