#!/usr/bin/env bash
# Metrics: GET /metrics (curl's time_total, connection included) with COUNT
# finished runs in the history and DEPLOYS deployed workflows (one fibo
# step each, so DEPLOYS action deployments with a warm replica), RUNS
# times; prints the median, the p99 and the size of the answer.
# One real run of workflow m0 is copied COUNT times by
# ryax_bench_fill_history with the daemon stopped, as B4 does.
#   bench/metrics/run.sh [BUILD_DIR] [RUNS] [COUNT] [DEPLOYS]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-101}
count=${3:-10000}
deploys=${4:-100}
bench_init "${1:-}" ryax ryaxd ryax-wrapper ryax_bench_fill_history
bench_fibo_repo "$tmp/actions"
mkdir -p "$RYAX_HOME"
# Enough live replicas for every deployment.
echo "max_live_deployments: $(( deploys + 10 ))" > "$RYAX_HOME/ryaxd.yaml"
bench_fibo_workflow m0 1 > "$tmp/m0.yaml"
ryax daemon start -q >/dev/null
bench_deploy "$tmp/m0.yaml"
for i in $(seq 1 $(( deploys - 1 ))); do
  bench_fibo_workflow "m$i" 1 > "$tmp/m$i.yaml"
  ryax -q workflow push "$tmp/m$i.yaml" --deploy >/dev/null
done
template=$(ryax -q run m0 --input n=5 --wait -o json | sed -n 's/^  "id": "\(run-[0-9a-f]*\)".*/\1/p')
[ -n "$template" ] || { echo "no template run" >&2; exit 1; }
ryax -q daemon stop >/dev/null
"$build/ryax_bench_fill_history" "$RYAX_HOME/ryax.db" "$template" "$count"
# At debug level the daemon logs how long each scrape read and wrote.
ryax daemon start -q --log-level debug >/dev/null
# Every deployment with a live replica (a run of each warms it).
for i in $(seq 0 $(( deploys - 1 ))); do ryax -q run "m$i" --input n=1 --wait >/dev/null; done
url=$(ryax daemon status -o json | sed -n 's/.*"http_url": *"\([^"]*\)".*/\1/p')
curl -sf "$url/metrics" > "$tmp/metrics.txt"
echo "answer: $(wc -c < "$tmp/metrics.txt") bytes, $(grep -vc '^#' "$tmp/metrics.txt") samples;" \
  "$(grep -c '^ryax_workflow_deployments{' "$tmp/metrics.txt") workflows," \
  "$(grep -c '^ryax_action_deployments{' "$tmp/metrics.txt") action deployments," \
  "$(ryax runs list --limit 10000 -o name | wc -l) runs listed (of $(( count + deploys + 1 )))"
times=()
for _ in $(seq 1 "$runs"); do
  times+=("$(curl -sf -o /dev/null -w '%{time_total}' "$url/metrics" | awk '{printf "%.3f", $1 * 1000}')")
done
median=$(printf '%s\n' "${times[@]}" | median)
p99=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int(NR*0.99+0.5)]}')
echo "GET /metrics with $count runs in the history and $deploys deployed workflows: median $median ms, p99 $p99 ms over $runs requests"
reads=$(grep -o 'metrics: read in [0-9]* us' "$RYAX_HOME/ryaxd.log" | awk '{print $4}' | median)
writes=$(grep -o 'bytes written in [0-9]* us' "$RYAX_HOME/ryaxd.log" | awk '{print $4}' | median)
echo "inside ryaxd (median): reading the sampled families $reads us, writing the text $writes us"
