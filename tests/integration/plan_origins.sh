# plan_origins.sh — request steps on a second origin (absolute URLs on another host):
# a testbed on 127.0.0.1 (the target) and one on 127.0.0.2; a flow that logs in on the
# second and gets on both. Counts per origin (the testbeds' own /metrics), one keep-alive
# connection per VU and origin, cookies kept per host, a refused second origin counted
# as connect_refused while the target's steps pass, bad origins refused at load.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed
T1=$TB_URL
log2="$T_DIR/tb2.log"
"$TESTBED_BIN" --listen 127.0.0.2:0 --profile upload >"$log2" 2>&1 &
T_PIDS+=("$!")
wait_line "$log2" '^listening on http://' 10 || { echo "FAIL plan_origins: second testbed did not start: $(cat "$log2")"; exit 1; }
T2=$(grep -oE 'http://[0-9.:]+' "$log2" | head -1)

cat >"$T_DIR/two.yaml" <<YAML
target: $T1
flows:
  f:
    - name: login
      post: $T2/api/login
      json: {access_code: letmein}
      expect: {status: 200}
      extract:
        sess: {cookie: session}
    - {name: here, get: /echo}
    - {name: there, get: "$T2/echo?size=\${vu}", expect: {status: 200}}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 2, iterations: 5}
YAML
timeout 30 "$SURGE_BIN" run "$T_DIR/two.yaml" -t 1 -o "$T_DIR/two" -q
check "two origins: run exits 0" test $? -eq 0
R=$T_DIR/two/results.json
jcheck "two origins: 30 requests, none failed" "$R" \
    '.scenarios[0].requests == 30 and .scenarios[0].failed == 0 and .scenarios[0].iterations == 10'
jcheck "two origins: 10 per step" "$R" '[.scenarios[0].steps[] | .requests] == [10, 10, 10]'
jcheck "two origins: 4 connections for 30 requests (one per VU and origin, kept alive)" "$R" \
    '.scenarios[0].connects == 4'
curl -s "$T1/metrics" >"$T_DIR/m1"; curl -s "$T2/metrics" >"$T_DIR/m2"
check "the target got the 10 /echo and no login" \
    bash -c "grep -qxF 'http_requests_total{route=\"/echo\",code=\"200\"} 10' '$T_DIR/m1' && ! grep -qF 'route=\"/api/login\"' '$T_DIR/m1'"
check "the second origin got 10 logins and 10 /echo" \
    bash -c "grep -qxF 'http_requests_total{route=\"/api/login\",code=\"200\"} 10' '$T_DIR/m2' && grep -qxF 'http_requests_total{route=\"/echo\",code=\"200\"} 10' '$T_DIR/m2'"

# the wire: Host is each origin's; the session cookie goes back to its host only
timeout 30 "$SURGE_BIN" validate "$T_DIR/two.yaml" --dry-run >"$T_DIR/dry.out" 2>"$T_DIR/dry.err"
check "dry run: exit 0" grep -qx "$T_DIR/two.yaml: flow f: ok (3 requests, 0 failed)" "$T_DIR/dry.out"
awk '/^--- trace/ {n++} {print > ("'"$T_DIR"'/req" n)}' "$T_DIR/dry.err"
check "dry run: the login goes to the second origin in origin form" \
    bash -c "grep -q '^> POST /api/login HTTP/1.1' '$T_DIR/req1' && grep -qx '> Host: ${T2#http://}' '$T_DIR/req1'"
check "dry run: the target's step has the target's Host and no cookie" \
    bash -c "grep -qx '> Host: ${T1#http://}' '$T_DIR/req2' && ! grep -q '^> Cookie' '$T_DIR/req2'"
check "dry run: the second origin's next step sends its session cookie back" \
    bash -c "grep -qx '> Host: ${T2#http://}' '$T_DIR/req3' && grep -q '^> Cookie: session=' '$T_DIR/req3'"

# ${cookie.NAME} means the target's jar: the second origin's session is not there
cat >"$T_DIR/ck.yaml" <<YAML
target: $T1
flows:
  f:
    - {name: login, post: $T2/api/login, json: {access_code: letmein}}
    - {name: here, get: /echo, headers: {X-S: "\${cookie.session}"}}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 2}
YAML
timeout 30 "$SURGE_BIN" run "$T_DIR/ck.yaml" -t 1 -o "$T_DIR/ck" -q
jcheck "\${cookie.session} on the target: not in its jar (template error, no request)" "$T_DIR/ck/results.json" \
    '.scenarios[0].errors.template == 2 and (.scenarios[0].error_examples.template | test("no cookie .session. in the jar for this target"))'

# a refused second origin: its steps fail as connect_refused, the target's pass
DEAD=$(free_port)
cat >"$T_DIR/dead.yaml" <<YAML
target: $T1
flows:
  f:
    - {name: here, get: /echo}
    - {name: gone, get: "http://127.0.0.2:$DEAD/x"}
scenarios:
  - {name: s, flow: f, executor: constant-vus, vus: 2, duration: 2s}
YAML
start=$(date +%s)
timeout 30 "$SURGE_BIN" run "$T_DIR/dead.yaml" -t 1 -o "$T_DIR/dead" -q
check "refused second origin: the run ends by itself (no unreachable abort: the target answers)" \
    test $(($(date +%s) - start)) -le 15
R=$T_DIR/dead/results.json
jcheck "refused second origin: classified connect_refused, every request accounted" "$R" \
    '.scenarios[0].errors.connect_refused > 0 and .scenarios[0].requests == (.scenarios[0].ok // (.scenarios[0].requests - .scenarios[0].failed)) + .scenarios[0].failed and .scenarios[0].failed == .scenarios[0].errors.connect_refused'
jcheck "refused second origin: the target's step all ok" "$R" \
    '(.scenarios[0].steps[] | select(.name == "here") | .failed == 0 and .requests > 0)'

# bad origins: refused before any request, at the URL's place, exit 2
cat >"$T_DIR/nx.yaml" <<YAML
target: $T1
flows:
  f:
    - {name: here, get: /echo}
    - {name: nx, get: "http://surge-test.invalid:8080/x"}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 1, iterations: 1}
YAML
timeout 30 "$SURGE_BIN" run "$T_DIR/nx.yaml" -o "$T_DIR/nx" -q 2>"$T_DIR/nx.err"
check "unresolvable second host: exit 2" test $? -eq 2
check "unresolvable second host: FILE:LINE:COL and the host" \
    grep -qE "^surge: $T_DIR/nx.yaml:5:[0-9]+: cannot resolve host 'surge-test.invalid'" "$T_DIR/nx.err"
{ echo 'vars: {host: 127.0.0.2}'
  sed 's|"http://surge-test.invalid:8080/x"|"http://${host}/x"|' "$T_DIR/nx.yaml"; } >"$T_DIR/tv.yaml"
timeout 30 "$SURGE_BIN" validate "$T_DIR/tv.yaml" >/dev/null 2>"$T_DIR/tv.err"
check "a \${} in the origin: validate exits 2" test $? -eq 2
check "a \${} in the origin: said at its place" \
    grep -qE '^'"$T_DIR"'/tv.yaml:6:[0-9]+: .*write the scheme, host and port' "$T_DIR/tv.err"

# the descriptor check counts one connection per VU and origin
sed 's/per-vu-iterations, vus: 2, iterations: 5/constant-vus, vus: 100, duration: 1s/' "$T_DIR/two.yaml" >"$T_DIR/fds.yaml"
(ulimit -n 200 && exec timeout 30 "$SURGE_BIN" run "$T_DIR/fds.yaml" -q -o "$T_DIR/fds") 2>"$T_DIR/fds.err"
check "fd check: exit 2" test $? -eq 2
check "fd check: 100 VUs on two origins need 200 connections, said before any load" \
    bash -c "grep -q \"scenario 's' (100 VUs, 2 connections each: the target and 1 other origin) needs about 264 file descriptors\" '$T_DIR/fds.err' && test ! -e '$T_DIR/fds/results.json'"

# an https second origin (nginx on 127.0.0.2, a throwaway CA): its certificate is checked
# for its own host with defaults.cacert; without that CA its steps fail as tls
if nginx -V 2>&1 | grep -q -- '--with-http_ssl_module'; then
    C=$T_DIR/certs
    mkdir -p "$C" && chmod 755 "$C"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=surge origins test CA" \
        -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -subj "/CN=server" -keyout "$C/server.key" \
        -out "$C/server.csr" 2>/dev/null
    openssl x509 -req -in "$C/server.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
        -days 2 -sha256 -out "$C/server.pem" \
        -extfile <(printf 'subjectAltName=IP:127.0.0.2\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n') 2>/dev/null
    chmod 644 "$C"/*
    TLS_PORT=$(free_port)
    start_nginx "
        listen 127.0.0.2:$TLS_PORT ssl;
        ssl_certificate $C/server.pem;
        ssl_certificate_key $C/server.key;
    "
    for _ in $(seq 1 40); do curl -s --cacert "$C/ca.pem" -o /dev/null "https://127.0.0.2:$TLS_PORT/1k" && break; sleep 0.1; done
    tls_plan() { # FILE DEFAULTS
        cat >"$1" <<YAML
target: $T1
defaults: $2
flows:
  f:
    - {name: here, get: /echo}
    - {name: secure, get: "https://127.0.0.2:$TLS_PORT/1k"}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 2, iterations: 3}
YAML
    }
    tls_plan "$T_DIR/tls.yaml" "{cacert: $C/ca.pem}"
    timeout 30 "$SURGE_BIN" run "$T_DIR/tls.yaml" -t 1 -o "$T_DIR/tls" -q
    check "https second origin with the CA: exit 0" test $? -eq 0
    jcheck "https second origin with the CA: 12 requests ok, 4 connections (one per VU and origin)" \
        "$T_DIR/tls/results.json" \
        '.scenarios[0].requests == 12 and .scenarios[0].failed == 0 and .scenarios[0].connects == 4'
    tls_plan "$T_DIR/notls.yaml" "{}"
    timeout 30 "$SURGE_BIN" run "$T_DIR/notls.yaml" -t 1 -o "$T_DIR/notls" -q
    jcheck "https second origin without the CA: its steps fail as tls, the target's pass" \
        "$T_DIR/notls/results.json" \
        '.scenarios[0].errors.tls == 6 and .scenarios[0].failed == 6 and (.scenarios[0].steps[] | select(.name == "here") | .failed == 0 and .requests == 6)'
    check "https second origin without the CA: the reason names the certificate" \
        bash -c "jq -r '.scenarios[0].error_examples.tls' '$T_DIR/notls/results.json' | grep -q 'certificate verify failed'"
else
    echo "note: nginx has no http_ssl_module; the https second origin is skipped"
fi
