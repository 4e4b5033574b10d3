# report_files.sh — `surge report` on the synthetic full fixture (tests/data/results-full.json):
# report.md equals the golden file, junit.xml is well-formed JUnit (xmllint) with one
# testcase per criterion and failures carrying value and margin, series.csv holds every
# second of both scenarios with the watched metrics as columns, and report.html renders in
# headless Chromium with no console errors and every chart drawn (a screenshot is kept in
# the test's temp dir; T_KEEP=1 keeps it).
source "$(dirname "$0")/../lib/harness.sh"
D=$T_DIR/full
mkdir -p "$D"
cp tests/data/results-full.json "$D/results.json"
"$SURGE_BIN" report "$D" >"$T_DIR/rep.out" 2>&1
check "surge report on the fixture exits 0" test $? -eq 0
check "report.md equals tests/data/report-full.md" cmp tests/data/report-full.md "$D/report.md"

# junit.xml
check "junit.xml is well-formed XML" xmllint --noout "$D/junit.xml"
xp() { xmllint --xpath "$1" "$D/junit.xml" 2>/dev/null; }
check "junit: one testsuite" test "$(xp 'count(/testsuites/testsuite)')" = 1
check "junit: one testcase per criterion" test "$(xp 'count(//testsuite/testcase)')" = 4
check "junit: the two failure-tier criteria fail" test "$(xp 'count(//testcase/failure)')" = 2
check "junit: testsuite counts match" test "$(xp 'string(//testsuite/@tests)/@failures')$(xp 'string(//testsuite/@failures)')" = 2 -o \
    "$(xp 'string(//testsuite/@tests)') $(xp 'string(//testsuite/@failures)')" = "4 2"
msg=$(xp 'string(//testcase[@name="errors"]/failure/@message)')
check "junit: a failure names the value and the margin" grep -q "error_rate = 1.7%, missed < 1% by 0.7%" <<<"$msg"
check "junit: classname is the scenario" test "$(xp 'string(//testcase[@name="errors"]/@classname)')" = surge.checkout

# no criteria: one testcase per scenario "completed"; interrupted: they fail
jq 'del(.criteria) | .verdict = "none" | .interrupted = true | .interrupted_by = "SIGINT"' \
    tests/data/results-full.json >"$T_DIR/nc.json"
mkdir -p "$T_DIR/nc" && cp "$T_DIR/nc.json" "$T_DIR/nc/results.json"
"$SURGE_BIN" report "$T_DIR/nc" >/dev/null 2>&1
check "junit without criteria is well-formed" xmllint --noout "$T_DIR/nc/junit.xml"
check "junit without criteria: a 'completed' testcase per scenario" \
    test "$(xmllint --xpath 'count(//testcase[@name="completed"])' "$T_DIR/nc/junit.xml")" = 2
check "junit, interrupted run: they fail naming the signal" \
    grep -q 'message="the run was interrupted by SIGINT"' "$T_DIR/nc/junit.xml"

# series.csv
check "series.csv: a header and one row per scenario second" test "$(wc -l <"$D/series.csv")" -eq 51
check "series.csv: watched metrics are columns" \
    grep -q '^scenario,t_run,t,span,requests,failed,rps,vus,bytes_in,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,errors,process.rss_bytes,process.cpu_pct,gpu_usage_percent' "$D/series.csv"
# checkout's second 10 (t_run 40): the restart, 25 refused, RSS dropped to 20 MiB
check "series.csv: a row carries the scenario's point and the metrics at its t_run" \
    grep -q '^checkout,40,10,1,25,25,25.000,25,12800,.*,25,20971520,0,' "$D/series.csv"

# report.html in headless Chromium
if ! command -v chromium >/dev/null; then
    fail "chromium" "not installed (scripts/deps)"
    exit 0
fi
want=$(grep -c '](charts/' "$D/report.md")
chrome() { timeout 60 chromium --headless --disable-gpu --no-sandbox --user-data-dir="$T_DIR/chrome" \
    --no-first-run --disable-extensions "$@"; }
chrome --enable-logging=stderr --v=0 --virtual-time-budget=3000 --dump-dom "file://$D/report.html" \
    >"$T_DIR/dom.html" 2>"$T_DIR/console.log"
check "chromium loaded the page" grep -q '</html>' "$T_DIR/dom.html"
check "no console errors" bash -c "! grep -E 'CONSOLE|Uncaught|SyntaxError|ReferenceError' '$T_DIR/console.log'"
# every chart drew: an <svg> whose path has drawn coordinates (d="M...")
drawn=$(grep -o '<path class="line"[^>]* d="M[0-9]' "$T_DIR/dom.html" | wc -l)
svgs=$(grep -o '<svg ' "$T_DIR/dom.html" | wc -l)
check "report.html has the $want charts of report.md" test "$svgs" -eq "$want"
python3 - "$T_DIR/dom.html" "$want" >"$T_DIR/drawn.out" 2>&1 <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
svgs = re.findall(r'<svg .*?</svg>', dom, re.S)
drawn = [s for s in svgs if re.search(r'<path class="line"[^>]* d="M[0-9.-]+ [0-9.-]+L', s)]
print(len(svgs), len(drawn))
sys.exit(0 if len(drawn) == int(sys.argv[2]) == len(svgs) else 1)
PY
check "every chart drew a line ($(cat "$T_DIR/drawn.out"))" test "$(cut -d' ' -f2 "$T_DIR/drawn.out")" = "$want"
# hover values: a synthetic pointer move over the first chart fills the tooltip with numbers
sed 's|</body>|<script>var s=document.querySelector("svg.chart"),r=s.getBoundingClientRect();s.dispatchEvent(new MouseEvent("mousemove",{clientX:r.left+r.width/2,clientY:r.top+r.height/2,bubbles:true}));console.log("TIP["+document.getElementById("tip").textContent+"]");</script></body>|' \
    "$D/report.html" >"$D/hover.html"
chrome --enable-logging=stderr --v=0 --virtual-time-budget=3000 --dump-dom "file://$D/hover.html" \
    >/dev/null 2>"$T_DIR/hover.log"
check "hover: the tooltip shows each line's value under the pointer" \
    grep -qE 'TIP\[x [0-9.]+  requests/s [0-9.]+  active VUs [0-9.]+\]' "$T_DIR/hover.log"
check "hover: no script errors" bash -c "! grep -qE 'Uncaught|Error' <(grep CONSOLE '$T_DIR/hover.log')"
chrome --screenshot="$T_DIR/report.png" --window-size=1100,3000 "file://$D/report.html" \
    >/dev/null 2>&1
check "screenshot saved" test -s "$T_DIR/report.png"
[ -n "${T_KEEP:-}" ] && echo "screenshot: $T_DIR/report.png"

# 3,600 points per series stays usable: a 1-hour synthetic run renders and loads quickly
python3 - "$T_DIR/long.json" <<'PY'
import json, sys, math
pts = [{"t": t, "t_run": t, "requests": 1000 + (t % 50), "failed": t % 7, "bytes_in": 1, "vus": 50,
        "p50_ms": 5 + math.sin(t / 60), "p90_ms": 8, "p95_ms": 9 + (t % 13), "p99_ms": 20,
        "max_ms": 40, "errors": {"timeout": t % 7} if t % 7 else {}} for t in range(3600)]
doc = {"schema": "surge.results/2", "started": "2026-12-01T10:00:00Z", "duration_s": 3600,
       "interrupted": False, "plan": "soak.yaml", "scenarios": [{"name": "soak",
       "executor": "constant-vus", "duration_s": 3600, "vus_max": 50, "requests": 3600000,
       "failed": 10000, "success_rate": 0.997, "rps": 1000, "latency_ms": {"p95": 9},
       "series": pts}],
       "watch": {"metrics": [{"name": "process.rss_bytes", "unit": "bytes",
                 "series": [[t, 1e8 + t * 1000] for t in range(-5, 3600)]}]}}
json.dump(doc, open(sys.argv[1], "w"))
PY
mkdir -p "$T_DIR/long" && cp "$T_DIR/long.json" "$T_DIR/long/results.json"
"$SURGE_BIN" report "$T_DIR/long" >/dev/null 2>&1
size=$(stat -c %s "$T_DIR/long/report.html")
check "1-hour report.html is under 2 MB ($size bytes)" test "$size" -lt 2000000
t0=$(date +%s%N)
chrome --virtual-time-budget=3000 --dump-dom "file://$T_DIR/long/report.html" >"$T_DIR/long.dom" 2>/dev/null
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "1-hour report.html loads in chromium (${ms} ms, < 30 s)" test "$ms" -lt 30000 -a "$(grep -c '<svg ' "$T_DIR/long.dom")" -ge 1
