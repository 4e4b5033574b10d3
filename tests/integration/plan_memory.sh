# plan_memory.sh — payload bytes are shared by every VU, never copied per request: 200 VUs
# each stuck mid-way through a multipart upload of the same 30 x 374 KB JPEG set (11.2 MB)
# must cost surge about as much memory as 1 VU. A per-VU copy would be ~2.2 GB.
# The server is a python3 listener (listen(4096)) that never accepts: connections complete
# in the kernel's backlog, and each upload blocks once the socket buffers are full.
# ~20 s.
source "$(dirname "$0")/../lib/harness.sh"

PORT_FILE=$T_DIR/port
python3 - "$PORT_FILE" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4096)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60) # never accepts; the harness kills it
PY
T_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$PORT_FILE" ] && break; sleep 0.05; done
PORT=$(cat "$PORT_FILE" 2>/dev/null)
if [ -z "$PORT" ]; then echo "FAIL listener: python3 did not start"; exit 1; fi

plan() { # VUS
    cat <<YAML
target: http://127.0.0.1:$PORT
data:
  photos: {generate: {type: jpeg, count: 30, size: 374KB}}
flows:
  upload:
    - name: upload
      post: /api/upload
      multipart: [{name: images, files: photos}]
      timeout: 6s
scenarios:
  - {name: s, flow: upload, executor: per-vu-iterations, vus: $1, iterations: 1, graceful_stop: 500ms}
YAML
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# conns — established connections to the listener (client side)
conns() { ss -Htn state established "( dport = :$PORT )" 2>/dev/null | wc -l; }

# measure VUS — run the plan, read surge's VmRSS after ~3 s, then stop it (SIGINT: the
# uploads in flight get the scenario's 500 ms graceful_stop) and check it exits 130 within
# 10 s (the reports are written first; slow under the sanitizers). Sets RSS (KiB) and NCONN.
measure() {
    local vus=$1 pid
    plan "$vus" >"$T_DIR/m$vus.yaml"
    "$SURGE_BIN" run "$T_DIR/m$vus.yaml" -o "$T_DIR/m$vus" -q -t 2 >"$T_DIR/m$vus.log" 2>&1 &
    pid=$!
    T_PIDS+=("$pid")
    sleep 3
    RSS=$(rss_kb "$pid")
    NCONN=$(conns)
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    wait "$pid"
    local rc=$?
    check "$vus VU(s): surge was still uploading at 3 s and stopped on SIGINT (exit 130)" test "$rc" -eq 130
    : "${RSS:=0}"
}

measure 1
RSS1=$RSS C1=$NCONN
measure 200
RSS200=$RSS C200=$NCONN
echo "# VmRSS: 1 VU ${RSS1} KiB ($C1 connection), 200 VUs ${RSS200} KiB ($C200 connections);" \
    "difference $((RSS200 - RSS1)) KiB, $(((RSS200 - RSS1) / 199)) KiB per extra VU" \
    "(a copy of the 11.2 MB set per VU would be ~11000 KiB per VU)"
check "1 VU: the upload is in flight (1 connection established)" test "$C1" -ge 1
check "200 VUs: every VU is mid-upload (200 connections established, got $C200)" test "$C200" -ge 200
check "1 VU: the 11.2 MB payload is loaded once (VmRSS >= 11000 KiB, got $RSS1)" test "$RSS1" -ge 11000
check "200 VUs cost < 10 MB more than 1 VU (got $((RSS200 - RSS1)) KiB)" \
    test $((RSS200 - RSS1)) -lt 10240
