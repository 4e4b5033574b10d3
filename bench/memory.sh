#!/usr/bin/env bash
# bench/memory.sh — surge's peak RSS for plans: (1) one VU running a 10-step flow
# (every step timed: 12 stats keys), (2) VUS mostly-idle virtual users (a 30-90 s think
# before their first request), so the figure is surge's memory per idle VU, (3) AFTER_VUS
# VUs that sent one request and now think (their keep-alive connection held).
#
# Usage: bench/memory.sh            Environment: VUS=100000 DURATION=5s
#   SURGE_BIN=build/bin/surge TESTBED_BIN=build/bin/surge-testbed
# Prints peak RSS (from /usr/bin/time -f %M) and KB per idle VU. Traffic only to a
# testbed on 127.0.0.1; every run bounded by its duration and timeout(1).
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
VUS=${VUS:-100000}
AFTER_VUS=${AFTER_VUS:-5000} # VUs that sent one request, then think: one connection each (fd limit)
DURATION=${DURATION:-5s}
SURGE_BIN=${SURGE_BIN:-build/bin/surge}
TESTBED_BIN=${TESTBED_BIN:-build/bin/surge-testbed}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "memory: needs /usr/bin/time" >&2; exit 2; }
D=$(mktemp -d /tmp/surge-mem.XXXXXX)
trap 'kill "$tb" 2>/dev/null; wait "$tb" 2>/dev/null; rm -rf "$D"' EXIT
"$TESTBED_BIN" --listen 127.0.0.1:0 >"$D/tb.out" 2>&1 &
tb=$!
for _ in $(seq 50); do grep -q listening "$D/tb.out" && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$D/tb.out") || { echo "memory: testbed did not start" >&2; exit 2; }

steps=""
for i in $(seq 10); do steps+="    - {name: s$i, get: /echo}"$'\n'; done
cat >"$D/steps.yaml" <<YAML
target: $URL
flows:
  ten:
$steps
scenarios:
  - {name: one, flow: ten, executor: constant-vus, vus: 1, duration: $DURATION}
YAML
cat >"$D/idle.yaml" <<YAML
target: $URL
flows:
  idle:
    - think: 30s..90s
    - {name: a, get: /echo}
scenarios:
  - {name: many, flow: idle, executor: constant-vus, vus: $VUS, duration: $DURATION, graceful_stop: 0s}
YAML
cat >"$D/after.yaml" <<YAML
target: $URL
flows:
  idle:
    - {name: a, get: /echo}
    - think: 30s..90s
scenarios:
  - {name: many, flow: idle, executor: constant-vus, vus: $AFTER_VUS, duration: $DURATION, graceful_stop: 0s}
YAML
cat >"$D/zero.yaml" <<YAML
target: $URL
flows:
  idle:
    - think: 30s..90s
    - {name: a, get: /echo}
scenarios:
  - {name: many, flow: idle, executor: constant-vus, vus: 1, duration: $DURATION, graceful_stop: 0s}
YAML
rss() { # plan -> peak RSS KB
    timeout 120 "$TIME" -f '%M' -o "$D/time" "$SURGE_BIN" run "$1" -t 1 -q -o "$D/out" >/dev/null 2>&1
    cat "$D/time" | tail -1
}
one=$(rss "$D/steps.yaml")
base=$(rss "$D/zero.yaml")
many=$(rss "$D/idle.yaml")
echo "1 VU, 10 steps:        peak RSS ${one} KB"
echo "1 idle VU:             peak RSS ${base} KB"
after=$(rss "$D/after.yaml")
echo "$AFTER_VUS VUs idle after a request: peak RSS ${after} KB  ($(awk -v a="$after" -v b="$base" -v n="$AFTER_VUS" 'BEGIN{printf "%.2f", (a-b)/n}') KB per VU, its connection included)"
echo "$VUS idle VUs:     peak RSS ${many} KB  ($(awk -v a="$many" -v b="$base" -v n="$VUS" 'BEGIN{printf "%.2f", (a-b)/n}') KB per idle VU)"
