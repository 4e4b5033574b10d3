# plan_jobs.sh — the submit / poll / download flow against surge-testbed's jobs profile at
# --time-scale 0.01 (jobs: 1.67 s cold, then 0.82 s warm, no jitter): the poll runs until
# the job completes and the transaction lasts as long as the job; a poll timeout, an
# extract that finds nothing and failed jobs each fail the iteration under their own error
# class and name the step; header and regex extracts feed later URLs. ~10 s.
source "$(dirname "$0")/../lib/harness.sh"
# 8 GPU slots: jobs left running by failed iterations never queue the next scenario's
start_testbed --profile jobs --time-scale 0.01 --job-jitter 0 --gpu-slots 8

P=$T_DIR/jobs.yaml
cat >"$P" <<'YAML'
target: http://127.0.0.1:1
data:
  img: {generate: {type: png, count: 1, size: 8KB}}
flows:
  full:
    - transaction: generation
      steps:
        - name: submit
          post: /api/generate
          multipart: [{name: image, files: img}]
          expect: {status: 202}
          extract: {job: job_id}
        - name: wait
          get: /api/jobs/${job}
          poll: {every: 50ms, until: "status == completed", timeout: 10s}
          expect: {json: "status != failed"}
        - name: download
          get: /api/jobs/${job}/result
          expect: {status: 200}
  short-poll:
    - transaction: generation
      steps:
        - {name: submit, post: /api/generate, multipart: [{name: image, files: img}],
           expect: {status: 202}, extract: {job: job_id}}
        - {name: wait, get: "/api/jobs/${job}",
           poll: {every: 50ms, until: "status == completed", timeout: 200ms}}
        - {name: download, get: "/api/jobs/${job}/result", expect: {status: 200}}
  miss:
    - {name: submit, post: /api/generate, multipart: [{name: image, files: img}],
       expect: {status: 202}, extract: {x: no.such.path}}
    - {name: use, get: "/api/jobs/${x}"}
  other-extracts:
    - name: submit
      post: /api/generate
      multipart: [{name: image, files: img}]
      expect: {status: 202}
      extract:
        loc: {header: Location}
        id: {regex: '"job_id":"(\w+-\w+-\w+-\w+-\w+)"'}
    - {name: by-location, get: "${loc}", poll: {every: 50ms, until: "status == completed", timeout: 10s}}
    - {name: by-regex, get: "/api/jobs/${id}/result", expect: {status: 200}}
scenarios:
  - {name: full, flow: full, executor: per-vu-iterations, vus: 1, iterations: 2}
  - {name: poll-timeout, flow: short-poll, executor: per-vu-iterations, vus: 1, iterations: 2}
  - {name: extract-miss, flow: miss, executor: per-vu-iterations, vus: 1, iterations: 2}
  - {name: other-extracts, flow: other-extracts, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
check "validate exits 0" "$SURGE_BIN" validate "$P"
timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/out" -q
check "run exits 0" test $? -eq 0
R=$T_DIR/out/results.json
sc() { echo ".scenarios[] | select(.name == \"$1\")"; }
step() { echo ".steps[] | select(.name == \"$1\")"; }

# --- submit, poll until completed, download -----------------------------------------------
jcheck "full flow: 2 iterations, nothing failed" "$R" \
    "$(sc full) | .iterations == 2 and .iterations_failed == 0 and .failed == 0"
jcheck "full flow: 2 submits (202), 2 downloads (200)" "$R" \
    "$(sc full) | ($(step submit) | .status == {\"202\": 2}) and ($(step download) | .status == {\"200\": 2})"
# 1.67 s + 0.82 s of jobs polled every 50 ms: ~50 polls (fewer if each poll drifts late)
jcheck "full flow: the poll repeats until the job completes (40..56 polls for 2.49 s of jobs)" "$R" \
    "$(sc full) | $(step wait) | .requests >= 40 and .requests <= 56 and .failed == 0 and .status == {\"200\": .requests}"
jcheck "full flow: downloads bring the 300 KB result twice (bytes_in >= 2 x 307200)" "$R" \
    "$(sc full) | .bytes_in >= 614400"
jcheck "full flow: transaction = job time: warm 0.82 s (min in [820,900] ms), cold 1.67 s (max in [1670,1750])" "$R" \
    "$(sc full) | .transactions[0] | .name == \"generation\" and .count == 2 and .failed == 0
     and .latency_ms.min >= 820 and .latency_ms.min <= 900 and .latency_ms.max >= 1670 and .latency_ms.max <= 1750"

# --- poll timeout: 200 ms against 0.82 s jobs -------------------------------------------
jcheck "poll timeout: both iterations fail, class poll_timeout on the wait step" "$R" \
    "$(sc poll-timeout) | .iterations == 2 and .iterations_failed == 2 and .failed == 2
     and .errors == {\"poll_timeout\": 2} and ($(step wait) | .errors == {\"poll_timeout\": 2} and .failed == 2)"
jcheck "poll timeout: polled a few times (3..5 per iteration), all 200" "$R" \
    "$(sc poll-timeout) | $(step wait) | .requests >= 6 and .requests <= 10 and .status == {\"200\": .requests}"
jcheck "poll timeout: the download never runs" "$R" "$(sc poll-timeout) | $(step download) | .requests == 0"
jcheck "poll timeout: error_examples names the step, the timeout and the state" "$R" \
    "$(sc poll-timeout) | .error_examples.poll_timeout | test(\"^wait: poll: condition not met within 0[.]2s: status is \\\"(queued|running)\\\", wanted == completed$\")"
jcheck "poll timeout: the failed transaction is counted" "$R" \
    "$(sc poll-timeout) | .transactions[0] | .count == 2 and .failed == 2"
# A poll keeps going until its deadline (the last poll exactly at it): a job finishing in
# the last interval is seen, and the step fails only after the whole 200 ms timeout.
took=$(jq "$(sc poll-timeout) | .transactions[0].latency_ms.min" "$R")
check "poll timeout: declared only after the 200 ms timeout (submit + wait took ${took} ms, want >= 200)" \
    awk -v t="$took" 'BEGIN { exit !(t >= 200) }'

# --- extract that finds nothing -----------------------------------------------------------
jcheck "extract miss: class extract on the submit step, later step never runs" "$R" \
    "$(sc extract-miss) | .iterations == 2 and .iterations_failed == 2 and .errors == {\"extract\": 2}
     and ($(step submit) | .status == {\"202\": 2} and .errors == {\"extract\": 2}) and ($(step use) | .requests == 0)"
jcheck "extract miss: the example names the step, the variable, the source and what was there" "$R" \
    "$(sc extract-miss) | .error_examples.extract | startswith(\"submit: extract 'x' from json no.such.path: nothing at that path in '{\") and contains(\"job_id\")"

# --- header and regex extracts feed later URLs --------------------------------------------
jcheck "Location header -> polled URL, regex job id -> result URL: all pass" "$R" \
    "$(sc other-extracts) | .iterations == 1 and .failed == 0 and .iterations_failed == 0
     and ($(step by-location) | .requests > 1 and .status == {\"200\": .requests})
     and ($(step by-regex) | .status == {\"200\": 1})"
jcheck "regex extract: the result download brought 300 KB" "$R" "$(sc other-extracts) | .bytes_in >= 307200"

# --- failed jobs: expect on the poll step ---------------------------------------------------
start_testbed --profile jobs --time-scale 0.01 --job-jitter 0 --fail-rate 1
timeout 30 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/fail" -q -s full
check "fail-rate 1: run exits 0" test $? -eq 0
R=$T_DIR/fail/results.json
jcheck "fail-rate 1: every iteration fails as expect on the wait step, no download" "$R" \
    ".scenarios[0] | .iterations == 2 and .iterations_failed == 2 and .errors == {\"expect\": 2}
     and ($(step wait) | .errors == {\"expect\": 2} and .failed == 2) and ($(step download) | .requests == 0)"
jcheck "fail-rate 1: the failure is seen while polling, before the 10 s poll timeout" "$R" \
    ".scenarios[0] | .transactions[0] | .failed == 2 and .latency_ms.max < 1750"
jcheck "fail-rate 1: the example names the step and the status" "$R" \
    '.scenarios[0].error_examples.expect == "wait: status is \"failed\", wanted != failed"'
