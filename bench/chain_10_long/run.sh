#!/usr/bin/env bash
# B2 chain-10-long: a workflow of STEPS sequential steps of a python action
# computing fibo(N) (default 10 x fibo(30)), from `ryax run --wait` to its
# exit, against a running ryaxd with the action built, the workflow deployed
# and its replica warm. Prints the median of RUNS runs, then the floor: the
# handler called STEPS times in one process of the action's own venv python
# (the interpreter the replica runs), measured before each run, where the
# run's time went in the daemon (the executions, from the run document),
# and the overhead of the median over the floor (target: within 5%).
#   bench/chain_10_long/run.sh [BUILD_DIR] [RUNS] [STEPS] [N]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-5}
steps=${3:-10}
n=${4:-30}
bench_init "${1:-}" ryax ryaxd ryax-wrapper
bench_chain_setup "$steps"
# Warm the replica (and the machine) with one small run.
ryax -q run chain --input n=10 --wait >/dev/null

# The action's own interpreter: the venv of its bundle.
venv_python=$(find "$RYAX_HOME/bundles" -path '*/env/bin/python3' | head -n 1)
handler_dir=$(dirname "$(find "$RYAX_HOME/bundles" -name ryax_handler.py -not -path '*/env/*' | head -n 1)")
floor() {
  "$venv_python" -c "
import sys, time
sys.path.insert(0, '$handler_dir')
import ryax_handler
t = time.perf_counter()
for _ in range($steps):
    ryax_handler.handle({'n': $n})
print(round((time.perf_counter() - t) * 1000, 1))"
}

times=()
floors=()
in_steps=()
in_run=()
for _ in $(seq 1 "$runs"); do
  # The floor right before each run, so that both see the same machine.
  floors+=("$(floor)")
  t0=$(date +%s%N)
  ryax -q run chain --input "n=$n" --wait -o json > "$tmp/out.json"
  t1=$(date +%s%N)
  grep -q '"state": "done"' "$tmp/out.json" || { echo "run did not finish: $(head -c 300 "$tmp/out.json")" >&2; exit 1; }
  times+=("$(( (t1 - t0) / 1000000 ))")
  # Inside the daemon: the steps' executions (started -> finished: the
  # replica's round trip and the handler) and the run (created -> finished).
  split=$("$venv_python" -c "
import json, sys
run = json.load(open(sys.argv[1]))
steps = sum(s['finished_ms'] - s['started_ms'] for s in run['steps'])
print(steps, run['finished_ms'] - run['created_ms'])" "$tmp/out.json")
  in_steps+=("${split% *}")
  in_run+=("${split#* }")
done
m=$(printf '%s\n' "${times[@]}" | median)
f=$(printf '%s\n' "${floors[@]}" | median)
echo "chain-$steps of fibo($n), ryax run --wait to exit: median $m ms over $runs runs (all: ${times[*]})"
echo "floor, $steps calls of the handler in one venv python ($venv_python): median $f ms (all: ${floors[*]})"
echo "in the daemon: run created -> finished median $(printf '%s\n' "${in_run[@]}" | median) ms, of which the $steps executions (started -> finished) median $(printf '%s\n' "${in_steps[@]}" | median) ms"
awk -v m="$m" -v f="$f" -v s="$steps" \
  'BEGIN {printf "overhead over the floor: %.1f%% (%.1f ms per step; target < 5%%)\n", (m - f) * 100 / f, (m - f) / s}'
