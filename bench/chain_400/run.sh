#!/usr/bin/env bash
# B1 chain-400: a workflow of STEPS sequential steps of a python action
# computing fibo(10), from `ryax run --wait` to its exit, against a running
# ryaxd with the action built and the workflow deployed (warm replica after
# the first run). Prints the median of RUNS runs, then the two floors: one
# python process calling fibo(10) STEPS times, and STEPS `python3 -c` spawns.
#   bench/chain_400/run.sh [BUILD_DIR] [RUNS] [STEPS]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-5}
steps=${3:-400}
bench_init "${1:-}" ryax ryaxd ryax-wrapper
bench_chain_setup "$steps"
# One run to start the replica: the figure is about warm runs.
t0=$(date +%s%N)
ryax -q run chain --input n=10 --wait >/dev/null
t1=$(date +%s%N)
echo "first run (replica cold start included): $(( (t1 - t0) / 1000000 )) ms"

times=()
for _ in $(seq 1 "$runs"); do
  t0=$(date +%s%N)
  ryax -q run chain --input n=10 --wait -o json > "$tmp/out.json"
  t1=$(date +%s%N)
  grep -q '"state": "done"' "$tmp/out.json" || { echo "run did not finish: $(head -c 300 "$tmp/out.json")" >&2; exit 1; }
  times+=("$(( (t1 - t0) / 1000000 ))")
done
echo "chain-$steps, ryax run --wait to exit: median $(printf '%s\n' "${times[@]}" | median) ms over $runs runs (all: ${times[*]})"

python=$(real_python)
inproc=$("$python" -c "
import time
$bench_fibo_py
t = time.perf_counter()
for _ in range($steps):
    fibo(10)
print(round((time.perf_counter() - t) * 1000, 2))")
echo "floor, in-process ($steps calls of fibo(10) in one python): $inproc ms"
t0=$(date +%s%N)
for _ in $(seq 1 "$steps"); do
  "$python" -c "$bench_fibo_py
fibo(10)"
done
t1=$(date +%s%N)
echo "floor, process spawn ($steps python3 -c runs): $(( (t1 - t0) / 1000000 )) ms"
