# ws_scale.sh — 1,000 concurrent WebSockets held open for ~10 s cost less than 20 KB each of
# surge's RSS: a first scenario holds 1 WebSocket (the baseline RSS is sampled then), the
# second 1,000 on one job that runs 12 s; RSS is sampled every 0.25 s from /proc. The
# figure goes to docs/performance.md. Under the sanitizers (SURGE_SANITIZED) the memory
# bound is not checked (ASan's redzones and quarantine), only the run. ~14 s.
source "$(dirname "$0")/../lib/harness.sh"
N=1000
if ! ulimit -n 4096 2>/dev/null; then
    echo "PASS ws_scale: skipped: ulimit -n cannot be raised to 4096 (hard limit $(ulimit -Hn))"
    exit 0
fi
# job 1 (cold): 2 s, for the baseline scenario; job 2: 12 s, watched by all 1,000
start_testbed --profile jobs --cold-job-s 2 --job-s 12 --job-jitter 0 --job-mem 0 --gpu-slots 4
J1=$(curl -s -XPOST --data x "$TB_URL/api/generate" | jq -r .job_id)
J2=$(curl -s -XPOST --data x "$TB_URL/api/generate" | jq -r .job_id)
P=$T_DIR/scale.yaml
cat >"$P" <<YAML
target: http://127.0.0.1:1
flows:
  one:
    - {ws: /ws/jobs/$J1, name: one, receive: {until: "status == completed", timeout: 20s}}
  many:
    - {ws: /ws/jobs/$J2, name: many, receive: {until: "status == completed", timeout: 30s}}
scenarios:
  - {name: one, flow: one, executor: per-vu-iterations, vus: 1, iterations: 1}
  - {name: many, flow: many, executor: per-vu-iterations, vus: $N, iterations: 1}
YAML
"$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/out" -q -t 1 >"$T_DIR/run.out" 2>&1 &
SP=$!
T_PIDS+=("$SP")
base=0 peak=0 i=0
while kill -0 "$SP" 2>/dev/null && [ $i -lt 160 ]; do
    sleep 0.25
    i=$((i + 1))
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SP/status" 2>/dev/null || echo 0)
    [ -n "$rss" ] || rss=0
    [ $i -eq 5 ] && base=$rss  # 1.25 s: the single WebSocket of the first scenario
    [ "$rss" -gt "$peak" ] && peak=$rss
done
wait "$SP"
rc=$?
check "run exits 0" test $rc -eq 0
R=$T_DIR/out/results.json
jcheck "1,000 WebSockets opened, all completed, none failed" "$R" \
    ".scenarios[1] | .ws.opened == $N and .ws.closed == $N and .failed == 0 and .errors == {}"
jcheck "ws_active reached 1,000 and held for >= 8 s of points" "$R" \
    ".scenarios[1] | [.series[] | select(.ws_active == $N)] | length >= 8"
per=$(( (peak - base) * 1024 / (N - 1) ))
echo "# ws_scale: RSS baseline ${base} KB (1 WebSocket), peak ${peak} KB ($N): $per bytes per WebSocket"
if [ -n "${SURGE_SANITIZED:-}" ]; then
    pass "RSS per WebSocket not checked under the sanitizers ($per bytes)"
elif [ "$base" -gt 0 ] && [ "$per" -lt 20480 ]; then
    pass "RSS per open WebSocket $per bytes < 20 KB"
else
    fail "RSS per open WebSocket" "$per bytes (baseline $base KB, peak $peak KB)"
fi
