# plan_flows.sh — multi-step flows against surge-testbed's upload profile: log in with
# an access code from the environment, keep the session cookie, upload 30 generated
# JPEGs in one multipart request, check JSON expectations; failures are named.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed --profile upload --access-code s3cret --work-ms 1

P=$T_DIR/flow.yaml
cat >"$P" <<'YAML'
target: http://127.0.0.1:1
vars:
  code: ${env.PLAN_TEST_CODE}
data:
  photos: {generate: {type: jpeg, count: 30, size: 20KB}}
  notes: {generate: {type: png, count: 2, size: 2KB}}
flows:
  upload:
    - name: login
      post: /api/login
      json: {access_code: "${code}"}
      expect: {status: 200}
      extract: {cookie: {header: Set-Cookie}, sid: {regex: '"active_sessions":([0-9]+)', group: 1}}
    - name: upload
      post: /api/upload
      headers: {X-Session-Seen: "${sid}"}
      query: {vu: "${vu}", note: "a b&c"}
      multipart:
        - {name: images, files: photos}
        - {name: who, value: "vu ${vu} iteration ${iteration}"}
      expect: {status: 200, json: "uploaded == 30 && rejected == 0"}
    - name: mixed
      post: /api/upload
      multipart: [{name: images, files: notes}]
      expect: {json: "uploaded == 2"}
  no-login:
    - name: upload
      post: /api/upload
      multipart: [{name: images, files: notes}]
      expect: {status: 401}
scenarios:
  - {name: flow, flow: upload, executor: per-vu-iterations, vus: 3, iterations: 2}
  - {name: expected-401, flow: no-login, executor: per-vu-iterations, vus: 1, iterations: 3}
YAML
PLAN_TEST_CODE=s3cret timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/ok" -q
check "run exits 0" test $? -eq 0
R=$T_DIR/ok/results.json
jcheck "login, cookie, 30-file upload: every step passes" "$R" \
    '.scenarios[0] | .iterations == 6 and .iterations_failed == 0 and .failed == 0 and ([.steps[].requests] == [6,6,6])'
jcheck "an expected 401 is not a failure" "$R" \
    '.scenarios[1] | .iterations == 3 and .failed == 0 and .steps[0].status["401"] == 3'
jcheck "bytes out include the 30 images (~600 KB per upload)" "$R" \
    '.scenarios[0].steps[1] as $s | $s.requests == 6 and (.scenarios[0].bytes_out / 6) > 600000'

# a wrong access code: login fails its expectation, the iteration stops there
PLAN_TEST_CODE=wrong timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/bad" -q -s flow
R=$T_DIR/bad/results.json
jcheck "wrong code: login fails as expect with status 401, later steps never run" "$R" \
    '.scenarios[0] | .iterations == 6 and .iterations_failed == 6 and .steps[0].errors.expect == 6
     and .steps[0].status["401"] == 6 and .steps[1].requests == 0'
jcheck "wrong code: the reason names the step and the status" "$R" \
    '.scenarios[0].error_examples.expect == "login: status 401 not expected"'

# the other body kinds: a urlencoded form (login), a text body, and a payload sent as the
# whole body (the jobs service takes a raw image)
start_testbed --profile all --access-code "f&rm c=de" --time-scale 0.001
cat >"$T_DIR/bodies.yaml" <<'YAML'
target: http://127.0.0.1:1
data:
  img: {generate: {type: png, count: 1, size: 4KB}}
flows:
  f:
    - name: form login
      post: /api/login
      form: {access_code: "f&rm c=de"}
      expect: {status: 200, json: "success == true"}
    - name: text body
      post: /api/login
      headers: {Content-Type: application/json}
      body: '{"access_code": "f&rm c=de"}'
      expect: {status: 200}
    - name: raw image
      post: /api/generate
      body: "@img"
      expect: {status: 202, json: "job_id exists"}
scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 2, iterations: 2}]
YAML
timeout 30 "$SURGE_BIN" run "$T_DIR/bodies.yaml" --target "$TB_URL" -o "$T_DIR/bodies" -q
jcheck "form (urlencoded, with & and space), text and @payload bodies all accepted" \
    "$T_DIR/bodies/results.json" '.scenarios[0] | .iterations == 4 and .failed == 0 and ([.steps[].requests] == [4,4,4])'
jcheck "the @payload body carries the 4 KB image" "$T_DIR/bodies/results.json" \
    '.scenarios[0].bytes_out > 4 * 4000'

# default headers are sent once per request: exactly their bytes more per request
cat >"$T_DIR/h0.yaml" <<'YAML'
target: http://127.0.0.1:1
flows: {f: [{name: e, get: /echo}]}
scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 10}]
YAML
{ echo 'defaults: {headers: {X-Default: abc}}'; cat "$T_DIR/h0.yaml"; } >"$T_DIR/h1.yaml"
"$SURGE_BIN" run "$T_DIR/h0.yaml" --target "$TB_URL" -o "$T_DIR/h0" -q
"$SURGE_BIN" run "$T_DIR/h1.yaml" --target "$TB_URL" -o "$T_DIR/h1" -q
b0=$(jq '.scenarios[0].bytes_out' "$T_DIR/h0/results.json")
jcheck "a default header adds exactly 'X-Default: abc\r\n' (16 bytes) to each request" \
    "$T_DIR/h1/results.json" ".scenarios[0].bytes_out - $b0 == 160"

# the environment variable must exist: a load error, before any traffic
unset PLAN_TEST_CODE
"$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/none" -q >"$T_DIR/noenv.out" 2>&1
check "missing env var: exit 2" test $? -eq 2
check "missing env var: FILE:LINE:COL names it" grep -qE "flow.yaml:3:[0-9]+: .*PLAN_TEST_CODE" "$T_DIR/noenv.out"
check "missing env var: no results written" test ! -e "$T_DIR/none/results.json"
