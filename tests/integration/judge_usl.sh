# judge_usl.sh — the capacity model against ground truth: surge-testbed's upload service
# with W workers x T threads (uploads in service at once) under a ladder; the effective
# parallelism (Little's law) must land within 15 % of W*T, the bottleneck finding must name
# a concurrency limit of about W*T slots, and the USL fit must be there, in results.json and
# in the report.
source "$(dirname "$0")/../lib/harness.sh"

P=$T_DIR/usl.yaml
cat >"$P" <<'YAML'
target: http://127.0.0.1:1
data:
  one: {generate: {type: png, count: 1, size: 2KB}}
flows:
  up:
    - {name: login, post: /api/login, json: {access_code: letmein}, expect: {status: 200}}
    - {name: upload, post: /api/upload, multipart: [{name: images, files: one}], expect: {status: 200}}
scenarios:
  - {name: ladder, flow: up, executor: ladder, levels: [1, 2, 4, 8, 16, 32, 64], hold: 1500ms}
workload: {users: 10, rate: 50/s}
YAML
for wt in "2 2" "2 4" "4 4"; do
    set -- $wt
    slots=$(($1 * $2))
    start_testbed --profile upload --workers "$1" --threads "$2" --work-ms 50 \
        --max-sessions 1000000 --keep-uploads 0 --backlog 1000
    # the last round watches the testbed's metrics: its worker pool gauges name the limit
    WATCH=()
    [ "$slots" = 16 ] && WATCH=(--watch-prom "$TB_URL/metrics" --watch-baseline 0)
    timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/out$slots" -q -t 1 "${WATCH[@]}"
    check "W*T=$slots: run exits 0" test $? -eq 0
    R=$T_DIR/out$slots/results.json
    jcheck "W*T=$slots: parallelism within 15 % of $slots" "$R" \
        ".analysis.usl[0].parallelism > $slots * 0.85 and .analysis.usl[0].parallelism < $slots * 1.15"
    jcheck "W*T=$slots: USL fitted" "$R" \
        '.analysis.usl[0].lambda > 0 and .analysis.usl[0].sigma >= 0 and .analysis.usl[0].kappa >= 0
         and .analysis.usl[0].points == 7'
    jcheck "W*T=$slots: the finding names a concurrency limit of about $slots slots" "$R" \
        "any(.analysis.bottleneck[]; .kind == \"concurrency_limit\"
             and (.slots > $slots * 0.85 and .slots < $slots * 1.15))"
    jcheck "W*T=$slots: readiness against the workload" "$R" \
        '(.analysis.readiness | length) == 2 and .analysis.readiness[0].measured == 64
         and .analysis.readiness[0].verdict == "ready"'
    # the report says it too: the fit in words and its curve on the ladder's throughput chart
    check "W*T=$slots: report.md states the USL fit and the parallelism" \
        grep -q "Universal Scalability Law fit on ladder: .*Effective parallelism" \
        <(tr '\n' ' ' <"$T_DIR/out$slots/report.md"; echo)
    check "W*T=$slots: the throughput chart draws the fitted curve" \
        grep -q "USL fit" "$T_DIR/out$slots/charts/ladder-throughput-vs-vus.svg"
    [ "$slots" = 16 ] && jcheck "W*T=16: workers_busy at workers_total is the named limit" "$R" \
        'any(.analysis.bottleneck[]; .kind == "pool_full" and .metric == "workers_busy")
         and any(.analysis.bottleneck[]; .kind == "concurrency_limit" and .metric == "workers_busy"
                 and .slots == 16)
         and any(.analysis.bottleneck[]; .kind == "not_limit" and .metric == "active_sessions")'
    kill "$TB_PID" 2>/dev/null
done
