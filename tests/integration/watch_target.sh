# watch_target.sh — target: {command} lifecycle: surge starts the testbed (its own process
# group, log in OUT/target.log), waits for ready, watches it (process source by default),
# restarts it at restart_at, stops it at the end; a readiness deadline exits 3 with the
# log's last lines; a target that dies on its own is an exit event and an outage, the run
# goes on (continue) or stops with exit 3 (abort); validate errors. ~30 s.
source "$(dirname "$0")/../lib/harness.sh"
TB=$(cd "$(dirname "$TESTBED_BIN")" && pwd)/$(basename "$TESTBED_BIN")

# --- start, ready, restart_at, stop ---
PORT=$(free_port)
cat >"$T_DIR/life.yaml" <<YAML
target:
  url: http://127.0.0.1:$PORT
  command: [$TB, --listen, "127.0.0.1:$PORT"]
  env: {SURGE_TEST_MARK: "life-$PORT"}
  ready: /health
  ready_timeout: 10s
  stop_grace: 2s
watch: {interval: 250ms, baseline: 1s}
flows: {f: [{get: /echo}]}
scenarios:
  - {name: s, flow: f, executor: constant-vus, vus: 2, duration: 5s, restart_at: 2s}
YAML
check "lifecycle: validate" "$SURGE_BIN" validate "$T_DIR/life.yaml"
timeout 60 "$SURGE_BIN" run "$T_DIR/life.yaml" -o "$T_DIR/life" >"$T_DIR/life.out" 2>&1
check "lifecycle: exit 0" test $? -eq 0
F=$T_DIR/life/results.json
jcheck "lifecycle: events start ready restart start ready stop" "$F" \
    '[.watch.target.events[].kind] == ["start","ready","restart","start","ready","stop"]'
jcheck "lifecycle: started before load (t < 0), restart at ~2 s" "$F" \
    '.watch.target.events as $e | $e[0].t < 0 and $e[1].t < 0 and ($e[2].t > 1.5 and $e[2].t < 3.5)'
jcheck "lifecycle: scenario restart_at_s" "$F" '.scenarios[0].restart_at_s > 1.5 and .scenarios[0].restart_at_s < 3.5'
jcheck "lifecycle: the target's process watched by default" "$F" \
    '.watch.metrics[] | select(.name=="process.rss_bytes") | .max > 100000'
jcheck "lifecycle: health probes the ready URL by default" "$F" \
    '.watch.health.url | test("/health$")'
jcheck "lifecycle: stopped by SIGTERM (status 143) or exited 0" "$F" \
    '.watch.target.events[-1].status == 143 or .watch.target.events[-1].status == 0'
jcheck "lifecycle: requests answered across the restart" "$F" '.scenarios[0].requests > 100'
check "lifecycle: target.log written" test -s "$T_DIR/life/target.log"
check "lifecycle: the target is gone after the run" \
    bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null"
check "lifecycle: summary names the restart" grep -q 'target: restart at' "$T_DIR/life.out"

# --- readiness deadline ---
PORT2=$(free_port)
cat >"$T_DIR/slow.yaml" <<YAML
target:
  url: http://127.0.0.1:$PORT2
  command: "echo starting-slowly; exec sleep 37.25"
  ready: /health
  ready_timeout: 1s
flows: {f: [{get: /echo}]}
scenarios: [{name: s, flow: f, executor: constant-vus, vus: 1, duration: 1s}]
YAML
START=$(date +%s)
timeout 60 "$SURGE_BIN" run "$T_DIR/slow.yaml" -o "$T_DIR/slow" >"$T_DIR/slow.out" 2>&1
RC=$?
check "ready timeout: exit 3" test "$RC" -eq 3
check "ready timeout: says so with the log's last lines" \
    grep -qE 'not ready after 1s.*' "$T_DIR/slow.out"
check "ready timeout: the log's lines shown" grep -q 'starting-slowly' "$T_DIR/slow.out"
check "ready timeout: within 15 s" test $(( $(date +%s) - START )) -lt 15
sleep 0.3
check "ready timeout: the command was stopped" bash -c "! pgrep -f 'slee[p] 37.25' >/dev/null"

# --- death: continue, then abort ---
death_plan() { # FILE PORT ON_EXIT
    cat >"$1" <<YAML
target:
  url: http://127.0.0.1:$2
  command: "echo \$\$ > $T_DIR/pid.$2; exec $TB --listen 127.0.0.1:$2"
  ready: /health
  on_target_exit: $3
watch: {interval: 250ms, baseline: 500ms}
flows: {f: [{get: /echo}]}
scenarios: [{name: s, flow: f, executor: constant-vus, vus: 1, duration: 4s}]
YAML
}
PORT3=$(free_port)
death_plan "$T_DIR/cont.yaml" "$PORT3" continue
( sleep 2; kill -KILL "$(cat "$T_DIR/pid.$PORT3")" ) & BG=$!
timeout 60 "$SURGE_BIN" run "$T_DIR/cont.yaml" -o "$T_DIR/cont" >"$T_DIR/cont.out" 2>&1
check "death continue: exit 0" test $? -eq 0
wait "$BG"
F=$T_DIR/cont/results.json
jcheck "death continue: an exit event with status 137" "$F" \
    '[.watch.target.events[] | select(.kind=="exit")][0].status == 137'
jcheck "death continue: an outage after it" "$F" \
    '.watch.health.outages | length >= 1 and .[-1].open == true'
jcheck "death continue: the run went on to its end" "$F" '.scenarios[0].duration_s > 3.5 and .interrupted == false'
check "death continue: warning printed" grep -q 'target exited on its own with status 137' "$T_DIR/cont.out"

PORT4=$(free_port)
death_plan "$T_DIR/abort.yaml" "$PORT4" abort
( sleep 2; kill -KILL "$(cat "$T_DIR/pid.$PORT4")" ) & BG=$!
timeout 60 "$SURGE_BIN" run "$T_DIR/abort.yaml" -o "$T_DIR/abort" >"$T_DIR/abort.out" 2>&1
check "death abort: exit 3" test $? -eq 3
wait "$BG"
F=$T_DIR/abort/results.json
jcheck "death abort: interrupted_by abort, stopped early" "$F" \
    '.interrupted == true and .interrupted_by == "target_exit" and .scenarios[0].duration_s < 3.8'

# --- plan errors: exit 2 with FILE:LINE:COL ---
cat >"$T_DIR/bad.yaml" <<YAML
target:
  url: http://127.0.0.1:1
  command: "true"
  on_target_exit: explode
watch:
  interval: fast
  health: {path: /health, url: http://127.0.0.1:1/health}
  logs: [{file: x.log, match: {bad: "(unclosed"}}]
  gpu: maybe
  procezz: {pid: 1}
flows: {f: [{get: /echo}]}
scenarios: [{name: s, flow: f, executor: constant-vus, vus: 1, duration: 1s, restart_at: soon}]
YAML
"$SURGE_BIN" validate "$T_DIR/bad.yaml" >"$T_DIR/bad.out" 2>&1
check "plan errors: exit 2" test $? -eq 2
for pat in ':4:19: target.on_target_exit' ':6:13: watch.interval' ':7:11: watch.health: give one of' \
           ':8:38: watch.logs.match.bad: bad regex' ':9:8: watch.gpu' ":10:3: unknown key 'procezz'" \
           ':12:90: restart_at: bad duration'; do
    check "plan errors: $pat" grep -qF -- "$pat" "$T_DIR/bad.out"
done
cat >"$T_DIR/norestart.yaml" <<YAML
target: http://127.0.0.1:1
flows: {f: [{get: /echo}]}
scenarios: [{name: s, flow: f, executor: constant-vus, vus: 1, duration: 1s, restart_at: 1s}]
YAML
"$SURGE_BIN" validate "$T_DIR/norestart.yaml" >"$T_DIR/norestart.out" 2>&1
check "restart_at without a command: exit 2" test $? -eq 2
check "restart_at without a command: says why" grep -q 'restart_at: needs a target surge starts' "$T_DIR/norestart.out"
cat >"$T_DIR/sel.yaml" <<YAML
target: http://127.0.0.1:1
watch:
  prometheus: {url: /metrics, metrics: ['foo{a=b}']}
flows: {f: [{get: /}]}
scenarios: [{name: s, flow: f, executor: constant-vus, vus: 1, duration: 1s}]
YAML
"$SURGE_BIN" validate "$T_DIR/sel.yaml" >"$T_DIR/sel.out" 2>&1
check "bad selector: validate exits 2" test $? -eq 2
check "bad selector: FILE:LINE:COL of the prometheus section" grep -q 'sel.yaml:3:15: watch.prometheus: ' "$T_DIR/sel.out"
"$SURGE_BIN" run "$T_DIR/sel.yaml" -o "$T_DIR/sel" >"$T_DIR/sel.out" 2>&1
check "bad selector: run exits 2 before any load" test $? -eq 2
