# judge_capacity.sh — the capacity executor finds surge-testbed's limit: with W*T = 4
# upload slots and a backlog of 6, 503s begin past 10 concurrent uploads; the search
# (1, 5, 9, 13, then bisection) must report 10 VUs passing and 11 failing, each level
# judged on its own data, and the run passes (judged on the capacity found).
source "$(dirname "$0")/../lib/harness.sh"
start_testbed --profile upload --workers 2 --threads 2 --work-ms 50 --max-sessions 1000000 \
    --keep-uploads 0 --backlog 6
P=$T_DIR/cap.yaml
cat >"$P" <<'YAML'
target: http://127.0.0.1:1
data:
  one: {generate: {type: png, count: 1, size: 2KB}}
flows:
  up:
    - {name: login, post: /api/login, json: {access_code: letmein}, expect: {status: 200}}
    - {name: upload, post: /api/upload, multipart: [{name: images, files: one}], expect: {status: 200}}
scenarios:
  - name: search
    flow: up
    executor: capacity
    start_vus: 1
    step: 4
    max_vus: 40
    hold: 1s
    criteria: [error_rate < 1%]
YAML
check "capacity: validates" "$SURGE_BIN" validate "$P"
timeout 90 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/out" -q -t 1
check "capacity: run exits 0 (judged on the capacity found)" test $? -eq 0
R=$T_DIR/out/results.json
jcheck "capacity: 10 VUs pass, 11 fail (W*T + backlog = 10)" "$R" \
    '.analysis.capacity[0].vus == 10 and .analysis.capacity[0].first_failing_vus == 11'
jcheck "capacity: raised by 4 until a failure, then bisected" "$R" \
    '[.scenarios[0].levels[].vus] == [1, 5, 9, 13, 11, 10]
     and [.analysis.capacity[0].levels[].pass] == [true, true, true, false, false, true]'
jcheck "capacity: failing levels saw 503s, passing ones none" "$R" \
    '(.scenarios[0].levels | map(select(.vus <= 10)) | all(.failed == 0))
     and (.scenarios[0].levels | map(select(.vus > 10)) | all(.status["503"] > 0))'
jcheck "capacity: the criterion is judged on the 10-VU level" "$R" \
    '.criteria[0].tier == "target" and .criteria[0].value == 0 and .verdict == "pass"'

# no criteria: a capacity search has nothing to steer by
sed -i '/criteria:/d' "$P"
"$SURGE_BIN" validate "$P" 2>"$T_DIR/v.err"
check "capacity without criteria: exit 2" test $? -eq 2
check "capacity without criteria: says so at the scenario" \
    grep -q "cap.yaml:9:5: scenario 'search': the capacity executor needs criteria:" "$T_DIR/v.err"
