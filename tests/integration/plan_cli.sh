# plan_cli.sh — `surge validate` / `surge run` from the command line: bad plans exit 2 with
# FILE:LINE:COL at the fault; bad flags exit 2; SIGINT stops a run with 130 and still
# writes results.json; scenarios with the same `start` overlap; --var replaces a plan var
# (observed through the latency of /echo?delay_ms=${delay}). ~10 s.
source "$(dirname "$0")/../lib/harness.sh"
SURGE_BIN=$(realpath "$SURGE_BIN") TESTBED_BIN=$(realpath "$TESTBED_BIN")
cd "$T_DIR" || exit 1 # plan paths in messages are as given: short relative names

# bad PLAN-NAME EXPECTED-PREFIX LABEL — validate exits 2 and stderr has a line starting
# with the exact "FILE:LINE:COL: message" prefix.
bad() {
    "$SURGE_BIN" validate "$1" >"$1.out" 2>"$1.err"
    local rc=$?
    if [ "$rc" -eq 2 ] && awk -v p="$2" 'index($0, p) == 1 { f = 1 } END { exit !f }' "$1.err" &&
        [ ! -s "$1.out" ]; then
        pass "$3"
    else
        fail "$3" "rc=$rc, wanted a line starting '$2'; stderr: $(head -c 600 "$1.err")"
    fi
}

cat >ok.yaml <<'YAML'
target: http://127.0.0.1:1
flows:
  f:
    - {name: e, get: /echo}
scenarios:
  - {name: first, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: second, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
"$SURGE_BIN" validate ok.yaml >ok.out 2>&1
check "a good plan validates (exit 0)" test $? -eq 0
check "a good plan: the summary line" grep -qx "ok.yaml: valid: 2 scenarios, 1 flow" ok.out

# unknown top-level key, at its first column
cat >k1.yaml <<'YAML'
target: http://127.0.0.1:1
scenarioz: []
flows:
  f:
    - {name: e, get: /echo}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
bad k1.yaml "k1.yaml:2:1: unknown key 'scenarioz' in the plan (did you mean 'scenarios'?); valid keys: target," \
    "unknown top-level key: exit 2 at 2:1 with did-you-mean"

# a typo in a step key
cat >k2.yaml <<'YAML'
target: http://127.0.0.1:1
flows:
  f:
    - name: e
      get: /echo
      heders: {A: b}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
bad k2.yaml "k2.yaml:6:7: unknown key 'heders' in a request step (did you mean 'headers'?); valid keys: get," \
    "step key typo: exit 2 at 6:7 with did-you-mean"

# bad durations: a bare number (think) and an unknown unit (in a flow mapping, column 66);
# both are reported
cat >k3.yaml <<'YAML'
target: http://127.0.0.1:1
flows:
  f:
    - {name: e, get: /echo}
    - think: 10
scenarios:
  - {name: s, flow: f, executor: constant-vus, vus: 1, duration: 5x}
YAML
bad k3.yaml "k3.yaml:5:14: think: bad duration '10': use a duration (2s) or a range" \
    "bare-number think: exit 2 at 5:14"
bad k3.yaml "k3.yaml:7:66: duration: bad duration '5x': use a number with a unit" \
    "bad duration unit: reported too, at 7:66"
check "k3: exactly two error lines" test "$(wc -l <k3.yaml.err)" -eq 2

# an undefined variable inside a quoted template: the column is the variable's name inside
# the string (3 of "${nope}" at 38..44 -> 40; tests/unit/test_plan.c fixes this convention;
# docs/plan.md says "pointing at the \${", i.e. 38)
cat >k4.yaml <<'YAML'
target: http://127.0.0.1:1
vars:
  a: hello
flows:
  f:
    - {name: e, get: "/echo?x=${a}&y=${nope}"}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
bad k4.yaml "k4.yaml:6:40: get: undefined variable 'nope' (define it in vars:, with --var, or extract it" \
    "undefined variable: exit 2 at 6:40"
check "undefined variable: the defined one is not reported" test "$(wc -l <k4.yaml.err)" -eq 1

# an unknown flow, with did-you-mean
cat >k5.yaml <<'YAML'
target: http://127.0.0.1:1
flows:
  generate:
    - {name: e, get: /echo}
scenarios:
  - {name: s, flow: genrate, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
bad k5.yaml "k5.yaml:6:21: flow: unknown flow 'genrate' (did you mean 'generate'?)" \
    "unknown flow: exit 2 at 6:21 with did-you-mean"

# a data file that does not exist (relative to the plan's folder): at the entry's name
mkdir -p sub/images
cat >sub/k6.yaml <<'YAML'
target: http://127.0.0.1:1
data:
  one: {file: images/missing.png}
flows:
  f:
    - {name: e, get: /echo}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
bad sub/k6.yaml "sub/k6.yaml:3:3: data one: cannot read 'sub/images/missing.png': No such file or directory" \
    "missing data file: exit 2 at 3:3"
head -c 100 /dev/urandom >sub/images/missing.png
"$SURGE_BIN" validate sub/k6.yaml >/dev/null 2>&1
check "the same file present (next to the plan, not the cwd): valid" test $? -eq 0

# --- command-line errors ------------------------------------------------------------------
"$SURGE_BIN" run ok.yaml --scenario nope -o nope.out -q >sc.out 2>&1
check "--scenario nope: exit 2" test $? -eq 2
check "--scenario nope: names the plan's scenarios" \
    grep -qx -- "--scenario nope: no such scenario; plan has first, second" sc.out
check "--scenario nope: nothing ran, no results" test ! -e nope.out/results.json
"$SURGE_BIN" run ok.yaml --bogus -q >fl.out 2>&1
check "unknown flag: exit 2" test $? -eq 2
check "unknown flag: named" grep -qF "unknown option '--bogus'" fl.out
"$SURGE_BIN" run ok.yaml --time-scale 0 -q >ts.out 2>&1
check "--time-scale 0: exit 2" test $? -eq 2
check "--time-scale 0: says why" grep -qF "bad value '0' for --time-scale" ts.out
"$SURGE_BIN" run ok.yaml --time-scale -1 -q >/dev/null 2>&1
check "--time-scale -1: exit 2" test $? -eq 2
"$SURGE_BIN" run -q >np.out 2>&1
check "run without a plan: exit 2" test $? -eq 2
check "run without a plan: says so" grep -qF "no plan file given" np.out
"$SURGE_BIN" validate >/dev/null 2>&1
check "validate without a plan: exit 2" test $? -eq 2
"$SURGE_BIN" validate no-such-plan.yaml >nf.out 2>&1
check "validate of a missing file: exit 2, named" \
    bash -c "[ $? -eq 2 ] && grep -qF 'no-such-plan.yaml: cannot read' nf.out"

# --- running --------------------------------------------------------------------------------
start_testbed

# SIGINT stops a 30 s run at once: exit 130, results.json written, interrupted true
cat >long.yaml <<'YAML'
target: http://127.0.0.1:1
flows:
  f:
    - {name: e, get: "/echo?delay_ms=20"}
scenarios:
  - {name: long, flow: f, executor: constant-vus, vus: 4, duration: 30s}
YAML
"$SURGE_BIN" run long.yaml --target "$TB_URL" -o int -q &
SPID=$!
sleep 1.5
t0=$(date +%s%N)
kill -INT "$SPID"
for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$SPID" 2>/dev/null; then kill -KILL "$SPID"; fi
wait "$SPID"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "SIGINT: exit 130 (got $rc)" test "$rc" -eq 130
check "SIGINT: stopped within 3 s (took ${ms} ms)" test "$ms" -lt 3000
check "SIGINT: results.json written" test -s int/results.json
jcheck "SIGINT: interrupted true, ~1.5 s of the 30 s ran, requests counted" int/results.json \
    '.interrupted == true and .duration_s >= 1.2 and .duration_s < 5 and .scenarios[0].requests > 50'

# two scenarios with start: 0s run side by side
cat >par.yaml <<'YAML'
target: http://127.0.0.1:1
flows:
  f:
    - {name: e, get: "/echo?delay_ms=10"}
scenarios:
  - {name: a, flow: f, executor: constant-vus, vus: 2, duration: 1500ms, start: 0s}
  - {name: b, flow: f, executor: constant-vus, vus: 2, duration: 1500ms, start: 0s}
YAML
timeout 30 "$SURGE_BIN" run par.yaml --target "$TB_URL" -o par -q
check "start: 0s twice: run exits 0" test $? -eq 0
jcheck "start: 0s twice: both ran ~1.5 s" par/results.json \
    'all(.scenarios[]; .duration_s >= 1.45 and .duration_s < 2.2 and .requests > 50)'
jcheck "start: 0s twice: they overlap (run < 2.4 s, less than the 3 s sum)" par/results.json \
    '.duration_s < 2.4 and .duration_s < ([.scenarios[].duration_s] | add)'
jcheck "start: 0s twice: both have VUs in the first second" par/results.json \
    'all(.scenarios[]; .series[0].t == 0 and .series[0].t_run == 0 and .start_s < 0.5 and .series[0].vus == 2)'

# --var replaces a plan var: delay 5 ms -> 120 ms on /echo
cat >var.yaml <<'YAML'
target: http://127.0.0.1:1
vars:
  delay: "5"
flows:
  f:
    - {name: e, get: "/echo?delay_ms=${delay}"}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 5}
YAML
timeout 30 "$SURGE_BIN" run var.yaml --target "$TB_URL" -o var0 -q
timeout 30 "$SURGE_BIN" run var.yaml --target "$TB_URL" -o var1 -q --var delay=120
jcheck "plan var: delay_ms=5 -> latency 5..60 ms" var0/results.json \
    '.scenarios[0] | .failed == 0 and .requests == 5 and .latency_ms.min >= 5 and .latency_ms.max < 60'
jcheck "--var delay=120: latency 120..200 ms" var1/results.json \
    '.scenarios[0] | .failed == 0 and .requests == 5 and .latency_ms.min >= 120 and .latency_ms.max < 200'
"$SURGE_BIN" validate var.yaml --var 'delay=${nope}' >var.err 2>&1
check "--var with an undefined variable: exit 2" test $? -eq 2
check "--var with an undefined variable: named" grep -qF -- "--var delay=\${nope}: undefined variable 'nope'" var.err

# a target that does not resolve is bad input: exit 2 with one line naming the host
printf 'target: http://no-such-host.invalid:8080\nflows: {f: [{get: /}]}\nscenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}]\n' >"$T_DIR/dns.yaml"
"$SURGE_BIN" run "$T_DIR/dns.yaml" -q -o "$T_DIR/dns" >"$T_DIR/dns.out" 2>&1
check "unresolvable target: exit 2" test $? -eq 2
check "unresolvable target: the message names the host" grep -q "cannot resolve host 'no-such-host.invalid'" "$T_DIR/dns.out"
# the 4 VUs were mid-request (20 ms each, back to back) when stopped: the first signal
# lets them end (graceful_stop, 30 s by default), so none is cut off
jcheck "SIGINT: iterations in flight end gracefully, none aborted" "$T_DIR/int/results.json" \
    '.scenarios[0].aborted == 0 and .scenarios[0].iterations == .scenarios[0].requests'

# an --out directory that cannot be created: exit 2 naming it, before any load
printf 'target: http://127.0.0.1:1\nflows: {f: [{get: /}]}\nscenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}]\n' >"$T_DIR/out.yaml"
: >"$T_DIR/afile"
"$SURGE_BIN" run "$T_DIR/out.yaml" -q -o "$T_DIR/afile/sub" >"$T_DIR/out.out" 2>&1
check "--out not creatable: exit 2" test $? -eq 2
check "--out not creatable: the message names the flag and the directory" \
    grep -q -- "--out: cannot create '$T_DIR/afile/sub'" "$T_DIR/out.out"
