#!/usr/bin/env bash
# fault_matrix.sh — surge keeps measuring through every fault: for each testbed fault,
# each server-level fault (freeze, kill and restart, port closed, refused) and each TLS
# fault (expired, wrong host, self-signed, closed in the handshake), a short plan run
# must (a) exit by itself within its duration plus the grace period, (b) account for
# every request (requests == the sum of status counts and error classes, per step and
# per scenario; failed == errors + statuses >= 400), with the failures in the expected
# error classes only, (c) leave results.json and series.ndjson written and parseable.
# The table of faults is docs/reliability.md.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh
S=$SURGE_BIN
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run_plan NAME TARGET MAX_S SCENARIOS-YAML [DEFAULTS-YAML] — writes $T_DIR/NAME.yaml, runs it
# into $T_DIR/NAME/; checks the exit status is 0 and the wall time is under MAX_S.
run_plan() {
    local name=$1 target=$2 max_s=$3 scen=$4 defaults=${5:-"{timeout: 2s}"} t0 ms rc
    printf 'target: %s\ndefaults: %s\n%s\n' "$target" "$defaults" "$scen" >"$T_DIR/$name.yaml"
    t0=$(now_ms)
    timeout 60 "$S" run "$T_DIR/$name.yaml" -q -t 2 --abort-unreachable 0 -o "$T_DIR/$name" \
        >"$T_DIR/$name.out" 2>&1
    rc=$?
    ms=$(($(now_ms) - t0))
    check "${name}_exit0" test "$rc" -eq 0
    check "${name}_exits_in_time (${ms} ms <= ${max_s} s)" test "$ms" -le $((max_s * 1000))
    outputs_ok "$name"
}

# outputs_ok NAME — results.json and every line of series.ndjson parse; the results
# document is complete (schema, not interrupted).
outputs_ok() {
    local d=$T_DIR/$1
    jcheck "${1}_results_parse" "$d/results.json" '.schema == "surge.results/2" and .interrupted == false'
    check "${1}_series_parse" sh -c "test -s '$d/series.ndjson' && jq -e . '$d/series.ndjson' >/dev/null"
}

# Accounting of one results object (a scenario or a step): every request ended in a
# status or an error class, and failed counts the errors plus the statuses >= 400.
ACCOUNT='((.status | to_entries | map(.value) | add // 0) + (.errors | to_entries | map(.value) | add // 0)) == .requests
  and ((.status | to_entries | map(select((.key | tonumber) >= 400) | .value) | add // 0)
       + (.errors | to_entries | map(.value) | add // 0)) == .failed'

# expect NAME SCENARIO MIN CLASSES — in run NAME, scenario SCENARIO did at least MIN
# requests, every step and the scenario account for every request, and every error
# class seen is one of CLASSES (a jq array: ["reset"]); MIN failures at least.
expect() {
    local name=$1 sc=$2 min=$3 classes=$4
    jcheck "${name}_${sc}_accounted" "$T_DIR/$name/results.json" \
        ".scenarios[] | select(.name == \"$sc\") | .requests >= $min and ($ACCOUNT)
         and (.steps | length) >= 1 and all(.steps[]; $ACCOUNT)
         and ([.steps[].requests] | add) == .requests"
    jcheck "${name}_${sc}_classes $classes" "$T_DIR/$name/results.json" \
        ".scenarios[] | select(.name == \"$sc\") | (.errors | keys) - $classes == [] and .failed >= $min"
}

# ---- 1. the testbed's fault routes, one scenario each, all at once (start: 0s; without it
# scenarios run one after another) ---------------------------------------------------------------
start_testbed
sc() { # NAME PATH [STEP-OPTIONS]
    printf '  - {name: %s, flow: %s, executor: constant-vus, vus: 2, duration: 2s, graceful_stop: 1s, start: 0s}\n' "$1" "$1"
}
{
    echo "flows:"
    for f in reset:/fault/reset close_mid_body:/fault/close-mid-body malformed:/fault/malformed \
        huge_headers:/fault/huge-headers bad_chunked:/fault/bad-chunked \
        no_response:/fault/no-response slow_headers:/fault/slow-headers?ms=1500 ok:/echo; do
        # a short timeout only where the fault is the lack of an answer (the others get
        # the default 2 s: instrumented builds answer slowly)
        case $f in no_response:* | slow_headers:*) to=", timeout: 300ms" ;; *) to= ;; esac
        echo "  ${f%%:*}: [{name: get, get: \"${f#*:}\"$to}]"
    done
    echo "scenarios:"
    for n in reset close_mid_body malformed huge_headers bad_chunked no_response slow_headers ok; do sc "$n"; done
} >"$T_DIR/routes.scen"
run_plan routes "$TB_URL" 6 "$(cat "$T_DIR/routes.scen")"
# minimums low enough for ThreadSanitizer builds (make tsan: 10-50x slower)
expect routes reset 4 '["reset"]'
expect routes close_mid_body 4 '["closed_early"]'
expect routes malformed 4 '["parse"]'
expect routes huge_headers 2 '["parse"]'
expect routes bad_chunked 4 '["parse"]'
# 2 VUs, a 300 ms timeout, 2 s: ~12 timeouts; a loaded machine gets half
expect routes no_response 6 '["timeout"]'
expect routes slow_headers 6 '["timeout"]'
jcheck routes_control_all_200 "$T_DIR/routes/results.json" \
    '.scenarios[] | select(.name == "ok") | .requests > 20 and .failed == 0 and .errors == {}'
jcheck routes_timeouts_at_deadline "$T_DIR/routes/results.json" \
    '.scenarios[] | select(.name == "no_response") | .errors.timeout <= 14'

one_scen='flows: {f: [{name: get, get: /echo, timeout: 500ms}]}
scenarios: [{name: s, flow: f, executor: constant-vus, vus: 4, duration: 3s, graceful_stop: 1s}]'

# ---- 2. the whole server frozen for 1.5 s: timeouts, then 200s again -----------------------------
(sleep 0.8 && curl -s -m 5 -X POST "$TB_URL/admin/pause?ms=1500" >/dev/null) &
pause_pid=$!
run_plan pause "$TB_URL" 7 "$one_scen"
wait "$pause_pid"
expect pause s 4 '["timeout"]'
jcheck pause_recovers "$T_DIR/pause/results.json" \
    '.scenarios[0] | .status["200"] > 50 and (.series[-1].requests - .series[-1].failed) > 0'

# ---- 3. the server killed (SIGKILL) at 0.8 s and restarted on its port at 1.5 s -----------------
KP=$(free_port)
"$TESTBED_BIN" --listen "127.0.0.1:$KP" >"$T_DIR/k1.log" 2>&1 &
k1=$!
T_PIDS+=("$k1")
wait_line "$T_DIR/k1.log" '^listening' 10
(sleep 0.8 && kill -9 "$k1" 2>/dev/null && sleep 0.7 &&
    exec "$TESTBED_BIN" --listen "127.0.0.1:$KP" >"$T_DIR/k2.log" 2>&1) &
k2=$!
T_PIDS+=("$k2")
run_plan restart "http://127.0.0.1:$KP" 7 "$one_scen"
# timeout: a request whose 500 ms ran out while its connection waited out the refusal
# backoff, and whose one attempt at the deadline met the restarted server
expect restart s 1 '["reset", "closed_early", "connect_refused", "timeout"]'
jcheck restart_recovers "$T_DIR/restart/results.json" \
    '.scenarios[0] | .status["200"] > 50 and (.series[-1].requests - .series[-1].failed) > 0'

# ---- 4. the port closed mid-run for good (killed at 0.8 s, never back) ---------------------------
"$TESTBED_BIN" --listen "127.0.0.1:$KP" >"$T_DIR/c1.log" 2>&1 &
c1=$!
T_PIDS+=("$c1")
kill "$k2" 2>/dev/null
wait_line "$T_DIR/c1.log" '^listening' 10
(sleep 0.8 && kill -9 "$c1") &
run_plan closed "http://127.0.0.1:$KP" 7 "$one_scen"
expect closed s 4 '["reset", "closed_early", "connect_refused"]'
jcheck closed_refused_after "$T_DIR/closed/results.json" \
    '.scenarios[0] | .status["200"] > 10 and .errors.connect_refused > 0'

# ---- 5. connection refused from the start ----------------------------------------------------------
run_plan refused "http://127.0.0.1:$(free_port)" 7 "$one_scen"
expect refused s 4 '["connect_refused"]'

# ---- 6. TLS: expired, wrong host, self-signed, closed during the handshake -------------------------
C=$T_DIR/certs
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=surge fault CA" \
    -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
mkcert() { # NAME SAN DAYS
    openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$C/$1.key" -out "$C/$1.csr" \
        2>/dev/null &&
        openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
            -days "$3" -sha256 -out "$C/$1.pem" \
            -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$2") 2>/dev/null
}
mkcert expired IP:127.0.0.1 -1    # notAfter a day before now
mkcert wronghost DNS:other.example 2
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$C/self.key" -out "$C/self.pem" 2>/dev/null
if [ ! -s "$C/expired.pem" ] || [ ! -s "$C/wronghost.pem" ] || [ ! -s "$C/self.pem" ]; then
    fail tls_certs "openssl could not make the test certificates"
    exit 0
fi
s_server() { # NAME — openssl s_server with NAME's certificate; sets PORT
    PORT=$(free_port)
    openssl s_server -quiet -www -accept "127.0.0.1:$PORT" -cert "$C/$1.pem" -key "$C/$1.key" \
        >"$T_DIR/s_$1.log" 2>&1 &
    T_PIDS+=($!)
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
        sleep 0.05
    done
    fail "s_server_$1" "openssl s_server did not start: $(head -c 300 "$T_DIR/s_$1.log")"
}
tls_scen='flows: {f: [{name: get, get: /}]}
scenarios: [{name: s, flow: f, executor: constant-vus, vus: 2, duration: 1s, graceful_stop: 1s}]'
s_server expired
run_plan tls_expired "https://127.0.0.1:$PORT" 5 "$tls_scen" "{timeout: 2s, cacert: $C/ca.pem}"
expect tls_expired s 2 '["tls"]'
jcheck tls_expired_example "$T_DIR/tls_expired/results.json" '.scenarios[0].error_examples.tls | test("expired"; "i")'
s_server wronghost
run_plan tls_wronghost "https://127.0.0.1:$PORT" 5 "$tls_scen" "{timeout: 2s, cacert: $C/ca.pem}"
expect tls_wronghost s 2 '["tls"]'
jcheck tls_wronghost_example "$T_DIR/tls_wronghost/results.json" '.scenarios[0].error_examples.tls | test("mismatch"; "i")'
s_server self
run_plan tls_selfsigned "https://127.0.0.1:$PORT" 5 "$tls_scen"
expect tls_selfsigned s 2 '["tls"]'
jcheck tls_selfsigned_example "$T_DIR/tls_selfsigned/results.json" '.scenarios[0].error_examples.tls | test("self.signed|verif"; "i")'
# A server that reads the ClientHello and closes: the handshake fails, counted as tls.
HP=$(free_port)
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); print("listening", flush=True)
while True:
    c, _ = s.accept()
    try: c.recv(4096)
    except OSError: pass
    c.close()
' "$HP" >"$T_DIR/hs.log" 2>&1 &
T_PIDS+=($!)
wait_line "$T_DIR/hs.log" '^listening' 10
run_plan tls_handshake_close "https://127.0.0.1:$HP" 5 "$tls_scen"
expect tls_handshake_close s 2 '["tls"]'
