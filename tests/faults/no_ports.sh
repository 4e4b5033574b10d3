#!/usr/bin/env bash
# no_ports.sh — port exhaustion: in a private network namespace (unshare -rn, loopback up)
# whose net.ipv4.ip_local_port_range holds 10 ports, surge opens 30 connections to one
# server. The connects past the tenth fail with EADDRNOTAVAIL: counted as no_ports with
# one warning line (not one per connect), the run ends by itself, every request is
# accounted for and the 10 connections that got a port keep working. Skipped when this
# machine does not allow unprivileged network namespaces.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${NO_PORTS_INNER:-}" ]; then
    if ! unshare -rn true 2>/dev/null; then
        echo "note: unshare -rn is not permitted here: port exhaustion test skipped"
        exit 0
    fi
    exec unshare -rn env NO_PORTS_INNER=1 bash "$0" "$@"
fi
. tests/lib/harness.sh
if ! ip link set lo up 2>/dev/null ||
    ! sysctl -qw net.ipv4.ip_local_port_range="40000 40009" 2>/dev/null; then
    echo "note: cannot bring loopback up or narrow the port range in the namespace: port exhaustion test skipped"
    exit 0
fi
check ports_narrowed test "$(awk '{print $2 - $1 + 1}' /proc/sys/net/ipv4/ip_local_port_range)" -eq 10
# the server on a fixed port below the range (port 0 would take one of the ten)
log="$T_DIR/tb.log"
"$TESTBED_BIN" --listen 127.0.0.1:20000 >"$log" 2>&1 &
T_PIDS+=("$!")
wait_line "$log" '^listening on http://' 10 || { echo "FAIL no_ports: testbed did not start: $(cat "$log")"; exit 1; }
URL=http://127.0.0.1:20000/echo

start=$(date +%s)
timeout 30 "$SURGE_BIN" -q -c 30 -t 2 -d 2s --json "$T_DIR/r.json" "$URL" >"$T_DIR/out" 2>"$T_DIR/err"
rc=$?
took=$(($(date +%s) - start))
check exits_by_itself test "$rc" -eq 0 -a "$took" -le 10
R=$T_DIR/r.json
jcheck counted_as_no_ports "$R" '.scenarios[0].errors.no_ports > 0 and (.scenarios[0].errors | keys) == ["no_ports"]'
jcheck every_request_accounted "$R" \
    '.scenarios[0] | .requests == (.status["200"] // 0) + .failed and .failed == .errors.no_ports'
jcheck the_ports_it_got_keep_working "$R" '.scenarios[0].status["200"] > 100'
jcheck no_ports_example "$R" '.scenarios[0].error_examples.no_ports | test("Cannot assign requested address")'
check one_warning_line test "$(grep -c 'warning: no local port left' "$T_DIR/err")" -eq 1
check nothing_else_on_stderr test "$(wc -l <"$T_DIR/err")" -eq 1
