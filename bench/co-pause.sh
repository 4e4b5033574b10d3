#!/usr/bin/env bash
# bench/co-pause.sh — coordinated omission, side by side: a 1 s server freeze
# (surge-testbed's /admin/pause?ms=1000, 2 s into the run) during 5 s of load. surge
# open model at 1,000 req/s, latency from the intended send times (corrected) and with
# --no-co-correction (service time), beside wrk (closed model, no rate: what a tool that
# waits for each response reports for the same freeze). Theory for the open model: p90
# ~500 ms, p99 >= 900 ms (a fifth of the requests were due during the freeze).
# Usage: bench/co-pause.sh   Environment: SURGE_BIN TESTBED_BIN WRK=wrk
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
SURGE_BIN=${SURGE_BIN:-build/bin/surge}
TESTBED_BIN=${TESTBED_BIN:-build/bin/surge-testbed}
WRK=${WRK:-wrk}
D=$(mktemp -d /tmp/surge-co.XXXXXX) || exit 2
"$TESTBED_BIN" --listen 127.0.0.1:0 >"$D/tb.out" 2>&1 &
tb=$!
trap 'kill "$tb" 2>/dev/null; wait "$tb" 2>/dev/null; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$D"' EXIT
for _ in $(seq 50); do grep -q listening "$D/tb.out" && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$D/tb.out") || { echo "co-pause: testbed did not start" >&2; exit 2; }
pause() { sleep 2; curl -s -m 5 -X POST "$URL/admin/pause?ms=1000" >/dev/null 2>&1; }

row() { printf '%-34s %9s %9s %9s %9s %9s\n' "$@"; }
row tool p50_ms p90_ms p99_ms max_ms requests
for mode in corrected uncorrected; do
    flag=""; [ $mode = uncorrected ] && flag=--no-co-correction
    timeout 30 "$SURGE_BIN" -q -t1 -c50 -R1000 -d5s $flag --json "$D/$mode.json" "$URL/echo" >/dev/null 2>&1 &
    p=$!; pause; wait $p
    jq -r --arg n "surge -R1000 ($mode)" '.scenarios[0] | [$n, .latency_ms.p50, .latency_ms.p90, .latency_ms.p99, .latency_ms.max, .requests] | @tsv' \
        "$D/$mode.json" | awk -F'\t' '{ printf "%-34s %9s %9s %9s %9s %9s\n", $1, $2, $3, $4, $5, $6 }'
done
if command -v "$WRK" >/dev/null; then
    timeout 30 "$WRK" -t1 -c50 -d5s --latency "$URL/echo" >"$D/wrk.out" 2>&1 &
    p=$!; pause; wait $p
    ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v * 0.001; else if (v ~ /ms$/) printf "%.3f", v + 0; else if (v ~ /s$/) printf "%.1f", v * 1000; else print v }'; }
    row "wrk -c50 (closed, no rate)" "$(ms "$(awk '$1 == "50%" { print $2 }' "$D/wrk.out")")" \
        "$(ms "$(awk '$1 == "90%" { print $2 }' "$D/wrk.out")")" "$(ms "$(awk '$1 == "99%" { print $2 }' "$D/wrk.out")")" \
        "$(ms "$(awk '$1 == "Latency" { print $4 }' "$D/wrk.out")")" "$(awk '/ requests in / { print $1 }' "$D/wrk.out")"
fi
echo "theory (open model, 1,000 req/s, 1 s freeze in 5 s): p90 ~500 ms, p99 >= 900 ms"
