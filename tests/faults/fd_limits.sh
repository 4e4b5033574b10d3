#!/usr/bin/env bash
# fd_limits.sh — connections vs ulimit -n: refused before starting with one clear line
# (exit 2) when even the hard limit is too low, the soft limit raised when the hard one
# allows, and descriptors running out mid-run counted as fd_limit with one warning.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh
S=$SURGE_BIN
start_testbed

# --- quick mode: -c beyond the hard limit --------------------------------------------------
(ulimit -n 64 && exec "$S" -q -c 100 -d 1s "$TB_URL/echo") >"$T_DIR/q.out" 2>"$T_DIR/q.err"
rc=$?
check quick_over_hard_exit2 test "$rc" -eq 2
check quick_over_hard_one_line test "$(wc -l <"$T_DIR/q.err")" -eq 1
check quick_over_hard_names_flag grep -q -- '-c 100 needs about 164 file descriptors.*ulimit -n is 64.*lower -c' "$T_DIR/q.err"
check quick_over_hard_no_load test ! -s "$T_DIR/q.out"

# --- quick mode: the soft limit raised up to the hard one -----------------------------------
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 400 ]; then
    (ulimit -Sn 100 && exec "$S" -q -c 300 -n 3000 --json "$T_DIR/raise.json" "$TB_URL/echo") \
        2>"$T_DIR/raise.err"
    check quick_soft_raised_exit0 test $? -eq 0
    jcheck quick_soft_raised_all_ok "$T_DIR/raise.json" '.scenarios[0] | .requests == 3000 and .failed == 0 and .connects == 300'
    check quick_soft_raised_quiet test ! -s "$T_DIR/raise.err"
else
    echo "note: hard limit $(ulimit -Hn) < 400: the soft-limit raise is not tested"
fi

# --- a plan: its biggest scenario beyond the hard limit ---------------------------------------
cat >"$T_DIR/big.yaml" <<YAML
target: $TB_URL
flows: {f: [{name: get, get: /echo}]}
scenarios:
  - {name: small, flow: f, executor: constant-vus, vus: 2, duration: 1s}
  - {name: big, flow: f, executor: ramping-vus, start_vus: 0, stages: [{vus: 200, for: 1s}]}
YAML
(ulimit -n 128 && exec "$S" run "$T_DIR/big.yaml" -q -o "$T_DIR/big") >"$T_DIR/b.out" 2>"$T_DIR/b.err"
rc=$?
check plan_over_hard_exit2 test "$rc" -eq 2
check plan_over_hard_names_scenario grep -q "big.yaml: scenario 'big' (200 VUs.*264 file descriptors.*ulimit -n is 128" "$T_DIR/b.err"
check plan_over_hard_one_line test "$(wc -l <"$T_DIR/b.err")" -eq 1
check plan_over_hard_no_results test ! -e "$T_DIR/big/results.json"

# --- descriptors running out mid-run: three scenarios of 50 VUs at once under 128 ------------
cat >"$T_DIR/fd.yaml" <<YAML
target: $TB_URL
flows: {f: [{name: get, get: /echo, timeout: 2s}]}
scenarios:
  - {name: a, flow: f, executor: constant-vus, vus: 50, duration: 1s, start: 0s}
  - {name: b, flow: f, executor: constant-vus, vus: 50, duration: 1s, start: 0s}
  - {name: c, flow: f, executor: constant-vus, vus: 50, duration: 1s, start: 0s}
YAML
(ulimit -n 128 && exec timeout 20 "$S" run "$T_DIR/fd.yaml" -q -t 2 -o "$T_DIR/fd") >"$T_DIR/fd.out" 2>"$T_DIR/fd.err"
rc=$?
check emfile_run_exit0 test "$rc" -eq 0
jcheck emfile_counted_as_fd_limit "$T_DIR/fd/results.json" \
    '([.scenarios[].errors.fd_limit // 0] | add) > 0 and all(.scenarios[]; (.errors | keys) - ["fd_limit"] == []
      and .requests == ((.status | to_entries | map(.value) | add // 0) + (.errors | to_entries | map(.value) | add // 0)))'
jcheck emfile_example "$T_DIR/fd/results.json" '[.scenarios[].error_examples.fd_limit // empty] | .[0] | test("Too many open files")'
jcheck emfile_load_goes_on "$T_DIR/fd/results.json" '[.scenarios[].status["200"] // 0] | add > 1000'
check emfile_one_warning test "$(grep -c 'warning: out of file descriptors' "$T_DIR/fd.err")" -eq 1
check emfile_nothing_else_on_stderr test "$(wc -l <"$T_DIR/fd.err")" -eq 1
