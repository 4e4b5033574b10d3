#!/usr/bin/env bash
# source_addresses.sh — --source-addresses (quick) and defaults.source_addresses (plans)
# spread connections over the local addresses given (loopback: 127.0.0.2-127.0.0.5), seen
# as the established connections' local addresses while the run goes; bad lists exit 2.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed
PORT=${TB_URL##*:}

# the local addresses of established connections to the testbed, "COUNT ADDR" lines
locals() { ss -tnH state established "( dport = :$PORT )" | awk '{print $3}' | sed 's/:[0-9]*$//' | sort | uniq -c; }

"$SURGE_BIN" -t1 -c8 -d3s --source-addresses 127.0.0.2-127.0.0.5 --json "$T_DIR/q.json" "$TB_URL/echo" \
    >"$T_DIR/q.txt" 2>&1 &
pid=$!
sleep 1.5
locals >"$T_DIR/q.locals"
wait $pid
check quick_exit0 test $? -eq 0
check quick_four_sources test "$(awk '{print $2}' "$T_DIR/q.locals" | tr '\n' ' ')" = "127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 "
check quick_two_each bash -c "awk '\$1 != 2 { exit 1 }' '$T_DIR/q.locals'"
jcheck quick_no_errors "$T_DIR/q.json" '.scenarios[0].failed == 0 and .scenarios[0].requests > 0 and .scenarios[0].connects == 8'

cat >"$T_DIR/p.yaml" <<YAML
target: $TB_URL
defaults: {source_addresses: "127.0.0.7, 127.0.0.8"}
flows:
  f:
    - {name: echo, get: /echo}
    - think: 100ms
scenarios:
  - {name: s, flow: f, executor: constant-vus, vus: 4, duration: 3s}
YAML
"$SURGE_BIN" run "$T_DIR/p.yaml" -t 2 -q -o "$T_DIR/out" >"$T_DIR/p.txt" 2>&1 &
pid=$!
sleep 1.5
locals >"$T_DIR/p.locals"
wait $pid
check plan_exit0 test $? -eq 0
check plan_two_sources test "$(awk '{print $2}' "$T_DIR/p.locals" | tr '\n' ' ')" = "127.0.0.7 127.0.0.8 "
jcheck plan_no_errors "$T_DIR/out/results.json" '.scenarios[0].failed == 0 and .scenarios[0].requests > 0'

"$SURGE_BIN" --source-addresses 127.0.0.1-nope -d 1s "$TB_URL/echo" >/dev/null 2>"$T_DIR/bad.txt"
check quick_bad_exit2 test $? -eq 2
check quick_bad_message grep -q "bad value '127.0.0.1-nope' for --source-addresses: '127.0.0.1-nope' is not an IP address" "$T_DIR/bad.txt"
"$SURGE_BIN" --source-addresses ::1 -d 1s "$TB_URL/echo" >/dev/null 2>"$T_DIR/fam.txt"
check quick_family_exit2 test $? -eq 2
check quick_family_message grep -q "not the address family of" "$T_DIR/fam.txt"
# an address this host does not have: every connect fails to bind, counted as connect errors (the example names the address)
"$SURGE_BIN" -c1 -n 3 --abort-unreachable 0 --timeout 2s --source-addresses 192.0.2.1 --json "$T_DIR/nb.json" "$TB_URL/echo" >"$T_DIR/nb.txt" 2>&1
jcheck bind_failure_counted "$T_DIR/nb.json" '.scenarios[0].failed == 3 and .scenarios[0].connects == 0 and ([.scenarios[0].error_examples[] | select(test("^bind 192.0.2.1: "))] | length) == 1'
