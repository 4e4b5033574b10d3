#!/usr/bin/env bash
# watch_promql.sh — the `promql` watch source (src/watch/promql.c) against a REAL Prometheus
# (/usr/bin/prometheus, Debian) started here on a free loopback port, scraping the testbed's
# /metrics every second: query_range over the last seconds gives the testbed's RSS (> 1 MB),
# `up` == 1, several series named by their labels, and a bad query names Prometheus's error.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/harness.sh
W=${SURGE_TOOLS:-build/tools}/watchsrc
[ -x "$W" ] || { fail watch_promql "no $W (make tests-built)"; exit 1; }
PROM=${PROMETHEUS_BIN:-$(command -v prometheus || echo /usr/bin/prometheus)}
[ -x "$PROM" ] || { fail watch_promql "prometheus not installed (scripts/deps installs it)"; exit 1; }

start_testbed
PP=$(free_port)
mkdir -p "$T_DIR/tsdb"
cat >"$T_DIR/prom.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: testbed
    static_configs:
      - targets: ['127.0.0.1:$TB_PORT']
YML
"$PROM" --config.file="$T_DIR/prom.yml" --storage.tsdb.path="$T_DIR/tsdb" \
    --web.listen-address="127.0.0.1:$PP" >"$T_DIR/prom.log" 2>&1 &
T_PIDS+=($!)
PU="http://127.0.0.1:$PP"
T0=$(date +%s)

# wait (bounded) until Prometheus has at least 6 scrapes of the testbed
ready=0
for _ in $(seq 1 80); do
    # (jq -e exits 0 on empty input: compare its output instead)
    if [ "$(curl -s -m 2 "$PU/api/v1/query?query=count_over_time(up%5B1m%5D)" 2>/dev/null |
            jq -r '.data.result[0].value[1] | tonumber >= 6' 2>/dev/null)" = true ]; then
        ready=1; break
    fi
    sleep 0.5
done
if [ $ready -ne 1 ]; then
    fail prometheus_ready "no data after 40 s: $(tail -c 600 "$T_DIR/prom.log")"
    exit 1
fi
pass prometheus_ready
echo "# prometheus had 6 scrapes after $(( $(date +%s) - T0 )) s"

NOW=$(date +%s)
FROM=$((NOW - 20))
O=$T_DIR/q.out
"$W" promql "$PU/" 1 "$FROM" "$NOW" rss_bytes process_resident_memory_bytes up up \
    workers 'workers_total * 2' >"$O" 2>&1
check promql_exit0 test $? -eq 0
check promql_no_failure bash -c "! grep -q '^unavailable' '$O'"
NR=$(awk '$2 == "rss_bytes"' "$O" | wc -l)
check rss_points test "$NR" -ge 3
check rss_unit bash -c "awk '\$2 == \"rss_bytes\" && \$3 != \"bytes\" {bad=1} END {exit bad}' '$O'"
check rss_over_1mb bash -c "awk '\$2 == \"rss_bytes\" && \$4 <= 1000000 {bad=1} \$2 == \"rss_bytes\" {n++} END {exit bad || !n}' '$O'"
# t = time - FROM: inside [0, 20]
check t_in_range bash -c "awk '\$2 == \"rss_bytes\" && (\$1 < 0 || \$1 > 20.5) {bad=1} END {exit bad}' '$O'"
check up_is_1 bash -c "awk '\$2 == \"up\" {n++; if (\$4 != 1) bad=1} END {exit bad || !n}' '$O'"
TBW=$(curl -s "$TB_URL/metrics" | awk '$1 == "workers_total" {print $2}')
check expr_value bash -c "awk -v w='$TBW' '\$2 == \"workers\" {n++; if (\$4 != 2 * w) bad=1} END {exit bad || !n}' '$O'"
echo "# rss points: $NR, first: $(awk '$2 == "rss_bytes" {print $4; exit}' "$O") bytes"

# several series: named NAME{labels} (labels sorted, __name__ left out)
"$W" promql "$PU" 1 "$FROM" "$NOW" fail 'generation_failure_total' >"$T_DIR/m.out" 2>&1
check multi_named grep -qE '^[0-9.]+ fail\{instance="127.0.0.1:'"$TB_PORT"'",job="testbed",reason="error"\} - 0$' "$T_DIR/m.out"
check multi_two test "$(awk '{print $2}' "$T_DIR/m.out" | sort -u | wc -l)" -eq 2

# a bad query: unavailable with Prometheus's own error; the good one still comes
"$W" promql "$PU" 1 "$FROM" "$NOW" bad 'rate(up[' good up >"$T_DIR/b.out" 2>&1
check bad_query_reason grep -qE "^unavailable $PU bad: Prometheus: .*parse error" "$T_DIR/b.out"
check good_query_kept grep -qE '^[0-9.]+ good - 1$' "$T_DIR/b.out"

# nothing listening
P=$(free_port)
"$W" promql "http://127.0.0.1:$P" 1 "$FROM" "$NOW" x up >"$T_DIR/r.out" 2>&1
check refused_reason grep -q "^unavailable http://127.0.0.1:$P/api/v1/query_range?query=up&start=.*: connection refused" "$T_DIR/r.out"
