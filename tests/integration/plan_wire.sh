# plan_wire.sh — the exact bytes a flow puts on the wire, recorded by a loopback server:
# request lines with templated paths and encoded queries, headers (defaults once, then the
# step's), cookies sent back, and each body kind (form, JSON, text, payload, multipart).
source "$(dirname "$0")/../lib/harness.sh"
PY=$(python3 -c 'import sys; print(sys.executable)')
"$PY" tests/lib/recorder.py "$T_DIR/port" "$T_DIR/rec.jsonl" &
T_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$T_DIR/port" ] && break; sleep 0.05; done
PORT=$(cat "$T_DIR/port")
printf 'hello file\n' >"$T_DIR/note.txt"
cat >"$T_DIR/wire.yaml" <<YAML
target: http://127.0.0.1:$PORT/base
defaults: {headers: {X-Default: d}}
vars: {who: "a b"}
data:
  note: {file: note.txt}
  img: {generate: {type: png, count: 2, size: 2KB}}
flows:
  f:
    - name: first
      get: /items/\${vu}
      query: {q: "\${who}&c", n: "1"}
      extract: {id: id}
    - name: form
      post: /form/\${id}?x=/y
      form: {a: "x y", b: "1&2=3"}
    - name: json
      put: /json
      json: {name: "\${who}", n: 1, list: [1, "two"]}
    - name: text
      patch: /text
      headers: {Content-Type: text/csv, X-Default: override}
      body: "a,b\\n1,2"
    - name: payload
      post: /file
      body: "@note"
    - name: multipart
      post: /mp
      multipart: [{name: who, value: "\${who}"}, {name: pics, files: img}]
    - name: head
      head: /h
scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}]
YAML
timeout 20 "$SURGE_BIN" run "$T_DIR/wire.yaml" -o "$T_DIR/out" -q
check "run exits 0 and every step passed" jq -e '.scenarios[0].failed == 0 and .scenarios[0].iterations == 1' "$T_DIR/out/results.json"
R=$T_DIR/rec.jsonl
req() { sed -n "${1}p" "$R"; }
check "7 requests recorded" test "$(wc -l <"$R")" -eq 7
hd() { req "$1" | jq -r .head | tr -d '\r'; }
check "GET: templated path, base path kept, query encoded" \
    test "$(hd 1 | head -1)" = "GET /base/items/1?q=a+b%26c&n=1 HTTP/1.1"
check "GET: Host, User-Agent, the default header once, no body headers" \
    test "$(hd 1 | tail -n +2 | tr -d '\r')" = "$(printf 'Host: 127.0.0.1:%s\nUser-Agent: surge/%s\nX-Default: d' "$PORT" "$("$SURGE_BIN" --version | cut -d' ' -f2)")"
check "form: extracted id in the path, the cookie from the first response sent back" \
    bash -c "[ \"\$(echo '$(hd 2 | head -1)')\" = 'POST /base/form/42?x=/y HTTP/1.1' ] && grep -q '^Cookie: .*sid=abc123' <<<'$(hd 2)'"
check "a cookie with Path=/base/form/42 comes back on /base/form/42?x=/y, not on /base/json" \
    bash -c "grep -q '^Cookie: .*scoped=1' <<<'$(hd 2)' && ! grep -q 'scoped=1' <<<'$(hd 3)'"
check "form: urlencoded body" test "$(req 2 | jq -r .body)" = "a=x+y&b=1%262%3D3"
check "form: content type" grep -q "^Content-Type: application/x-www-form-urlencoded" <<<"$(hd 2 | tr -d '\r')"
check "json: compact JSON with the variable expanded" test "$(req 3 | jq -r .body)" = '{"name":"a b","n":1,"list":[1,"two"]}'
check "json: PUT with application/json" bash -c "grep -q '^PUT /base/json ' <<<'$(hd 3)' && grep -q '^Content-Type: application/json' <<<'$(hd 3 | tr -d '\r')'"
check "text: the step's header replaces the default, its Content-Type kept" \
    bash -c "t='$(hd 4 | tr -d '\r')'; grep -q '^X-Default: override' <<<\"\$t\" && ! grep -q '^X-Default: d\$' <<<\"\$t\" && grep -q '^Content-Type: text/csv' <<<\"\$t\""
check "text: body as written" test "$(req 4 | jq -r .body)" = "$(printf 'a,b\n1,2')"
check "payload: the file's bytes, its content type" \
    bash -c "[ '$(req 5 | jq -r .body_sha)' = '$(sha256sum "$T_DIR/note.txt" | cut -d' ' -f1)' ] && grep -q '^Content-Type: text/plain' <<<'$(hd 5 | tr -d '\r')'"
mp_head=$(hd 6 | tr -d '\r')
check "multipart: boundary in the Content-Type" grep -qE '^Content-Type: multipart/form-data; boundary=surge-[0-9A-Za-z]{32}$' <<<"$mp_head"
check "multipart: Content-Length is the body's length, 2 images inside" \
    test "$(req 6 | jq .body_len)" -gt 4000
check "HEAD: no body, no Content-Length" bash -c "grep -q '^HEAD /base/h ' <<<'$(hd 7)' && ! grep -qi '^content-length' <<<'$(hd 7 | tr -d '\r')'"
