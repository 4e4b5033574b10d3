#!/usr/bin/env bash
# plan_series.sh — honest numbers of a plan run: dropped arrival-rate iterations per
# second in the series (adding up to the scenario's dropped) and next to the success
# rate in the summary; vus_max is the peak of active VUs, vus_allocated the pool; each
# scenario's series starts at its own start (t from there, t_run from the run's start,
# start_s), with no block of empty seconds before a later scenario.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed

P=$T_DIR/series.yaml
cat >"$P" <<YAML
target: http://127.0.0.1:1
flows:
  slow:
    - {name: slow, get: "/echo?delay_ms=200"}
  fast:
    - {name: fast, get: /echo}
scenarios:
  # 2 VUs of 200 ms iterations serve 10/s of the 40/s due: ~30/s dropped
  - {name: starved, flow: slow, executor: constant-arrival-rate, rate: 40, duration: 2s, max_vus: 2}
  # a 20-VU pool for 10 quick iterations a second: one or two busy at a time
  - {name: pool, flow: fast, executor: constant-arrival-rate, rate: 10, duration: 2s, pre_allocated_vus: 20, max_vus: 20, start: 2s}
  - {name: later, flow: fast, executor: per-vu-iterations, vus: 2, iterations: 5, after: previous}
YAML
timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/out" -t 2 >"$T_DIR/out.txt" 2>"$T_DIR/err.txt"
check run_exit0 test $? -eq 0
R=$T_DIR/out/results.json
sc() { echo ".scenarios[] | select(.name == \"$1\")"; }

jcheck schema_2 "$R" '.schema == "surge.results/2" and .target == "'"$TB_URL"'" and .interrupted == false'

# dropped: per second, adding up to the scenario's figure
jcheck starved_dropped "$R" "$(sc starved) | .dropped >= 40 and .dropped <= 70 and .iterations + .dropped >= 76 and .iterations + .dropped <= 82"
jcheck starved_series_dropped_sum "$R" "$(sc starved) | ([.series[].dropped] | add) == .dropped"
jcheck starved_series_dropped_each "$R" "$(sc starved) | [.series[] | select(.span // 1 == 1) | .dropped] | .[0] >= 20 and all(. <= 40)"
jcheck pool_none_dropped "$R" "$(sc pool) | .dropped == 0 and ([.series[].dropped] | add) == 0"
jcheck refused_zero "$R" '[.scenarios[].series[].refused] | all(. == 0)'
# the summary says it next to the success rate
check summary_dropped grep -qE "Success: +100\.00% of started .*, [0-9]{2} iterations dropped \(([5-9][0-9])%\)" "$T_DIR/out.txt"
check live_line_dropped grep -qE "starved .*dropped [1-9][0-9]*" "$T_DIR/err.txt"

# vus_max: the peak of active VUs; vus_allocated: the pool
jcheck starved_vus "$R" "$(sc starved) | .vus_max == 2 and .vus_allocated == 2"
jcheck pool_vus "$R" "$(sc pool) | .vus_allocated == 20 and .vus_max >= 1 and .vus_max <= 4"
jcheck later_vus "$R" "$(sc later) | .vus_max == 2 and .vus_allocated == 2"
check summary_vus grep -qE "max VUs [1-4] \(20 allocated\)" "$T_DIR/out.txt"

# per-scenario series: t from the scenario's start, t_run from the run's
jcheck starved_series_start "$R" "$(sc starved) | .start_s < 0.5 and .series[0].t == 0 and .series[0].t_run == 0"
jcheck pool_start_s "$R" "$(sc pool) | .start_s >= 1.95 and .start_s <= 2.5"
jcheck pool_series_origin "$R" "$(sc pool) | .series[0].t == 0 and .series[0].t_run == 2 and .series[0].requests > 0"
jcheck pool_series_consecutive "$R" "$(sc pool) | .series | (map(.t) == [range(length)]) and all(.t_run == .t + 2)"
jcheck pool_series_ends "$R" "$(sc pool) | .series | length <= 3"
jcheck later_series_origin "$R" "$(sc later) | .start_s >= 3.9 and .series[0].t == 0 and (.series[0].t_run == (.start_s | floor)) and (.series | length) <= 2"
jcheck series_sums "$R" 'all(.scenarios[]; ([.series[].requests] | add) == .requests)'
