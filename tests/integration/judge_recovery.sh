# judge_recovery.sh — recovery after a spike against surge-testbed: 2 VUs on 4 upload slots
# (50 ms each), a spike to 40 VUs fills the backlog (p95 ~ 500 ms), then back to 2: the
# queue drains and p95 returns to the ~50 ms baseline within a few seconds.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed --profile upload --workers 2 --threads 2 --work-ms 50 --max-sessions 1000000 \
    --keep-uploads 0 --backlog 1000
P=$T_DIR/spike.yaml
cat >"$P" <<'YAML'
target: http://127.0.0.1:1
data:
  one: {generate: {type: png, count: 1, size: 2KB}}
flows:
  up:
    - {name: login, post: /api/login, json: {access_code: letmein}, expect: {status: 200}}
    - {name: upload, post: /api/upload, multipart: [{name: images, files: one}], expect: {status: 200}}
scenarios:
  - name: spike
    flow: up
    executor: ramping-vus
    start_vus: 2
    stages: [{vus: 2, for: 5s}, {vus: 40, for: 1s}, {vus: 40, for: 4s}, {vus: 2, for: 1s}, {vus: 2, for: 11s}]
    recovery: {tolerance: 30%, hold: 5s}
criteria:
  - recovery < 5s
  - {expr: p95(upload), target: "< 100ms", acceptable: "< 1s"}
YAML
timeout 90 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/out" -q -t 1
check "spike: run exits 0 (recovered within 5 s, p95 acceptable)" test $? -eq 0
R=$T_DIR/out/results.json
jcheck "spike: baseline p95 near the 50 ms service time, peak 40 VUs" "$R" \
    '.analysis.recovery[0].baseline_p95_ms > 45 and .analysis.recovery[0].baseline_p95_ms < 80
     and .analysis.recovery[0].peak_vus == 40 and .analysis.recovery[0].baseline_error_rate == 0'
jcheck "spike: recovered within 5 s of the peak's end, after the queue drained" "$R" \
    '.analysis.recovery[0].verdict == "recovered" and .analysis.recovery[0].recovery_s >= 0
     and .analysis.recovery[0].recovery_s <= 5 and .criteria[0].tier == "target"
     and .criteria[1].tier == "acceptable"'
jcheck "spike: the plan's recovery settings are the ones used" "$R" \
    '.scenarios[0].recovery_settings == {"tolerance_pct": 30, "hold_s": 5}
     and .analysis.recovery[0].tolerance_pct == 30 and .analysis.recovery[0].hold_s == 5'
