# dist_segment.sh — a plan run as 3 shares (surge run --segment K/N, at the same time)
# and merged (surge merge): the shares add up to the plan (40 VUs = 14 + 13 + 13,
# iteration counts, arrival-rate starts), the merged totals equal a whole run's, the
# merged percentiles lie within the shares', the criteria are judged again, and a
# missing share, a repeated one or bad flags get their exit statuses.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed

P=$T_DIR/dist.yaml
cat >"$P" <<YAML
target: http://127.0.0.1:1
flows:
  echo:
    - {name: echo, get: "/echo?delay_ms=5", expect: {status: 200}}
criteria: [error_rate < 1%]
scenarios:
  - {name: per-vu, flow: echo, executor: per-vu-iterations, vus: 40, iterations: 2}
  - {name: shared, flow: echo, executor: shared-iterations, vus: 4, iterations: 100}
  - {name: rate, flow: echo, executor: constant-arrival-rate, rate: 60, duration: 2s, max_vus: 12}
  - name: ramp
    flow: echo
    executor: ramping-vus
    start_vus: 0
    stages: [{vus: 9, for: 500ms}, {vus: 9, for: 1s}]
YAML

# the shares at once, as a launcher would start them
for k in 1 2 3; do
    timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/s$k" -q -t 1 --segment "$k/3" &
    eval "pid$k=\$!"
done
rcs=""
for k in 1 2 3; do eval "wait \$pid$k"; rcs="$rcs$?"; done
check "three shares exit 0" test "$rcs" = 000
sc() { echo ".scenarios[] | select(.name == \"$1\")"; }
jcheck "share 1 records its segment" "$T_DIR/s1/results.json" '.segment == "1/3"'
jcheck "40 VUs over 3 shares: 14" "$T_DIR/s1/results.json" "$(sc per-vu) | .vus_max == 14 and .iterations == 28"
jcheck "40 VUs over 3 shares: 13" "$T_DIR/s3/results.json" "$(sc per-vu) | .vus_max == 13 and .iterations == 26"
jcheck "shared iterations 100 over 3: 33 in share 2" "$T_DIR/s2/results.json" "$(sc shared) | .iterations == 33"
check "each share keeps its full histograms" test -s "$T_DIR/s2/histograms.json"

"$SURGE_BIN" merge "$T_DIR/s1" "$T_DIR/s2" "$T_DIR/s3" --out "$T_DIR/m" >"$T_DIR/merge.out" 2>&1
check "merge exits 0 (criteria met)" test $? -eq 0
M=$T_DIR/m/results.json
jcheck "merged: complete, three shares listed" "$M" \
    '.incomplete == false and (.shares | length) == 3 and all(.shares[]; .complete) and has("segment") == false'
jcheck "merged per-vu: 40 VUs, 80 iterations" "$M" "$(sc per-vu) | .vus_max == 40 and .iterations == 80 and .requests == 80"
jcheck "merged shared: exactly 100 iterations" "$M" "$(sc shared) | .iterations == 100"
jcheck "merged rate: 60/s for 2 s = 120 starts, rate 60" "$M" \
    "$(sc rate) | .iterations + .dropped == 120 and (.rate - 60 | fabs) < 0.01"
jcheck "merged ramp: peak 9 VUs" "$M" "$(sc ramp) | .vus_max == 9"
jcheck "merged series add up to the totals" "$M" 'all(.scenarios[]; ([.series[].requests] | add) == .requests)'
jcheck "criteria judged again on the merged figures" "$M" \
    '.verdict == "pass" and (.criteria | length) == 1 and .criteria[0].expr == "error_rate"'
check "the report is written" grep -q "per-vu" "$T_DIR/m/report.md"
# merged percentiles lie within the shares' (the unit test proves them exact)
lo=$(jq -s '[.[] | .scenarios[] | select(.name == "shared") | .latency_ms.p95] | min' "$T_DIR"/s?/results.json)
hi=$(jq -s '[.[] | .scenarios[] | select(.name == "shared") | .latency_ms.p95] | max' "$T_DIR"/s?/results.json)
jcheck "merged p95 within the shares' p95s ($lo..$hi)" "$M" "$(sc shared) | .latency_ms.p95 >= $lo and .latency_ms.p95 <= $hi"
jcheck "merged max is the shares' max" "$M" \
    "$(sc shared) | .latency_ms.max == $(jq -s '[.[] | .scenarios[] | select(.name == "shared") | .latency_ms.max] | max' "$T_DIR"/s?/results.json)"

# the same plan in one process: the same totals
timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/whole" -q -t 2
W=$T_DIR/whole/results.json
SEL='[.scenarios[] | select(.name == "per-vu" or .name == "shared" or .name == "ramp") | {name, vus_max, iterations: (if .name == "ramp" then 0 else .iterations end)}]'
jcheck "one run: the totals the merge gave (iterations, peak VUs)" "$W" "$SEL == $(jq -c "$SEL" "$M")"
jcheck "one run: the same arrival-rate starts" "$W" "$(sc rate) | .iterations + .dropped == 120"

# a share missing: merged, marked incomplete, exit 3
"$SURGE_BIN" merge "$T_DIR/s1" "$T_DIR/s3" --out "$T_DIR/m2" -q 2>"$T_DIR/m2.err"
check "merge with a share missing exits 3" test $? -eq 3
jcheck "the missing share is listed" "$T_DIR/m2/results.json" \
    '.incomplete == true and any(.shares[]; .segment == "2/3" and .complete == false)'
check "and named on stderr" grep -q "share 2/3.*incomplete" "$T_DIR/m2.err"
mkdir -p "$T_DIR/crashed" && cp "$T_DIR/s2/series.ndjson" "$T_DIR/crashed/"
"$SURGE_BIN" merge "$T_DIR/s1" "$T_DIR/crashed" "$T_DIR/s3" --out "$T_DIR/m3" -q 2>"$T_DIR/m3.err"
check "a share without results.json: exit 3" test $? -eq 3
jcheck "listed with its reason" "$T_DIR/m3/results.json" \
    '.shares[1].complete == false and (.shares[1].reason | test("results.json"))'

# merged dirs merge again (their histograms.json): shares 1+2, then with 3 = all three
"$SURGE_BIN" merge "$T_DIR/s1" "$T_DIR/s2" --out "$T_DIR/m12" -q 2>/dev/null
check "a merged dir keeps its merged histograms" test -s "$T_DIR/m12/histograms.json"
"$SURGE_BIN" merge "$T_DIR/m12" "$T_DIR/s3" --out "$T_DIR/m123" -q
check "merging it with share 3: complete, exit 0" test $? -eq 0
NEST='[.scenarios[] | {name, requests, iterations, vus_max, p95: .latency_ms.p95, p99: .latency_ms.p99}]'
jcheck "the nested merge equals the flat one (totals and percentiles)" "$T_DIR/m123/results.json" \
    "$NEST == $(jq -c "$NEST" "$M")"

# bad input: exit 2
"$SURGE_BIN" merge "$T_DIR/s1" "$T_DIR/s1" --out "$T_DIR/m4" 2>"$T_DIR/m4.err"
check "a share given twice: exit 2" test $? -eq 2
check "named" grep -q "given twice" "$T_DIR/m4.err"
"$SURGE_BIN" merge "$T_DIR/s1" "$T_DIR/s2" --out "$T_DIR/s1" 2>/dev/null
check "--out one of the inputs: exit 2" test $? -eq 2
"$SURGE_BIN" merge "$T_DIR/s1" 2>/dev/null
check "merge without --out: exit 2" test $? -eq 2
for bad in 0/3 4/3 3 1/0 a/b; do
    "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/bad" -q --segment "$bad" 2>"$T_DIR/bad.err"
    rc=$?
    check "--segment $bad: exit 2 with the flag named" test $rc -eq 2 -a -n "$(grep -- --segment "$T_DIR/bad.err")"
done
cat >"$T_DIR/cap.yaml" <<YAML
target: http://127.0.0.1:1
flows: {echo: [{name: echo, get: /echo}]}
scenarios:
  - {name: cap, flow: echo, executor: capacity, max_vus: 4, hold: 200ms, criteria: [error_rate < 1%]}
YAML
"$SURGE_BIN" run "$T_DIR/cap.yaml" --target "$TB_URL" -o "$T_DIR/bad" -q --segment 1/2 2>"$T_DIR/cap.err"
check "the capacity executor cannot be split: exit 2" test $? -eq 2
check "with the scenario's place" grep -q "cap.yaml:[0-9]*:[0-9]*" "$T_DIR/cap.err"
