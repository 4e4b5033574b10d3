# judge_exit.sh — criteria end in the exit status, the same in quick mode and plans: 0 met
# (or none), 1 a criterion failed, 2 a bad criterion (named with its place), 3 results
# that cannot be written, 130 on SIGINT with the criteria still judged; results.json holds
# criteria[] and verdict.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed

Q=$T_DIR/q.json
"$SURGE_BIN" -c 2 -t 1 -d 1s --criteria 'error_rate < 1%' --criteria 'p95(latency) < 10s' \
    --json "$Q" -q "$TB_URL/echo?delay_ms=5"
check "quick: criteria met: exit 0" test $? -eq 0
jcheck "quick: verdict pass, two criteria at target" "$Q" \
    '.verdict == "pass" and (.criteria | length) == 2 and all(.criteria[]; .tier == "target")
     and .criteria[1].unit == "s" and .criteria[1].value > 0.004 and .criteria[1].value < 10'

"$SURGE_BIN" -c 2 -t 1 -d 1s --criteria 'p95(latency) < 1ms' --criteria 'status(200) == 0' \
    --json "$Q" "$TB_URL/echo?delay_ms=5" >"$T_DIR/q.out"
check "quick: a criterion failed: exit 1" test $? -eq 1
jcheck "quick: failures with their margins" "$Q" \
    '.verdict == "fail" and .criteria[0].tier == "failure" and .criteria[0].unit == "ms"
     and .criteria[0].margin >= 4 and .criteria[1].margin == .criteria[1].value'
check "quick: the summary prints the criteria table" grep -q '^  FAIL failure    p95(latency) < 1ms' "$T_DIR/q.out"

"$SURGE_BIN" -d 1s --criteria 'p95(latency) < 5%' "$TB_URL/echo" 2>"$T_DIR/bad.err"
rc=$?
check "quick: a unit mismatch is bad input: exit 2 (got $rc)" test "$rc" -eq 2
check "quick: the message names the flag and column" \
    grep -qF "bad criterion 'p95(latency) < 5%' for --criteria: column 16: p95(latency) is a time" "$T_DIR/bad.err"

"$SURGE_BIN" -c 1 -t 1 -d 300ms --json "$T_DIR/no/such/dir/q.json" -q "$TB_URL/echo"
rc=$?
check "quick: --json cannot be written: exit 3 (got $rc)" test "$rc" -eq 3

P=$T_DIR/plan.yaml
cat >"$P" <<YAML
target: $TB_URL
flows:
  echo:
    - {name: hello, get: "/echo?delay_ms=5"}
scenarios:
  - name: steady
    flow: echo
    executor: constant-vus
    vus: 2
    duration: 1s
    criteria:
      - {name: p95 hello, expr: p95(hello), target: "< 1ms", acceptable: "< 10s"}
criteria:
  - error_rate < 1%
  - requests > 10
workload: {users: 2, rate: 10/s}
YAML
"$SURGE_BIN" run "$P" -o "$T_DIR/out" -q -t 1
check "run: target and acceptable tiers: exit 0" test $? -eq 0
R=$T_DIR/out/results.json
jcheck "run: per-scenario tiered criterion is acceptable, run-wide ones at target" "$R" \
    '.verdict == "pass" and .criteria[0].scenario == null and .criteria[0].tier == "target"
     and .criteria[2].scenario == "steady" and .criteria[2].tier == "acceptable"
     and .criteria[2].acceptable == "< 10s" and .criteria[2].name == "p95 hello"
     and .workload.users == 2 and (.analysis.readiness | length) == 2'

sed -i 's/requests > 10/requests > 100000/' "$P"
"$SURGE_BIN" run "$P" -o "$T_DIR/out" -q -t 1
check "run: a failed criterion: exit 1" test $? -eq 1
jcheck "run: verdict fail" "$R" '.verdict == "fail" and .criteria[1].tier == "failure"'

sed -i 's/requests > 100000/requests > 5%/' "$P"
"$SURGE_BIN" validate "$P" 2>"$T_DIR/v.err"
rc=$?
check "validate: a unit mismatch: exit 2 (got $rc)" test "$rc" -eq 2
check "validate: FILE:LINE:COL names the value" \
    grep -qF "plan.yaml:15:16: criteria: requests is a count (a bare number), not a percent figure ('%')" "$T_DIR/v.err"

sed -i 's/requests > 5%/requests > 1/' "$P"
mkdir -p "$T_DIR/out2/results.json/x"
"$SURGE_BIN" run "$P" -o "$T_DIR/out2" -q -t 1 2>"$T_DIR/w.err"
rc=$?
check "run: results.json cannot be written: exit 3 (got $rc)" test "$rc" -eq 3

# SIGINT: 130, and the criteria are judged on what had completed, marked interrupted
sed -i 's/duration: 1s/duration: 30s/' "$P"
"$SURGE_BIN" run "$P" -o "$T_DIR/out3" -q -t 1 &
pid=$!
sleep 1.5
kill -INT "$pid"
wait "$pid"
rc=$?
check "run: SIGINT: exit 130 (got $rc)" test "$rc" -eq 130
jcheck "run: criteria judged on the data so far, interrupted" "$T_DIR/out3/results.json" \
    '.interrupted == true and .interrupted_by == "SIGINT" and (.criteria | length) == 3
     and all(.criteria[]; .interrupted == true) and .criteria[0].tier == "target"'

# abort_on_fail: every request fails, the 2 s window fails at once: the 30 s run stops in a
# few seconds, exit 1, interrupted_by abort
cat >"$T_DIR/abort.yaml" <<YAML
target: $TB_URL
flows:
  bad:
    - {name: bad, get: "/echo?status=500"}
scenarios:
  - {name: failing, flow: bad, executor: constant-vus, vus: 2, duration: 30s}
criteria:
  - {expr: error_rate < 1%, abort_on_fail: true, window: 2s}
YAML
start=$(date +%s)
"$SURGE_BIN" run "$T_DIR/abort.yaml" -o "$T_DIR/out4" -q -t 1 2>"$T_DIR/abort.err"
rc=$? took=$(($(date +%s) - start))
check "abort_on_fail: exit 1 (got $rc)" test "$rc" -eq 1
check "abort_on_fail: stopped well before 30 s (took ${took}s)" test "$took" -lt 15
check "abort_on_fail: says why" grep -q 'stopped early: error_rate < 1% failed for 2 s (100% at' "$T_DIR/abort.err"
jcheck "abort_on_fail: interrupted_by abort, judged" "$T_DIR/out4/results.json" \
    '.interrupted == true and .interrupted_by == "abort" and .verdict == "fail"
     and .criteria[0].tier == "failure" and .scenarios[0].duration_s < 15'
