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
  other     Content-Length "ok"
With CERT and KEY it speaks TLS."""
import socket, ssl, sys, threading, time

def handle(c):
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            d = c.recv(4096)
            if not d:
                return
            data += d
        path = data.split(b" ")[1].decode()
        if path == "/chunked":
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
