#!/usr/bin/env bash
# bench/connections.sh — surge's memory per keep-alive connection: peak RSS of
# `surge -t1 -cN -d3s` against nginx for N = 1 and N = CONNS, and the KB per connection
# between them. Goal (issue 13): 10,000 connections at <= 0.81 KB each.
# Usage: bench/connections.sh   Environment: CONNS=10000 SURGE_BIN=build/bin/surge
#   (needs an open-file limit above CONNS for surge and for nginx)
# MANY=50000 SOURCES=127.0.0.2-127.0.0.9: instead, MANY concurrent keep-alive connections
#   over --source-addresses SOURCES, split over as many surge processes (started together,
#   -d HOLD, default 10s) as the hard open-file limit needs, against nginx with one
#   reuseport worker per process plus one; prints the peak of established connections
#   (ss, sampled every 0.5 s) and the surge processes' peak RSS per connection.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
CONNS=${CONNS:-10000}
SURGE_BIN=${SURGE_BIN:-build/bin/surge}
DIR=$(mktemp -d /tmp/surge-conns.XXXXXX) || exit 2
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap 'bench_stop_nginx; rm -rf "$DIR"' EXIT
rss() {
    /usr/bin/time -f '%M' -o "$DIR/t" timeout 60 "$SURGE_BIN" -t1 -c"$1" -d3s -q --json "$DIR/r.json" "$URL" >/dev/null 2>&1
    echo "$(tail -1 "$DIR/t") $(jq '.scenarios[0].connects' "$DIR/r.json") $(jq '.scenarios[0].failed' "$DIR/r.json")"
}
MANY=${MANY:-}
if [ -n "$MANY" ]; then
    SOURCES=${SOURCES:-127.0.0.2-127.0.0.9}
    HOLD=${HOLD:-10s}
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] && hard=1048576
    per=$((hard - 200))
    procs=$(((MANY + per - 1) / per))
    per=$(((MANY + procs - 1) / procs))
    NGX_WORKERS=$((procs + 1))
    bench_start_nginx || { echo "connections: nginx did not start" >&2; exit 2; }
    echo "$MANY connections over $SOURCES: $procs surge processes of -c$per (ulimit -Hn $hard)," \
        "nginx with $NGX_WORKERS workers, held $HOLD"
    pids=()
    for ((i = 0; i < procs; i++)); do
        /usr/bin/time -f '%M' -o "$DIR/t$i" timeout 120 "$SURGE_BIN" -t1 -c"$per" -d"$HOLD" -q \
            --source-addresses "$SOURCES" --json "$DIR/r$i.json" "$URL" >/dev/null 2>"$DIR/e$i" &
        pids+=($!)
    done
    peak=0
    while kill -0 "${pids[@]}" 2>/dev/null; do
        n=$(ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l)
        [ "$n" -gt "$peak" ] && peak=$n
        sleep 0.5
    done
    wait "${pids[@]}"
    connects=0 failed=0 rss=0
    for ((i = 0; i < procs; i++)); do
        [ -s "$DIR/r$i.json" ] || { echo "process $i: no results: $(head -1 "$DIR/e$i")"; continue; }
        connects=$((connects + $(jq '.scenarios[0].connects' "$DIR/r$i.json")))
        failed=$((failed + $(jq '.scenarios[0].failed' "$DIR/r$i.json")))
        jq -r '.scenarios[0] | select(.failed > 0) | "process '"$i"': \(.errors) \(.error_examples)"' "$DIR/r$i.json"
        rss=$((rss + $(tail -1 "$DIR/t$i")))
    done
    read -r one _ _ <<<"$(rss 1)"
    echo "peak established at nginx: $peak of $MANY; $connects connects, $failed failed"
    awk -v r="$rss" -v n="$MANY" -v p="$procs" -v one="$one" 'BEGIN {
        printf "surge peak RSS %d KB in %d processes: %.2f KB per connection over -c1 (%d KB each)\n",
            r, p, (r - p * one) / n, one }'
    exit 0
fi
bench_start_nginx || { echo "connections: nginx did not start" >&2; exit 2; }
read -r one c1 f1 <<<"$(rss 1)"
read -r many cn fn <<<"$(rss "$CONNS")"
echo "-c1:      peak RSS $one KB ($c1 connects, $f1 failed)"
echo "-c$CONNS: peak RSS $many KB ($cn connects, $fn failed)"
awk -v a="$many" -v b="$one" -v n="$CONNS" 'BEGIN { printf "%.2f KB per connection (goal <= 0.81)\n", (a - b) / (n - 1) }'
