#!/usr/bin/env bash
# ryax as a peer of ../shared/bench-peers: prints the harness's
#   RESULT <label> <bench> <seconds>
# lines for B1 (chain of B1_N fibo(B1_FIB) steps), B2 (chain of B2_N
# fibo(B2_FIB)) and B3 (B3_N runs of one fibo(B3_FIB) step submitted at once,
# label "ryax"; and the same B3_N executions as one run's fan-out, label
# "ryax-one-run"), REPS times each after one warm-up, each timed from the
# client's call to the last step's end. Sizes and REPS as in the harness's
# common.sh.
#   bench/peers/ryax_peer.sh [BUILD_DIR]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
REPS=${REPS:-3}
B1_N=${B1_N:-400}; B1_FIB=${B1_FIB:-10}
B2_N=${B2_N:-10};  B2_FIB=${B2_FIB:-30}
B3_N=${B3_N:-1000}; B3_FIB=${B3_FIB:-10}
bench_init "${1:-}" ryax ryaxd ryax-wrapper ryax_bench_fanout

bench_fibo_repo "$tmp/actions"
bench_split_action "$tmp/actions" "$B3_FIB"
git -C "$tmp/actions" add -A >/dev/null
git -C "$tmp/actions" -c user.name=b -c user.email=b@b commit -q -m split
chain() { # ID STEPS
  bench_chain_workflow "$2" | sed "s/^  id: chain$/  id: $1/"
}
chain b1 "$B1_N" > "$tmp/b1.yaml"
chain b2 "$B2_N" > "$tmp/b2.yaml"
bench_fibo_workflow b3 2 > "$tmp/b3.yaml"
bench_fibo_workflow b3b 2 fan > "$tmp/b3b.yaml"
mkdir -p "$RYAX_HOME"
echo "max_unfinished_runs: $(( B3_N * 2 + 10 ))" > "$RYAX_HOME/ryaxd.yaml"
ryax daemon start -q >/dev/null
ryax -q repo add bench "$tmp/actions" >/dev/null
ryax -q repo scan bench --strict >/dev/null
ryax -q action build fibo split --wait >/dev/null
for w in b1 b2 b3 b3b; do
  ryax -q workflow push "$tmp/$w.yaml" --deploy >/dev/null
done
echo "INFO ryax: $("$build/ryax" version | tr '\n' ' ')($build)"

seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
timed_run() { # WORKFLOW INPUT: `ryax run --wait`, prints seconds
  local t0 t1
  t0=$(date +%s%N)
  ryax -q run "$1" --input "$2" --wait -o json > "$tmp/out.json"
  t1=$(date +%s%N)
  grep -q '"state": "done"' "$tmp/out.json" || { echo "run of $1 did not finish" >&2; exit 1; }
  seconds "$t0" "$t1"
}
fanout() { # prints seconds from the first submit to the last run's end
  "$build/ryax_bench_fanout" "$RYAX_SOCKET" b3 "$B3_N" "n=$B3_FIB" \
    | awk '/^figure_ms/ { printf "%.3f", $2 / 1000 }'
}
timed_run b1 "n=$B1_FIB" >/dev/null
timed_run b2 "n=$B2_FIB" >/dev/null
fanout >/dev/null
timed_run b3b "count=$B3_N" >/dev/null
for _ in $(seq 1 "$REPS"); do
  echo "RESULT ryax B1 $(timed_run b1 "n=$B1_FIB")"
  echo "RESULT ryax B2 $(timed_run b2 "n=$B2_FIB")"
  echo "RESULT ryax B3 $(fanout)"
  echo "RESULT ryax-one-run B3 $(timed_run b3b "count=$B3_N")"
done
