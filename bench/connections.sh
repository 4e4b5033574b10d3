#!/usr/bin/env bash
# bench/connections.sh — surge's memory per keep-alive connection: peak RSS of
# `surge -t1 -cN -d3s` against nginx for N = 1 and N = CONNS, and the KB per connection
# between them. Goal (issue 13): 10,000 connections at <= 0.81 KB each.
# Usage: bench/connections.sh   Environment: CONNS=10000 SURGE_BIN=build/bin/surge
#   (needs an open-file limit above CONNS for surge and for nginx)
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
CONNS=${CONNS:-10000}
SURGE_BIN=${SURGE_BIN:-build/bin/surge}
DIR=$(mktemp -d /tmp/surge-conns.XXXXXX) || exit 2
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap 'bench_stop_nginx; rm -rf "$DIR"' EXIT
bench_start_nginx || { echo "connections: nginx did not start" >&2; exit 2; }
rss() {
    /usr/bin/time -f '%M' -o "$DIR/t" timeout 60 "$SURGE_BIN" -t1 -c"$1" -d3s -q --json "$DIR/r.json" "$URL" >/dev/null 2>&1
    echo "$(tail -1 "$DIR/t") $(jq '.scenarios[0].connects' "$DIR/r.json") $(jq '.scenarios[0].failed' "$DIR/r.json")"
}
read -r one c1 f1 <<<"$(rss 1)"
read -r many cn fn <<<"$(rss "$CONNS")"
echo "-c1:      peak RSS $one KB ($c1 connects, $f1 failed)"
echo "-c$CONNS: peak RSS $many KB ($cn connects, $fn failed)"
awk -v a="$many" -v b="$one" -v n="$CONNS" 'BEGIN { printf "%.2f KB per connection (goal <= 0.81)\n", (a - b) / (n - 1) }'
