#!/usr/bin/env bash
# out_dir.sh — the out dir: not writable (a clear line before any load, exit 2), the disk
# filling up while series.ndjson streams (one clear error, the run stops early and
# cleanly, exit 3, no results.json or temporary file left looking complete), file modes
# (dir 0755, files 0644) and symlinks planted in the out dir (never followed).
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/harness.sh
S=$SURGE_BIN
MNT=
cleanup() {
    [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
    t_cleanup
}
trap cleanup EXIT
now_ms() { echo $(($(date +%s%N) / 1000000)); }
start_testbed

# plan NSCENARIOS DURATION — NSCENARIOS 1-VU scenarios at once on /echo
plan() {
    echo "target: $TB_URL"
    echo "flows: {f: [{name: get, get: /echo}]}"
    echo "scenarios:"
    for i in $(seq 1 "$1"); do
        echo "  - {name: s$i, flow: f, executor: constant-vus, vus: 1, duration: $2, start: 0s, graceful_stop: 1s}"
    done
}
plan 1 1s >"$T_DIR/one.yaml"
plan 16 6s >"$T_DIR/wide.yaml"

# --- file modes and a fresh out dir -------------------------------------------------------------
(umask 022 && exec "$S" run "$T_DIR/one.yaml" -q -t 1 -o "$T_DIR/new/deep") >/dev/null 2>&1
check modes_run_exit0 test $? -eq 0
check modes_dir_0755 test "$(stat -c %a "$T_DIR/new/deep")" = 755
check modes_parent_0755 test "$(stat -c %a "$T_DIR/new")" = 755
check modes_files_0644 sh -c "cd '$T_DIR/new/deep' && test \"\$(stat -c %a results.json series.ndjson report.md report.html | sort -u)\" = 644"

# --- symlinks planted in the out dir ----------------------------------------------------------------
mkdir -p "$T_DIR/plant"
echo "precious" >"$T_DIR/victim"
ln -s "$T_DIR/victim" "$T_DIR/plant/series.ndjson"
"$S" run "$T_DIR/one.yaml" -q -t 1 -o "$T_DIR/plant" >"$T_DIR/plant.out" 2>"$T_DIR/plant.err"
check symlink_series_exit2 test $? -eq 2
check symlink_series_message grep -q "cannot write '$T_DIR/plant/series.ndjson': is a symbolic link, not followed" "$T_DIR/plant.err"
check symlink_series_victim_intact test "$(cat "$T_DIR/victim")" = precious
check symlink_series_no_load test ! -e "$T_DIR/plant/results.json"
rm "$T_DIR/plant/series.ndjson"
ln -s "$T_DIR/victim" "$T_DIR/plant/results.json"
ln -s "$T_DIR/victim" "$T_DIR/plant/report.md"
"$S" run "$T_DIR/one.yaml" -q -t 1 -o "$T_DIR/plant" >/dev/null 2>&1
check symlink_results_exit0 test $? -eq 0
check symlink_results_victim_intact test "$(cat "$T_DIR/victim")" = precious
check symlink_results_replaced sh -c "test ! -L '$T_DIR/plant/results.json' && test ! -L '$T_DIR/plant/report.md'"
jcheck symlink_results_written "$T_DIR/plant/results.json" '.schema == "surge.results/2"'

# --- an out dir that cannot be written ----------------------------------------------------------------
ro=
if mkdir -p "$T_DIR/ro" && mount -t tmpfs -o ro,size=64k tmpfs "$T_DIR/ro" 2>/dev/null; then
    MNT=$T_DIR/ro ro=$T_DIR/ro
elif [ "$(id -u)" != 0 ]; then
    chmod 555 "$T_DIR/ro" && ro=$T_DIR/ro
fi
if [ -n "$ro" ]; then
    t0=$(now_ms)
    "$S" run "$T_DIR/one.yaml" -q -t 1 -o "$ro" >"$T_DIR/ro.out" 2>"$T_DIR/ro.err"
    rc=$?
    check readonly_exit2 test "$rc" -eq 2
    check readonly_one_line test "$(wc -l <"$T_DIR/ro.err")" -eq 1
    check readonly_names_file grep -qE "^surge: --out: cannot write '$ro/series.ndjson': (Read-only file system|Permission denied)$" "$T_DIR/ro.err"
    check readonly_before_load test $(($(now_ms) - t0)) -lt 900
    [ -n "$MNT" ] && umount "$MNT" && MNT=
else
    echo "note: cannot mount a read-only tmpfs and running as root: the unwritable out dir is not tested"
fi

# --- the disk fills up while series.ndjson streams ------------------------------------------------------
# A 256 KiB tmpfs with two pages left: 16 scenarios make ~6 KB of series a second, so a
# write fails in the run's first seconds (their latency logs find no room either: one
# line for them).
if mkdir -p "$T_DIR/full" && mount -t tmpfs -o size=256k tmpfs "$T_DIR/full" 2>/dev/null; then
    MNT=$T_DIR/full
    head -c $((248 * 1024)) /dev/zero >"$MNT/filler"
    mkdir "$MNT/out"
    t0=$(now_ms)
    timeout 30 "$S" run "$T_DIR/wide.yaml" -q -t 2 -o "$MNT/out" >"$T_DIR/full.out" 2>"$T_DIR/full.err"
    rc=$?
    ms=$(($(now_ms) - t0))
    check diskfull_exit3 test "$rc" -eq 3
    check "diskfull_stops_early ($ms ms < 6 s run)" test "$ms" -lt 5500
    check diskfull_message grep -q "^surge: cannot write '$MNT/out/series.ndjson': No space left on device; stopping the run$" "$T_DIR/full.err"
    check diskfull_message_once test "$(grep -c series.ndjson "$T_DIR/full.err")" -eq 1
    check diskfull_results_error grep -q "cannot write '$MNT/out/results.json': No space left on device" "$T_DIR/full.err"
    check diskfull_no_results_no_tmp sh -c "! ls '$MNT/out' | grep -qE '^results.json|\\.tmp\\.'"
    # every whole line streamed so far parses; the run's end is not among them
    head -n -1 "$MNT/out/series.ndjson" >"$T_DIR/whole.ndjson"
    check diskfull_series_lines_parse jq -e . "$T_DIR/whole.ndjson"
    umount "$MNT" && MNT=
else
    echo "note: cannot mount a tmpfs here (not permitted): the disk-full case is not tested"
fi
