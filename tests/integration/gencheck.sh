#!/usr/bin/env bash
# gencheck.sh — surge's self-check: a light run reports its CPU, loop lag and schedule lag
# per second and is not flagged; a run whose loops are frozen (SIGSTOP 400 ms of every
# second: a generator starved of CPU) is flagged saturated in the summary, the live view,
# results.json and series.ndjson; with on_saturation: abort (plan) / --on-saturation abort
# (quick) such a run stops with interrupted_by "saturated" and exit 3.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed

# stop the process 400 ms of every second, n times, starting after 0.5 s
freeze() {
    local pid=$1 n=$2
    sleep 0.5
    for ((i = 0; i < n; i++)); do
        kill -STOP "$pid" 2>/dev/null || return 0
        sleep 0.4
        kill -CONT "$pid" 2>/dev/null || return 0
        sleep 0.6
    done
}

# a light open-model run: 40 req/s on one thread
timeout 30 "$SURGE_BIN" -t1 -c2 -R 40 -d 3s --json "$T_DIR/light.json" "$TB_URL/echo" \
    >"$T_DIR/light.txt" 2>&1
check light_exit0 test $? -eq 0
L=$T_DIR/light.json
jcheck light_not_saturated "$L" '.generator.saturated == false and .generator.saturated_from_s == null'
jcheck light_cpu "$L" '.generator.cpu_pct >= 0 and .generator.cpu_pct < 90 and .generator.threads == 1'
jcheck light_series "$L" '(.generator.series | length) >= 3 and (.generator.series | map(.t_run) == [range(length)]) and all(.generator.series[]; has("cpu_pct") and has("loop_lag_ms") and (.saturated | type) == "boolean")'
jcheck light_schedule_lag "$L" '.generator.schedule_lag_ms.count >= .scenarios[0].requests and .generator.schedule_lag_ms.count <= .scenarios[0].requests + 2 and .generator.schedule_lag_ms.p50 <= .generator.schedule_lag_ms.p99 and .generator.schedule_lag_ms.p99 <= .generator.schedule_lag_ms.max and .generator.schedule_lag_ms.max < 1000'
check light_no_warning bash -c "! grep -q saturated '$T_DIR/light.txt'"

# frozen 400 ms a second for 4 s: flagged, and the run still completes (warn)
"$SURGE_BIN" -t1 -c2 -R 50 -d 5s --json "$T_DIR/stall.json" "$TB_URL/echo" >"$T_DIR/stall.txt" 2>&1 &
pid=$!
freeze $pid 4
wait $pid
check stall_exit0 test $? -eq 0
S=$T_DIR/stall.json
jcheck stall_saturated "$S" '.generator.saturated == true and .generator.saturated_from_s <= 2 and .generator.loop_lag_ms >= 200 and .interrupted == false'
jcheck stall_series_hot "$S" '[.generator.series[] | select(.saturated)] | length >= 3'
check stall_summary grep -qE "surge was saturated from 00:0[0-2]; results past that point understate the service" "$T_DIR/stall.txt"

# quick --on-saturation abort: stopped early, exit 3, interrupted_by saturated
"$SURGE_BIN" -t1 -c2 -R 50 -d 20s --on-saturation abort --json "$T_DIR/abort.json" "$TB_URL/echo" \
    >"$T_DIR/abort.txt" 2>&1 &
pid=$!
freeze $pid 8
wait $pid
check quick_abort_exit3 test $? -eq 3
jcheck quick_abort_doc "$T_DIR/abort.json" '.interrupted == true and .interrupted_by == "saturated" and .duration_s < 15'
# --quiet: nothing on stderr as it happens, the document still says it
"$SURGE_BIN" -q -t1 -c2 -R 50 -d 5s --json "$T_DIR/quiet.json" "$TB_URL/echo" >"$T_DIR/quiet.out" 2>"$T_DIR/quiet.err" &
pid=$!
freeze $pid 4
wait $pid
check quiet_exit0 test $? -eq 0
check quiet_no_stderr test ! -s "$T_DIR/quiet.err"
jcheck quiet_saturated_in_doc "$T_DIR/quiet.json" '.generator.saturated == true'
check quick_abort_bad_value bash -c "'$SURGE_BIN' --on-saturation maybe -d 1s '$TB_URL/echo' >/dev/null 2>'$T_DIR/bad.txt'; test \$? -eq 2 && grep -q 'on-saturation' '$T_DIR/bad.txt'"

# a plan with on_saturation: abort, frozen: exit 3; series.ndjson lines carry "generator"
P=$T_DIR/sat.yaml
cat >"$P" <<YAML
target: $TB_URL
on_saturation: abort
flows:
  f:
    - {name: echo, get: /echo}
scenarios:
  - {name: open, flow: f, executor: constant-arrival-rate, rate: 50, duration: 20s, max_vus: 10}
YAML
"$SURGE_BIN" run "$P" -t 1 -o "$T_DIR/out" >"$T_DIR/plan.txt" 2>&1 &
pid=$!
freeze $pid 8
wait $pid
check plan_abort_exit3 test $? -eq 3
R=$T_DIR/out/results.json
jcheck plan_abort_doc "$R" '.interrupted == true and .interrupted_by == "saturated" and .generator.saturated == true and .generator.schedule_lag_ms.count > 0'
check plan_live_note grep -q "surge was saturated from" "$T_DIR/plan.txt"
check plan_ndjson_generator bash -c "grep '\"t_run\": *[0-9]' '$T_DIR/out/series.ndjson' | head -3 | jq -e '.generator.cpu_pct >= 0 and (.generator.saturated | type) == \"boolean\"' >/dev/null"
check report_md_saturated grep -q "surge was saturated from" "$T_DIR/out/report.md"

# a bad on_saturation value: FILE:LINE:COL and exit 2
printf 'target: %s\non_saturation: sometimes\nflows:\n  f:\n    - {get: /echo}\nscenarios:\n  - {name: a, flow: f, executor: constant-vus, vus: 1, duration: 1s}\n' "$TB_URL" >"$T_DIR/bad.yaml"
"$SURGE_BIN" run "$T_DIR/bad.yaml" -o "$T_DIR/badout" >"$T_DIR/badplan.txt" 2>&1
check plan_bad_exit2 test $? -eq 2
check plan_bad_place grep -q "bad.yaml:2:16: on_saturation: 'sometimes' is not warn or abort" "$T_DIR/badplan.txt"
