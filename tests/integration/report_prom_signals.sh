# report_prom_signals.sh — --prometheus-listen scraped by a real Prometheus during a run;
# the first SIGINT stops gracefully and writes every output marked interrupted (exit 130),
# a second one during the graceful stop writes what series.ndjson holds and exits at once.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed
P=$T_DIR/plan.yaml
cat >"$P" <<YAML
target: http://127.0.0.1:1
flows:
  echo:
    - {name: echo, get: "/echo?delay_ms=5"}
scenarios:
  - {name: steady, flow: echo, executor: constant-vus, vus: 2, duration: 9s}
YAML

# 1. Prometheus scrapes surge every second while the run goes
if command -v prometheus >/dev/null; then
    SP=$(free_port) && PP=$(free_port)
    cat >"$T_DIR/prom.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: surge
    static_configs: [{targets: ["127.0.0.1:$SP"]}]
YAML
    prometheus --config.file="$T_DIR/prom.yml" --storage.tsdb.path="$T_DIR/tsdb" \
        --web.listen-address="127.0.0.1:$PP" >"$T_DIR/prom.log" 2>&1 &
    T_PIDS+=($!)
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PP/-/ready" >/dev/null && break; sleep 0.1; done
    check "prometheus is ready" curl -sf "http://127.0.0.1:$PP/-/ready"
    timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/p" -t 1 -q \
        --prometheus-listen "127.0.0.1:$SP"
    check "run with --prometheus-listen exits 0" test $? -eq 0
    q() { curl -sf "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1"; }
    q 'max_over_time(surge_requests_total{scenario="steady"}[5m])' >"$T_DIR/q1.json"
    want=$(jq '.scenarios[0].requests' "$T_DIR/p/results.json")
    # the last scrape is at most a second before the end: it saw most of the requests
    jcheck "prometheus scraped surge_requests_total (results.json: $want)" "$T_DIR/q1.json" \
        ".status == \"success\" and (.data.result[0].value[1] | tonumber) > 0 and (.data.result[0].value[1] | tonumber) <= $want"
    q 'count_over_time(surge_vus{scenario="steady"}[5m])' >"$T_DIR/q2.json"
    jcheck "prometheus took several scrapes" "$T_DIR/q2.json" \
        '(.data.result[0].value[1] | tonumber) >= 3'
    q 'max_over_time(surge_latency_p95_seconds{scenario="steady"}[5m])' >"$T_DIR/q3.json"
    jcheck "p95 is in seconds (5 ms route: between 1 ms and 1 s)" "$T_DIR/q3.json" \
        '(.data.result[0].value[1] | tonumber) > 0.001 and (.data.result[0].value[1] | tonumber) < 1'
    q 'up{job="surge"}' >/dev/null
else
    fail "prometheus" "not installed (scripts/deps)"
fi
# the responder on its own: a request split across writes, a wrong path, an oversized head,
# and text that promtool accepts
SP=$(free_port)
timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/p2" -t 1 -q \
    --prometheus-listen "127.0.0.1:$SP" &
spid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$SP/metrics" >/dev/null && break; sleep 0.05; done
sleep 1.5
split=$( (exec 3<>"/dev/tcp/127.0.0.1/$SP"; printf 'GET /met' >&3; sleep 0.3
    printf 'rics HTTP/1.1\r\nHost: x\r\n\r\n' >&3; timeout 5 cat <&3) 2>&1)
check "a request split across two writes gets the metrics" grep -q '^surge_requests_total{scenario="steady"} [1-9]' <<<"$split"
check "the response is text format 0.0.4" grep -q 'Content-Type: text/plain; version=0.0.4' <<<"$split"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SP/other")
check "another path: 404 ($code)" test "$code" = 404
big=$(head -c 10000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "http://127.0.0.1:$SP/metrics")
check "a head over 8 KiB is dropped, not served ($code)" test "$code" = 000
curl -sf "http://127.0.0.1:$SP/metrics" >"$T_DIR/metrics.txt"
if command -v promtool >/dev/null; then
    check "promtool accepts the exposition text" promtool check metrics <"$T_DIR/metrics.txt"
fi
check "still serving after all that" grep -q '^surge_vus{scenario="steady"} 2$' "$T_DIR/metrics.txt"
check "surge's self-check is served (cpu, loop lag, saturated)" \
    bash -c "grep -qE '^surge_generator_cpu_percent [0-9.e+-]+$' '$T_DIR/metrics.txt' &&
             grep -qE '^surge_generator_loop_lag_seconds [0-9.e+-]+$' '$T_DIR/metrics.txt' &&
             grep -qE '^surge_generator_saturated [01]$' '$T_DIR/metrics.txt'"
wait $spid
"$SURGE_BIN" run "$P" --prometheus-listen nonsense -q >"$T_DIR/bad.out" 2>&1
check "--prometheus-listen nonsense: exit 2" test $? -eq 2
check "--prometheus-listen nonsense: the message names the flag" \
    grep -q "bad value 'nonsense' for --prometheus-listen" "$T_DIR/bad.out"

# 2. one SIGINT: graceful, every output marked interrupted, exit 130
"$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/i1" -t 1 -q &
pid=$!
sleep 2.5
kill -INT $pid
wait $pid
check "SIGINT: exit 130" test $? -eq 130
jcheck "SIGINT: results.json interrupted by SIGINT" "$T_DIR/i1/results.json" \
    '.interrupted == true and .interrupted_by == "SIGINT" and .scenarios[0].requests > 0'
check "SIGINT: report.md says interrupted" grep -q 'The run was interrupted by SIGINT' "$T_DIR/i1/report.md"
check "SIGINT: junit.xml fails the scenario" grep -q 'the run was interrupted by SIGINT' "$T_DIR/i1/junit.xml"
check "SIGINT: report.html written" test -s "$T_DIR/i1/report.html"

# 2b. one SIGINT while requests are slower than graceful_stop: they are cut off at its end
cat >"$T_DIR/grace.yaml" <<YAML
target: http://127.0.0.1:1
flows:
  slow:
    - {name: slower, get: "/echo?delay_ms=8000"}
scenarios:
  - {name: slow, flow: slow, executor: constant-vus, vus: 2, duration: 20s, graceful_stop: 500ms}
YAML
"$SURGE_BIN" run "$T_DIR/grace.yaml" --target "$TB_URL" -o "$T_DIR/g" -t 1 -q &
pid=$!
sleep 1.5
t0=$(date +%s%N)
kill -INT $pid
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "SIGINT, slow requests: exit 130" test $rc -eq 130
check "SIGINT, slow requests: waited the 500 ms grace, not the 8 s requests ($ms ms)" \
    test $ms -ge 400 -a $ms -lt 3000
jcheck "SIGINT, slow requests: both in flight counted as aborted" "$T_DIR/g/results.json" \
    '.scenarios[0].aborted == 2 and .interrupted_by == "SIGINT"'

# 3. a second SIGINT while the graceful stop waits for slow requests: out at once
cat >"$T_DIR/slow.yaml" <<YAML
target: http://127.0.0.1:1
defaults: {timeout: 30s}
flows:
  slow:
    - {name: slow, get: "/echo?delay_ms=20"}
    - {name: slower, get: "/echo?delay_ms=8000"}
scenarios:
  - {name: slow, flow: slow, executor: constant-vus, vus: 2, duration: 20s, graceful_stop: 20s}
YAML
"$SURGE_BIN" run "$T_DIR/slow.yaml" --target "$TB_URL" -o "$T_DIR/i2" -t 1 -q 2>"$T_DIR/i2.err" &
pid=$!
sleep 2.5
kill -INT $pid
sleep 0.5
t0=$(date +%s%N)
kill -INT $pid
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "second SIGINT: exit 130" test $rc -eq 130
check "second SIGINT: out within 3 s, not after the 20 s grace ($ms ms)" test $ms -lt 3000
jcheck "second SIGINT: results.json from series.ndjson, interrupted by SIGINT" "$T_DIR/i2/results.json" \
    '.interrupted == true and .interrupted_by == "SIGINT" and .rebuilt_from == "series.ndjson" and (.scenarios[0].series | length) >= 1'
check "second SIGINT: report.md written" grep -q '^# Capacity report' "$T_DIR/i2/report.md"
