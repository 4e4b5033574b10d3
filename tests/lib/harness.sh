# harness.sh — shared helpers for integration tests (source it from bash).
# Prints "PASS name" / "FAIL name: why" lines that tests/run counts; starts the
# servers a test needs on free loopback ports and stops them when the script exits.
set -u
: "${SURGE_BIN:=build/bin/surge}" "${TESTBED_BIN:=build/bin/surge-testbed}"
T_DIR=$(mktemp -d /tmp/surge-test.XXXXXX)
chmod 755 "$T_DIR" # nginx workers (user nobody) read files under it
T_PIDS=()

t_cleanup() {
    local p
    for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    [ -n "${T_KEEP:-}" ] || rm -rf "$T_DIR"
}
trap t_cleanup EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: ${2:-}"; }

# check NAME COMMAND... — PASS when the command succeeds.
check() {
    local name=$1; shift
    if "$@" >"$T_DIR/check.out" 2>&1; then pass "$name"; else
        fail "$name" "$(echo "$*" | head -c 300) => $(head -c 600 "$T_DIR/check.out")"; fi
}

# jcheck NAME FILE JQ-EXPR — PASS when the jq expression is true on the JSON file;
# on failure prints the expression and the values it was checked against.
jcheck() {
    local name=$1 file=$2 expr=$3
    if jq -e "$expr" "$file" >/dev/null 2>&1; then pass "$name"; else
        fail "$name" "jq '$expr' is false; $(jq -c '.scenarios[0] | del(.series) | del(.steps)' "$file" 2>/dev/null | head -c 1200)"; fi
}

# free_port — print a TCP port that is free on 127.0.0.1 now. It is taken below the
# kernel's ephemeral range: after a load test that range is full of client-side
# TIME_WAIT sockets that a server cannot bind over (EADDRINUSE, even with
# SO_REUSEADDR), and a client connecting to a dead ephemeral port can meet itself.
free_port() {
    local p lo
    lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    [ "${lo:-0}" -gt 12000 ] 2>/dev/null || lo=32768
    for _ in $(seq 1 50); do
        p=$((10000 + RANDOM % (lo - 10000)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}

# wait_line FILE REGEX [SECONDS] — wait until FILE has a line matching REGEX.
wait_line() {
    local i
    for i in $(seq 1 $((${3:-10} * 20))); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# start_testbed [ARGS...] — start surge-testbed on a free port; sets TB_URL, TB_PORT, TB_PID.
start_testbed() {
    local log="$T_DIR/testbed.$RANDOM.log"
    "$TESTBED_BIN" --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
    TB_PID=$!
    T_PIDS+=("$TB_PID")
    if ! wait_line "$log" '^listening on http://' 10; then
        echo "FAIL start_testbed: testbed did not start: $(cat "$log")"; exit 1
    fi
    TB_URL=$(grep -oE 'http://[0-9.:]+' "$log" | head -1)
    TB_PORT=${TB_URL##*:}
}

# start_nginx [EXTRA-SERVER-CONFIG] — nginx on a free port serving $T_DIR/www;
# sets NGX_URL, NGX_PORT. Creates www/1k (1 KB) and www/index.html.
start_nginx() {
    local conf="$T_DIR/nginx.conf" extra=${1:-}
    mkdir -p "$T_DIR/www" "$T_DIR/nginx"
    head -c 1024 /dev/zero | tr '\0' x >"$T_DIR/www/1k"
    echo "hello" >"$T_DIR/www/index.html"
    NGX_PORT=$(free_port)
    cat >"$conf" <<NGX
worker_processes 1;
daemon off;
pid $T_DIR/nginx/nginx.pid;
error_log $T_DIR/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $T_DIR/nginx;
    proxy_temp_path $T_DIR/nginx;
    fastcgi_temp_path $T_DIR/nginx;
    uwsgi_temp_path $T_DIR/nginx;
    scgi_temp_path $T_DIR/nginx;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGX_PORT;
        root $T_DIR/www;
        $extra
    }
}
NGX
    nginx -c "$conf" -p "$T_DIR/nginx" >"$T_DIR/nginx/stdout" 2>&1 &
    T_PIDS+=($!)
    local i
    for i in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$NGX_PORT") 2>/dev/null && break
        sleep 0.05
    done
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$NGX_PORT") 2>/dev/null; then
        echo "FAIL start_nginx: nginx did not start: $(tail -c 600 "$T_DIR/nginx/error.log" "$T_DIR/nginx/stdout" 2>/dev/null)"
        exit 1
    fi
    NGX_URL="http://127.0.0.1:$NGX_PORT"
}
