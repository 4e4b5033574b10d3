#!/usr/bin/env bash
# secrets.sh — a secret planted in the environment (${env.*}) and in secret headers
# (Authorization, Cookie, X-Api-Key, X-Auth-Token, X-Client-Secret, and X-Session named
# in defaults.redact) never appears in
# any output: --trace, the summary, error examples, results.json, series.ndjson, the
# reports, the CSV/JUnit files. Grepped for in every byte surge wrote.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh
S=$SURGE_BIN
start_testbed
export SURGE_PLANTED='s3cr3t-PLANTED-7f1d'
HDR='hdr-PLANTED-9c2e'
cat >"$T_DIR/p.yaml" <<YAML
target: $TB_URL
defaults:
  headers: {Authorization: "Bearer $HDR-auth", X-Api-Key: "$HDR-key", X-Client-Secret: "$HDR-sec", X-Session: "$HDR-sess"}
  redact: [X-Session]
flows:
  f:
    - name: env_everywhere
      post: "/echo?k=\${env.SURGE_PLANTED}"
      headers: {X-Plain: "\${env.SURGE_PLANTED}", X-Auth-Token: "$HDR-tok", Cookie: "sid=$HDR-cookie"}
      json: {password: "\${env.SURGE_PLANTED}"}
    - name: expect_fails
      get: /echo
      expect: {body: "\${env.SURGE_PLANTED}"}
scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 3}]
YAML
"$S" run "$T_DIR/p.yaml" -t 1 --trace 10 -o "$T_DIR/out" >"$T_DIR/stdout" 2>"$T_DIR/stderr"
check plan_ran test -s "$T_DIR/out/results.json"
jcheck plan_expect_failed "$T_DIR/out/results.json" '.scenarios[0].errors.expect == 3 and (.scenarios[0].error_examples.expect | test("secret"))'
check plan_trace_printed grep -q -- '--- trace 1' "$T_DIR/stderr"
check plan_trace_shows_redacted grep -q '^> X-Plain: ...(secret)$' "$T_DIR/stderr"
check plan_trace_redact_list grep -qE '^> X-Session: hdr-\.\.\.\([0-9]+ bytes\)$' "$T_DIR/stderr"
"$S" report "$T_DIR/out" >/dev/null 2>&1
for what in "$SURGE_PLANTED" "$HDR"; do
    check "plan_no_${what%%-*}_anywhere" sh -c "! grep -r -a -l -F -- '$what' '$T_DIR/out' '$T_DIR/stdout' '$T_DIR/stderr'"
done
# quick mode: secret headers in --trace
"$S" -n 2 -c 1 --trace 2 -H "Authorization: Bearer $HDR-q" -H "X-Api-Key: $HDR-q2" \
    -H "X-Refresh-Token: $HDR-q3" --json "$T_DIR/q.json" "$TB_URL/echo" >"$T_DIR/qout" 2>"$T_DIR/qerr"
check quick_trace_printed grep -q -- '--- trace 1' "$T_DIR/qerr"
check quick_no_secret_header sh -c "! grep -a -F -- '$HDR' '$T_DIR/qerr' '$T_DIR/qout' '$T_DIR/q.json'"
check quick_api_key_redacted grep -qE '^> X-Api-Key: hdr-\.\.\.\([0-9]+ bytes\)' "$T_DIR/qerr"
