#!/usr/bin/env bash
# watch_httpget.sh — the watch stage's blocking GET (src/watch/httpget.c) through
# build/tools/watchsrc: the testbed's /health and /metrics, a refused port, a server that
# never answers (timeout within the deadline), chunked / read-to-EOF / cut bodies, the body
# cap, bad URLs, and https with verification (a throwaway CA), --insecure and a wrong name.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/harness.sh
W=${SURGE_TOOLS:-build/tools}/watchsrc
[ -x "$W" ] || { fail watch_httpget "no $W (make tests-built)"; exit 1; }

start_testbed
"$W" get "$TB_URL/health" 2 >"$T_DIR/h.out" 2>"$T_DIR/h.err"
check health_exit0 test $? -eq 0
check health_status grep -q '^status 200 len 2 ' "$T_DIR/h.out"
check health_body grep -qx 'ok' <(tail -n +2 "$T_DIR/h.out")

"$W" get "$TB_URL/metrics" 2 >"$T_DIR/m.out" 2>"$T_DIR/m.err"
check metrics_exit0 test $? -eq 0
check metrics_status grep -q '^status 200 ' "$T_DIR/m.out"
check metrics_has_type grep -q '^# TYPE ' "$T_DIR/m.out"
# Content-Length body: the length printed matches what arrived
LEN=$(head -1 "$T_DIR/m.out" | awk '{print $4}')
GOT=$(tail -n +2 "$T_DIR/m.out" | wc -c)
check metrics_len_matches test "$LEN" -eq "$GOT" -a "$LEN" -gt 100

# --- failures name the URL ------------------------------------------------------------------
P=$(free_port)
"$W" get "http://127.0.0.1:$P/metrics" 2 >/dev/null 2>"$T_DIR/r.err"
check refused_exit1 test $? -eq 1
check refused_reason grep -qx "http://127.0.0.1:$P/metrics: connection refused" "$T_DIR/r.err"

"$W" get "ftp://127.0.0.1/x" 2 >/dev/null 2>"$T_DIR/b.err"
check badurl_exit1 test $? -eq 1
check badurl_reason grep -q '^ftp://127.0.0.1/x: bad URL: ' "$T_DIR/b.err"

"$W" get "http://no-such-host.invalid/x" 2 >/dev/null 2>"$T_DIR/n.err"
check resolve_reason grep -q '^http://no-such-host.invalid/x: cannot resolve no-such-host.invalid' "$T_DIR/n.err"

# --- the python server's shapes -------------------------------------------------------------
python3 tests/lib/httpget_server.py "$T_DIR/py.port" >"$T_DIR/py.log" 2>&1 &
T_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$T_DIR/py.port" ] && break; sleep 0.05; done
PY="http://127.0.0.1:$(cat "$T_DIR/py.port")"

"$W" get "$PY/chunked" 2 >"$T_DIR/c.out" 2>&1
check chunked_body test "$(cat "$T_DIR/c.out")" = "$(printf 'status 200 len 20 ms %s\nhello, chunked world' "$(head -1 "$T_DIR/c.out" | awk '{print $6}')")"

"$W" get "$PY/eof" 2 >"$T_DIR/e.out" 2>&1
check eof_status grep -q '^status 200 len 18 ' "$T_DIR/e.out"
check eof_body test "$(tail -n +2 "$T_DIR/e.out")" = "body until the end"

"$W" get "$PY/other" 2 >"$T_DIR/o.out" 2>&1
check non2xx_is_a_response grep -q '^status 503 len 2 ' "$T_DIR/o.out"

"$W" get "$PY/continue" 2 >"$T_DIR/k.out" 2>&1
check interim_100_skipped grep -q '^status 200 len 5 ' "$T_DIR/k.out"

"$W" get "$PY/big" 2 50000 >/dev/null 2>"$T_DIR/big.err"
check body_cap grep -qx "$PY/big: body over 50000 bytes" "$T_DIR/big.err"
"$W" get "$PY/big" 2 >"$T_DIR/big.out" 2>&1
check big_body grep -q '^status 200 len 100000 ' "$T_DIR/big.out"

"$W" get "$PY/cut" 2 >/dev/null 2>"$T_DIR/cut.err"
check cut_body grep -qx "$PY/cut: connection closed before the response ended" "$T_DIR/cut.err"

"$W" get "$PY/garbage" 2 >/dev/null 2>"$T_DIR/g.err"
check garbage grep -q "^$PY/garbage: bad response" "$T_DIR/g.err"

T0=$(date +%s%N)
"$W" get "$PY/silent" 1 >/dev/null 2>"$T_DIR/s.err"
RC=$?
MS=$((($(date +%s%N) - T0) / 1000000))
check silent_exit1 test $RC -eq 1
check silent_reason grep -qx "$PY/silent: timed out after 1 s" "$T_DIR/s.err"
# the deadline holds: 1 s asked, well under 3 s taken even on a loaded machine
check silent_within_deadline test "$MS" -ge 950 -a "$MS" -lt 3000
echo "# silent: timed out after $MS ms (deadline 1 s)"

# --- https ------------------------------------------------------------------------------------
C=$T_DIR/certs
mkdir -p "$C"
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=surge watch CA" \
        -keyout "$C/ca.key" -out "$C/ca.pem" >/dev/null 2>&1 &&
   openssl req -new -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$C/srv.key" -out "$C/srv.csr" >/dev/null 2>&1 &&
   openssl x509 -req -in "$C/srv.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
        -days 2 -out "$C/srv.pem" \
        -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost') >/dev/null 2>&1; then
    python3 tests/lib/httpget_server.py "$T_DIR/tls.port" "$C/srv.pem" "$C/srv.key" >"$T_DIR/tls.log" 2>&1 &
    T_PIDS+=($!)
    for _ in $(seq 1 100); do [ -s "$T_DIR/tls.port" ] && break; sleep 0.05; done
    TP=$(cat "$T_DIR/tls.port")
    "$W" get "https://127.0.0.1:$TP/chunked" 3 >/dev/null 2>"$T_DIR/t1.err"
    check https_untrusted grep -q "^https://127.0.0.1:$TP/chunked: TLS handshake: certificate verify failed" "$T_DIR/t1.err"
    "$W" get "https://127.0.0.1:$TP/chunked" 3 0 "$C/ca.pem" >"$T_DIR/t2.out" 2>&1
    check https_cacert_ip grep -q '^status 200 len 20 ' "$T_DIR/t2.out"
    "$W" get "https://localhost:$TP/eof" 3 0 "$C/ca.pem" >"$T_DIR/t3.out" 2>&1
    check https_cacert_name_eof grep -q '^status 200 len 18 ' "$T_DIR/t3.out"
    "$W" get "https://127.0.0.1:$TP/other" 3 0 insecure >"$T_DIR/t4.out" 2>&1
    check https_insecure grep -q '^status 503 ' "$T_DIR/t4.out"
else
    fail https_certs "openssl could not make the test certificates"
fi
