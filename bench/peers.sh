#!/usr/bin/env bash
# bench/peers.sh — surge against wrk, h2load (--h1) and ab on the same nginx (1 worker,
# 1 KB), one thread and CONNECTIONS connections each, rounds alternating the order of
# the tools; per round each tool's req/s and CPU per request (user + sys of the tool's
# process / requests), then medians and surge's ratio to each (median of per-round
# ratios). Tools not installed are skipped (Debian: wrk, nghttp2-client, apache2-utils).
# Usage: bench/peers.sh   Environment: ROUNDS=3 DURATION=5 (seconds) CONNECTIONS=50
#   NGX_CPU=0 TOOL_CPU=1 (pin with taskset; unset: unpinned) SURGE_BIN=build/bin/surge
# Machines are shared: read the ratios, not the absolute figures.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-50}
SURGE_BIN=${SURGE_BIN:-build/bin/surge}
TIME=/usr/bin/time
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || { echo "peers: DURATION is whole seconds" >&2; exit 2; }
for t in jq awk timeout nginx "$TIME"; do
    command -v "$t" >/dev/null 2>&1 || { echo "peers: $t not found" >&2; exit 2; }
done
tools=(surge)
for t in wrk h2load ab; do command -v "$t" >/dev/null 2>&1 && tools+=("$t"); done
DIR=$(mktemp -d /tmp/surge-peers.XXXXXX) || exit 2
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap 'bench_stop_nginx; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM
bench_start_nginx || { echo "peers: nginx did not start" >&2; exit 2; }
pin=(); [ -n "${TOOL_CPU:-}" ] && pin=(taskset -c "$TOOL_CPU")

# run TOOL -> "RPS REQUESTS CPU_S" (REQUESTS 0: invalid: errors or non-2xx)
run() {
    local t=$1 out="$DIR/$1.out"
    local cmd
    case $t in
    surge) cmd=("$SURGE_BIN" -t1 -c"$CONNECTIONS" -d"${DURATION}s" -q --json "$DIR/s.json" "$URL") ;;
    wrk) cmd=(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$URL") ;;
    h2load) cmd=(h2load --h1 -t1 -c"$CONNECTIONS" -D"$DURATION" "$URL") ;;
    ab) cmd=(ab -k -q -c"$CONNECTIONS" -t"$DURATION" -n 100000000 "$URL") ;;
    esac
    timeout -k 5 $((DURATION + 60)) "$TIME" -f '%U %S' -o "$DIR/time" "${pin[@]}" "${cmd[@]}" >"$out" 2>&1
    local cpu rps n ok=1
    cpu=$(awk 'NF >= 2 && $1 ~ /^[0-9.]+$/ { u = $1; s = $2 } END { print u + s }' "$DIR/time")
    case $t in
    surge) rps=$(jq '.scenarios[0].rps' "$DIR/s.json"); n=$(jq '.scenarios[0].requests' "$DIR/s.json")
           [ "$(jq '.scenarios[0].failed' "$DIR/s.json")" = 0 ] || ok=0 ;;
    wrk) rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out"); n=$(awk '/ requests in / { print $1 }' "$out")
         grep -q 'Non-2xx\|Socket errors' "$out" && ok=0 ;;
    h2load) rps=$(sed -n 's/^finished in [0-9.]*s, \([0-9.]*\) req\/s.*/\1/p' "$out")
            n=$(awk '/^requests:/ { print $8 }' "$out")
            awk '/^requests:/ { if ($10 + 0 != 0 || $12 + 0 != 0) exit 1 }' "$out" || ok=0
            awk '/^status codes:/ { if ($5 + 0 != 0 || $7 + 0 != 0 || $9 + 0 != 0) exit 1 }' "$out" || ok=0 ;;
    ab) rps=$(awk '/^Requests per second:/ { print $4 }' "$out"); n=$(awk '/^Complete requests:/ { print $3 }' "$out")
        grep -q '^Non-2xx' "$out" && ok=0
        awk '/^Failed requests:/ { if ($3 + 0 != 0) exit 1 }' "$out" || ok=0 ;;
    esac
    [ -n "$rps" ] && [ -n "$n" ] && [ "$ok" = 1 ] || n=0
    echo "${rps:-0} ${n:-0} ${cpu:-0}"
}

echo "peers: ${tools[*]}: -t1 -c$CONNECTIONS ${DURATION}s against nginx (1 worker, 1 KB)," \
    "${ROUNDS} rounds, $([ -n "${TOOL_CPU:-}" ] && echo "nginx on CPU ${NGX_CPU:-any}, tools on CPU $TOOL_CPU" || echo unpinned)"
echo "  ($(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; kernel $(uname -r))"
declare -A RPS US
n=${#tools[@]}
for ((r = 1; r <= ROUNDS; r++)); do
    line="round $r:"
    for ((k = 0; k < n; k++)); do
        t=${tools[$(((k + r - 1) % n))]}
        read -r rps reqs cpu <<<"$(run "$t")"
        if [ "$reqs" -gt 0 ] 2>/dev/null; then
            us=$(awk -v c="$cpu" -v q="$reqs" 'BEGIN { printf "%.2f", c * 1e6 / q }')
            RPS[$t]+="$rps " US[$t]+="$us "
            line+=" $t $(printf '%.0f' "$rps")/s ${us}us"
        else
            RPS[$t]+="- " US[$t]+="- "
            line+=" $t INVALID"
        fi
    done
    echo "$line"
done
median() { tr ' ' '\n' | grep -v '^-\?$' | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit } if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratios() { # A B: per-round A/B of two space-separated lists
    paste -d' ' <(tr ' ' '\n' <<<"$1") <(tr ' ' '\n' <<<"$2") | awk '$1 != "-" && $2 != "-" && $1 != "" && $2 + 0 > 0 { printf "%s ", $1 / $2 }'
}
echo
printf '%-8s %12s %12s %16s %16s\n' tool "req/s" "us CPU/req" "surge/tool rps" "surge/tool CPU"
for t in "${tools[@]}"; do
    printf '%-8s %12s %12s %16s %16s\n' "$t" "$(median <<<"${RPS[$t]}")" "$(median <<<"${US[$t]}")" \
        "$(median <<<"$(ratios "${RPS[surge]}" "${RPS[$t]}")")" "$(median <<<"$(ratios "${US[surge]}" "${US[$t]}")")"
done
echo "goals (issue 13): surge/wrk req/s >= 1.0 pinned, >= 1.05 unpinned; surge <= 10 us CPU/req"
