#!/usr/bin/env bash
# quick_errors.sh — quick mode's bad input (exit 2, one line on stderr naming the
# problem), runtime error classes from tiny loopback servers, and SIGINT.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh
S=$SURGE_BIN
J=$T_DIR/r.json
# The interpreter itself, not a wrapper (pyenv's shim forks): $! must be the server
# so that the harness's cleanup stops it.
PY=$(python3 -c 'import sys; print(sys.executable)')

# bad_input NAME NEEDLE ARGS... — surge ARGS exits 2, prints nothing on stdout and
# exactly one line on stderr that contains NEEDLE (fixed string).
bad_input() {
    local name=$1 needle=$2; shift 2
    "$S" "$@" >"$T_DIR/bi.out" 2>"$T_DIR/bi.err"
    local rc=$? lines
    lines=$(wc -l <"$T_DIR/bi.err")
    if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$T_DIR/bi.out" ] &&
        grep -qF -- "$needle" "$T_DIR/bi.err"; then
        pass "$name"
    else
        fail "$name" "surge $* => exit $rc, stderr ($lines lines): $(head -c 300 "$T_DIR/bi.err" | cat -v); want exit 2 and one line naming '$needle'"
    fi
}

# A loopback port nothing listens on (free_port takes it below the ephemeral range,
# so a connect can never meet itself by TCP simultaneous open).
DEAD=http://127.0.0.1:$(free_port)/

# --- bad input ----------------------------------------------------------------------------
bad_input unknown_long_flag "--bogus" --bogus "$DEAD"
bad_input unknown_short_flag "-x" -x "$DEAD"
bad_input bad_duration "10x" -d 10x "$DEAD"
bad_input bad_duration_names_flag "-d" -d 10x "$DEAD"
bad_input zero_duration "'0'" -d 0 "$DEAD"
bad_input bad_timeout "--timeout" --timeout 5parsecs "$DEAD"
bad_input bad_connect_timeout "--connect-timeout" --connect-timeout abc "$DEAD"
bad_input url_ftp "ftp" ftp://x
bad_input url_no_host "http://" http://
bad_input url_bad_port "99999" http://127.0.0.1:99999/
bad_input url_unresolvable "no-such-host.invalid" http://no-such-host.invalid/
bad_input body_missing_file "/nonexistent/b.bin" -m POST --body @/nonexistent/b.bin "$DEAD"
bad_input body_directory "$T_DIR" -m POST --body "@$T_DIR" "$DEAD"
if [ "$(id -u)" -ne 0 ]; then # root reads mode-000 files anyway
    echo secret >"$T_DIR/noread" && chmod 000 "$T_DIR/noread"
    bad_input body_unreadable "$T_DIR/noread" -m POST --body "@$T_DIR/noread" "$DEAD"
fi
bad_input connections_zero "-c" -c 0 "$DEAD"
bad_input connections_text "abc" -c abc "$DEAD"
bad_input threads_zero "-t" -t 0 "$DEAD"
bad_input threads_over_connections "-t 5" -t 5 -c 2 "$DEAD"
bad_input requests_zero "-n" -n 0 "$DEAD"
bad_input rate_zero "-R" -R 0 "$DEAD"
bad_input rate_text "fast" -R fast "$DEAD"
bad_input method_lowercase "get" -m get "$DEAD"
bad_input header_nocolon "nocolon" -H nocolon "$DEAD"
bad_input header_names_flag "-H" -H nocolon "$DEAD"
bad_input header_space_in_name "Bad Name" -H 'Bad Name: v' "$DEAD"
bad_input no_url "URL"
bad_input two_urls "http://b/" "$DEAD" http://b/
bad_input no_co_correction_without_rate "--no-co-correction" --no-co-correction "$DEAD"
# A flag given last without its value: the message must name the flag.
bad_input missing_value_short "-c" "$DEAD" -c
bad_input missing_value_long "--json" "$DEAD" --json

"$S" --help >"$T_DIR/help.out" 2>"$T_DIR/help.err"
check help_exit0 test $? -eq 0
check help_usage_on_stdout grep -q '^usage: surge' "$T_DIR/help.out"
check help_lists_flags sh -c "grep -q -- '--connect-timeout' '$T_DIR/help.out' && grep -q -- '--cacert' '$T_DIR/help.out'"
check help_no_stderr test ! -s "$T_DIR/help.err"
"$S" --version >"$T_DIR/ver.out" 2>&1
check version_exit0 test $? -eq 0
check version_text grep -qE '^surge [0-9]+\.[0-9]+\.[0-9]+' "$T_DIR/ver.out"

# --- connect_refused -----------------------------------------------------------------------
"$S" -q -c 2 -d 1s --json "$J" "$DEAD"
check refused_exit0 test $? -eq 0
jcheck refused_all "$J" '.scenarios[0] | .requests > 0 and .failed == .requests and .success_rate == 0 and .errors == {"connect_refused": .requests} and .status == {} and .bytes_in == 0 and .bytes_out == 0'
jcheck refused_example "$J" '.scenarios[0].error_examples.connect_refused | test("refused"; "i")'
jcheck refused_series "$J" '.scenarios[0] | ([.series[].errors.connect_refused // 0] | add) == .requests'

# --- connect_timeout: a listener whose accept queue is full drops new SYNs --------------------
cat >"$T_DIR/full_backlog.py" <<'PY'
# Listen with backlog 0, never accept, and fill the accept queue with idle
# connections of our own: the kernel then drops further SYNs, so connects hang.
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
port = s.getsockname()[1]
held = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(c)
time.sleep(0.3)
print("listening on", port, flush=True)
time.sleep(120)
PY
"$PY" "$T_DIR/full_backlog.py" >"$T_DIR/fb.log" 2>&1 &
T_PIDS+=($!)
if wait_line "$T_DIR/fb.log" '^listening on' 15; then
    FB_PORT=$(awk '/^listening on/ {print $3}' "$T_DIR/fb.log")
    "$S" -q -c 20 -d 2s --connect-timeout 300ms --json "$J" "http://127.0.0.1:$FB_PORT/"
    check connect_timeout_exit0 test $? -eq 0
    # each connection times out every 300 ms: 20 x 6 = 120 in 2 s
    jcheck connect_timeout_counted "$J" '.scenarios[0].errors.connect_timeout >= 100 and .scenarios[0].errors.connect_timeout <= 140'
    jcheck connect_timeout_only "$J" '.scenarios[0] | .errors == {"connect_timeout": .requests} and .failed == .requests and .status == {} and .bytes_out == 0'
    jcheck connect_timeout_example "$J" '.scenarios[0].error_examples | has("connect_timeout")'
else
    fail connect_timeout_listener "python listener did not start: $(head -c 300 "$T_DIR/fb.log")"
fi

# --- timeout: a server that accepts and never answers ------------------------------------------
cat >"$T_DIR/silent.py" <<'PY'
# Accept every connection, read nothing, answer nothing.
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(128)
print("listening on", s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
PY
"$PY" "$T_DIR/silent.py" >"$T_DIR/silent.log" 2>&1 &
T_PIDS+=($!)
if wait_line "$T_DIR/silent.log" '^listening on' 15; then
    SI_PORT=$(awk '/^listening on/ {print $3}' "$T_DIR/silent.log")
    "$S" -q -c 4 -d 2s --timeout 300ms --json "$J" "http://127.0.0.1:$SI_PORT/"
    check timeout_exit0 test $? -eq 0
    # 4 connections, one 300 ms timeout after another: 4 x 6 = 24 in 2 s
    jcheck timeout_counted "$J" '.scenarios[0].errors.timeout >= 20 and .scenarios[0].errors.timeout <= 28'
    jcheck timeout_none_completed "$J" '.scenarios[0] | .status == {} and .errors == {"timeout": .requests} and .failed == .requests and .bytes_in == 0'
    jcheck timeout_requests_sent "$J" '.scenarios[0] | .bytes_out > 0 and .bytes_out % .requests == 0'
else
    fail timeout_listener "python server did not start: $(head -c 300 "$T_DIR/silent.log")"
fi

# --- SIGINT: stop early, still write the results ---------------------------------------------------
start_nginx
t0=$(date +%s%N)
"$S" -q -d 30s -c 4 --json "$J" "$NGX_URL/1k" &
SPID=$!
sleep 1
kill -INT "$SPID"
wait "$SPID"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check sigint_exit130 test "$rc" -eq 130
check sigint_fast test "$ms" -lt 5000
jcheck sigint_results "$J" '.interrupted == true and .scenarios[0].requests > 0 and .scenarios[0].failed == 0'
jcheck sigint_duration "$J" '.duration_s > 0.5 and .duration_s < 5'

rm -f "$J"
"$S" -q -d 30s -c 4 --json "$J" "$NGX_URL/1k" &
SPID=$!
sleep 1
kill -TERM "$SPID"
wait "$SPID"
rc=$?
check sigterm_exit143 test "$rc" -eq 143
jcheck sigterm_results "$J" '.interrupted == true and .scenarios[0].requests > 0'
