#!/usr/bin/env bash
# testbed_jobs.sh — surge-testbed --profile jobs: submit/poll/result, cold and warm durations,
# GPU slots and the FIFO queue, 503 past the queue limit, injected failures and OOM, real
# memory per job and leaks (VmRSS), WebSocket progress, /metrics. Durations run at
# --time-scale 0.01 (82 s -> 0.82 s, cold 167 s -> 1.67 s).
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/harness.sh

PYTHON=$(python3 -c 'import sys; print(sys.executable)') # skip pyenv's slow shim per call
PY=("$PYTHON" tests/integration/testbed_jobs.py)
CURL=(curl -s --max-time 10)
TB_ALL=()

# jq_ok NAME FILE EXPR — PASS when the jq expression is true on FILE.
jq_ok() {
    if jq -e "$3" "$2" >/dev/null 2>&1; then pass "$1"; else
        fail "$1" "jq '$3' is false on $(head -c 900 "$2")"; fi
}
# metric URL NAME{LABELS} — the value of one series on /metrics (empty if absent).
metric() {
    "${CURL[@]}" "$1/metrics" | awk -v k="$2" '$1 == k { print $2 }'
}
# rss_kb PID — VmRSS in KiB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# rss_wait PID CMP KIB SECONDS — poll until VmRSS CMP (-ge/-le) KIB; prints the last VmRSS.
# Pages are touched and released on the testbed's memory thread, so RSS follows in a moment.
rss_wait() {
    local i r
    for i in $(seq 1 $(($4 * 20))); do
        r=$(rss_kb "$1")
        [ "$r" "$2" "$3" ] && break
        sleep 0.05
    done
    echo "$r"
}
jobs_testbed() { start_testbed --profile jobs --time-scale 0.01 "$@"; TB_ALL+=("$TB_PID"); }

# ---------- flags ----------
out=$("$TESTBED_BIN" --help 2>&1)
grep -q -- '--gpu-slots' <<<"$out" && grep -q -- '--oom-above' <<<"$out" && pass jobs_help_lists_flags ||
    fail jobs_help_lists_flags "$out"
for bad in '--gpu-slots 0' '--gpu-slots x' '--job-mem 12XB' '--fail-rate 2' '--time-scale 0' '--job-s'; do
    # shellcheck disable=SC2086
    err=$(timeout 5 "$TESTBED_BIN" --profile jobs $bad 2>&1 >/dev/null); rc=$?
    [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q -- "${bad%% *}" <<<"$err" &&
        pass "jobs_bad_flag[$bad]" || fail "jobs_bad_flag[$bad]" "rc=$rc $err"
done

# ---------- one job at a time: cold first, warm second, 409 before, result after ----------
jobs_testbed --job-mem 1MB
U1=$TB_URL
"${PY[@]}" "$U1" timed >"$T_DIR/cold.json"
jq_ok submit_202_with_id "$T_DIR/cold.json" '.code == 202 and (.job_id | test("^[0-9a-f-]{36}$"))'
jq_ok cold_job_about_1_67s "$T_DIR/cold.json" '.elapsed > 1.45 and .elapsed < 2.4'
jq_ok states_running_then_completed "$T_DIR/cold.json" '.states == ["running", "completed"]'
jq_ok progress_monotonic_to_100 "$T_DIR/cold.json" '.monotonic and .final.progress == 100'
jq_ok result_409_while_running "$T_DIR/cold.json" '.result_before == 409'
jq_ok result_200_glb_300kb "$T_DIR/cold.json" \
    '.result.code == 200 and .result.size == 307200 and .result.type == "model/gltf-binary" and .result.magic == "glTF"'
"${PY[@]}" "$U1" timed >"$T_DIR/warm.json"
jq_ok warm_job_about_0_82s "$T_DIR/warm.json" '.elapsed > 0.7 and .elapsed < 1.3'
id=$(jq -r .job_id "$T_DIR/warm.json")

r=$("${CURL[@]}" -o "$T_DIR/r.json" -w '%{http_code} %{content_type}' "$U1/api/jobs/${id%?}0")
[ "$r" = "404 application/json" ] && jq -e .error "$T_DIR/r.json" >/dev/null && pass unknown_job_404_json ||
    fail unknown_job_404_json "$r $(cat "$T_DIR/r.json")"
for p in /api/jobs/nope /api/jobs/nope/result "/api/jobs/$id/other" /api/jobs/ "/api/jobs/$id/result/x"; do
    r=$("${CURL[@]}" -o "$T_DIR/r.json" -w '%{http_code}' "$U1$p")
    [ "$r" = 404 ] && jq -e .error "$T_DIR/r.json" >/dev/null && pass "bad_job_path_404[$p]" ||
        fail "bad_job_path_404[$p]" "$r"
done
r=$("${CURL[@]}" -o "$T_DIR/r.json" -w '%{http_code}' -X POST "$U1/api/generate")
[ "$r" = 400 ] && jq -e .error "$T_DIR/r.json" >/dev/null && pass empty_upload_400 || fail empty_upload_400 "$r"
r=$("${CURL[@]}" -o "$T_DIR/r.json" -w '%{http_code}' -F 'note=hello' "$U1/api/generate")
[ "$r" = 400 ] && jq -e '.error | test("file part")' "$T_DIR/r.json" >/dev/null && pass multipart_without_file_400 ||
    fail multipart_without_file_400 "$r $(cat "$T_DIR/r.json")"
r=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: multipart/form-data' --data-binary x "$U1/api/generate")
[ "$r" = 400 ] && pass multipart_without_boundary_400 || fail multipart_without_boundary_400 "$r"
r=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X DELETE "$U1/api/jobs/$id")
[ "$r" = 405 ] && pass job_delete_405 || fail job_delete_405 "$r"
h=$("${CURL[@]}" -I "$U1/api/jobs/$id/result" | tr -d '\r')
grep -qx 'Content-Length: 307200' <<<"$h" && pass result_head || fail result_head "$h"
[ "$(metric "$U1" generation_success_total)" = 2 ] && pass metrics_success_2 ||
    fail metrics_success_2 "$(metric "$U1" generation_success_total)"
[ "$(metric "$U1" model_3d_duration_seconds_count)" = 2 ] && pass metrics_duration_histogram ||
    fail metrics_duration_histogram "$(metric "$U1" model_3d_duration_seconds_count)"

# ---------- GPU slots: 5 jobs on 2 slots run in 3 rounds ----------
jobs_testbed --gpu-slots 2 --job-jitter 0 --cold-job-s 82 --job-mem 1MB
U2=$TB_URL
"${PY[@]}" "$U2" batch 5 >"$T_DIR/batch.json" &
bpid=$!
for _ in $(seq 1 100); do # until the 5 submits are in (bounded: 5 s)
    [ "$(metric "$U2" jobs_submitted_total)" = 5 ] && break
    sleep 0.05
done
m_run=$(metric "$U2" jobs_running); m_q=$(metric "$U2" job_queue_size); m_gpu=$(metric "$U2" gpu_usage_percent)
m_mem=$(metric "$U2" gpu_memory_bytes)
[ "$m_run" = 2 ] && [ "$m_q" = 3 ] && [ "$m_gpu" = 100 ] && [ "$m_mem" = 2097152 ] && pass metrics_running_and_queue ||
    fail metrics_running_and_queue "running=$m_run queue=$m_q gpu=$m_gpu mem=$m_mem"
wait $bpid
jq_ok batch_all_202 "$T_DIR/batch.json" '.codes == [202,202,202,202,202]'
jq_ok batch_at_most_2_running "$T_DIR/batch.json" '.max_running == 2 and .saw_queued'
jq_ok batch_all_completed "$T_DIR/batch.json" '[.final[].status] == ["completed","completed","completed","completed","completed"]'
jq_ok batch_three_rounds "$T_DIR/batch.json" '.elapsed > 2.3 and .elapsed < 3.4'
[ "$(metric "$U2" generation_success_total)" = 5 ] && [ "$(metric "$U2" jobs_running)" = 0 ] &&
    [ "$(metric "$U2" job_queue_size)" = 0 ] && pass metrics_after_batch ||
    fail metrics_after_batch "$("${CURL[@]}" "$U2/metrics" | grep -E '^(generation|jobs_running|job_queue)')"

# ---------- queue limit ----------
jobs_testbed --gpu-slots 1 --queue-limit 1 --job-mem 0
U3=$TB_URL
codes=""
for i in 1 2 3; do
    codes+=$("${CURL[@]}" -o "$T_DIR/q$i.json" -w '%{http_code} ' -F "image=@$0" "$U3/api/generate")
done
[ "$codes" = "202 202 503 " ] && jq -e .error "$T_DIR/q3.json" >/dev/null && pass queue_limit_503 ||
    fail queue_limit_503 "codes $codes $(cat "$T_DIR/q3.json")"
q2=$(jq -r .job_id "$T_DIR/q2.json")
s=$("${CURL[@]}" "$U3/api/jobs/$q2" | jq -r '"\(.status) \(.progress)"')
[ "$s" = "queued 0" ] && pass second_job_queued || fail second_job_queued "$s"
[ "$(metric "$U3" 'jobs_rejected_total{reason="queue_full"}')" = 1 ] && pass metrics_rejected ||
    fail metrics_rejected "$(metric "$U3" 'jobs_rejected_total{reason="queue_full"}')"

# ---------- failures ----------
jobs_testbed --fail-rate 1 --job-mem 0
U4=$TB_URL
"${PY[@]}" "$U4" batch 3 >"$T_DIR/fail.json"
jq_ok fail_rate_1_all_failed "$T_DIR/fail.json" \
    '[.final[] | select(.status == "failed" and .progress < 100 and (.error | length) > 0)] | length == 3'
[ "$(metric "$U4" 'generation_failure_total{reason="error"}')" = 3 ] &&
    [ "$(metric "$U4" generation_success_total)" = 0 ] && pass metrics_failures_counted ||
    fail metrics_failures_counted "$(metric "$U4" 'generation_failure_total{reason="error"}')"
fid=$(jq -r '.ids[0]' "$T_DIR/fail.json")
r=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$U4/api/jobs/$fid/result")
[ "$r" = 409 ] && pass failed_result_409 || fail failed_result_409 "$r"

jobs_testbed --gpu-slots 6 --oom-above 4 --job-jitter 0 --cold-job-s 82 --job-mem 0
U5=$TB_URL
"${PY[@]}" "$U5" batch 6 >"$T_DIR/oom.json"
jq_ok oom_above_4_two_fail "$T_DIR/oom.json" \
    '[.final[].status] == ["completed","completed","completed","completed","failed","failed"] and ([.final[4,5].error] == ["out of memory","out of memory"])'
[ "$(metric "$U5" 'generation_failure_total{reason="oom"}')" = 2 ] && pass metrics_oom_counted ||
    fail metrics_oom_counted "$(metric "$U5" 'generation_failure_total{reason="oom"}')"

# ---------- memory: per running job, and leaks ----------
jobs_testbed --job-mem 50MB --cold-job-s 100 --job-jitter 0
U6=$TB_URL; P6=$TB_PID
"${CURL[@]}" "$U6/metrics" >/dev/null
idle=$(rss_kb "$P6")
mid=$("${CURL[@]}" -F "image=@$0" "$U6/api/generate" | jq -r .job_id)
busy=$(rss_wait "$P6" -ge $((idle + 40960)) 1) # the job runs 1 s
st=$("${CURL[@]}" "$U6/api/jobs/$mid" | jq -r .status)
[ $((busy - idle)) -ge 40960 ] && [ "$st" = running ] && pass job_mem_rss_during ||
    fail job_mem_rss_during "idle=$idle busy=$busy KiB, job $st"
for _ in $(seq 1 60); do
    [ "$("${CURL[@]}" "$U6/api/jobs/$mid" | jq -r .status)" = completed ] && break
    sleep 0.05
done
after=$(rss_wait "$P6" -le $((idle + 10240)) 3)
[ $((after - idle)) -le 10240 ] && pass job_mem_rss_freed || fail job_mem_rss_freed "idle=$idle after=$after KiB"

jobs_testbed --leak-per-job 4MB --job-mem 0 --gpu-slots 10 --job-jitter 0 --time-scale 0.001
U7=$TB_URL; P7=$TB_PID
"${CURL[@]}" "$U7/metrics" >/dev/null
idle=$(rss_kb "$P7")
"${PY[@]}" "$U7" batch 10 >"$T_DIR/leak.json"
grown=$(( $(rss_wait "$P7" -ge $((idle + 10 * 4096 * 8 / 10)) 5) - idle ))
jq_ok leak_jobs_completed "$T_DIR/leak.json" '[.final[] | select(.status == "completed")] | length == 10'
[ "$grown" -ge $((10 * 4096 * 8 / 10)) ] && pass leak_per_job_rss_grows || fail leak_per_job_rss_grows "grew $grown KiB"

# ---------- WebSocket ----------
jobs_testbed --job-jitter 0 --cold-job-s 82 --job-mem 0
U8=$TB_URL
"${PY[@]}" "$U8" ws new ping >"$T_DIR/ws.json"
wid=$(jq -r .job_id "$T_DIR/ws.json")
jq_ok ws_101_accept_correct "$T_DIR/ws.json" '.code == 101 and .accept_ok and (.upgrade | ascii_downcase) == "websocket"'
jq_ok ws_frames_unmasked_json "$T_DIR/ws.json" '.masked == 0 and .bad_json == 0'
jq_ok ws_progress_monotonic "$T_DIR/ws.json" \
    '[.frames[].progress] as $p | ($p | length) >= 20 and $p == ($p | sort) and $p[-1] == 100'
jq_ok ws_final_completed "$T_DIR/ws.json" '.frames[-1].status == "completed" and ([.frames[:-1][].status] | all(. == "running"))'
jq_ok ws_ping_pong "$T_DIR/ws.json" '.pong == "hello"'
jq_ok ws_close_1000_then_eof "$T_DIR/ws.json" '.close_code == 1000 and .eof_after_close'
"${PY[@]}" "$U8" ws "$wid" >"$T_DIR/ws2.json"
jq_ok ws_finished_job_one_frame "$T_DIR/ws2.json" \
    '.code == 101 and (.frames | length) == 1 and .frames[0].status == "completed" and .close_code == 1000'
"${PY[@]}" "$U8" wsbad "$wid" >"$T_DIR/wsbad.json"
for c in no_key version_8 bad_key no_upgrade no_connection; do
    jq_ok "ws_${c}_400" "$T_DIR/wsbad.json" ".$c == 400"
done
jq_ok ws_unknown_job_404 "$T_DIR/wsbad.json" '.unknown_job == 404'
jq_ok ws_client_unmasked_1002 "$T_DIR/wsbad.json" '.unmasked.close_code == 1002'
jq_ok ws_client_huge_1009 "$T_DIR/wsbad.json" '.huge.close_code == 1009'
jq_ok ws_client_bigping_1002 "$T_DIR/wsbad.json" '.bigping.close_code == 1002'
jq_ok ws_client_badop_1002 "$T_DIR/wsbad.json" '.badop.close_code == 1002'
jq_ok ws_client_split_ping_pong "$T_DIR/wsbad.json" '.split.pong == "abc"'
frames=$(jq '.frames | length' "$T_DIR/ws.json"); frames2=$(jq '.frames | length' "$T_DIR/ws2.json")
sent=$(metric "$U8" websocket_messages_sent_total)
[ "$sent" -ge $((frames + frames2)) ] && [ "$(metric "$U8" websocket_connections_active)" = 0 ] &&
    pass metrics_websocket || fail metrics_websocket "sent=$sent frames=$((frames + frames2)) active=$(metric "$U8" websocket_connections_active)"
r=$("${CURL[@]}" -w ' %{http_code}' "$U8/health")
[ "$r" = "ok 200" ] && pass http_after_websockets || fail http_after_websockets "$r"

# ---------- nothing crashed ----------
dead=""
for p in "${TB_ALL[@]}"; do kill -0 "$p" 2>/dev/null || dead+=" $p"; done
[ -z "$dead" ] && pass jobs_testbeds_alive || fail jobs_testbeds_alive "gone:$dead"
