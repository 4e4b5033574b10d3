# dist_mpi.sh — surge-mpi under `mpirun --oversubscribe -np 3` against the testbed: the
# ranks' shares add up (40 VUs, iteration counts, arrival starts), they start together,
# rank 0 writes one merged report with the criteria judged, and ranks that cannot reach
# the target are reported (exit 3), not dropped. SKIPs when Open MPI or the MPI build
# (make MPI=1) is absent: the plain build and its tests never need MPI.
source "$(dirname "$0")/../lib/harness.sh"
MPI_BIN=${SURGE_BUILD:-build}/bin/surge-mpi
if ! command -v mpirun >/dev/null; then
    echo "SKIP dist_mpi: mpirun not found (apt-get install openmpi-bin libopenmpi-dev; make MPI=1)"
    exit 0
fi
if [ ! -x "$MPI_BIN" ]; then
    echo "SKIP dist_mpi: $MPI_BIN not built (make MPI=1)"
    exit 0
fi
MPIRUN=(mpirun --oversubscribe -np 3)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo # this machine only
start_testbed

P=$T_DIR/mpi.yaml
cat >"$P" <<YAML
target: http://127.0.0.1:1
flows:
  echo:
    - {name: echo, get: "/echo?delay_ms=5", expect: {status: 200}}
criteria: [error_rate < 1%]
scenarios:
  - {name: per-vu, flow: echo, executor: per-vu-iterations, vus: 40, iterations: 2}
  - {name: shared, flow: echo, executor: shared-iterations, vus: 4, iterations: 100}
  - {name: rate, flow: echo, executor: constant-arrival-rate, rate: 60, duration: 1s, max_vus: 12}
YAML
timeout 90 "${MPIRUN[@]}" "$MPI_BIN" run "$P" --target "$TB_URL" --out "$T_DIR/out" -t 1 -q \
    --health "$TB_URL/echo" --watch-baseline 0 >"$T_DIR/mpi.out" 2>&1
rc=$?
check "mpirun -np 3 surge-mpi exits 0 ($(tail -c 300 "$T_DIR/mpi.out" | tr '\n' ' '))" test $rc -eq 0
M=$T_DIR/out/results.json
sc() { echo ".scenarios[] | select(.name == \"$1\")"; }
jcheck "rank 0 wrote one merged report of 3 complete shares" "$M" \
    '.incomplete == false and ([.shares[] | select(.complete) | .segment] | sort) == ["1/3","2/3","3/3"]'
jcheck "each rank ran its share: 14 + 13 + 13 VUs = 40, 80 iterations" "$M" \
    "$(sc per-vu) | .vus_max == 40 and .iterations == 80"
jcheck "shared iterations: exactly 100" "$M" "$(sc shared) | .iterations == 100"
jcheck "arrival rate 60/s for 1 s: 60 starts over the cluster" "$M" "$(sc rate) | .iterations + .dropped == 60"
jcheck "criteria judged on the merged figures" "$M" '.verdict == "pass" and (.criteria | length) == 1'
check "the merged report is written" test -s "$T_DIR/out/report.md"
S=$T_DIR/out/series.ndjson
check "rank 0 streamed the whole run's seconds to out/series.ndjson" test -s "$S"
check "its header counts 3 ranks" test "$(head -1 "$S" | jq .ranks)" = 3
for name in per-vu shared rate; do
    got=$(tail -n +2 "$S" | jq -s "[.[] | .scenarios[\"$name\"].requests // 0] | add")
    want=$(jq "$(sc $name) | .requests" "$M")
    check "every second gathered: $name's seconds add up to the merged $want requests (got $got)" test "$got" = "$want"
done
jcheck "rank 0 alone watched the target" "$T_DIR/out/rank-1/results.json" '.watch.health.probes > 0'
jcheck "rank 1 did not" "$T_DIR/out/rank-2/results.json" 'has("watch") | not'
jcheck "the merged report has rank 0's watch" "$M" '.watch.health.probes > 0'
jcheck "rank 2 ran share 2/3" "$T_DIR/out/rank-2/results.json" \
    ".segment == \"2/3\" and ($(sc per-vu) | .vus_max == 13)"
s1=$(jq -r '.started | fromdateiso8601' "$T_DIR/out/rank-1/results.json")
s3=$(jq -r '.started | fromdateiso8601' "$T_DIR/out/rank-3/results.json")
check "the ranks started together (${s1} vs ${s3})" test $((s1 - s3)) -le 1 -a $((s3 - s1)) -le 1

# a scenario that starts after the previous one starts on every rank together, even
# where the previous one ended early (rank 3 has none of first's 2 VUs)
cat >"$T_DIR/seq.yaml" <<YAML
target: http://127.0.0.1:1
flows:
  slow:
    - {name: slow, get: "/echo?delay_ms=600"}
  echo:
    - {name: echo, get: "/echo?delay_ms=5"}
scenarios:
  - {name: first, flow: slow, executor: per-vu-iterations, vus: 2, iterations: 1}
  - {name: second, flow: echo, executor: per-vu-iterations, vus: 3, iterations: 2}
YAML
timeout 60 "${MPIRUN[@]}" "$MPI_BIN" run "$T_DIR/seq.yaml" --target "$TB_URL" --out "$T_DIR/seq" \
    -t 1 -q >"$T_DIR/seq.out" 2>&1
check "sequential scenarios under MPI: exit 0" test $? -eq 0
a=$(jq '.scenarios[1].start_s' "$T_DIR/seq/rank-1/results.json")
b=$(jq '.scenarios[1].start_s' "$T_DIR/seq/rank-3/results.json")
check "rank 3 (nothing to do in first) starts second with rank 1 ($b vs $a)" \
    jq -n "$b >= 0.6 and ($a - $b | fabs) < 0.2"
jcheck "merged: second ran 6 iterations" "$T_DIR/seq/results.json" '.scenarios[1].iterations == 6'

# rank 0's abort_on_fail, judged on the whole run's seconds, stops every rank: exit 1
cat >"$T_DIR/abort.yaml" <<YAML
target: http://127.0.0.1:1
flows:
  echo:
    - {name: echo, get: "/echo?delay_ms=5"}
criteria:
  - {expr: "p95(latency) < 1ms", abort_on_fail: true, window: 1s}
scenarios:
  - {name: long, flow: echo, executor: constant-vus, vus: 3, duration: 30s}
YAML
timeout 60 "${MPIRUN[@]}" "$MPI_BIN" run "$T_DIR/abort.yaml" --target "$TB_URL" --out "$T_DIR/ab" \
    -t 1 -q >"$T_DIR/ab.out" 2>&1
rc=$?
check "abort_on_fail on the merged seconds stops the cluster: exit 1 (got $rc)" test $rc -eq 1
jcheck "merged: interrupted by abort, verdict fail, well before 30 s" "$T_DIR/ab/results.json" \
    '.interrupted_by == "abort" and .verdict == "fail" and .incomplete == false and .duration_s < 20'
for k in 2 3; do
    jcheck "rank $k stopped too" "$T_DIR/ab/rank-$k/results.json" '.interrupted_by == "abort" and .duration_s < 20'
done

# every rank loses its target: reported as incomplete shares, exit 3
timeout 60 "${MPIRUN[@]}" "$MPI_BIN" run "$P" --target "http://127.0.0.1:1" --out "$T_DIR/down" \
    -t 1 -q --abort-unreachable 1s >"$T_DIR/down.out" 2>&1
rc=$?
check "ranks that cannot reach the target: exit 3 (got $rc)" test $rc -eq 3
jcheck "their shares are listed as incomplete" "$T_DIR/down/results.json" \
    '.incomplete == true and ([.shares[] | select(.complete == false)] | length) == 3'
check "and named by rank" grep -q "rank 1 (share 2/3) exited with status 3" "$T_DIR/down.out"
"${MPIRUN[@]}" "$MPI_BIN" run "$P" >"$T_DIR/noout.out" 2>&1
check "surge-mpi without --out: exit 2" test $? -eq 2
