#!/usr/bin/env bash
# quick_tls.sh — quick mode over https against nginx with a throwaway CA:
# verification on by default, --insecure, --cacert, hostname/IP checks, SNI.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh
S=$SURGE_BIN
J=$T_DIR/r.json

if ! nginx -V 2>&1 | grep -q -- '--with-http_ssl_module'; then
    echo "note: nginx has no http_ssl_module; TLS cases skipped"
    exit 0
fi

# --- a throwaway CA, a server cert for 127.0.0.1/localhost, one for other.example ----------
C=$T_DIR/certs
mkdir -p "$C"
chmod 755 "$C"
mkcert() { # NAME SAN
    openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$1" \
        -keyout "$C/$1.key" -out "$C/$1.csr" 2>/dev/null &&
        openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
            -days 2 -sha256 -out "$C/$1.pem" \
            -extfile <(printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2") 2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=surge test CA" \
    -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
mkcert server 'IP:127.0.0.1,DNS:localhost' && mkcert other 'DNS:other.example'
chmod 644 "$C"/*
if [ ! -s "$C/server.pem" ] || [ ! -s "$C/other.pem" ]; then
    fail tls_certs "openssl could not make the test certificates"
    exit 1
fi

V6=
python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null && V6=1
TLS_PORT=$(free_port)
OTHER_PORT=$(free_port)
# The second server block (cert for other.example) is opened by closing the one
# start_nginx writes; start_nginx's closing brace then ends it.
start_nginx "
    listen 127.0.0.1:$TLS_PORT ssl;
    ${V6:+listen [::1]:$TLS_PORT ssl;}
    ssl_certificate $C/server.pem;
    ssl_certificate_key $C/server.key;
    location /sni { if (\$ssl_server_name = \"localhost\") { return 200; } return 421; }
    location /post { client_max_body_size 10m; if (\$request_method = POST) { return 201; } return 405; }
}
server {
    listen 127.0.0.1:$OTHER_PORT ssl;
    ssl_certificate $C/other.pem;
    ssl_certificate_key $C/other.key;
    root $T_DIR/www;
"
U=https://127.0.0.1:$TLS_PORT
if ! curl -s --cacert "$C/ca.pem" -o /dev/null "$U/1k"; then
    fail tls_nginx "nginx with ssl did not start: $(head -c 400 "$T_DIR/nginx/error.log")"
    exit 1
fi
H1K=$(curl -s --cacert "$C/ca.pem" -o /dev/null -w '%{size_header}' "$U/1k")

# --- no trust: the throwaway CA is not in the system store ------------------------------------
"$S" -q -n 20 -c 2 --json "$J" "$U/1k"
check untrusted_exit0 test $? -eq 0
jcheck untrusted_all_tls "$J" '.scenarios[0] | .requests == 20 and .failed == 20 and .errors == {"tls": 20} and .status == {} and .bytes_in == 0'
jcheck untrusted_example "$J" '.scenarios[0].error_examples.tls | test("certificate verif"; "i")'

# --- --insecure ----------------------------------------------------------------------------------
"$S" -q -n 200 -c 4 -k --json "$J" "$U/1k"
check insecure_exit0 test $? -eq 0
jcheck insecure_all_200 "$J" '.scenarios[0] | .requests == 200 and .status == {"200": 200} and .failed == 0 and .errors == {}'
jcheck insecure_bytes_in "$J" ".scenarios[0].bytes_in == 200 * ($H1K + 1024)"
jcheck insecure_keepalive "$J" '.scenarios[0].connects == 4'
"$S" -q -n 20 -c 2 --insecure --json "$J" "https://127.0.0.1:$OTHER_PORT/1k"
jcheck insecure_ignores_name "$J" '.scenarios[0] | .status == {"200": 20} and .failed == 0'

# --- --cacert: chain and IP / hostname verified -----------------------------------------------------
"$S" -q -n 200 -c 4 --cacert "$C/ca.pem" --json "$J" "$U/1k"
check cacert_ip_exit0 test $? -eq 0
jcheck cacert_ip_all_200 "$J" '.scenarios[0] | .requests == 200 and .status == {"200": 200} and .failed == 0 and .errors == {}'
"$S" -q -d 1s -c 4 --cacert "$C/ca.pem" --json "$J" "https://localhost:$TLS_PORT/1k"
check cacert_localhost_exit0 test $? -eq 0
jcheck cacert_localhost_all_200 "$J" '.scenarios[0] | .requests > 50 and .status == {"200": .requests} and .failed == 0 and .errors == {} and .connects == 4'

# A certificate for other.example, signed by the trusted CA, on 127.0.0.1: name mismatch.
"$S" -q -n 20 -c 2 --cacert "$C/ca.pem" --json "$J" "https://127.0.0.1:$OTHER_PORT/1k"
jcheck cacert_wrong_san_tls "$J" '.scenarios[0] | .requests == 20 and .errors == {"tls": 20} and .status == {}'
jcheck cacert_wrong_san_example "$J" '.scenarios[0].error_examples.tls | test("mismatch"; "i")'
"$S" -q -n 20 -c 2 --cacert "$C/ca.pem" --json "$J" "https://localhost:$OTHER_PORT/1k"
jcheck cacert_wrong_san_host_tls "$J" '.scenarios[0] | .errors == {"tls": 20} and .status == {}'
if [ -n "$V6" ]; then # the server cert names 127.0.0.1 and localhost, not ::1
    "$S" -q -n 20 -c 2 --cacert "$C/ca.pem" --json "$J" "https://[::1]:$TLS_PORT/1k"
    jcheck cacert_ipv6_not_in_san "$J" '.scenarios[0] | .errors == {"tls": 20} and .status == {}'
    "$S" -q -n 20 -c 2 -k --json "$J" "https://[::1]:$TLS_PORT/1k"
    jcheck insecure_ipv6 "$J" '.scenarios[0] | .status == {"200": 20} and .failed == 0'
fi

# A CA that did not sign the server cert.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
    -keyout "$C/ca2.key" -out "$C/ca2.pem" 2>/dev/null
"$S" -q -n 20 -c 2 --cacert "$C/ca2.pem" --json "$J" "$U/1k"
jcheck cacert_wrong_ca_tls "$J" '.scenarios[0] | .errors == {"tls": 20} and .status == {}'

# --- bad --cacert ------------------------------------------------------------------------------------
"$S" -q -n 1 --cacert /nonexistent/ca.pem "$U/1k" >"$T_DIR/out" 2>"$T_DIR/err"
check cacert_missing_exit2 test $? -eq 2
check cacert_missing_names_file grep -q '/nonexistent/ca.pem' "$T_DIR/err"
check cacert_missing_one_line test "$(wc -l <"$T_DIR/err")" -eq 1
echo "not a certificate" >"$T_DIR/junk.pem"
"$S" -q -n 1 --cacert "$T_DIR/junk.pem" "$U/1k" >"$T_DIR/out" 2>"$T_DIR/err"
check cacert_junk_exit2 test $? -eq 2
check cacert_junk_names_file grep -q 'junk.pem' "$T_DIR/err"

# --- SNI ---------------------------------------------------------------------------------------------
"$S" -q -n 20 -c 2 --cacert "$C/ca.pem" --json "$J" "https://localhost:$TLS_PORT/sni"
jcheck sni_sent_for_hostname "$J" '.scenarios[0] | .status == {"200": 20} and .failed == 0'
# No SNI for an IP literal (RFC 6066): nginx sees an empty server name.
"$S" -q -n 20 -c 2 --cacert "$C/ca.pem" --json "$J" "$U/sni"
jcheck sni_not_sent_for_ip "$J" '.scenarios[0] | .status == {"421": 20} and .failed == 20'

# --- a request body over TLS ---------------------------------------------------------------------------
head -c 100000 /dev/urandom >"$T_DIR/body.bin"
"$S" -q -n 50 -c 2 -m POST --body "@$T_DIR/body.bin" --cacert "$C/ca.pem" --json "$J" "$U/post"
jcheck tls_post_201 "$J" '.scenarios[0] | .requests == 50 and .status == {"201": 50} and .failed == 0 and .errors == {}'
VER=$("$S" --version | awk '{print $2}')
RQ=$(printf 'POST /post HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: surge/%s\r\nContent-Length: 100000\r\n\r\n' "$TLS_PORT" "$VER" | wc -c)
jcheck tls_post_bytes_out "$J" ".scenarios[0].bytes_out == 50 * ($RQ + 100000)"

# --- plans over https: the plan's defaults carry the TLS options ----------------------------
plan_tls() { # NAME DEFAULTS-YAML
    cat >"$T_DIR/$1.yaml" <<YAML
target: $U
defaults: $2
flows: {f: [{name: get, get: /1k}]}
scenarios: [{name: s, flow: f, executor: per-vu-iterations, vus: 2, iterations: 5}]
YAML
    "$S" run "$T_DIR/$1.yaml" -q -o "$T_DIR/$1" >"$T_DIR/$1.out" 2>&1
}
plan_tls plan_cacert "{cacert: $C/ca.pem}"
jcheck plan_tls_cacert "$T_DIR/plan_cacert/results.json" '.scenarios[0] | .requests == 10 and .failed == 0 and .status == {"200": 10}'
plan_tls plan_untrusted "{}"
jcheck plan_tls_untrusted_is_tls "$T_DIR/plan_untrusted/results.json" \
    '.scenarios[0] | .iterations_failed == 10 and .errors == {"tls": 10} and (.error_examples.tls | test("certificate"))'
plan_tls plan_insecure "{insecure: true}"
jcheck plan_tls_insecure "$T_DIR/plan_insecure/results.json" '.scenarios[0] | .requests == 10 and .failed == 0'
