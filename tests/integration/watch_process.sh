# watch_process.sh — the process source on real processes: the testbed's RSS, CPU, threads
# and fds under load (--watch-pid), a process tree (a shell with two python children
# holding 40 MiB each) summed, a leaking jobs testbed (--leak-per-job) showing a growth
# rate far above a non-leaking one, and a dead pid / unreadable pid_file marked
# unavailable with the run unaffected. ~40 s.
source "$(dirname "$0")/../lib/harness.sh"

# --- one pid under load ---
start_testbed
timeout 60 "$SURGE_BIN" -c 8 -d 3s --watch-pid "$TB_PID" --watch-interval 500ms \
    --watch-baseline 1s --json "$T_DIR/pid.json" "$TB_URL/echo" >"$T_DIR/pid.out" 2>&1
check "watch-pid: exit 0" test $? -eq 0
F=$T_DIR/pid.json
jcheck "watch-pid: process source ok" "$F" '.watch.sources[] | select(.name=="process") | .status == "ok"'
RSS_PROC=$(awk '/VmRSS/ {print $2 * 1024}' "/proc/$TB_PID/status")
jcheck "watch-pid: RSS matches /proc (within 50%)" "$F" \
    "(.watch.metrics[] | select(.name==\"process.rss_bytes\") | .last) as \$r | \$r > $RSS_PROC * 0.5 and \$r < $RSS_PROC * 1.5"
jcheck "watch-pid: CPU busy under load (peak > 10 %)" "$F" \
    '.watch.metrics[] | select(.name=="process.cpu_pct") | .max > 10'
jcheck "watch-pid: CPU idle in the baseline (< 10 %)" "$F" \
    '.watch.metrics[] | select(.name=="process.cpu_pct") | .baseline < 10'
jcheck "watch-pid: threads and fds read" "$F" \
    '[.watch.metrics[] | select(.name=="process.threads" or .name=="process.fds") | .max >= 1] == [true, true]'
jcheck "watch-pid: baseline samples have negative t, load ones positive" "$F" \
    '(.watch.metrics[] | select(.name=="process.rss_bytes") | .series) as $s | ($s[0][0] < 0) and ($s[-1][0] > 1)'
jcheck "watch-pid: per-scenario figures" "$F" '.scenarios[0].watch["process.rss_bytes"].max > 0'
check "watch-pid: summary resource line" grep -qE 'memory: baseline .*peak .*CPU avg' "$T_DIR/pid.out"

# --- a process tree: a shell with two python children holding 40 MiB each ---
python3 - <<'PY' &
import os, subprocess, sys, time
kids = [subprocess.Popen([sys.executable, "-c",
        "import time; x = b'\\x01' * (40 << 20); time.sleep(60)"]) for _ in range(2)]
time.sleep(60)
PY
TREE_PID=$!
T_PIDS+=("$TREE_PID")
sleep 1.5
timeout 60 "$SURGE_BIN" -c 2 -d 2s --watch-pid "$TREE_PID" --watch-interval 500ms \
    --watch-baseline 0 --json "$T_DIR/tree.json" "$TB_URL/echo" >"$T_DIR/tree.out" 2>&1
check "tree: exit 0" test $? -eq 0
jcheck "tree: three processes counted" "$T_DIR/tree.json" \
    '.watch.metrics[] | select(.name=="process.count") | .last == 3'
jcheck "tree: RSS summed over the children (> 80 MiB)" "$T_DIR/tree.json" \
    '.watch.metrics[] | select(.name=="process.rss_bytes") | .last > 80 * 1048576'
pkill -P "$TREE_PID" 2>/dev/null; kill "$TREE_PID" 2>/dev/null

# --- growth: a leaking jobs testbed vs one that does not leak ---
leak_run() { # NAME LEAK
    start_testbed --profile jobs --time-scale 0.01 --job-jitter 0 --gpu-slots 16 \
        --job-mem 1MB --leak-per-job "$2"
    timeout 60 "$SURGE_BIN" -c 4 -R 12 -d 8s -m POST --body x --watch-pid "$TB_PID" \
        --watch-interval 250ms --watch-baseline 1s --json "$T_DIR/$1.json" \
        "$TB_URL/api/generate" >"$T_DIR/$1.out" 2>&1
    check "growth $1: exit 0" test $? -eq 0
    kill "$TB_PID"
}
leak_run leak 4MB
leak_run noleak 0
LEAK=$(jq '.watch.metrics[] | select(.name=="process.rss_bytes") | .growth.per_h' "$T_DIR/leak.json")
NOLEAK=$(jq '.watch.metrics[] | select(.name=="process.rss_bytes") | .growth.per_h' "$T_DIR/noleak.json")
echo "    growth: leak ${LEAK} B/h, no leak ${NOLEAK} B/h"
jcheck "growth: a leak of 4 MB/job grows > 10 GB/h with a good fit" "$T_DIR/leak.json" \
    '.watch.metrics[] | select(.name=="process.rss_bytes") | .growth.per_h > 1e10 and .growth.r2 > 0.8 and .growth.pct_per_h > 0'
jcheck "growth: no leak grows < 1/20 of that" "$T_DIR/noleak.json" \
    "(.watch.metrics[] | select(.name==\"process.rss_bytes\") | .growth.per_h) as \$g | (\$g | fabs) * 20 < $LEAK"
jcheck "growth: per-scenario growth present" "$T_DIR/leak.json" \
    '.scenarios[0].watch["process.rss_bytes"].growth.per_h > 1e10'

# --- bad input: a dead pid, a pid_file that cannot be read ---
start_testbed # the load's target again (the jobs testbeds are stopped)
/bin/true & DEAD=$!; wait $DEAD # (a pid that has exited)
timeout 30 "$SURGE_BIN" -c 2 -d 1s --watch-pid "$DEAD" --watch-baseline 0 \
    --json "$T_DIR/dead.json" "$TB_URL/echo" >"$T_DIR/dead.out" 2>&1
check "dead pid: exit 0" test $? -eq 0
check "dead pid: one warning line" test "$(grep -c "warning: watch process: pid $DEAD" "$T_DIR/dead.out")" -eq 1
jcheck "dead pid: unavailable with its reason" "$T_DIR/dead.json" \
    '.watch.sources[0] | .status == "unavailable" and (.reason | test("no such process"))'
jcheck "dead pid: the load ran" "$T_DIR/dead.json" '.scenarios[0].requests > 0 and .scenarios[0].failed == 0'
cat >"$T_DIR/pf.yaml" <<YAML
target: $TB_URL
watch: {interval: 250ms, baseline: 0s, process: {pid_file: $T_DIR/no-such.pid}}
flows: {f: [{get: /echo}]}
scenarios: [{name: s, flow: f, executor: constant-vus, vus: 1, duration: 1s}]
YAML
timeout 30 "$SURGE_BIN" run "$T_DIR/pf.yaml" -o "$T_DIR/pf" >"$T_DIR/pf.out" 2>&1
check "pid_file unreadable: exit 0" test $? -eq 0
jcheck "pid_file unreadable: unavailable with its reason" "$T_DIR/pf/results.json" \
    '.watch.sources[0] | .status == "unavailable" and (.reason | test("no-such.pid"))'

# --- an unreachable metrics URL and health URL: warnings, the run unaffected ---
DOWN=http://127.0.0.1:$(free_port)
timeout 30 "$SURGE_BIN" -c 2 -d 1s --watch-prom "$DOWN/metrics" --health "$DOWN/health" \
    --watch-interval 250ms --watch-baseline 0 --json "$T_DIR/down.json" "$TB_URL/echo" \
    >"$T_DIR/down.out" 2>&1
check "unreachable: exit 0" test $? -eq 0
check "unreachable: one warning for the metrics URL" \
    test "$(grep -c 'warning: watch prometheus: .*refused' "$T_DIR/down.out")" -eq 1
jcheck "unreachable: prometheus unavailable with its reason" "$T_DIR/down.json" \
    '.watch.sources[] | select(.kind=="prometheus") | .status == "unavailable" and (.reason | test("refused"))'
jcheck "unreachable: health down all along (uptime 0, one open outage)" "$T_DIR/down.json" \
    '.watch.health | .uptime_pct == 0 and (.outages | length == 1) and .outages[0].open'
jcheck "unreachable: the load ran" "$T_DIR/down.json" '.scenarios[0].requests > 0 and .scenarios[0].failed == 0'

# --- series.ndjson carries the watch on the run's clock: the baseline window as lines with
# a negative t_run and no scenarios, then every second of load with the watched values ---
cat >"$T_DIR/nd.yaml" <<YAML
target: $TB_URL
watch: {interval: 250ms, baseline: 2s, process: {pid: $TB_PID}}
flows: {f: [{get: /echo}]}
scenarios: [{name: s, flow: f, executor: constant-vus, vus: 1, duration: 2s}]
YAML
timeout 30 "$SURGE_BIN" run "$T_DIR/nd.yaml" -o "$T_DIR/nd" -q >"$T_DIR/nd.out" 2>&1
check "ndjson watch: exit 0" test $? -eq 0
jq -s '.[1:]' "$T_DIR/nd/series.ndjson" >"$T_DIR/nd.lines.json"
jcheck "ndjson watch: baseline lines t_run -2, -1 with the RSS and no scenarios" "$T_DIR/nd.lines.json" \
    '[.[] | select(.t_run < 0)] | map(.t_run) == [-2, -1] and
     all(.[]; select(.t_run < 0) | (.scenarios == null) and .watch["process.rss_bytes"] > 1000000)'
# (the last line is the partial second after load stopped: it may end before a sample)
jcheck "ndjson watch: every whole second of load has the scenario and the watched RSS" \
    "$T_DIR/nd.lines.json" '[.[] | select(.t_run >= 0)] | .[:-1] | length >= 2 and
     all(.[]; .scenarios.s.requests > 0 and .watch["process.rss_bytes"] > 1000000)'
