#!/usr/bin/env bash
# bench/self-soak.sh — surge's own memory over a long open-model run: RSS of the surge
# process sampled from /proc every few seconds, printed at 1 minute, at the end, and the
# growth between them (issue 14: < 2 % over a 10-minute run at 5,000 req/s).
#
# Usage: bench/self-soak.sh      Environment: DURATION=600 (seconds) RATE=5000 CONNS=50
#   SAMPLE=5 (seconds between samples)  SURGE_BIN=build/bin/surge  NGINX=nginx
#   MODE=quick (surge -R RATE -c CONNS URL) or plan (surge run: a constant-arrival-rate
#   scenario of RATE iterations/s over a 3-step flow, CONNS VUs at most, every output
#   written to an out dir: series.ndjson, hlogs, reports)
# Traffic only to an nginx on 127.0.0.1 (bench/lib.sh); the run is bounded by its
# duration and timeout(1).
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
DURATION=${DURATION:-600}
RATE=${RATE:-5000}
CONNS=${CONNS:-50}
SAMPLE=${SAMPLE:-5}
SURGE_BIN=${SURGE_BIN:-build/bin/surge}
case $DURATION in ''|*[!0-9]*) echo "self-soak: DURATION must be whole seconds" >&2; exit 2 ;; esac
[ "$DURATION" -gt 60 ] || { echo "self-soak: DURATION must be over 60 s" >&2; exit 2; }
DIR=$(mktemp -d /tmp/surge-soak.XXXXXX)
trap 'bench_stop_nginx; [ -n "${sp:-}" ] && kill "$sp" 2>/dev/null; rm -rf "$DIR"' EXIT
bench_start_nginx || { echo "self-soak: nginx did not start" >&2; exit 2; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

MODE=${MODE:-quick}
case $MODE in
quick)
    timeout $((DURATION + 60)) "$SURGE_BIN" -R "$RATE" -c "$CONNS" -t 1 -d "${DURATION}s" -q \
        --json "$DIR/results.json" "$URL" >"$DIR/surge.out" 2>&1 &
    ;;
plan)
    cat >"$DIR/soak.yaml" <<YAML
target: http://127.0.0.1:$PORT
flows:
  f:
    - {name: a, get: /1k}
    - {name: b, get: "/1k?n=\${iteration}", expect: {status: 200}}
    - {name: c, get: /1k}
scenarios:
  - {name: soak, flow: f, executor: constant-arrival-rate, rate: $((RATE / 3)), duration: ${DURATION}s, max_vus: $CONNS}
YAML
    timeout $((DURATION + 60)) "$SURGE_BIN" run "$DIR/soak.yaml" -t 1 -q -o "$DIR/out" \
        >"$DIR/surge.out" 2>&1 &
    ;;
*) echo "self-soak: MODE is quick or plan" >&2; exit 2 ;;
esac
sp=$!
start=$(date +%s)
# timeout(1) runs surge as its child: sample that child, not timeout itself
pid=""
for _ in $(seq 50); do
    pid=$(pgrep -P "$sp" | head -1)
    [ -n "$pid" ] && break
    sleep 0.1
done
[ -n "$pid" ] || { echo "self-soak: surge did not start" >&2; exit 3; }
at1=""
last=""
: >"$DIR/samples"
while kill -0 "$pid" 2>/dev/null; do
    r=$(rss_kb "$pid")
    [ -n "$r" ] || break
    t=$(( $(date +%s) - start ))
    echo "$t $r" >>"$DIR/samples"
    [ -z "$at1" ] && [ "$t" -ge 60 ] && at1=$r
    last=$r
    sleep "$SAMPLE"
done
wait "$sp"
rc=$?
sp=""
[ "${VERBOSE:-0}" = 1 ] && cat "$DIR/samples"
[ -n "$at1" ] && [ -n "$last" ] || { echo "self-soak: no samples (surge exit $rc)" >&2; cat "$DIR/surge.out" >&2; exit 3; }
res=$DIR/results.json
[ "$MODE" = plan ] && res=$DIR/out/results.json
reqs=$(grep -o '"requests": *[0-9]*' "$res" 2>/dev/null | head -1 | grep -o '[0-9]*$')
if [ "$MODE" = plan ]; then
    echo "surge run: $((RATE / 3)) iterations/s of 3 steps, <= $CONNS VUs, -t 1, for ${DURATION}s, outputs written (exit $rc, ${reqs:-?} requests)"
else
    echo "surge -R $RATE -c $CONNS -t 1 for ${DURATION}s (exit $rc, ${reqs:-?} requests)"
fi
echo "RSS at 1 min:  $at1 KB"
echo "RSS at end:    $last KB (last sample before exit)"
awk -v a="$at1" -v b="$last" 'BEGIN{printf "growth after the first minute: %.2f %%\n", (b-a)*100/a}'
