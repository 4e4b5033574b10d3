# report_outputs.sh — the out dir of `surge run`: series.ndjson streamed each second
# (complete up to the last whole second after SIGKILL), report.md/report.html/charts
# written with results.json, `surge report DIR` reproducing the same report.md, and
# rebuilding results.json from series.ndjson for a killed run.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed

P=$T_DIR/plan.yaml
cat >"$P" <<YAML
target: http://127.0.0.1:1
flows:
  echo:
    - {name: echo, get: "/echo?delay_ms=5", expect: {status: 200}}
scenarios:
  - {name: steps, flow: echo, executor: ladder, levels: [1, 2], hold: 1s, between: 100ms}
  - {name: steady, flow: echo, executor: constant-vus, vus: 2, duration: 2s}
YAML

# 1. A complete run: every output, and `surge report` reproduces report.md byte for byte.
O=$T_DIR/out
timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$O" -q -t 1
check "run exits 0" test $? -eq 0
for f in results.json series.ndjson report.md report.html charts/steps-rps.svg \
    charts/steps-throughput-vs-vus.svg charts/steady-latency.svg; do
    check "run wrote $f" test -s "$O/$f"
done
check "report.md links its charts" grep -q '](charts/steady-rps.svg)' "$O/report.md"
check "report.md has the ladder table" grep -q '^| Concurrency | Success rate |' "$O/report.md"
jcheck "series.ndjson header" <(head -1 "$O/series.ndjson") \
    '.schema == "surge.series/1" and (.scenarios | map(.name)) == ["steps", "steady"]'
# every second of the run is a line, in order, and the steps' requests add up to results.json
n=$(($(wc -l <"$O/series.ndjson") - 1))
jq -s '.[1:] | map(.t_run)' "$O/series.ndjson" >"$T_DIR/ts.json"
jcheck "series.ndjson: one line per second, t_run 0..N-1" "$T_DIR/ts.json" \
    ". == [range(0; $n)] and length >= 4"
sum=$(jq -s '[.[1:][] | .scenarios.steady.requests // 0] | add' "$O/series.ndjson")
jcheck "series.ndjson: the steady scenario's seconds sum to its requests" "$O/results.json" \
    ".scenarios[1].requests == $sum and $sum > 0"
# SCENARIO.hlog: one interval per second, decoded back (by tests/tools/hlog_decode.c, which
# shares no code with surge) to the very count and percentiles of results.json.
for i in 0 1; do
    name=$(jq -r ".scenarios[$i].name" "$O/results.json")
    check "run wrote $name.hlog" test -s "$O/$name.hlog"
    got=$("$SURGE_TOOLS/hlog_decode" "$O/$name.hlog" 2>&1)
    want=$(jq -r ".scenarios[$i] | \"count \(.requests - (.errors | add // 0)) p50 \(.latency_ms.p50) p99 \(.latency_ms.p99) max \(.latency_ms.max)\"" "$O/results.json")
    gotf=$(awk '{printf "count %s p50 %g p99 %g max %g", $4, $6, $12, $16}' <<<"$got")
    wantf=$(awk '{printf "count %s p50 %g p99 %g max %g", $2, $4, $6, $8}' <<<"$want")
    if [ "$gotf" = "$wantf" ]; then pass "$name.hlog decodes to results.json's count and percentiles"
    else fail "$name.hlog decodes to results.json's count and percentiles" "decoded: $got; results.json: $want"; fi
done
cp "$O/report.md" "$T_DIR/first.md"
rm -rf "$O/charts" "$O/report.md" "$O/report.html"
"$SURGE_BIN" report "$O" >"$T_DIR/rep.out" 2>&1
check "surge report exits 0" test $? -eq 0
check "surge report reproduces report.md byte for byte" cmp "$T_DIR/first.md" "$O/report.md"
check "surge report rewrote report.html" test -s "$O/report.html"

# 2. SIGKILL during a run: every whole second up to the kill is in series.ndjson and the
# last line parses; `surge report` rebuilds results.json from it, marked interrupted.
cat >"$T_DIR/long.yaml" <<YAML
target: http://127.0.0.1:1
flows:
  echo:
    - {name: echo, get: "/echo?delay_ms=5"}
scenarios:
  - {name: long, flow: echo, executor: constant-vus, vus: 2, duration: 30s}
YAML
K=$T_DIR/killed
"$SURGE_BIN" run "$T_DIR/long.yaml" --target "$TB_URL" -o "$K" -q -t 1 &
pid=$!
sleep 3.6
kill -KILL $pid
wait $pid 2>/dev/null
check "killed run left no results.json" test ! -e "$K/results.json"
check "killed run: the last line parses" bash -c "tail -1 '$K/series.ndjson' | jq -e .t_run"
n=$(($(wc -l <"$K/series.ndjson") - 1))
jq -s '.[1:] | map(.t_run)' "$K/series.ndjson" >"$T_DIR/kts.json"
# load starts ~0.1 s after launch and seconds are merged 1.2 s after they start: 3.6 s
# leaves seconds 0..1 at least, at most 0..3 (a loaded machine may be slower, never faster)
jcheck "killed run: whole seconds 0..N-1 present, N in 2..4" "$T_DIR/kts.json" \
    ". == [range(0; $n)] and length >= 2 and length <= 4"
"$SURGE_BIN" report "$K" >"$T_DIR/krep.out" 2>&1
check "surge report on a killed run exits 0" test $? -eq 0
jcheck "rebuilt results.json is marked interrupted" "$K/results.json" \
    '.interrupted == true and .rebuilt_from == "series.ndjson" and .scenarios[0].name == "long" and .scenarios[0].requests > 0'
check "rebuilt report.md exists" grep -q '^# Capacity report' "$K/report.md"
check "rebuilt report.md says interrupted" grep -q 'interrupted' "$K/report.md"

# 3. Bad input: exit 2 naming the problem.
"$SURGE_BIN" report "$T_DIR/nothing-here" >"$T_DIR/bad.out" 2>&1
check "surge report on an empty dir exits 2" test $? -eq 2
check "surge report names the dir" grep -q "nothing-here' has neither" "$T_DIR/bad.out"
mkdir -p "$T_DIR/badjson" && echo '{"schema": ' >"$T_DIR/badjson/results.json"
"$SURGE_BIN" report "$T_DIR/badjson" >"$T_DIR/bad2.out" 2>&1
check "surge report on a broken results.json exits 2" test $? -eq 2
check "the message names FILE:LINE:COL" grep -qE "badjson/results.json:[0-9]+:[0-9]+: " "$T_DIR/bad2.out"

# 4. The default out dir: surge-out/<UTC timestamp>/ under the current directory, a new
# one per run, holding every output.
mkdir -p "$T_DIR/cwd"
(cd "$T_DIR/cwd" && timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -q -t 1 -s steady &&
    timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -q -t 1 -s steady)
dirs=$(ls -d "$T_DIR"/cwd/surge-out/*/ 2>/dev/null | wc -l)
check "default out dir: two runs, two surge-out/<timestamp> dirs ($dirs)" test "$dirs" -eq 2
d1=$(ls -d "$T_DIR"/cwd/surge-out/*/ | head -1)
check "default out dir is named by the UTC time" bash -c "basename '$d1' | grep -qE '^[0-9]{8}-[0-9]{6}(-[0-9]+)?$'"
for f in results.json report.md report.html junit.xml series.csv series.ndjson steady.hlog charts/steady-rps.svg; do
    check "default out dir holds $f" test -s "$d1/$f"
done
check "run --help names --prometheus-listen and the default out dir" \
    bash -c "'$SURGE_BIN' run --help | grep -q -- '--prometheus-listen' && '$SURGE_BIN' run --help | grep -q 'surge-out/YYYYmmdd-HHMMSS'"
check "report --help" bash -c "'$SURGE_BIN' report --help | grep -q 'usage: surge report DIR'"

# 5. The plan's report: section: its title and description head report.md and report.html,
# results.json keeps it, and only the outputs it lists are written (with the run's record).
RP=$T_DIR/titled.yaml
cat >"$RP" <<YAML
target: http://127.0.0.1:1
flows:
  echo:
    - {name: echo, get: /echo}
scenarios:
  - {name: steady, flow: echo, executor: constant-vus, vus: 1, duration: 1s}
report:
  title: "Echo service: readiness for launch"
  description: |
    Why we ran it: the launch review.

    Second paragraph.
  outputs: [md, junit]
YAML
timeout 60 "$SURGE_BIN" run "$RP" --target "$TB_URL" -o "$T_DIR/titled" -t 1 >"$T_DIR/titled.out" 2>&1
check "report: run exits 0" test $? -eq 0
check "report: the title heads report.md" grep -qx '# Echo service: readiness for launch' "$T_DIR/titled/report.md"
check "report: the description, one paragraph per block" \
    bash -c "grep -qx 'Why we ran it: the launch review.' '$T_DIR/titled/report.md' && grep -qx 'Second paragraph.' '$T_DIR/titled/report.md'"
jcheck "report: results.json keeps the section" "$T_DIR/titled/results.json" \
    '.report.title == "Echo service: readiness for launch" and .report.outputs == ["md", "junit"]'
for f in results.json series.ndjson report.md junit.xml steady.hlog; do
    check "report: outputs [md, junit] still writes $f" test -s "$T_DIR/titled/$f"
done
for f in report.html series.csv; do
    check "report: outputs [md, junit] leaves out $f" test ! -e "$T_DIR/titled/$f"
done
check "report: the summary names only report.md" \
    bash -c "grep -q 'report: .*/report.md' '$T_DIR/titled.out' && ! grep -q 'report.html' '$T_DIR/titled.out'"
