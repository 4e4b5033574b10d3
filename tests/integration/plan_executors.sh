# plan_executors.sh — each executor's timing and counts against surge-testbed's /echo:
# a 2 -> 20 -> 2 ramp really reaches 20 VUs; 50 iterations/s for 4 s starts 200 +- 2;
# ladders run each level's VUs and report per level; iteration counts are exact; an
# arrival rate with too few VUs drops (and counts) what it cannot start.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed

P=$T_DIR/executors.yaml
cat >"$P" <<YAML
target: http://127.0.0.1:1
flows:
  echo:
    - {name: echo, get: "/echo?delay_ms=20", expect: {status: 200}}
  slow:
    - {name: slow, get: "/echo?delay_ms=200"}
  think:
    - {name: echo, get: /echo}
    - think: 50ms..150ms
scenarios:
  - {name: per-vu, flow: echo, executor: per-vu-iterations, vus: 3, iterations: 4}
  - {name: shared, flow: echo, executor: shared-iterations, vus: 4, iterations: 30}
  - {name: ladder, flow: echo, executor: ladder, levels: [1, 3, 5], iterations_per_vu: 2, between: 100ms}
  - {name: held, flow: echo, executor: ladder, levels: [2, 4], hold: 500ms}
  - {name: const, flow: think, executor: constant-vus, vus: 5, duration: 2s}
  - {name: rate, flow: echo, executor: constant-arrival-rate, rate: 50, duration: 4s, max_vus: 20}
  - {name: starved, flow: slow, executor: constant-arrival-rate, rate: 40, duration: 1s, max_vus: 2}
  - name: spike
    flow: echo
    executor: ramping-vus
    start_vus: 2
    stages: [{vus: 2, for: 1s}, {vus: 20, for: 500ms}, {vus: 20, for: 2s}, {vus: 2, for: 500ms}, {vus: 2, for: 1s}]
  - name: ramp-rate
    flow: echo
    executor: ramping-arrival-rate
    start_rate: 0
    stages: [{rate: 40, for: 2s}]
    max_vus: 20
YAML
check "validate exits 0" "$SURGE_BIN" validate "$P"
timeout 90 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/out" -q -t 2
check "run exits 0" test $? -eq 0
R=$T_DIR/out/results.json
sc() { echo ".scenarios[] | select(.name == \"$1\")"; }

jcheck "per-vu-iterations: 3 VUs x 4 = 12 iterations" "$R" "$(sc per-vu) | .iterations == 12 and .requests == 12 and .failed == 0 and .vus_max == 3"
jcheck "shared-iterations: exactly 30 over 4 VUs" "$R" "$(sc shared) | .iterations == 30 and .requests == 30"
jcheck "ladder: levels 1,3,5 x 2 iterations" "$R" \
    "$(sc ladder) | [.levels[] | [.vus, .requests, .failed]] == [[1,2,0],[3,6,0],[5,10,0]]"
jcheck "ladder: per-level latency, rps and duration" "$R" \
    "$(sc ladder) | all(.levels[]; .latency_ms.p50 >= 20 and .rps > 0 and .duration_s >= 0.04 and .success_rate == 1)"
jcheck "held ladder: each level runs ~500 ms" "$R" \
    "$(sc held) | all(.levels[]; .duration_s >= 0.5 and .duration_s < 1.2) and .levels[1].requests > .levels[0].requests"
jcheck "constant-vus: 5 VUs, think time spaces iterations (~2 s / 0.1 s x 5 ~ 100)" "$R" \
    "$(sc const) | .vus_max == 5 and .iterations >= 60 and .iterations <= 110"
jcheck "constant-arrival-rate: 50/s for 4 s starts 200 +- 2" "$R" \
    "$(sc rate) | .iterations >= 198 and .iterations <= 202 and .dropped == 0"
jcheck "arrival rate with 2 VUs for 40/s of 200 ms work: drops, and counts them" "$R" \
    "$(sc starved) | .dropped >= 20 and .iterations + .dropped >= 38 and .iterations + .dropped <= 42 and .vus_max == 2"
jcheck "ramping-vus 2 -> 20 -> 2 really reaches 20 VUs" "$R" \
    "$(sc spike) | .vus_max == 20 and ([.series[].vus] | max) >= 18"
jcheck "ramping-vus: back to few VUs at the end" "$R" "$(sc spike) | .series[-2].vus <= 4"
jcheck "ramping-arrival-rate 0 -> 40/s over 2 s starts ~40 iterations" "$R" \
    "$(sc ramp-rate) | .iterations >= 38 and .iterations <= 42"
jcheck "scenarios run one after another" "$R" '.duration_s as $d | [.scenarios[].duration_s] | add <= $d + 0.5'
jcheck "steps carry their name and counts" "$R" "$(sc rate) | .steps[0].name == \"echo\" and .steps[0].requests == .requests"

# --scenario keeps only the named ones; --time-scale compresses the whole timeline
# (durations and the rate's time unit alike): the same 200 iterations in 2 s
timeout 30 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/out2" -q -s rate --time-scale 0.5
jcheck "--scenario and --time-scale 0.5: one scenario, 200 iterations in ~2 s" "$T_DIR/out2/results.json" \
    '(.scenarios | length) == 1 and .scenarios[0].iterations >= 198 and .scenarios[0].iterations <= 202
     and .scenarios[0].duration_s >= 1.9 and .scenarios[0].duration_s < 2.6'
