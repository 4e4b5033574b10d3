# report_live.sh — the live view: on a TTY (under script(1)) one status line rewritten in
# place each second with a progress bar; plain lines when stderr is a file; nothing with -q.
source "$(dirname "$0")/../lib/harness.sh"
start_testbed
P=$T_DIR/plan.yaml
cat >"$P" <<YAML
target: http://127.0.0.1:1
flows:
  echo:
    - {name: echo, get: "/echo?delay_ms=5"}
scenarios:
  - {name: steady, flow: echo, executor: constant-vus, vus: 2, duration: 4s}
YAML

# TTY: script(1) gives surge a pseudo-terminal and logs what it wrote
timeout 60 script -qfec "'$SURGE_BIN' run '$P' --target '$TB_URL' -o '$T_DIR/tty' -t 1" \
    "$T_DIR/tty.log" >/dev/null 2>&1
check "tty: the run exits 0" test -s "$T_DIR/tty/results.json"
esc=$(printf '\r\033[K')
updates=$(grep -o "${esc}\[ *[0-9]*s\] steady \[[#-]*\] " "$T_DIR/tty.log" | wc -l)
check "tty: the status line is rewritten in place each second ($updates updates)" test "$updates" -ge 2
# every update sits on one physical line: the updates are not separated by newlines
check "tty: the updates share one line" \
    test "$(grep -c "${esc}\[ *[0-9]*s\] steady" "$T_DIR/tty.log")" -eq 1
check "tty: the line shows elapsed/total, VUs, rps, p95, failed" \
    grep -qE "\] [0-9.]+m?s/4\.00s  VUs 2  rps [0-9.]+  p95 [0-9.]+(us|ms)  failed 0" "$T_DIR/tty.log"
check "tty: the summary starts on its own line" grep -q '^scenario steady' <(tr -d '\r' <"$T_DIR/tty.log")

# not a TTY: plain lines, no escape sequences
timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/plain" -t 1 >"$T_DIR/plain.out" 2>"$T_DIR/plain.err"
check "plain: one line per second" test "$(grep -cE '^\[ *[0-9]+s\] steady [0-9.]+m?s/4\.00s  VUs 2 ' "$T_DIR/plain.err")" -ge 2
check "plain: no terminal escapes" bash -c "! grep -q $'\033' '$T_DIR/plain.err'"

# --quiet: neither
timeout 60 "$SURGE_BIN" run "$P" --target "$TB_URL" -o "$T_DIR/quiet" -t 1 -q >"$T_DIR/q.out" 2>"$T_DIR/q.err"
check "quiet: no live output" test ! -s "$T_DIR/q.err"
check "quiet: still writes the report" test -s "$T_DIR/quiet/report.md"
