# compare.sh — surge compare on two saved results files: the side-by-side table, the
# regressions it marks, --threshold, --fail-on-regression, and exit 2 for bad files.
source "$(dirname "$0")/../lib/harness.sh"
D=$(cd "$(dirname "$0")/../data/compare" && pwd)

"$SURGE_BIN" compare "$D/before.json" "$D/after.json" >"$T_DIR/c.out"
check "compare: exit 0 without --fail-on-regression" test $? -eq 0
check "compare: p95 up 33.3 % is a regression" \
    grep -qE '^  p95 ms +3900 +5200 +\+33\.3%  REGRESSION$' "$T_DIR/c.out"
check "compare: p50 up 4.2 % is not" grep -qE '^  p50 ms +950 +990 +\+4\.2%$' "$T_DIR/c.out"
check "compare: rps up is not a regression" grep -qE '^  rps +4\.1 +16\.2 +\+295\.1%$' "$T_DIR/c.out"
check "compare: errors in percentage points" grep -qE '^  errors % +0 +2 +\+2 pt  REGRESSION$' "$T_DIR/c.out"
check "compare: levels matched by VUs" grep -qE '^    p99 ms +1010 +1300 +\+28\.7%  REGRESSION$' "$T_DIR/c.out"
check "compare: a level only in AFTER is listed" grep -q '^  level 32 VUs: only in AFTER$' "$T_DIR/c.out"
check "compare: a scenario only in BEFORE is listed" grep -q '^scenario old-only: only in BEFORE$' "$T_DIR/c.out"
check "compare: a criterion's tier got worse" grep -qE '^  p95 upload \[upload\] +target -> failure +REGRESSION$' "$T_DIR/c.out"
check "compare: the count" grep -q '^9 regressions beyond 10%$' "$T_DIR/c.out"

"$SURGE_BIN" compare --fail-on-regression "$D/before.json" "$D/after.json" >/dev/null
check "compare --fail-on-regression: exit 1" test $? -eq 1
"$SURGE_BIN" compare --fail-on-regression "$D/before.json" "$D/before.json" >"$T_DIR/same.out"
check "compare: a file against itself: exit 0, no regression" \
    bash -c "[ $? -eq 0 ] && grep -q '^0 regressions beyond 10%$' '$T_DIR/same.out'"
"$SURGE_BIN" compare --threshold 50% "$D/before.json" "$D/after.json" >"$T_DIR/t.out"
check "compare --threshold 50%: only the tier changes and the error rise remain" \
    grep -q '^4 regressions beyond 50%$' "$T_DIR/t.out"

echo '{"schema": "surge.results/2", "scenarios": [' >"$T_DIR/broken.json"
"$SURGE_BIN" compare "$D/before.json" "$T_DIR/broken.json" 2>"$T_DIR/b.err"
check "compare: invalid JSON: exit 2" test $? -eq 2
check "compare: the message names the file and place" grep -q "broken.json:2:" "$T_DIR/b.err"
echo '{"hello": 1}' >"$T_DIR/other.json"
"$SURGE_BIN" compare "$T_DIR/other.json" "$D/after.json" 2>"$T_DIR/o.err"
check "compare: not a results document: exit 2" \
    bash -c "[ $? -eq 2 ] && grep -q 'not a surge results document' '$T_DIR/o.err'"
"$SURGE_BIN" compare "$D/before.json" "$T_DIR/nope.json" 2>/dev/null
check "compare: a missing file: exit 2" test $? -eq 2
"$SURGE_BIN" compare --threshold x "$D/before.json" "$D/after.json" 2>/dev/null
check "compare: bad --threshold: exit 2" test $? -eq 2
"$SURGE_BIN" compare "$D/before.json" 2>/dev/null
check "compare: one file: exit 2" test $? -eq 2
