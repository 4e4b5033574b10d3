"""recorder.py PORTFILE OUTFILE — a loopback HTTP/1.1 server that records every request
it gets, byte for byte, into OUTFILE (JSON lines: {"head": ..., "body_len": N, "body_sha":
...}) and answers each with 200 and a session cookie. For tests that check what surge
puts on the wire. Stops by itself after 30 s."""
import hashlib, json, socket, sys, threading, time

portfile, outfile = sys.argv[1], sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
open(portfile, "w").write(str(srv.getsockname()[1]))
lock = threading.Lock()
deadline = time.time() + 30


def serve(c):
    buf = b""
    c.settimeout(5)
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            n = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    n = int(v.strip())
            while len(buf) < n:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            body, buf = buf[:n], buf[n:]
            rec = {"head": head.decode("latin-1"), "body_len": n,
                   "body": body.decode("latin-1") if n < 4096 else "",
                   "body_sha": hashlib.sha256(body).hexdigest()}
            with lock:
                with open(outfile, "a") as f:
                    f.write(json.dumps(rec) + "\n")
            c.sendall(b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=abc123; Path=/\r\n"
                      b"Set-Cookie: scoped=1; Path=/base/form/42\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"id\":\"42\"}")
    except OSError:
        return
    finally:
        c.close()


srv.settimeout(0.5)
while time.time() < deadline:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
