#!/usr/bin/env bash
# bench/vs-wrk.sh — surge against wrk, side by side, on the same nginx: req/s and the
# generator's CPU time per request, round by round, then medians and a verdict.
#
# Usage: bench/vs-wrk.sh            (or: make bench)
# Environment:
#   ROUNDS=5        rounds; each runs surge and wrk once (order alternates per round)
#   DURATION=5s     length of each run (5s, 1m: whole seconds, wrk takes no ms)
#   CONNECTIONS=50  connections; both tools run with one thread (-t1)
#   SURGE_BIN=build/bin/surge  WRK=wrk  NGINX=nginx
#   BENCH_KEEP=1    keep the temporary directory (nginx config, raw outputs)
#   NGX_CPU=0 TOOL_CPU=1  pin nginx and the generators with taskset (unset: unpinned)
#
# Machines are shared and noisy: read the ratios, not the absolute figures. Every
# load run is bounded by its own -d and, should a tool hang, by timeout(1).
# Exit status: 0 benchmark ran (whatever the verdict), 1 no valid round,
# 2 missing tool or bad setting.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2 # paths below are from the repository root

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-50}
SURGE_BIN=${SURGE_BIN:-build/bin/surge}
WRK=${WRK:-wrk}
NGINX=${NGINX:-nginx}
TIME=/usr/bin/time

die() { echo "vs-wrk: $*" >&2; exit 2; }

# ---- settings and tools ---------------------------------------------------------
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer (got '$ROUNDS')"
[[ $CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer (got '$CONNECTIONS')"
# DURATION in whole seconds, rounded up, for the hang guard.
if [[ $DURATION =~ ^([0-9]+)ms$ ]]; then dur_s=$(((BASH_REMATCH[1] + 999) / 1000))
elif [[ $DURATION =~ ^([0-9]+)s?$ ]]; then dur_s=${BASH_REMATCH[1]}
elif [[ $DURATION =~ ^([0-9]+)m$ ]]; then dur_s=$((BASH_REMATCH[1] * 60))
else die "DURATION must look like 500ms, 5s or 1m (got '$DURATION')"; fi
[ "$dur_s" -ge 1 ] || die "DURATION must be at least 1ms"
guard_s=$((dur_s + 30))

command -v "$NGINX" >/dev/null 2>&1 ||
    die "nginx not found (NGINX=$NGINX); install it (Debian: apt-get install nginx-light, or scripts/deps)"
command -v "$WRK" >/dev/null 2>&1 ||
    die "wrk not found (WRK=$WRK); install it (Debian: apt-get install wrk, or scripts/deps)"
[ -x "$SURGE_BIN" ] || die "surge not built at $SURGE_BIN; run 'make' first (or set SURGE_BIN)"
[ -x "$TIME" ] || die "$TIME (GNU time) not found; install it (Debian: apt-get install time)"
for t in jq awk timeout; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found; install it (scripts/deps)"
done

# ---- nginx on a free loopback port ----------------------------------------------
DIR=$(mktemp -d /tmp/surge-bench.XXXXXX) || die "cannot create a temporary directory"
chmod 755 "$DIR" # nginx workers (user nobody when started as root) read the files
NGX_PID="" TOOL_PID=""

# shellcheck disable=SC2317 # called by the traps
cleanup() {
    if [ -n "$TOOL_PID" ]; then
        kill "$TOOL_PID" 2>/dev/null # timeout(1) passes the signal on to the tool
        wait "$TOOL_PID" 2>/dev/null
    fi
    if [ -n "$NGX_PID" ]; then
        kill "$NGX_PID" 2>/dev/null
        wait "$NGX_PID" 2>/dev/null
    fi
    if [ -n "${BENCH_KEEP:-}" ]; then echo "vs-wrk: kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$DIR/out"
# shellcheck source=bench/lib.sh
source bench/lib.sh # bench_start_nginx: a 1 KB file on a free port (3 tries)
if ! bench_start_nginx; then
    echo "vs-wrk: nginx did not start:" >&2
    cat "$DIR/nginx/stdout" "$DIR/nginx/error.log" 2>/dev/null | tail -20 >&2
    exit 2
fi
size=$(curl -s -o /dev/null -w '%{size_download}' "$URL" 2>/dev/null || echo "?")
[ "$size" = "1024" ] || [ "$size" = "?" ] || die "nginx served $size bytes for $URL, not 1024 (see $DIR/nginx/error.log)"

# ---- one run of each tool ---------------------------------------------------------
# bounded COMMAND... — run it under timeout(1), in the background so that a signal to
# this script is handled at once (timeout puts the tool in its own process group, out
# of reach of the terminal's Ctrl-C; cleanup stops it).
bounded() {
    timeout -k 5 "$guard_s" "$@" &
    TOOL_PID=$!
    wait "$TOOL_PID"
    local rc=$?
    TOOL_PID=""
    return $rc
}

# Each sets: RPS REQS CPU_S VALID (1/0) WHY.

cpu_of() { awk 'NF >= 2 && $1 ~ /^[0-9.]+$/ { u = $1; s = $2 } END { if (u == "") exit 1; printf "%.2f", u + s }' "$1"; }

run_surge() {
    local r=$1
    local json="$DIR/out/surge.$r.json" tf="$DIR/out/surge.$r.time" log="$DIR/out/surge.$r.log"
    RPS=0 REQS=0 CPU_S=0 VALID=1 WHY=""
    bounded "$TIME" -f '%U %S' -o "$tf" ${TOOL_CPU:+taskset -c "$TOOL_CPU"} \
        "$SURGE_BIN" -t1 -c"$CONNECTIONS" -d"$DURATION" -q --json "$json" "$URL" >"$log" 2>&1
    local rc=$?
    if [ $rc -ne 0 ] || [ ! -s "$json" ]; then
        VALID=0 WHY="surge exit $rc: $(tail -c 200 "$log" | tr '\n' ' ')"; return
    fi
    RPS=$(jq -r '.scenarios[0].rps' "$json")
    REQS=$(jq -r '.scenarios[0].requests' "$json")
    CPU_S=$(cpu_of "$tf") || { VALID=0 WHY="no CPU time from $TIME"; return; }
    local failed non2xx
    failed=$(jq -r '.scenarios[0].failed' "$json")
    non2xx=$(jq -r '[.scenarios[0].status | to_entries[] | select(.key | test("^2") | not) | .value] | add // 0' "$json")
    if [ "$failed" != "0" ] || [ "$non2xx" != "0" ]; then
        VALID=0 WHY="surge: failed=$failed non-2xx=$non2xx errors=$(jq -c '.scenarios[0].errors' "$json")"
    fi
    [ "$REQS" -gt 0 ] 2>/dev/null || { VALID=0 WHY="surge: no requests"; }
}

run_wrk() {
    local r=$1
    local out="$DIR/out/wrk.$r.out" tf="$DIR/out/wrk.$r.time"
    RPS=0 REQS=0 CPU_S=0 VALID=1 WHY=""
    bounded "$TIME" -f '%U %S' -o "$tf" ${TOOL_CPU:+taskset -c "$TOOL_CPU"} \
        "$WRK" -t1 -c"$CONNECTIONS" -d"$DURATION" "$URL" >"$out" 2>&1
    local rc=$?
    if [ $rc -ne 0 ]; then VALID=0 WHY="wrk exit $rc: $(tail -c 200 "$out" | tr '\n' ' ')"; return; fi
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    REQS=$(awk '/ requests in / { print $1 }' "$out")
    CPU_S=$(cpu_of "$tf") || { VALID=0 WHY="no CPU time from $TIME"; return; }
    if [ -z "$RPS" ] || ! [ "${REQS:-0}" -gt 0 ] 2>/dev/null; then
        VALID=0 WHY="wrk: no Requests/sec in its output"; RPS=${RPS:-0} REQS=${REQS:-0}; return
    fi
    if grep -q 'Non-2xx' "$out"; then VALID=0 WHY="wrk: $(grep 'Non-2xx' "$out" | sed 's/^ *//')"; fi
    if grep -q 'Socket errors' "$out"; then
        VALID=0 WHY="${WHY:+$WHY; }wrk: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
    fi
}

# ---- rounds -----------------------------------------------------------------------
echo "surge vs wrk: $ROUNDS rounds of -t1 -c$CONNECTIONS -d$DURATION against nginx $URL"
echo "  ($(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); kernel $(uname -r))"
echo "  surge $("$SURGE_BIN" --version 2>&1 | awk '{print $2}'), $("$WRK" -v 2>&1 | head -1 | awk '{print $1, $2}'), $("$NGINX" -v 2>&1 | sed 's/.*version: //')"
echo "  order alternates: odd rounds surge first, even rounds wrk first"
echo
row() { printf '%5s  %12s  %12s  %8s  %12s  %12s  %8s  %s\n' "$@"; }
row round "surge req/s" "wrk req/s" "s/w" "surge us/req" "wrk us/req" "s/w" ""
row ----- ----------- --------- --- ------------ ---------- --- ""

ratios_rps=() ratios_cpu=() s_rps=() w_rps=() s_us=() w_us=() invalid=0
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then order="surge wrk"; else order="wrk surge"; fi
    for tool in $order; do
        if [ "$tool" = surge ]; then
            run_surge "$r"; SR=$RPS SQ=$REQS SC=$CPU_S SV=$VALID SW=$WHY
        else
            run_wrk "$r"; WR=$RPS WQ=$REQS WC=$CPU_S WV=$VALID WW=$WHY
        fi
    done
    read -r sus wus rr cr < <(awk -v sr="$SR" -v sq="$SQ" -v sc="$SC" -v wr="$WR" -v wq="$WQ" -v wc="$WC" 'BEGIN {
        su = sq > 0 ? sc * 1e6 / sq : 0; wu = wq > 0 ? wc * 1e6 / wq : 0
        rr = wr > 0 ? sr / wr : 0; cr = wu > 0 ? su / wu : 0
        printf "%.2f %.2f %.3f %.3f\n", su, wu, rr, cr }')
    note=""
    if [ "$SV" -eq 1 ] && [ "$WV" -eq 1 ]; then
        ratios_rps+=("$rr") ratios_cpu+=("$cr") s_rps+=("$SR") w_rps+=("$WR") s_us+=("$sus") w_us+=("$wus")
    else
        invalid=$((invalid + 1))
        note="INVALID: ${SW:-}${SW:+${WW:+; }}${WW:-}"
    fi
    row "$r" "$(printf '%.0f' "$SR")" "$(printf '%.0f' "$WR")" "$rr" "$sus" "$wus" "$cr" "$note"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) exit 1; if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
nvalid=${#ratios_rps[@]}
if [ "$nvalid" -eq 0 ]; then
    echo "verdict: NO VALID ROUND ($invalid of $ROUNDS invalid); nothing to compare"
    exit 1
fi
m_srps=$(median "${s_rps[@]}") m_wrps=$(median "${w_rps[@]}")
m_sus=$(median "${s_us[@]}") m_wus=$(median "${w_us[@]}")
m_rr=$(median "${ratios_rps[@]}") m_cr=$(median "${ratios_cpu[@]}")
row median "$(printf '%.0f' "$m_srps")" "$(printf '%.0f' "$m_wrps")" "$m_rr" \
    "$(printf '%.2f' "$m_sus")" "$(printf '%.2f' "$m_wus")" "$m_cr" "(over $nvalid valid rounds)"
[ "$invalid" -gt 0 ] && echo "  $invalid of $ROUNDS rounds invalid (non-2xx or errors): left out of the medians"
echo "  ratio columns: median of the per-round ratios (s/w = surge / wrk)"
echo
verdict=$(awk -v rr="$m_rr" -v cr="$m_cr" 'BEGIN {
    a = rr >= 1.0; b = cr <= 1.0
    printf "%s: req/s ratio %.3f (goal >= 1.0: %s), CPU/request ratio %.3f (goal <= 1.0: %s)",
        (a && b) ? "GOAL MET" : "GOAL NOT MET", rr, a ? "met" : "missed", cr, b ? "met" : "missed" }')
echo "verdict: $verdict"
exit 0
