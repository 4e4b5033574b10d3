# coordinated_omission.sh — under a 1 s server freeze during a 1,000 req/s 5 s open
# run, latency measured from the intended send time shows the freeze (p99 >= 900 ms,
# p90 ~ 500 ms: a fifth of the requests were due during the freeze, waiting 0..1 s),
# while --no-co-correction (service time) hides it.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed

co_run() { # NAME EXTRA-FLAGS...
    local name=$1; shift
    timeout 30 "$SURGE_BIN" -q -t 1 -c 50 -R 1000 -d 5s --json "$T_DIR/$name.json" "$@" \
        "$TB_URL/echo" >"$T_DIR/$name.out" 2>&1 &
    local pid=$!
    sleep 2
    curl -s -m 5 -X POST "$TB_URL/admin/pause?ms=1000" >"$T_DIR/$name.pause" 2>&1
    wait $pid
}

co_run corrected
co_run uncorrected --no-co-correction
jcheck "freeze seen from intended times: p99 >= 900 ms" "$T_DIR/corrected.json" \
    '.scenarios[0].latency_ms.p99 >= 900'
jcheck "freeze seen from intended times: p90 within 400..600 ms" "$T_DIR/corrected.json" \
    '.scenarios[0].latency_ms.p90 >= 400 and .scenarios[0].latency_ms.p90 <= 600'
jcheck "open model kept its rate: ~5000 requests" "$T_DIR/corrected.json" \
    '.scenarios[0].requests >= 4900 and .scenarios[0].requests <= 5050 and .scenarios[0].failed == 0'
jcheck "results say latency is CO-corrected" "$T_DIR/corrected.json" '.quick.co_corrected == true'
p90c=$(jq '.scenarios[0].latency_ms.p90' "$T_DIR/corrected.json")
jcheck "--no-co-correction: p90 far lower (< 1/10 of corrected)" "$T_DIR/uncorrected.json" \
    ".scenarios[0].latency_ms.p90 * 10 < $p90c and .quick.co_corrected == false"
