# watch_health.sh — the health source: a testbed paused (/admin/pause) during the run shows
# as an outage of about the pause's length with a timeout reason; a testbed stopped during
# the run shows as an open outage with "refused"; uptime below 100 %; the load (against
# another server) unaffected, exit 0. ~15 s.
source "$(dirname "$0")/../lib/harness.sh"

start_testbed
LOAD_URL=$TB_URL
start_testbed
H_URL=$TB_URL H_PID=$TB_PID

# --- paused for 2.5 s from about t = 1 s ---
( sleep 1.6; curl -s -m 10 -X POST "$H_URL/admin/pause?ms=2500" >/dev/null ) &
BG=$!
timeout 60 "$SURGE_BIN" -c 2 -d 6s --health "$H_URL/health" --watch-interval 250ms \
    --watch-baseline 500ms --json "$T_DIR/pause.json" "$LOAD_URL/echo" >"$T_DIR/pause.out" 2>&1
check "pause: exit 0" test $? -eq 0
wait "$BG"
F=$T_DIR/pause.json
# (the longest outage: a probe timing out on a busy machine may add a short one)
jcheck "pause: an outage" "$F" '.watch.health.outages | length >= 1'
jcheck "pause: outage of about the pause (1.5..4 s)" "$F" \
    '.watch.health.outages | max_by(.duration_s) | .duration_s >= 1.5 and .duration_s <= 4'
jcheck "pause: outage starts about 1 s into load (0..2.5 s)" "$F" \
    '.watch.health.outages | max_by(.duration_s) | .start_s >= 0 and .start_s <= 2.5'
jcheck "pause: reason is a timeout" "$F" \
    '.watch.health.outages | max_by(.duration_s) | .reason | test("timed out")'
jcheck "pause: uptime below 100 and above 30" "$F" \
    '.watch.health | .uptime_pct < 100 and .uptime_pct > 30 and .failed > 0 and .probes > .failed'
jcheck "pause: health.up series has zeros and ones" "$F" \
    '[.watch.metrics[] | select(.name=="health.up") | .series[][1]] | (index(0) != null) and (index(1) != null)'
jcheck "pause: load unaffected" "$F" '.scenarios[0].failed == 0 and .scenarios[0].requests > 100'
check "pause: summary prints uptime" grep -q 'health: uptime' "$T_DIR/pause.out"

# --- stopped at about t = 1.5 s ---
( sleep 2; kill "$H_PID" ) &
BG=$!
timeout 60 "$SURGE_BIN" -c 2 -d 4s --health "$H_URL/health" --watch-interval 250ms \
    --watch-baseline 500ms --json "$T_DIR/stop.json" "$LOAD_URL/echo" >"$T_DIR/stop.out" 2>&1
check "stopped: exit 0" test $? -eq 0
wait "$BG"
F=$T_DIR/stop.json
jcheck "stopped: an open outage, connection refused" "$F" \
    '.watch.health.outages[-1] | .open == true and (.reason | test("refused"))'
jcheck "stopped: outage length to the end (1..4 s)" "$F" \
    '.watch.health.outages[-1] | .duration_s >= 1 and .duration_s <= 4'
jcheck "stopped: the source stays ok (probes are measurements)" "$F" \
    '.watch.sources[0].status == "ok"'

# --- ^C in the baseline window: no load, exit 130, quickly ---
START=$(date +%s%N)
timeout 30 "$SURGE_BIN" -c 1 -d 5s --health "$LOAD_URL/health" --watch-baseline 20s \
    "$LOAD_URL/echo" >"$T_DIR/int.out" 2>&1 & SP=$!
sleep 1
kill -INT "$SP"
wait "$SP"
RC=$?
check "baseline ^C: exit 130" test "$RC" -eq 130
check "baseline ^C: within 5 s" test $(( ($(date +%s%N) - START) / 1000000000 )) -lt 5
check "baseline ^C: says no load was sent" grep -q 'no load sent' "$T_DIR/int.out"
