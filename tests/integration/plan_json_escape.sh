# plan_json_escape.sh — a json: body whose ${} values are hostile (quotes, backslashes,
# control characters, non-ASCII, an injection attempt, an env secret with a quote) goes
# on the wire as valid JSON of the plan's shape, each value exactly as given.
source "$(dirname "$0")/../lib/harness.sh"
PY=$(python3 -c 'import sys; print(sys.executable)')
"$PY" tests/lib/recorder.py "$T_DIR/port" "$T_DIR/rec.jsonl" &
T_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$T_DIR/port" ] && break; sleep 0.05; done
PORT=$(cat "$T_DIR/port")
cat >"$T_DIR/j.yaml" <<YAML
target: http://127.0.0.1:$PORT
vars:
  q: 'say "hi" \\ C:\\dir\\'
  inject: '","admin":true,"x":"'
  ctl: "tab\tnl\ncr\rbell\u0007"
  utf: "héllo € 😀"
flows:
  f:
    - name: j
      post: /j
      json: {q: "\${q}", inject: "<\${inject}>", ctl: "\${ctl}", utf: "\${utf}", env: "\${env.SURGE_JSON_SECRET}", n: 3, ok: true, "\${q}": [1]}
scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}]
YAML
SURGE_JSON_SECRET='p"w\d' timeout 20 "$SURGE_BIN" run "$T_DIR/j.yaml" -o "$T_DIR/out" -q
check "run exits 0" jq -e '.scenarios[0].requests == 1' "$T_DIR/out/results.json"
B=$T_DIR/body.json
jq -r '.body' "$T_DIR/rec.jsonl" | head -1 | iconv -f utf-8 -t latin1 >"$B" # the recorder keeps bytes as latin-1
check "the body is valid JSON" jq -e . "$B"
check "same shape: 8 keys, typed number and bool" jq -e '(keys | length) == 8 and .n == 3 and .ok == true' "$B"
check "quotes and backslashes intact" jq -e '.q == "say \"hi\" \\ C:\\dir\\" and .["say \"hi\" \\ C:\\dir\\"] == [1]' "$B"
check "an injection stays inside its string" jq -e '.inject == "<\",\"admin\":true,\"x\":\">" and (has("admin") | not)' "$B"
check "control characters escaped and intact" jq -e '.ctl == "tab\tnl\ncr\rbell\u0007"' "$B"
check "non-ASCII intact" jq -e '.utf == "héllo € 😀"' "$B"
check "env value escaped" jq -e '.env == "p\"w\\d"' "$B"
