#!/usr/bin/env bash
# testbed_routes.sh — surge-testbed itself: flags, lifecycle, HTTP/1.1 handling, the core routes
# (echo timing and sizes, health, pause) and every fault, checked with curl and raw sockets.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/harness.sh

PY=python3
CURL=(curl -s --max-time 10)

# own_testbed NAME ARGS... — a testbed this script stops itself; sets OWN_PID, OWN_URL, OWN_LOG.
own_testbed() {
    OWN_LOG="$T_DIR/own.$1.log"; shift
    "$TESTBED_BIN" "$@" >"$OWN_LOG" 2>&1 &
    OWN_PID=$!
    T_PIDS+=("$OWN_PID")
    wait_line "$OWN_LOG" '^listening on http://' 10 || return 1
    OWN_URL=$(sed -n 's/^listening on //p' "$OWN_LOG" | head -1)
}

# stop_wait PID SIGNAL — send SIGNAL, wait up to 5 s; sets STOP_RC to the exit status (or "hung").
stop_wait() {
    kill -"$2" "$1" 2>/dev/null
    local i
    for i in $(seq 1 100); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$1" 2>/dev/null; then kill -9 "$1"; STOP_RC=hung; return; fi
    wait "$1"; STOP_RC=$?
}

start_testbed
HOST=127.0.0.1

# ---------- startup line, flags, signals ----------
check listen_line_format grep -qxE 'listening on http://127\.0\.0\.1:[0-9]+' "$(ls "$T_DIR"/testbed.*.log | head -1)"
[ "$TB_PORT" -gt 0 ] && pass listen_port_nonzero || fail listen_port_nonzero "port $TB_PORT"

out=$("$TESTBED_BIN" --help 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q -- '--listen' <<<"$out" && pass flag_help || fail flag_help "rc=$rc"

bad_flag() { # NAME EXPECT-IN-STDERR ARGS...
    local name=$1 want=$2; shift 2
    local err rc
    err=$(timeout 5 "$TESTBED_BIN" "$@" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q -- "$want" <<<"$err"; then
        pass "$name"; else fail "$name" "rc=$rc stderr=$err"; fi
}
bad_flag flag_unknown_exit2 '--bogus' --bogus
bad_flag flag_missing_value_exit2 '--listen' --listen
bad_flag flag_bad_address_exit2 '--listen' --listen nonsense
bad_flag flag_bad_port_exit2 '--listen' --listen 127.0.0.1:99999

if own_testbed pid --listen 127.0.0.1:0 --pid-file "$T_DIR/tb.pid"; then
    [ "$(cat "$T_DIR/tb.pid" 2>/dev/null)" = "$OWN_PID" ] && pass pid_file_written || fail pid_file_written "$(cat "$T_DIR/tb.pid" 2>&1)"
    stop_wait "$OWN_PID" TERM; rc=$STOP_RC
    [ "$rc" = 0 ] && pass sigterm_exit0 || fail sigterm_exit0 "exit $rc"
    [ ! -e "$T_DIR/tb.pid" ] && pass pid_file_removed || fail pid_file_removed "still there"
else fail pid_file_written "did not start: $(cat "$OWN_LOG")"; fi

if own_testbed int --listen 127.0.0.1:0; then
    # a request in flight (no-response) must not keep SIGINT from stopping the server
    "${CURL[@]}" --max-time 3 "$OWN_URL/fault/no-response" >/dev/null &
    curl_pid=$!
    sleep 0.2
    stop_wait "$OWN_PID" INT; rc=$STOP_RC
    [ "$rc" = 0 ] && pass sigint_exit0_with_open_request || fail sigint_exit0_with_open_request "exit $rc"
    wait "$curl_pid"
fi

if $PY -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
    if own_testbed v6 --listen '[::1]:0'; then
        grep -qxE 'listening on http://\[::1\]:[0-9]+' "$OWN_LOG" && pass ipv6_listen_line || fail ipv6_listen_line "$(cat "$OWN_LOG")"
        body=$("${CURL[@]}" -g "$OWN_URL/health")
        [ "$body" = ok ] && pass ipv6_health || fail ipv6_health "body '$body'"
        stop_wait "$OWN_PID" TERM
    else fail ipv6_listen_line "did not start: $(cat "$OWN_LOG")"; fi
else
    pass "ipv6_skipped_no_ipv6_loopback"
fi

# ---------- core routes ----------
r=$("${CURL[@]}" -w ' %{http_code}' "$TB_URL/health")
[ "$r" = "ok 200" ] && pass health_ok || fail health_ok "got '$r'"

r=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{size_download}' "$TB_URL/echo?size=12345")
[ "$r" = "200 12345" ] && pass echo_size_exact || fail echo_size_exact "got '$r'"
r=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{size_download}' "$TB_URL/echo")
[ "$r" = "200 0" ] && pass echo_defaults || fail echo_defaults "got '$r'"
r=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{size_download}' "$TB_URL/echo?status=503&size=7")
[ "$r" = "503 7" ] && pass echo_status || fail echo_status "got '$r'"
r=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{size_download}' "$TB_URL/echo?size=10485760")
[ "$r" = "200 10485760" ] && pass echo_size_10mb || fail echo_size_10mb "got '$r'"
h=$("${CURL[@]}" -I "$TB_URL/echo?size=100" | tr -d '\r')
grep -qx 'Content-Length: 100' <<<"$h" && pass echo_head_content_length || fail echo_head_content_length "$h"
h=$("${CURL[@]}" -D - -o /dev/null "$TB_URL/echo?status=204" | tr -d '\r')
head -1 <<<"$h" | grep -q '^HTTP/1.1 204' && pass echo_status_204 || fail echo_status_204 "$h"

for q in 'size=abc' 'size=-1' 'delay_ms=-5' 'delay_ms=x' 'status=99' 'status=600' 'status=204&size=1' 'jitter_ms=nan' 'size=%zz'; do
    r=$("${CURL[@]}" -o "$T_DIR/bad.json" -w '%{http_code}' "$TB_URL/echo?$q")
    if [ "$r" = 400 ] && jq -e '.error | type == "string"' "$T_DIR/bad.json" >/dev/null; then
        pass "echo_400_json[$q]"; else fail "echo_400_json[$q]" "got $r $(cat "$T_DIR/bad.json")"; fi
done

r=$("${CURL[@]}" -o "$T_DIR/404.json" -w '%{http_code} %{content_type}' "$TB_URL/no/such/route")
if [ "$r" = "404 application/json" ] && jq -e '.error | test("no route")' "$T_DIR/404.json" >/dev/null; then
    pass unknown_route_404_json; else fail unknown_route_404_json "got $r $(cat "$T_DIR/404.json")"; fi
r=$("${CURL[@]}" -o "$T_DIR/405.json" -w '%{http_code}' "$TB_URL/admin/pause?ms=1")
[ "$r" = 405 ] && jq -e .error "$T_DIR/405.json" >/dev/null && pass pause_get_405 || fail pause_get_405 "got $r"
r=$("${CURL[@]}" -X POST -o /dev/null -w '%{http_code}' "$TB_URL/admin/pause")
[ "$r" = 400 ] && pass pause_missing_ms_400 || fail pause_missing_ms_400 "got $r"

# Echo timing: 9 requests on one keep-alive connection; the median of time_total (ms).
median_ms() { # URL — median time_total of 9 requests on one connection, in ms
    local urls=() i
    for i in $(seq 1 9); do urls+=("$1"); done
    "${CURL[@]}" -o /dev/null -w '%{time_total}\n' "${urls[@]}" | sort -n | sed -n 5p |
        awk '{printf "%.3f", $1 * 1000}'
}
m=$(median_ms "$TB_URL/echo?delay_ms=20")
awk -v m="$m" 'BEGIN { exit !(m >= 20.0 && m <= 22.0) }' && pass "echo_delay_20ms_timing(${m}ms)" || fail echo_delay_20ms_timing "median ${m} ms, want 20.0-22.0"
m=$(median_ms "$TB_URL/echo?delay_ms=2.5")
awk -v m="$m" 'BEGIN { exit !(m >= 2.5 && m <= 4.0) }' && pass "echo_delay_fractional(${m}ms)" || fail echo_delay_fractional "median ${m} ms, want 2.5-4.0"
m=$(median_ms "$TB_URL/echo?delay_ms=0")
awk -v m="$m" 'BEGIN { exit !(m <= 2.0) }' && pass "echo_no_delay(${m}ms)" || fail echo_no_delay "median ${m} ms"

# Precise timing from a raw socket: every request's latency is >= the delay, the median < +0.5 ms.
$PY - "$TB_PORT" >"$T_DIR/lat.out" 2>&1 <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
lat = []
for i in range(40):
    t0 = time.perf_counter()
    s.sendall(b"GET /echo?delay_ms=20 HTTP/1.1\r\nHost: t\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk: sys.exit("closed")
        buf += chunk
    lat.append((time.perf_counter() - t0) * 1000)
lat.sort()
print("min %.3f p50 %.3f p90 %.3f" % (lat[0], lat[20], lat[36]))
sys.exit(0 if lat[0] >= 20.0 and lat[20] <= 20.5 else 1)
EOF
[ $? -eq 0 ] && pass "echo_delay_20ms_precise($(cat "$T_DIR/lat.out"))" || fail echo_delay_20ms_precise "$(cat "$T_DIR/lat.out")"

# Jitter: delay 10 + U[0,20]: every latency in [10, 30+slack], and they are not all alike.
"${CURL[@]}" -o /dev/null -w '%{time_total}\n' $(for i in $(seq 1 12); do echo "$TB_URL/echo?delay_ms=10&jitter_ms=20"; done) >"$T_DIR/jit.out"
if awk '{ ms = $1 * 1000; if (ms < 10 || ms > 35) bad = 1; if (NR == 1 || ms < lo) lo = ms; if (ms > hi) hi = ms }
        END { exit !(!bad && hi - lo > 3) }' "$T_DIR/jit.out"; then
    pass echo_jitter_range; else fail echo_jitter_range "$(tr '\n' ' ' <"$T_DIR/jit.out")"; fi

# Pause: the whole server freezes; a concurrent request waits for the rest of the pause.
"${CURL[@]}" -X POST -o "$T_DIR/pause.json" "$TB_URL/admin/pause?ms=600" &
pause_pid=$!
sleep 0.15
t=$("${CURL[@]}" -o /dev/null -w '%{time_total}' "$TB_URL/health")
wait $pause_pid
if awk -v t="$t" 'BEGIN { exit !(t >= 0.35 && t <= 1.5) }'; then pass "pause_blocks_others(${t}s)"; else fail pause_blocks_others "health took ${t}s during a 600 ms pause"; fi
jq -e '.paused_ms == 600' "$T_DIR/pause.json" >/dev/null && pass pause_reply_json || fail pause_reply_json "$(cat "$T_DIR/pause.json")"

# ---------- HTTP/1.1 handling ----------
r=$("${CURL[@]}" -o /dev/null -o /dev/null -w '%{num_connects} ' "$TB_URL/health" "$TB_URL/echo?size=5")
[ "$r" = "1 0 " ] && pass keepalive_reuses_connection || fail keepalive_reuses_connection "num_connects: $r"
r=$("${CURL[@]}" -H 'Connection: close' -o /dev/null -o /dev/null -w '%{num_connects} ' "$TB_URL/health" "$TB_URL/health")
[ "$r" = "1 1 " ] && pass connection_close_honoured || fail connection_close_honoured "num_connects: $r"
r=$("${CURL[@]}" -0 -o /dev/null -w '%{http_code} %{http_version}' "$TB_URL/echo?size=3")
[ "$r" = "200 1.1" ] || [ "$r" = "200 1.0" ] && pass http10_request || fail http10_request "got '$r'"

head -c 300000 /dev/urandom >"$T_DIR/body.bin"
r=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{num_connects} ' --data-binary @"$T_DIR/body.bin" "$TB_URL/echo?size=4" \
    --next -s -o /dev/null -w '%{http_code} %{num_connects}' "$TB_URL/health")
[ "$r" = "200 1 200 0" ] && pass content_length_body_discarded_keepalive || fail content_length_body_discarded_keepalive "got '$r'"
r=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/body.bin" "$TB_URL/echo?size=4")
[ "$r" = 200 ] && pass chunked_request_body || fail chunked_request_body "got '$r'"
r=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' --data-binary @"$T_DIR/body.bin" "$TB_URL/echo")
[ "$r" = 200 ] && pass expect_100_continue || fail expect_100_continue "got '$r'"

# Raw-socket checks: pipelining, HTTP/1.0 close, malformed requests, reset, close-mid-body.
$PY - "$TB_PORT" >"$T_DIR/raw.out" 2>&1 <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s
def read_all(s):
    buf = b""
    while True:
        try:
            c = s.recv(65536)
        except ConnectionResetError:
            return buf, "reset"
        if not c:
            return buf, "eof"
        buf += c
def report(name, ok, why=""):
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)))

# pipelined: three requests in one write, three answers in order
s = conn()
s.sendall(b"GET /echo?size=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /echo?size=2&delay_ms=5 HTTP/1.1\r\nHost: t\r\n\r\n"
          b"GET /echo?size=3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
buf, how = read_all(s)
parts = buf.split(b"\r\n\r\n")
report("pipelined_three_in_order", how == "eof" and buf.count(b"HTTP/1.1 200") == 3 and parts[1].startswith(b"x")
       and parts[2].startswith(b"xx") and parts[3] == b"xxx", repr(buf[:300]))

# HTTP/1.0 without keep-alive: answered, then closed
s = conn(); s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
buf, how = read_all(s)
report("http10_closes", how == "eof" and buf.endswith(b"\r\n\r\nok") and b"Content-Length: 2" in buf, repr(buf))
# HTTP/1.0 with keep-alive: stays open
s = conn(); s.sendall(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
time.sleep(0.1); s.settimeout(0.5)
first = s.recv(4096)
s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
buf, how = read_all(s)
report("http10_keepalive", b"Connection: keep-alive" in first and buf.startswith(b"HTTP/1.1 200") and how == "eof", repr(first + buf))

# request split byte by byte
s = conn()
for ch in b"GET /echo?size=4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n":
    s.send(bytes([ch]))
buf, how = read_all(s)
report("request_split_bytewise", buf.startswith(b"HTTP/1.1 200") and buf.endswith(b"xxxx"), repr(buf))

# malformed requests: 400 with JSON, then the connection closes (FIN, not RST)
for name, req in [("garbage", b"GARBAGE\r\n\r\n"), ("bad_version", b"GET / HTTP/9.x\r\n\r\n"),
                  ("bad_header", b"GET / HTTP/1.1\r\nHo\x01st: x\r\n\r\n"),
                  ("bad_chunk", b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                  ("binary", bytes(range(256)) * 4)]:
    s = conn(); s.sendall(req)
    buf, how = read_all(s)
    report("malformed_request_400[%s]" % name, buf.startswith(b"HTTP/1.1 400") and b'{"error":' in buf
           and b"Connection: close" in buf and how == "eof", how + " " + repr(buf[:200]))

# oversized pieces: 414 / 431
s = conn(); s.sendall(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n")
buf, how = read_all(s); report("long_target_414", buf.startswith(b"HTTP/1.1 414"), repr(buf[:100]))
s = conn(); s.sendall(b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 500) for i in range(200)) + b"\r\n")
buf, how = read_all(s); report("big_headers_431", buf.startswith(b"HTTP/1.1 431"), repr(buf[:100]))

# /fault/reset: the client sees a TCP RST
s = conn(); s.sendall(b"GET /fault/reset HTTP/1.1\r\nHost: t\r\n\r\n")
buf, how = read_all(s)
report("fault_reset_is_rst", how == "reset" and buf == b"", how + " " + repr(buf))

# /fault/close-mid-body: Content-Length 1000, 100 body bytes, then FIN
s = conn(); s.sendall(b"GET /fault/close-mid-body HTTP/1.1\r\nHost: t\r\n\r\n")
buf, how = read_all(s)
head, _, body = buf.partition(b"\r\n\r\n")
report("fault_close_mid_body_bytes", how == "eof" and b"Content-Length: 1000" in head and len(body) == 100, how + " " + repr(head) + " body %d" % len(body))

# /fault/malformed: not HTTP, then FIN
s = conn(); s.sendall(b"GET /fault/malformed HTTP/1.1\r\nHost: t\r\n\r\n")
buf, how = read_all(s)
report("fault_malformed_bytes", how == "eof" and buf == b"HTTP/1.1 abc\r\nnonsense\r\n\r\n", how + " " + repr(buf))

# /fault/no-response: nothing at all for 1 s, the connection stays open
s = conn(); s.sendall(b"GET /fault/no-response HTTP/1.1\r\nHost: t\r\n\r\n"); s.settimeout(1.0)
try:
    got = s.recv(10); report("fault_no_response_silent", False, "got %r" % got)
except socket.timeout:
    report("fault_no_response_silent", True)
s.close()
EOF
cat "$T_DIR/raw.out"
grep -q '^PASS fault_no_response_silent' "$T_DIR/raw.out" || fail raw_socket_checks "$(tail -5 "$T_DIR/raw.out")"

# ---------- faults through curl (the client's view of each error class) ----------
"${CURL[@]}" -o /dev/null "$TB_URL/fault/reset" 2>"$T_DIR/err"; rc=$?
[ $rc -eq 56 ] && pass "fault_reset_curl56" || fail fault_reset_curl56 "curl exit $rc"
"${CURL[@]}" -S -o /dev/null "$TB_URL/fault/reset" 2>"$T_DIR/err"
grep -qi 'reset' "$T_DIR/err" && pass fault_reset_message || fail fault_reset_message "$(cat "$T_DIR/err")"
"${CURL[@]}" -o /dev/null "$TB_URL/fault/close-mid-body"; rc=$?
[ $rc -eq 18 ] && pass fault_close_mid_body_curl18 || fail fault_close_mid_body_curl18 "curl exit $rc"
"${CURL[@]}" -o /dev/null "$TB_URL/fault/malformed"; rc=$?
[ $rc -ne 0 ] && pass "fault_malformed_curl_fails($rc)" || fail fault_malformed_curl_fails "curl exit 0"
"${CURL[@]}" -o /dev/null "$TB_URL/fault/bad-chunked"; rc=$?
[ $rc -eq 56 ] && pass fault_bad_chunked_curl56 || fail fault_bad_chunked_curl56 "curl exit $rc"
curl -s --max-time 1 -o /dev/null "$TB_URL/fault/no-response"; rc=$?
[ $rc -eq 28 ] && pass fault_no_response_curl28 || fail fault_no_response_curl28 "curl exit $rc"
r=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{time_total}' "$TB_URL/fault/slow-headers?ms=300")
awk -v r="$r" 'BEGIN { split(r, a, " "); exit !(a[1] == 200 && a[2] >= 0.3 && a[2] < 1.5) }' && pass "fault_slow_headers($r)" || fail fault_slow_headers "got '$r'"
r=$("${CURL[@]}" -o "$T_DIR/huge.body" -w '%{http_code} %{size_header}' "$TB_URL/fault/huge-headers")
read -r code hsize <<<"$r"
[ "$code" = 200 ] && [ "$hsize" -gt 81920 ] && [ "$(cat "$T_DIR/huge.body")" = huge ] && pass "fault_huge_headers($hsize bytes)" || fail fault_huge_headers "got '$r'"
hsize=$("${CURL[@]}" -o /dev/null -w '%{size_header}' "$TB_URL/fault/huge-headers?kb=90")
[ "$hsize" -gt $((90 * 1024)) ] && [ "$hsize" -lt $((91 * 1024)) ] && pass fault_huge_headers_kb || fail fault_huge_headers_kb "size_header $hsize"

# ---------- many concurrent connections ----------
$PY - "$TB_PORT" >"$T_DIR/many.out" 2>&1 <<'EOF'
import selectors, socket, sys, time
port, n = int(sys.argv[1]), 2000
sel = selectors.DefaultSelector()
socks, bufs = [], {}
for i in range(n):
    s = socket.socket(); s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    socks.append(s)
for s in socks:
    sel.register(s, selectors.EVENT_WRITE)
deadline, sent, done = time.time() + 20, set(), 0
while done < n and time.time() < deadline:
    for key, ev in sel.select(timeout=1):
        s = key.fileobj
        if ev & selectors.EVENT_WRITE and s not in sent:
            s.send(b"GET /echo?delay_ms=100&size=64 HTTP/1.1\r\nHost: t\r\n\r\n")
            sent.add(s); sel.modify(s, selectors.EVENT_READ); bufs[s] = b""
        elif ev & selectors.EVENT_READ:
            c = s.recv(4096)
            bufs[s] += c
            if not c or bufs[s].endswith(b"x" * 64):
                sel.unregister(s); done += 1
ok = sum(1 for b in bufs.values() if b.startswith(b"HTTP/1.1 200") and b.endswith(b"x" * 64))
print("%d/%d answered" % (ok, n))
sys.exit(0 if ok == n else 1)
EOF
[ $? -eq 0 ] && pass "concurrent_2000_connections($(cat "$T_DIR/many.out"))" || fail concurrent_2000_connections "$(cat "$T_DIR/many.out")"

# still alive after everything above
r=$("${CURL[@]}" "$TB_URL/health")
[ "$r" = ok ] && kill -0 "$TB_PID" 2>/dev/null && pass survives_all_inputs || fail survives_all_inputs "health '$r'"
stop_wait "$TB_PID" TERM; rc=$STOP_RC
[ "$rc" = 0 ] && pass final_sigterm_exit0 || fail final_sigterm_exit0 "exit $rc"
