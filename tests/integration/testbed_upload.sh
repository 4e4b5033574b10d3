#!/usr/bin/env bash
# testbed_upload.sh — surge-testbed's upload profile and /metrics: login and sessions, uploads
# (30 images, rejects, malformed multipart), the worker pool and its backlog, session cap and
# TTL, --time-scale, memory held per session, and the Prometheus text. Clients in
# tests/lib/testbed_upload.py print JSON; judged here with jq.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/harness.sh

UP=(timeout 20 python3 tests/lib/testbed_upload.py)
J="$T_DIR/j.json"

# jt NAME JQ-EXPR — PASS when the expression is true on $J, else FAIL with $J.
jt() {
    if jq -e "$2" "$J" >/dev/null 2>&1; then pass "$1"; else fail "$1" "jq '$2' on $(head -c 900 "$J")"; fi
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# ---------- flags ----------
bad_flag() { # NAME EXPECT-IN-STDERR ARGS...
    local name=$1 want=$2; shift 2
    local err rc
    err=$(timeout 5 "$TESTBED_BIN" "$@" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q -- "$want" <<<"$err"; then
        pass "$name"; else fail "$name" "rc=$rc stderr=$err"; fi
}
bad_flag flag_bad_profile '--profile' --profile nope
bad_flag flag_bad_workers '--workers' --workers 0
bad_flag flag_bad_time_scale '--time-scale' --time-scale -1
bad_flag flag_bad_duration '--session-ttl' --session-ttl 10parsecs
bad_flag flag_work_ms_missing '--work-ms' --work-ms
out=$("$TESTBED_BIN" --help); grep -q 'letmein' <<<"$out" && grep -q -- '--time-scale' <<<"$out" &&
    grep -q -- '--workers' <<<"$out" && pass help_documents_upload || fail help_documents_upload "$out"

# ---------- profiles ----------
start_testbed --profile jobs
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TB_URL/api/login")
r2=$(curl -s -o /dev/null -w '%{http_code}' "$TB_URL/echo")
[ "$r" = 404 ] && [ "$r2" = 200 ] && pass profile_jobs_has_no_upload_routes || fail profile_jobs_has_no_upload_routes "login $r echo $r2"
kill "$TB_PID"

# ---------- login, uploads, malformed bodies, metrics (one server) ----------
SURGE_TESTBED_ACCESS_CODE=sesame start_testbed --profile upload --work-ms 2
U=$TB_URL
"${UP[@]}" login "$U" wrong >"$J"
jt login_wrong_code_401 '.status == 401 and (.body | fromjson | .error | length > 0) and .set_cookie == null'
"${UP[@]}" login "$U" letmein >"$J"
jt login_default_code_overridden_by_env '.status == 401'
"${UP[@]}" login "$U" sesame json >"$J"
jt login_json_200_cookie '.status == 200 and (.set_cookie | test("^session=[0-9a-f]{32}; Path=/; HttpOnly$"))'
TOK=$(jq -r .token "$J")
"${UP[@]}" login "$U" sesame form >"$J"
jt login_form_200 '.status == 200 and (.token | length == 32)'
"${UP[@]}" upload "$U" "" png:1 >"$J"
jt upload_without_session_401 '.status == 401'
"${UP[@]}" upload "$U" "0123456789abcdef0123456789abcdef" png:1 >"$J"
jt upload_unknown_session_401 '.status == 401'
"${UP[@]}" upload "$U" "$TOK" png:15,jpeg:15 >"$J"
jt upload_30_images '.status == 200 and (.body | fromjson) == {"uploaded":30,"rejected":0}'
"${UP[@]}" upload "$U" "$TOK" png:2,text:1,jpeg:1 >"$J"
jt upload_text_file_rejected '.status == 200 and (.body | fromjson) == {"uploaded":3,"rejected":1}'
"${UP[@]}" malformed "$U" "$TOK" >"$J"
for k in $(jq -r 'keys[]' "$J"); do
    jt "malformed_${k}_400_json" ".${k}.status == 400 and .${k}.ctype == \"application/json\" and (.${k}.error | length > 0)"
done
r=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$U/health")
[ "$r" = 200 ] && pass alive_after_malformed || fail alive_after_malformed "health $r"
NMAL=$(jq 'length' "$J")

"${UP[@]}" metrics "$U" >"$J"
jt metrics_200_text_004 '.status == 200 and (.ctype | startswith("text/plain; version=0.0.4"))'
jt metrics_every_line_parses '.nbad == 0'
for m in http_requests_total http_request_duration_seconds_bucket http_request_duration_seconds_sum \
    http_request_duration_seconds_count concurrent_requests active_sessions upload_queue_size \
    workers_busy process_resident_memory_bytes process_cpu_seconds_total process_start_time_seconds; do
    jt "metrics_has_$m" "[.values | keys[] | select(test(\"^${m}(\\\\{|\$)\"))] | length > 0"
done
V='.values'
jt metrics_login_counts "$V[\"http_requests_total{route=\\\"/api/login\\\",code=\\\"200\\\"}\"] == 2 and $V[\"http_requests_total{route=\\\"/api/login\\\",code=\\\"401\\\"}\"] == 2"
jt metrics_upload_counts "$V[\"http_requests_total{route=\\\"/api/upload\\\",code=\\\"200\\\"}\"] == 2 and $V[\"http_requests_total{route=\\\"/api/upload\\\",code=\\\"401\\\"}\"] == 2 and $V[\"http_requests_total{route=\\\"/api/upload\\\",code=\\\"400\\\"}\"] == $NMAL"
jt metrics_health_count "$V[\"http_requests_total{route=\\\"/health\\\",code=\\\"200\\\"}\"] == 1"
jt metrics_histogram_consistent "$V[\"http_request_duration_seconds_count{route=\\\"/api/upload\\\"}\"] == $V[\"http_request_duration_seconds_bucket{route=\\\"/api/upload\\\",le=\\\"+Inf\\\"}\"] and $V[\"http_request_duration_seconds_count{route=\\\"/api/upload\\\"}\"] == (4 + $NMAL)"
jt metrics_types '.types.http_requests_total == "counter" and .types.http_request_duration_seconds == "histogram" and .types.workers_busy == "gauge" and .types.process_cpu_seconds_total == "counter"'
jt metrics_gauges_sensible "$V.active_sessions == 2 and $V.upload_queue_size == 0 and $V.workers_busy == 0 and $V.concurrent_requests >= 1 and $V.images_uploaded_total == 33 and $V.images_rejected_total == 1"
now=$(date +%s)
jt metrics_process_sensible "$V.process_cpu_seconds_total >= 0 and $V.process_cpu_seconds_total < 60 and ($V.process_start_time_seconds - $now | fabs) < 120"
rss=$(($(rss_kb "$TB_PID") * 1024))
jt metrics_rss_matches_proc "($V.process_resident_memory_bytes - $rss | fabs) <= ($rss * 0.1 + 1048576)"
curl -s --max-time 5 "$U/nothing/here" >/dev/null
"${UP[@]}" metrics "$U" >"$J"
jt metrics_unmatched_route "$V[\"http_requests_total{route=\\\"unmatched\\\",code=\\\"404\\\"}\"] == 1"
kill "$TB_PID"

# ---------- worker pool: 1 worker x 2 threads, backlog 2, 200 ms per image ----------
start_testbed --profile upload --workers 1 --threads 2 --work-ms 200 --backlog 2
TOK=$("${UP[@]}" login "$TB_URL" letmein | jq -r .token)
"${UP[@]}" pool "$TB_URL" "$TOK" 6 100 >"$J"
cp "$J" "$T_DIR/pool.json"
jt pool_4_accepted_2_busy '([.results[] | select(.status == 200)] | length) == 4 and ([.results[] | select(.status == 503 and (.body | fromjson | .error) == "Server busy")] | length) == 2'
jt pool_503_fast '[.results[] | select(.status == 503) | .ms] | max < 150'
jt pool_first_two_at_200ms '[.results[] | select(.status == 200) | .ms] | .[0:2] | (min > 170 and max < 320)'
jt pool_next_two_at_400ms '[.results[] | select(.status == 200) | .ms] | .[2:4] | (min > 360 and max < 560)'
jt pool_gauges_during '.during.workers_busy == 2 and .during.upload_queue_size == 2 and .during.concurrent_requests == 5'
POOL=$(jq -c '[.results[] | "\(.status)@\(.ms)ms"]' "$J")
"${UP[@]}" metrics "$TB_URL" >"$J"
jt pool_idle_after "$V.workers_busy == 0 and $V.upload_queue_size == 0 and $V[\"http_requests_total{route=\\\"/api/upload\\\",code=\\\"503\\\"}\"] == 2"
echo "# pool: $POOL"
kill "$TB_PID"

# ---------- session cap, TTL and --time-scale (0.1: TTL 30s -> 3 s, 1000 ms/image -> 100 ms) ----------
# curl here, not python: its start-up (up to a second on a loaded machine) would eat the TTL.
printf '\211PNG\r\n\032\nfake' >"$T_DIR/a.png"
login() { # URL [TOKEN] -> "STATUS TOKEN"
    local h
    h=$(curl -s --max-time 5 -D - -o /dev/null -b "session=${2:-}" -H 'Content-Type: application/json' \
        -d '{"access_code":"letmein"}' "$1/api/login")
    echo "$(awk 'NR==1 {print $2}' <<<"$h") $(grep -oiE '^set-cookie: session=[0-9a-f]+' <<<"$h" | sed 's/.*=//')"
}
upload() { # URL TOKEN -> "STATUS SECONDS"
    curl -s --max-time 5 -o /dev/null -w '%{http_code} %{time_total}' -b "session=$2" \
        -F "images=@$T_DIR/a.png" "$1/api/upload"
}
start_testbed --profile upload --max-sessions 2 --session-ttl 30s --work-ms 1000 --time-scale 0.1
t_login=$(date +%s%N)
read -r st T1 < <(login "$TB_URL")
read -r st2 _ < <(login "$TB_URL")
read -r st3 _ < <(login "$TB_URL")
read -r st4 T4 < <(login "$TB_URL" "$T1")
[ "$st" = 200 ] && [ "$st2" = 200 ] && pass cap_two_logins_200 || fail cap_two_logins_200 "$st $st2"
[ "$st3" = 503 ] && pass cap_third_login_503 || fail cap_third_login_503 "got $st3"
[ "$st4" = 200 ] && [ "$T4" = "$T1" ] && pass cap_relogin_same_session || fail cap_relogin_same_session "$st4 $T4 vs $T1"
read -r st secs < <(upload "$TB_URL" "$T1")
if [ "$st" = 200 ] && awk -v t="$secs" 'BEGIN { exit !(t >= 0.085 && t < 0.25) }'; then
    pass "time_scale_upload_100ms(${secs}s)"; else fail time_scale_upload_100ms "$st in ${secs}s"; fi
left=$(( (3300000000 - ($(date +%s%N) - t_login)) / 1000000 ))
[ "$left" -gt 0 ] && sleep "$(awk -v m="$left" 'BEGIN{print m/1000}')"
read -r st _ < <(upload "$TB_URL" "$T1")
[ "$st" = 401 ] && pass ttl_expired_upload_401 || fail ttl_expired_upload_401 "got $st"
read -r st T5 < <(login "$TB_URL")
[ "$st" = 200 ] && [ "$T5" != "$T1" ] && pass cap_freed_after_expiry || fail cap_freed_after_expiry "got $st"
kill "$TB_PID"

# ---------- memory: 20 x 1 MB images held by a session, released at expiry ----------
metric() { curl -s --max-time 5 "$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'; }
start_testbed --profile upload --work-ms 0 --session-ttl 4s
t_login=$(date +%s%N)
read -r _ TOK < <(login "$TB_URL")
rss0=$(rss_kb "$TB_PID")
"${UP[@]}" upload "$TB_URL" "$TOK" png1m:1 20 >"$J"
jt memory_20_uploads_ok '(.statuses | all(. == 200)) and (.statuses | length) == 20'
rss1=$(rss_kb "$TB_PID")
held=$(metric "$TB_URL" session_upload_bytes)
grow=$(( (rss1 - rss0) * 1024 ))
[ "$grow" -ge $((20 * 1048576 * 8 / 10)) ] && pass "memory_rss_grows($((grow / 1048576)) MiB for 20 MiB)" ||
    fail memory_rss_grows "VmRSS $rss0 -> $rss1 kB"
[ "${held:-0}" -ge $((20 * 1048576 - 20 * 1024)) ] 2>/dev/null && pass memory_held_gauge || fail memory_held_gauge "session_upload_bytes '$held'"
left=$(( (4400000000 - ($(date +%s%N) - t_login)) / 1000000 ))
[ "$left" -gt 0 ] && sleep "$(awk -v m="$left" 'BEGIN{print m/1000}')"
a=$(metric "$TB_URL" active_sessions) held=$(metric "$TB_URL" session_upload_bytes)
[ "$a" = 0 ] && [ "$held" = 0 ] && pass memory_session_freed || fail memory_session_freed "active_sessions '$a' held '$held'"
rss2=$(rss_kb "$TB_PID")
drop=$(( (rss1 - rss2) * 1024 ))
if [ "$drop" -ge $((20 * 1048576 / 2)) ]; then pass "memory_rss_drops_after_expiry($((drop / 1048576)) MiB)"
# Under the sanitizers freed memory sits in ASan's quarantine and the allocator touches
# fresh pages instead of reusing it, so "not growing" gets a wider margin there.
elif slack=2048 && { [ -z "${SURGE_SANITIZED:-}" ] || slack=8192; } && [ "$rss2" -le $((rss1 + slack)) ]; then
    pass "memory_rss_not_growing_after_expiry(kept by the allocator: $rss1 -> $rss2 kB)"
else fail memory_rss_after_expiry "VmRSS $rss0 -> $rss1 -> $rss2 kB"; fi
echo "# VmRSS kB: before $rss0, after 20x1MB $rss1, after expiry $rss2"
kill "$TB_PID"
