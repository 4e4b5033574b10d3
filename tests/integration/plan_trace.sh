# plan_trace.sh — against a recording server (tests/lib/recorder.py: every answer sets
# sid=abc123 at / and scoped=1 at /base/form/42, body {"id":"42"}): extracts combining
# header/json/cookie with a regex, the exact Cookie header when a step's own Cookie pairs
# meet the jar, cookies: {clear, set}, ${cookie.NAME@/path}, a failed extract's example,
# and --trace output against a golden file (redacted, ports and version normalised).
source "$(dirname "$0")/../lib/harness.sh"
PY=$(python3 -c 'import sys; print(sys.executable)')
"$PY" tests/lib/recorder.py "$T_DIR/port" "$T_DIR/rec.jsonl" &
T_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$T_DIR/port" ] && break; sleep 0.05; done
PORT=$(cat "$T_DIR/port")
GOLDEN=$(dirname "$0")/golden/trace.txt

cat >"$T_DIR/t.yaml" <<YAML
target: http://127.0.0.1:$PORT/base
defaults: {headers: {Cookie: "pref=dflt"}}
flows:
  f:
    - name: first
      get: /a
      headers: {Authorization: "Bearer secret-token-123"}
      extract:
        scoped: {header: Set-Cookie, regex: 'scoped=([0-9]+)'}
        idpart: {json: id, regex: '^(4)'}
        whole: {json: id, regex: '[0-9]'}
        sid: {cookie: sid}
        sidpart: {cookie: sid, regex: 'c(1.)'}
        firstline: {header: set-cookie}
    - name: merge
      get: "/x?a=\${scoped}&b=\${idpart}&w=\${whole}&c=\${sid}&d=\${sidpart}"
      headers: {Cookie: "sid=mine; extra=1", X-Line: "\${firstline}", X-C: "\${cookie.sid}"}
    - name: scoped
      post: /form/42
      body: "s=\${cookie.scoped}&p=\${cookie.scoped@/base/form/42}"
    - name: fresh
      get: /y
      cookies: {clear: true, set: {pref: "v\${vu}", theme: dark}}
scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}]
YAML
timeout 20 "$SURGE_BIN" run "$T_DIR/t.yaml" -o "$T_DIR/out" -q --trace 3 2>"$T_DIR/trace.raw"
check "run exits 0, every step passed" jq -e '.scenarios[0].failed == 0 and .scenarios[0].requests == 4' "$T_DIR/out/results.json"
R=$T_DIR/rec.jsonl
hd() { sed -n "${1}p" "$R" | jq -r .head | tr -d '\r'; }
check "extracts: header+regex on the 2nd Set-Cookie line, json+regex group and whole match, cookie, cookie+regex" \
    test "$(hd 2 | head -1)" = "GET /base/x?a=1&b=4&w=4&c=abc123&d=12 HTTP/1.1"
check "extract header without regex: the first line, as sent back in a header" \
    grep -qx 'X-Line: sid=abc123; Path=/' <<<"$(hd 2)"
check "\${cookie.sid} in a header" grep -qx 'X-C: abc123' <<<"$(hd 2)"
check "first request: the default Cookie alone (jar empty)" grep -qx 'Cookie: pref=dflt' <<<"$(hd 1)"
check "merge: the step's pairs first and winning by name, the jar's sid dropped, no second Cookie header" \
    bash -c "[ \"\$(grep -c '^Cookie:' <<<'$(hd 2)')\" = 1 ] && grep -qx 'Cookie: sid=mine; extra=1' <<<'$(hd 2)'"
check "merge: the default's pairs, then the jar's in RFC 6265 order (longer path first)" \
    grep -qx 'Cookie: pref=dflt; scoped=1; sid=abc123' <<<"$(hd 3)"
check "\${cookie.NAME} ignores the path, @/path names it" \
    test "$(sed -n 3p "$R" | jq -r .body)" = "s=1&p=1"
check "cookies: clear then set: only the set ones; the default's explicit pref wins over the jar's" \
    grep -qx 'Cookie: pref=dflt; theme=dark' <<<"$(hd 4)"

# the trace: first 3 requests, Authorization and cookies redacted, extract values listed
sed -e "s/127\.0\.0\.1:$PORT/127.0.0.1:PORT/g" -e 's|surge/[0-9][0-9.a-z-]*|surge/VERSION|' \
    "$T_DIR/trace.raw" >"$T_DIR/trace.txt"
if [ -n "${SURGE_UPDATE_GOLDEN:-}" ]; then cp "$T_DIR/trace.txt" "$GOLDEN"; fi
check "--trace 3: output as the golden file tests/integration/golden/trace.txt" \
    diff -u "$GOLDEN" "$T_DIR/trace.txt"
check "--trace: Authorization, Cookie and Set-Cookie values never in full" \
    bash -c "! grep -q 'secret-token' '$T_DIR/trace.txt' && ! grep -E '^[<>] (Set-)?Cookie:' '$T_DIR/trace.txt' | grep -qE 'abc123|dflt|extra=1|mine'"

# a failed extract names the step, the source and what was there
cat >"$T_DIR/fail.yaml" <<YAML
target: http://127.0.0.1:$PORT
flows:
  h: [{name: hdr, get: /h, extract: {x: {header: Set-Cookie, regex: 'nomatch=(.*)'}}}]
  j: [{name: js, get: /j, extract: {x: {json: missing.path}}}]
  c: [{name: ck, get: /c, extract: {x: {cookie: nope}}}]
  b: [{name: bd, get: /b, extract: {x: {regex: 'zzz([0-9]+)'}}}]
  m: [{name: m, get: "/m?\${cookie.absent}"}]
scenarios:
  - {name: h, flow: h, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: j, flow: j, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: c, flow: c, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: b, flow: b, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: m, flow: m, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
timeout 20 "$SURGE_BIN" run "$T_DIR/fail.yaml" -o "$T_DIR/fail" -q
F=$T_DIR/fail/results.json
jcheck "extract header+regex: the lines it saw, redacted" "$F" \
    '.scenarios[0].error_examples.extract == "hdr: extract '"'"'x'"'"' from header Set-Cookie: the regex did not match '"'"'sid=...(6 bytes); Path=/'"'"' (nor 1 more line)"'
jcheck "extract json: the path and the body" "$F" \
    '.scenarios[1].error_examples.extract == "js: extract '"'"'x'"'"' from json missing.path: nothing at that path in '"'"'{\"id\":\"42\"}'"'"'"'
jcheck "extract cookie: what the jar holds, redacted" "$F" \
    '.scenarios[2].error_examples.extract == "ck: extract '"'"'x'"'"' from cookie nope: not in the jar, which has '"'"'sid=...(6 bytes)'"'"'"'
jcheck "extract regex on the body: the body" "$F" \
    '.scenarios[3].error_examples.extract == "bd: extract '"'"'x'"'"' from body: the regex did not match '"'"'{\"id\":\"42\"}'"'"'"'
jcheck "a missing cookie is a template failure naming it" "$F" \
    '.scenarios[4].errors.template == 1 and (.scenarios[4].error_examples.template | test("no cookie .absent."))'

# quick mode: the first connection's first N exchanges, then the run goes on
timeout 20 "$SURGE_BIN" -n 6 -c 2 -t 1 --trace 2 -H "Authorization: Basic dXNlcjpwYXNz" \
    --json "$T_DIR/q.json" -q "http://127.0.0.1:$PORT/q" 2>"$T_DIR/q.err"
check "quick --trace 2: the run went on (6 requests)" jq -e '.scenarios[0].requests == 6' "$T_DIR/q.json"
check "quick --trace 2: two exchanges of connection 1" \
    test "$(grep -c '^--- trace [12]: quick, connection 1 ---$' "$T_DIR/q.err")" -eq 2 -a "$(grep -c '^--- trace' "$T_DIR/q.err")" -eq 2
check "quick --trace: Authorization and Set-Cookie redacted, the body shown" \
    bash -c "grep -qx '> Authorization: Basi...(18 bytes)' '$T_DIR/q.err' && grep -qx '< Set-Cookie: sid=...(6 bytes); Path=/' '$T_DIR/q.err' && grep -qx '< {\"id\":\"42\"}' '$T_DIR/q.err'"
