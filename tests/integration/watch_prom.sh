#!/usr/bin/env bash
# watch_prom.sh — the `prometheus` watch source (src/watch/promsrc.c) through
# build/tools/watchsrc: the testbed's real /metrics (gauges, counters as rates, the RSS gauge
# in bytes), selectors, the series cap, a scripted exposition (a counter's rate and its reset,
# histogram quantiles, a summary), malformed text, an HTTP error and a refused port.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/harness.sh
W=${SURGE_TOOLS:-build/tools}/watchsrc
[ -x "$W" ] || { fail watch_prom "no $W (make tests-built)"; exit 1; }

# value FILE T NAME — the value printed for NAME at time T ("" when none)
value() { awk -v t="$2" -v n="$3" '$1 == t && $2 == n { print $4 }' "$1"; }
# near A B EPS
near() { awk -v a="$1" -v b="$2" -v e="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= e) }'; }

start_testbed
"$W" prom "$TB_URL/metrics" 3 0.3 200 >"$T_DIR/tb.out" 2>"$T_DIR/tb.err"
check tb_exit0 test $? -eq 0
RSS=$(value "$T_DIR/tb.out" 0 process_resident_memory_bytes)
check tb_rss_real test "${RSS%.*}" -gt 1000000
check tb_rss_unit grep -q '^0 process_resident_memory_bytes bytes ' "$T_DIR/tb.out"
check tb_gpu_pct_unit grep -q '^0 gpu_usage_percent % ' "$T_DIR/tb.out"
check tb_workers grep -qE '^0 workers_total - [0-9]+$' "$T_DIR/tb.out"
# counters: no rate at the first scrape, a rate (>= 0, unit /s) at the next
check tb_no_rate_first bash -c "! grep -q '^0 [a-z_]*:rate' '$T_DIR/tb.out'"
check tb_rate_second grep -qE '^0.3 process_cpu_seconds_total:rate /s [0-9.e+-]+$' "$T_DIR/tb.out"
check tb_labelled_rate grep -q '^0.3 jobs_rejected_total:rate{reason="queue_full"} /s 0$' "$T_DIR/tb.out"
check tb_no_warning test ! -s "$T_DIR/tb.err"

"$W" prom "$TB_URL/metrics" 1 0.1 200 'process_resident_memory_bytes' 'generation_failure_total{reason!="oom"}' 'gpu_usage_percent' >"$T_DIR/sel.out" 2>&1
check sel_exact test "$(grep -v '^end' "$T_DIR/sel.out" | awk '{print $2}' | sort | tr '\n' ' ')" = "gpu_usage_percent process_resident_memory_bytes "
"$W" prom "$TB_URL/metrics" 2 0.1 200 'generation_failure_total{reason!="oom"}' >"$T_DIR/sel2.out" 2>&1
check sel_neq test "$(grep -c ':rate' "$T_DIR/sel2.out")" -eq 1
check sel_neq_name grep -q '^0.1 generation_failure_total:rate{reason="error"} /s 0$' "$T_DIR/sel2.out"

"$W" prom "$TB_URL/metrics" 2 0.1 5 >"$T_DIR/cap.out" 2>"$T_DIR/cap.err"
check cap_count test "$(grep -c '^0 ' "$T_DIR/cap.out")" -le 5 -a "$(grep -c '^0.1 ' "$T_DIR/cap.out")" -le 5
check cap_warned_once test "$(grep -c 'more than 5 series, keeping the first 5' "$T_DIR/cap.err")" -eq 1

"$W" prom "$TB_URL/metrics" 1 0.1 200 'bad{x' >/dev/null 2>"$T_DIR/bad.err"
check bad_selector_exit2 test $? -eq 2
check bad_selector_msg grep -q "^metric selector 'bad{x': col 6: '=', '!=', '=~' or '!~' expected" "$T_DIR/bad.err"

# --- a scripted exposition -------------------------------------------------------------------
python3 tests/lib/httpget_server.py "$T_DIR/py.port" >"$T_DIR/py.log" 2>&1 &
T_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$T_DIR/py.port" ] && break; sleep 0.05; done
PY="http://127.0.0.1:$(cat "$T_DIR/py.port")"
O=$T_DIR/seq.out
"$W" prom "$PY/seq" 6 0.2 200 >"$O" 2>&1
# reqs_total: 10, 20, 30, then a reset to 1, then 150, 160; t steps of 0.2 s
check rate_value near "$(value "$O" 0.2 'reqs_total:rate{code="200"}')" 50 1e-6
check rate_value2 near "$(value "$O" 0.4 'reqs_total:rate{code="200"}')" 50 1e-6
check rate_reset_skipped test -z "$(value "$O" 0.6 'reqs_total:rate{code="200"}')"
check rate_after_reset near "$(value "$O" 0.8 'reqs_total:rate{code="200"}')" 745 1e-6
check gauge_value test "$(value "$O" 0.4 mem_bytes)" = 3000
check unit_pct grep -q '^0 load_pct % 12.5$' "$O"
# histogram: le 0.1 -> 10n, 0.2 -> 20n, +Inf -> 20n: p50 0.1, p95 0.19, p99 0.198
check hist_p50 near "$(value "$O" 0 'lat_seconds:p50{path="/a"}')" 0.1 1e-9
check hist_p95 near "$(value "$O" 0.2 'lat_seconds:p95{path="/a"}')" 0.19 1e-9
check hist_p99 near "$(value "$O" 0.2 'lat_seconds:p99{path="/a"}')" 0.198 1e-9
check hist_count_rate near "$(value "$O" 0.2 'lat_seconds_count:rate{path="/a"}')" 100 1e-6
check summary_q grep -q '^0 rpc_seconds:p99 - 0.75$' "$O"
check summary_count_rate near "$(value "$O" 0.2 'rpc_seconds_count:rate')" 25 1e-6
check nan_skipped bash -c "! grep -q ' up ' '$O'"
check labels_in_name grep -q '^0 temp{zone="b"} - 2$' "$O"

"$W" prom "$PY/seq-sel" 1 0.1 200 'temp{zone=~"a|c"}' 'lat_seconds{path="/a"}' >"$T_DIR/s2.out" 2>&1
check sel_regex_hist test "$(grep -v '^end' "$T_DIR/s2.out" | awk '{print $2}' | tr '\n' ' ')" = 'temp{zone="a"} temp{zone="c"} lat_seconds:p50{path="/a"} lat_seconds:p95{path="/a"} lat_seconds:p99{path="/a"} '

"$W" prom "$PY/seq-bad" 1 0.1 200 >"$T_DIR/b.out" 2>&1
check malformed_unavailable grep -qx "0 unavailable $PY/seq-bad: line 2 col 9: label name expected" "$T_DIR/b.out"
"$W" prom "$PY/seq-503" 1 0.1 200 >"$T_DIR/e.out" 2>&1
check http_error_unavailable grep -qx "0 unavailable $PY/seq-503: HTTP 503" "$T_DIR/e.out"
P=$(free_port)
"$W" prom "http://127.0.0.1:$P/metrics" 1 0.1 200 >"$T_DIR/r.out" 2>&1
check refused_unavailable grep -qx "0 unavailable http://127.0.0.1:$P/metrics: connection refused" "$T_DIR/r.out"
