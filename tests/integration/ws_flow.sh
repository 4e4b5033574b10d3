# ws_flow.sh — ws: steps against surge-testbed's jobs profile at --time-scale 0.01 (jobs
# 1.67 s cold, 0.82 s warm): progress messages arrive and `status == completed` ends the
# step; a connection the testbed drops (--ws-drop-rate 1) or surge drops (drop_after)
# reconnects, runs resume_check and completes, the reconnects counted; a refused
# handshake (404, 401) is ws_handshake with its status; every kind of invalid server frame
# is ws_protocol and surge exits normally; the plan errors name FILE:LINE:COL; the example
# examples/generation-ws.yaml runs at 1/100. ~15 s.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed --profile all --time-scale 0.01 --job-jitter 0 --gpu-slots 8
TB1=$TB_URL
start_testbed --profile all --time-scale 0.01 --job-jitter 0 --gpu-slots 8 --ws-drop-rate 1
TB_DROP=$TB_URL

P=$T_DIR/ws.yaml
cat >"$P" <<'YAML'
target: http://127.0.0.1:1
vars: {kind: masked}
flows:
  follow:
    - {name: submit, post: /api/generate, body: "x", expect: {status: 202}, extract: {job: job_id}}
    - ws: /ws/jobs/${job}
      name: progress
      send: ['{"hello":"${job}"}', {job: "${job}"}]
      receive: {until: "status == completed", timeout: 10s, extract: {final: status}}
      each_message: {count: n, extract: {pct: progress}}
    - {name: check, get: "/echo?n=${n}&pct=${pct}&final=${final}"}
  reconnect:
    - {name: submit, post: /api/generate, body: "x", expect: {status: 202}, extract: {job: job_id}}
    - ws: /ws/jobs/${job}
      name: progress
      receive: {until: "status == completed", timeout: 10s}
      reconnect: {attempts: 100, backoff: 50ms}
      resume_check: {name: resume, get: "/api/jobs/${job}", expect: {status: 200}}
  drop:
    - {name: submit, post: /api/generate, body: "x", expect: {status: 202}, extract: {job: job_id}}
    - ws: /ws/jobs/${job}
      name: progress
      receive: {until: "status == completed", timeout: 10s}
      reconnect: {attempts: 2, backoff: 50ms}
      resume_check: {name: resume, get: "/api/jobs/${job}"}
      drop_after: 300ms
  drop-no-reconnect:
    - {name: submit, post: /api/generate, body: "x", expect: {status: 202}, extract: {job: job_id}}
    - {ws: "/ws/jobs/${job}", name: progress, receive: {until: "status == completed", timeout: 10s},
       drop_after: 200ms}
  refused:
    - {ws: /ws/jobs/no-such-job, name: r404, receive: {until: "x == 1", timeout: 5s}}
  unauthorized:
    - {ws: "/echo?status=401", name: r401, receive: {until: "x == 1", timeout: 5s}}
  bad:
    - {ws: "/ws/bad?kind=${kind}", name: bad, receive: {until: "x == 1", timeout: 5s}}
  short:
    - {name: submit, post: /api/generate, body: "x", expect: {status: 202}, extract: {job: job_id}}
    - {ws: "/ws/jobs/${job}", name: progress, receive: {until: "status == completed", timeout: 300ms}}
scenarios:
  - {name: follow, flow: follow, executor: per-vu-iterations, vus: 2, iterations: 1}
  - {name: drop, flow: drop, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: drop-no-reconnect, flow: drop-no-reconnect, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: refused, flow: refused, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: unauthorized, flow: unauthorized, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: short, flow: short, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
check "validate exits 0" "$SURGE_BIN" validate "$P"
timeout 60 "$SURGE_BIN" run "$P" --target "$TB1" -o "$T_DIR/out" >"$T_DIR/run.out" 2>&1
check "run exits 0" test $? -eq 0
check "live view: open WebSockets on a ws flow's line" grep -qE "follow .* ws [0-9]+$" "$T_DIR/run.out"
# --prometheus-listen shows the open WebSockets of a ws flow while it runs
PLP=$(free_port)
cat >"$T_DIR/pl.yaml" <<'YAML'
target: http://127.0.0.1:1
flows:
  follow:
    - {name: submit, post: /api/generate, body: "x", expect: {status: 202}, extract: {job: job_id}}
    - {ws: "/ws/jobs/${job}", name: progress, receive: {until: "status == completed", timeout: 10s}}
scenarios:
  - {name: follow, flow: follow, executor: per-vu-iterations, vus: 2, iterations: 4}
YAML
timeout 60 "$SURGE_BIN" run "$T_DIR/pl.yaml" --target "$TB1" -q -o "$T_DIR/pl" \
    --prometheus-listen "127.0.0.1:$PLP" >/dev/null 2>&1 &
PLR=$!
got=""
for _ in $(seq 1 60); do
    got=$(curl -sf "http://127.0.0.1:$PLP/metrics" | grep '^surge_websockets_open{scenario="follow"}') && break
    sleep 0.1
done
wait $PLR
check "prometheus-listen: surge_websockets_open for the ws scenario ($got)" test -n "$got"
R=$T_DIR/out/results.json
sc() { echo ".scenarios[] | select(.name == \"$1\")"; }
step() { echo ".steps[] | select(.name == \"$1\")"; }

# --- progress messages until the condition ------------------------------------------
jcheck "follow: 2 iterations ok, the ws step succeeded twice (101)" "$R" \
    "$(sc follow) | .iterations_failed == 0 and ($(step progress) | .requests == 2 and .failed == 0 and .status == {\"101\": 2})"
# 1.67 s and 0.82 s jobs in 1% steps: ~100 messages each (one per whole percent, >= 10 ms apart)
jcheck "follow: ~100 progress messages per job arrive (150..204 for 2), 4 sent" "$R" \
    "$(sc follow) | $(step progress) | .ws.messages_in >= 150 and .ws.messages_in <= 204 and .ws.messages_out == 4 and .ws.opened == 2 and .ws.closed == 2 and .ws.reconnects == 0"
# from the ws step's start, which comes a few ms after the submit started the job
jcheck "follow: time to the condition = the job's time (min 0.7..1.0 s, max 1.55..1.9 s)" "$R" \
    "$(sc follow) | $(step progress) | .latency_ms.min >= 700 and .latency_ms.min <= 1000 and .latency_ms.max >= 1550 and .latency_ms.max <= 1900"
jcheck "follow: handshakes timed under 'progress connect' (2, under 1 s)" "$R" \
    "$(sc follow) | $(step "progress connect") | .requests == 2 and .failed == 0 and .latency_ms.max < 1000"
jcheck "follow: every series point has ws_active and ws_messages_in; none open at the end" "$R" \
    "$(sc follow) | (.series | all(has(\"ws_active\") and has(\"ws_messages_in\"))) and .series[-1].ws_active == 0
     and ([.series[].ws_messages_in] | add) == .ws.messages_in"
# each_message count/extract and the receive extract fed the next step's URL
jcheck "follow: count, each_message extract and receive extract reach the next step" "$R" \
    "$(sc follow) | $(step check) | .requests == 2 and .failed == 0"
jcheck "summary: counts by class, nothing failed" "$R" "$(sc follow) | .errors == {}"
check "summary line: WebSocket" grep -q "WebSocket: .* opened" "$T_DIR/run.out"
check "report.md: WebSocket steps table" grep -q "WebSocket steps" "$T_DIR/out/report.md"
check "report.md: open WebSockets chart" grep -q "follow: open WebSockets](charts/follow-ws.svg)" "$T_DIR/out/report.md"

# --- drop_after: surge drops, reconnects, resume_check, completes ---------------------
jcheck "drop_after: the flow completes after a reconnect (1 or 2 counted)" "$R" \
    "$(sc drop) | .iterations_failed == 0 and ($(step progress) | .failed == 0 and .ws.reconnects >= 1 and .ws.reconnects <= 2 and .ws.opened == .ws.reconnects + 1)"
jcheck "drop_after: resume_check ran once per reconnect (200s among the scenario's requests)" "$R" \
    "$(sc drop) | .status[\"200\"] == ($(step progress) | .ws.reconnects)"
jcheck "drop_after without reconnect: ws_closed (1006), the iteration failed" "$R" \
    "$(sc drop-no-reconnect) | .iterations_failed == 1 and .errors == {\"ws_closed\": 1} and (.error_examples.ws_closed | test(\"1006\"))"
# --- refused handshakes ---------------------------------------------------------------
jcheck "404: ws_handshake with the status" "$R" \
    "$(sc refused) | .errors == {\"ws_handshake\": 1} and .status == {\"404\": 1} and (.error_examples.ws_handshake | test(\"HTTP 404\"))"
jcheck "401: ws_handshake with the status" "$R" \
    "$(sc unauthorized) | .errors == {\"ws_handshake\": 1} and .status == {\"401\": 1}"
jcheck "receive timeout: class timeout, reason says the condition" "$R" \
    "$(sc short) | .errors == {\"timeout\": 1} and (.error_examples.timeout | test(\"condition not met within 0.3s\"))"

# --- the testbed drops every connection mid-job: reconnects until completed -------------
timeout 60 "$SURGE_BIN" run "$P" --target "$TB_DROP" --scenario follow -o "$T_DIR/o1" -q >/dev/null 2>&1
jcheck "--ws-drop-rate 1 without reconnect: ws_closed 1006 for both" "$T_DIR/o1/results.json" \
    "$(sc follow) | .errors == {\"ws_closed\": 2} and .iterations_failed == 2"
cat >"$T_DIR/rc.yaml" <<YAML
$(sed -n '/^target/,/^scenarios:/p' "$P")
  - {name: reconnect, flow: reconnect, executor: per-vu-iterations, vus: 2, iterations: 1}
YAML
timeout 60 "$SURGE_BIN" run "$T_DIR/rc.yaml" --target "$TB_DROP" -o "$T_DIR/o2" -q >/dev/null 2>&1
R2=$T_DIR/o2/results.json
jcheck "dropped mid-job: reconnects and completes (both iterations ok)" "$R2" \
    "$(sc reconnect) | .iterations_failed == 0 and ($(step progress) | .failed == 0 and .status == {\"101\": 2})"
# each connection lives for 2 messages then the 50 ms backoff: several per job
jcheck "dropped mid-job: the reconnects are counted (>= 4) and each ran resume_check" "$R2" \
    "$(sc reconnect) | ($(step progress) | .ws.reconnects) as \$n | \$n >= 4 and .status[\"200\"] == \$n and ($(step progress) | .ws.opened == \$n + 2)"

# --- invalid frames from the server: ws_protocol, no crash -------------------------------
for k in masked opcode rsv control close_code utf8; do
    cat >"$T_DIR/bad.$k.yaml" <<YAML
$(sed -n '/^target/,/^scenarios:/p' "$P")
  - {name: bad, flow: bad, executor: per-vu-iterations, vus: 1, iterations: 2}
YAML
    timeout 30 "$SURGE_BIN" run "$T_DIR/bad.$k.yaml" --target "$TB1" --var "kind=$k" -q \
        -o "$T_DIR/b.$k" >/dev/null 2>&1
    rc=$?
    check "invalid frame '$k': surge exits 0 (no crash)" test $rc -eq 0
    jcheck "invalid frame '$k': ws_protocol" "$T_DIR/b.$k/results.json" \
        "$(sc bad) | .errors == {\"ws_protocol\": 2}"
done

# --- plan errors -------------------------------------------------------------------------
cat >"$T_DIR/e.yaml" <<'YAML'
target: http://127.0.0.1:1
flows:
  f:
    - ws: ws://x/y
    - ws: /a
      recieve: {until: "x == 1"}
    - ws: /b
      receive: {timeout: 1s}
      each_message: {extract: {h: {header: X}}}
      reconnect: {attempts: -1}
      drop_after: 0s
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
"$SURGE_BIN" validate "$T_DIR/e.yaml" >"$T_DIR/e.out" 2>&1
check "bad plan: exit 2" test $? -eq 2
check "bad plan: ws not a path at 4:11" grep -q "e.yaml:4:11: ws: 'ws://x/y' is not a path" "$T_DIR/e.out"
check "bad plan: a typo'd key is named" grep -q "e.yaml:6:7: .*recieve.*receive" "$T_DIR/e.out"
check "bad plan: receive needs until" grep -q "e.yaml:8:16: receive: needs until" "$T_DIR/e.out"
check "bad plan: a message has no headers" grep -q "e.yaml:9:32: each_message extract: 'h' takes json: or regex:" "$T_DIR/e.out"
check "bad plan: attempts range" grep -q "e.yaml:10:29: reconnect attempts" "$T_DIR/e.out"
check "bad plan: drop_after > 0" grep -q "e.yaml:11:19: drop_after: must be more than 0s" "$T_DIR/e.out"

# --- examples/generation-ws.yaml at 1/100 --------------------------------------------------
EX=examples/generation-ws.yaml
timeout 60 "$SURGE_BIN" run "$EX" --target "$TB1" --time-scale 0.01 -o "$T_DIR/ex" -q >/dev/null 2>&1
check "generation-ws example: run exits 0 (criteria pass)" test $? -eq 0
jcheck "generation-ws example: 6 followed generations, 2 with a drop, all complete; 2 reconnects" \
    "$T_DIR/ex/results.json" \
    ".verdict == \"pass\" and ($(sc follow) | .iterations == 6 and .iterations_failed == 0)
     and ($(sc disconnect) | .iterations == 2 and .iterations_failed == 0 and .ws.reconnects == 2)"
