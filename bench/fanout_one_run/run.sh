#!/usr/bin/env bash
# B3b fanout-one-run: the same COUNT executions of fibo(10) as B3, as ONE
# run: a step "split" returns a list of COUNT elements and "fibo" runs once
# per element (a fan-out). Timed from `ryax run --wait` to its exit; the
# run's own times (created_ms to finished_ms) are printed beside. One warm-up
# run (replicas started), then RUNS runs; prints the median and the
# executions/s it stands for. MAX_REPLICAS and CONCURRENCY as in B3.
#   bench/fanout_one_run/run.sh [BUILD_DIR] [RUNS] [COUNT] [MAX_REPLICAS] [CONCURRENCY]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-5}
count=${3:-1000}
max_replicas=${4:-2}
concurrency=${5:-8}
bench_init "${1:-}" ryax ryaxd ryax-wrapper
bench_fibo_repo "$tmp/actions"
bench_split_action "$tmp/actions" 10
bench_git_commit "$tmp/actions" split
mkdir -p "$RYAX_HOME"
bench_fibo_workflow fanrun "$max_replicas" fan > "$tmp/fan.yaml"
echo "run_concurrency: $concurrency" > "$RYAX_HOME/ryaxd.yaml"
ryax daemon start -q >/dev/null
ryax -q repo add bench "$tmp/actions" >/dev/null
ryax -q repo scan bench --strict >/dev/null
ryax -q action build fibo split --wait >/dev/null
ryax -q workflow push "$tmp/fan.yaml" --deploy >/dev/null

one() {
  local t0 t1
  t0=$(date +%s%N)
  ryax -q run fanrun --input count="$count" --wait -o json > "$tmp/out.json"
  t1=$(date +%s%N)
  grep -q '"state": "done"' "$tmp/out.json" || { echo "run did not finish: $(head -c 300 "$tmp/out.json")" >&2; exit 1; }
  local created finished
  created=$(sed -n 's/^  "created_ms": \([0-9]*\).*/\1/p' "$tmp/out.json" | head -n 1)
  finished=$(sed -n 's/^  "finished_ms": \([0-9]*\).*/\1/p' "$tmp/out.json" | head -n 1)
  echo "$(( (t1 - t0) / 1000000 )) $(( finished - created ))"
}
echo "warm-up: $(one | cut -d' ' -f1) ms"
times=()
for _ in $(seq 1 "$runs"); do
  read -r wall own < <(one)
  echo "  run: $wall ms (in the daemon: $own ms); load $(cut -d' ' -f1 /proc/loadavg)"
  times+=("$wall")
done
median=$(printf '%s\n' "${times[@]}" | median)
echo "fanout-one-run-$count (max_replicas $max_replicas, run_concurrency $concurrency), ryax run --wait to exit: median $median ms over $runs runs (all: ${times[*]}); $(( count * 1000 / median )) executions/s"
