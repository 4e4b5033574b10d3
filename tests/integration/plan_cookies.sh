# plan_cookies.sh — the double-submit CSRF pattern against surge-testbed --csrf: login sets
# session and csrftoken cookies; a plan echoing ${cookie.csrftoken} in X-CSRF-Token
# passes, one without the header gets 403 counted under expect; validate --dry-run exits
# 0 and 1 on the same pair, and follows --target.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed --profile upload --csrf --work-ms 1

# the testbed itself, with curl (ground truth that does not go through surge)
JAR=$T_DIR/curl.jar
printf '\x89PNG\r\n\x1a\n0000' >"$T_DIR/p.png"
login_hdrs=$(curl -s -D - -o /dev/null -c "$JAR" -H 'Content-Type: application/json' \
    -d '{"access_code":"letmein"}' "$TB_URL/api/login" | tr -d '\r')
TOK=$(awk '$6 == "csrftoken" {print $7}' "$JAR")
check "testbed --csrf: login sets session and csrftoken (32 hex)" \
    bash -c "grep -qE '^Set-Cookie: session=[0-9a-f]{32}; Path=/; HttpOnly\$' <<<'$login_hdrs' && grep -qE '^Set-Cookie: csrftoken=[0-9a-f]{32}; Path=/; SameSite=Lax\$' <<<'$login_hdrs'"
up() { curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$@" -F "images=@$T_DIR/p.png" "$TB_URL/api/upload"; }
check "testbed --csrf: upload without X-CSRF-Token: 403" test "$(up)" = 403
check "testbed --csrf: a wrong token: 403" test "$(up -H 'X-CSRF-Token: 0000')" = 403
check "testbed --csrf: the cookie's token: 200" test "$(up -H "X-CSRF-Token: $TOK")" = 200
check "testbed --csrf: no session is still 401" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -H "X-CSRF-Token: $TOK" -F "images=@$T_DIR/p.png" "$TB_URL/api/upload")" = 401
check "testbed --csrf: logout needs it too" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -X POST "$TB_URL/api/logout")" = 403

write_plan() { # FILE TARGET UPLOAD-HEADERS
    cat >"$1" <<YAML
target: $2
data:
  pics: {generate: {type: png, count: 2, size: 1KB}}
flows:
  upload:
    - name: login
      post: /api/login
      json: {access_code: letmein}
      expect: {status: 200}
      extract:
        tok: {cookie: csrftoken}
        sess: {header: Set-Cookie, regex: 'session=([0-9a-f]+)'}
    - name: upload
      post: /api/upload
      headers: $3
      multipart: [{name: images, files: pics}]
      expect: {status: 200, json: "uploaded == 2"}
    - name: logout
      post: /api/logout
      headers: {X-CSRF-Token: "\${tok}"}
scenarios:
  - {name: s, flow: upload, executor: per-vu-iterations, vus: 2, iterations: 3}
YAML
}
write_plan "$T_DIR/ok.yaml" "$TB_URL" '{X-CSRF-Token: "${cookie.csrftoken}", X-Session: "${sess}"}'
write_plan "$T_DIR/bad.yaml" "$TB_URL" '{X-Other: "1"}'

timeout 30 "$SURGE_BIN" run "$T_DIR/ok.yaml" -o "$T_DIR/ok" -q
check "with \${cookie.csrftoken}: run exits 0" test $? -eq 0
jcheck "with the header: 18 requests, none failed, every iteration ok" "$T_DIR/ok/results.json" \
    '.scenarios[0].requests == 18 and .scenarios[0].failed == 0 and .scenarios[0].iterations == 6 and .scenarios[0].iterations_failed == 0'
jcheck "with the header: the testbed said 200 to all 18" "$T_DIR/ok/results.json" '.scenarios[0].status["200"] == 18'

timeout 30 "$SURGE_BIN" run "$T_DIR/bad.yaml" -o "$T_DIR/bad" -q
jcheck "without the header: every upload 403, counted under expect" "$T_DIR/bad/results.json" \
    '.scenarios[0].status["403"] == 6 and .scenarios[0].errors.expect == 6 and (.scenarios[0].steps[] | select(.name == "upload") | .failed) == 6'
jcheck "without the header: the example names the step and the 403" "$T_DIR/bad/results.json" \
    '.scenarios[0].error_examples.expect == "upload: status 403 not expected"'
jcheck "without the header: logins still pass" "$T_DIR/bad/results.json" \
    '(.scenarios[0].steps[] | select(.name == "login") | .failed) == 0'

# dry runs: one VU, one iteration per flow, the trace on stderr
mkdir "$T_DIR/cwd"
(cd "$T_DIR/cwd" && timeout 30 "$SURGE_BIN" validate "$T_DIR/ok.yaml" --dry-run >"$T_DIR/dry.out" 2>"$T_DIR/dry.err")
check "validate --dry-run: every step held, exit 0" test $? -eq 0
check "validate --dry-run: the verdict per flow on stdout" grep -qx "$T_DIR/ok.yaml: flow upload: ok (3 requests, 0 failed)" "$T_DIR/dry.out"
check "validate --dry-run: 3 traced requests, one iteration" test "$(grep -c '^--- trace [0-9]*: scenario upload, flow upload, VU 1, iteration 1, step' "$T_DIR/dry.err")" -eq 3
check "validate --dry-run: the csrf token went out in the header and its cookie redacted" \
    bash -c "grep -qE '^> X-CSRF-Token: [0-9a-f]{4}\\.\\.\\.\\(32 bytes\\)\$' '$T_DIR/dry.err' && grep -qE '^> Cookie: session=[0-9a-f]{4}\\.\\.\\.\\(32 bytes\\); csrftoken=[0-9a-f]{4}\\.\\.\\.\\(32 bytes\\)\$' '$T_DIR/dry.err'"
check "validate --dry-run: the extract took the cookie (redacted)" grep -qE '^= extract tok = [0-9a-f]{4}\.\.\.\(32 bytes\)$' "$T_DIR/dry.err"
check "validate --dry-run: writes no out dir" test -z "$(ls -A "$T_DIR/cwd")"

timeout 30 "$SURGE_BIN" validate "$T_DIR/bad.yaml" --dry-run >"$T_DIR/dry2.out" 2>"$T_DIR/dry2.err"
check "validate --dry-run: a 403 fails it, exit 1" test $? -eq 1
check "validate --dry-run: the failed step and the 403 body in the trace" \
    bash -c "grep -q '^= FAILED (expect): status 403 not expected' '$T_DIR/dry2.err' && grep -q '^< {\"error\":\"CSRF token missing' '$T_DIR/dry2.err'"
check "validate --dry-run: FAILED on stdout" grep -q "flow upload: FAILED (2 requests, 1 failed)" "$T_DIR/dry2.out"

write_plan "$T_DIR/elsewhere.yaml" "http://127.0.0.1:1" '{X-CSRF-Token: "${cookie.csrftoken}"}'
timeout 30 "$SURGE_BIN" validate "$T_DIR/elsewhere.yaml" --dry-run --target "$TB_URL" >/dev/null 2>"$T_DIR/dry3.err"
check "validate --dry-run --target: goes to the override, exit 0" test $? -eq 0
check "validate --dry-run --target: the Host is the override's" grep -q "^> Host: 127.0.0.1:$TB_PORT\$" "$T_DIR/dry3.err"

"$SURGE_BIN" run "$T_DIR/ok.yaml" --dry-run >/dev/null 2>"$T_DIR/dry4.err"
check "run --dry-run is bad usage (exit 2)" test $? -eq 2
"$SURGE_BIN" run "$T_DIR/ok.yaml" --trace 0 >/dev/null 2>"$T_DIR/tr0.err"
check "--trace 0 is bad usage naming the flag" bash -c "[ $? -eq 2 ] && grep -q -- '--trace' '$T_DIR/tr0.err'"
"$SURGE_BIN" validate "$T_DIR/ok.yaml" --trace 2 >/dev/null 2>"$T_DIR/tr1.err"
check "validate --trace without --dry-run is bad usage" bash -c "[ $? -eq 2 ] && grep -q -- '--dry-run' '$T_DIR/tr1.err'"
timeout 30 "$SURGE_BIN" validate "$T_DIR/ok.yaml" --dry-run --trace 1 >/dev/null 2>"$T_DIR/dry5.err"
check "validate --dry-run --trace 1: one exchange printed, still exit 0" \
    bash -c "[ $? -eq 0 ] && [ \$(grep -c '^--- trace' '$T_DIR/dry5.err') -eq 1 ]"
