#!/usr/bin/env bash
# bench/open-rate.sh — open-model accuracy: surge at a fixed rate against nginx; prints
# the achieved rate against the target and how late sends went out behind their
# schedule (results.json generator.schedule_lag_ms), with the goals of issue 13: rate
# within 0.5 %, schedule lag p99 < 1 ms, and the generator's CPU per request.
#
# Usage: bench/open-rate.sh   Environment: RATE=20000 DURATION=10s CONNECTIONS=100
#   THREADS=1 ROUNDS=3 SURGE_BIN=build/bin/surge NGINX=nginx NGX_CPU= SURGE_CPU=
#   (NGX_CPU / SURGE_CPU: pin with taskset, e.g. 0 and 1)
# Traffic only to 127.0.0.1; each run bounded by its -d and timeout(1).
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
RATE=${RATE:-20000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-100}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-3}
SURGE_BIN=${SURGE_BIN:-build/bin/surge}
TIME=/usr/bin/time
for t in jq awk timeout nginx "$TIME"; do
    command -v "$t" >/dev/null 2>&1 || { echo "open-rate: $t not found" >&2; exit 2; }
done
DIR=$(mktemp -d /tmp/surge-open.XXXXXX) || exit 2
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap 'bench_stop_nginx; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM
bench_start_nginx || { echo "open-rate: nginx did not start" >&2; exit 2; }

echo "open model: -t$THREADS -c$CONNECTIONS -R$RATE -d$DURATION against nginx $URL"
echo "  ($(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; kernel $(uname -r))"
printf '%5s  %10s  %9s  %8s  %8s  %8s  %8s  %8s  %8s\n' round "req/s" "off %" "lag p50" "lag p99" \
    "lag max" "cpu %" "us/req" "failed"
for ((r = 1; r <= ROUNDS; r++)); do
    j="$DIR/r$r.json"
    timeout -k 5 120 "$TIME" -f '%U %S' -o "$DIR/time" ${SURGE_CPU:+taskset -c "$SURGE_CPU"} \
        "$SURGE_BIN" -t"$THREADS" -c"$CONNECTIONS" -R"$RATE" -d"$DURATION" -q --json "$j" "$URL" \
        >/dev/null 2>&1
    [ -s "$j" ] || { echo "open-rate: round $r: no results" >&2; continue; }
    cpu=$(awk 'NF >= 2 && $1 ~ /^[0-9.]+$/ { u = $1; s = $2 } END { print u + s }' "$DIR/time")
    jq -r --arg rate "$RATE" --arg cpu "$cpu" --arg r "$r" '
        .scenarios[0] as $s | .generator as $g |
        [$r, ($s.rps | tostring), (((($s.rps - ($rate | tonumber)) / ($rate | tonumber)) * 100 * 1000 | round) / 1000 | tostring),
         ($g.schedule_lag_ms.p50 | tostring), ($g.schedule_lag_ms.p99 | tostring),
         ($g.schedule_lag_ms.max | tostring), ($g.cpu_pct | tostring),
         (($cpu | tonumber) * 1e6 / $s.requests * 100 | round / 100 | tostring), ($s.failed | tostring)]
        | @tsv' "$j" | awk -F'\t' '{ printf "%5s  %10s  %9s  %8s  %8s  %8s  %8s  %8s  %8s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
done
echo "goals: |off| <= 0.5 %, lag p99 < 1 ms (lag: how late sends went out behind their schedule, ms)"
