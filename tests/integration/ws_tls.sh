# ws_tls.sh — wss:// through the engine's TLS: nginx terminates TLS (a throwaway CA) and
# proxies the WebSocket upgrade to surge-testbed's jobs profile. With the CA the flow
# follows the job to completion over wss; without it the handshake's connection fails
# `tls` (certificate verification), not ws_handshake. ~5 s.
source "$(dirname "$0")/../lib/harness.sh"
if ! nginx -V 2>&1 | grep -q -- '--with-http_ssl_module'; then
    echo "note: nginx has no http_ssl_module; TLS cases skipped"
    exit 0
fi
C=$T_DIR/certs
mkdir -p "$C"
chmod 755 "$C"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=surge ws test CA" \
    -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -subj "/CN=server" -keyout "$C/server.key" \
    -out "$C/server.csr" 2>/dev/null
openssl x509 -req -in "$C/server.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
    -days 2 -sha256 -out "$C/server.pem" \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n') 2>/dev/null
chmod 644 "$C"/*
start_testbed --profile jobs --time-scale 0.01 --job-jitter 0 --gpu-slots 8
TLS_PORT=$(free_port)
start_nginx "
    listen 127.0.0.1:$TLS_PORT ssl;
    ssl_certificate $C/server.pem;
    ssl_certificate_key $C/server.key;
    location / {
        proxy_pass $TB_URL;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection \$http_connection;
    }
"
U=https://127.0.0.1:$TLS_PORT
for _ in $(seq 1 40); do curl -s --cacert "$C/ca.pem" -o /dev/null "$U/metrics" && break; sleep 0.1; done
cat >"$T_DIR/p.yaml" <<YAML
target: $U
defaults: {cacert: $C/ca.pem}
flows:
  f:
    - {name: submit, post: /api/generate, body: "x", expect: {status: 202}, extract: {job: job_id}}
    - {ws: "/ws/jobs/\${job}", name: progress, receive: {until: "status == completed", timeout: 10s}}
scenarios:
  - {name: s, flow: f, executor: per-vu-iterations, vus: 2, iterations: 1}
YAML
timeout 30 "$SURGE_BIN" run "$T_DIR/p.yaml" -o "$T_DIR/o" -q >"$T_DIR/run.out" 2>&1
check "wss: run exits 0" test $? -eq 0
jcheck "wss: both jobs followed to completion over TLS (~100 messages each)" "$T_DIR/o/results.json" \
    '.scenarios[0] | .iterations_failed == 0 and .ws.opened == 2 and .ws.messages_in >= 150
     and (.steps[] | select(.name == "progress") | .status == {"101": 2})'
sed -i '/^defaults:/d' "$T_DIR/p.yaml"
sed -i 's/post: \/api\/generate, body: "x", expect: {status: 202}, extract: {job: job_id}/get: \/nothing, expect: {status: 404}/; s/\${job}/x/' "$T_DIR/p.yaml"
sed -i '/name: submit/d' "$T_DIR/p.yaml"
timeout 30 "$SURGE_BIN" run "$T_DIR/p.yaml" -o "$T_DIR/o2" -q >"$T_DIR/run2.out" 2>&1
jcheck "wss without the CA: the handshake's connection fails 'tls' (verification)" "$T_DIR/o2/results.json" \
    '.scenarios[0] | .errors == {"tls": 2} and (.error_examples.tls | test("certificate verify failed"))'
