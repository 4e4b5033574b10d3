#!/usr/bin/env bash
# unreachable.sh — a target that refuses every connection: connects back off (1 ms
# doubling to 1 s per connection) instead of spinning, --abort-unreachable stops the
# run with exit 3 (results still written, interrupted_by "unreachable"), in quick mode
# and in a plan; a target that comes up during the run is reached and not aborted.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh
S=$SURGE_BIN
J=$T_DIR/r.json

# Connect attempts one connection makes in T ms against a refusing port: one at 0,
# then one after each wait of 1, 2, 4, ... 512 ms (10 waits, 1023 ms in all), then one
# a second. For the abort's 2 s plus the watchdog's 100 ms: 1 + 10 + 1 = 12, so
# attempts_bound 2100 = 13 leaves one for an attempt in flight at the stop.
attempts_bound() {
    local t=$1 n=1 wait=1 at=0
    while :; do
        at=$((at + wait))
        [ "$at" -le "$t" ] || break
        n=$((n + 1))
        wait=$((wait * 2))
        [ "$wait" -le 1000 ] || wait=1000
    done
    echo $((n + 1))
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

DEAD_PORT=$(free_port)
DEAD=http://127.0.0.1:$DEAD_PORT/

# --- quick mode: exit 3 within the abort time, a bounded number of connects ---------------
B2=$(attempts_bound 2100)
t0=$(now_ms)
"$S" -q -c 10 -t 2 -d 60s --abort-unreachable 2s --json "$J" "$DEAD" 2>"$T_DIR/q.err"
rc=$?
ms=$(($(now_ms) - t0))
check quick_abort_exit3 test "$rc" -eq 3
# 2 s from the first refusal, checked every 100 ms; a loaded 2-core machine gets 2 s more
check quick_abort_in_time sh -c "[ $ms -ge 1900 ] && [ $ms -le 4500 ]"
check quick_abort_message grep -qE "stopped: target $DEAD unreachable.*2s.*refused" "$T_DIR/q.err"
check quick_abort_one_line test "$(wc -l <"$T_DIR/q.err")" -eq 1
jcheck quick_abort_results "$J" '.schema == "surge.results/2" and .interrupted == true and .interrupted_by == "unreachable" and .target == "'"$DEAD"'"'
# at most B2 attempts per connection (13), at least half of the 12 a connection makes
jcheck quick_abort_bounded "$J" ".scenarios[0] | .requests <= 10 * $B2 and .requests >= 60 and .errors == {\"connect_refused\": .requests} and .connects == .requests"
jcheck quick_abort_series_refused "$J" '.scenarios[0] | ([.series[].refused] | add) == .requests and .series[0].refused >= 10'

# --- backoff alone: a 3 s run makes a few hundred connects at most, not ~100k/s ------------
B3=$(attempts_bound 3000)
"$S" -q -c 10 -t 2 -d 3s --abort-unreachable 0 --json "$J" "$DEAD"
check backoff_no_abort_exit0 test $? -eq 0
jcheck backoff_bounded "$J" ".interrupted == false and (.scenarios[0] | .requests <= 10 * $B3 and .requests >= 60)"
# after the first second each connection tries once a second
jcheck backoff_one_per_second "$J" '.scenarios[0].series | map(select(.t >= 1 and .t < 3) | .refused) | all(. >= 5 and . <= 25)'

# --- a target that comes up 1 s into the run is reached: no abort --------------------------
LATE_PORT=$(free_port)
(sleep 1 && exec "$TESTBED_BIN" --listen "127.0.0.1:$LATE_PORT" >"$T_DIR/late.log" 2>&1) &
T_PIDS+=($!)
# abort 3 s > the 1 s late start + 1 s of backoff at most before the next attempt
"$S" -q -c 4 -t 2 -d 4s --abort-unreachable 3s --json "$J" "http://127.0.0.1:$LATE_PORT/echo" 2>"$T_DIR/late.err"
rc=$?
check late_target_exit0 test "$rc" -eq 0
check late_target_no_message test ! -s "$T_DIR/late.err"
jcheck late_target_reached "$J" '.interrupted == false and (has("interrupted_by") | not) and .scenarios[0].status["200"] > 100 and .scenarios[0].errors.connect_refused > 0'
jcheck late_target_series "$J" '.scenarios[0].series | (.[0].refused > 0) and (.[-2].requests > 0) and (.[-2].refused == 0)'

# --- a plan: the same, with surge run -------------------------------------------------------
P=$T_DIR/dead.yaml
cat >"$P" <<YAML
target: $DEAD
flows:
  f:
    - {name: home, get: /}
scenarios:
  - {name: steady, flow: f, executor: constant-vus, vus: 10, duration: 60s}
YAML
t0=$(now_ms)
"$S" run "$P" -q -t 2 -o "$T_DIR/out" --abort-unreachable 2s 2>"$T_DIR/p.err"
rc=$?
ms=$(($(now_ms) - t0))
R=$T_DIR/out/results.json
check plan_abort_exit3 test "$rc" -eq 3
check plan_abort_in_time sh -c "[ $ms -ge 1900 ] && [ $ms -le 4500 ]"
check plan_abort_message grep -qE "stopped: target ${DEAD%/}/? unreachable.*refused" "$T_DIR/p.err"
jcheck plan_abort_results "$R" '.interrupted == true and .interrupted_by == "unreachable"'
jcheck plan_abort_bounded "$R" ".scenarios[0] | .requests <= 10 * $B2 and .requests >= 60 and .errors == {\"connect_refused\": .requests} and .iterations_failed == .iterations"

# an arrival rate against it: its VUs wait out their backoff, so the due iterations
# are dropped (and say so), not turned into a connect storm
cat >"$P" <<YAML
target: $DEAD
flows:
  f:
    - {name: home, get: /}
scenarios:
  - {name: rate, flow: f, executor: constant-arrival-rate, rate: 500, duration: 3s, max_vus: 10}
YAML
"$S" run "$P" -t 2 -o "$T_DIR/out2" --abort-unreachable 0 >"$T_DIR/p2.out" 2>"$T_DIR/p2.err"
check plan_rate_exit0 test $? -eq 0
R=$T_DIR/out2/results.json
jcheck plan_rate_bounded "$R" ".scenarios[0] | .requests <= 10 * $B3 and .dropped >= 1000 and ([.series[].dropped] | add) == .dropped"
check plan_rate_live_line grep -qE "dropped [0-9]+  refused [0-9]+" "$T_DIR/p2.err"
check plan_rate_summary grep -qE "Success: +0\.00% of started .*, [0-9]+ iterations dropped \([0-9]+%\)" "$T_DIR/p2.out"

# a bad value names the flag
"$S" run "$P" --abort-unreachable soon >/dev/null 2>"$T_DIR/bad.err"
check plan_bad_flag sh -c "[ $? -eq 2 ] && grep -q -- '--abort-unreachable' '$T_DIR/bad.err'"
