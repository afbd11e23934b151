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
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
steps=${3:-10}
n=${4:-30}
ninja -C "$build" ryax ryaxd ryax-wrapper >/dev/null
tmp=$(mktemp -d /tmp/rxbench.XXXXXX)
export RYAX_HOME=$tmp/home RYAX_SOCKET=$tmp/s.sock RYAX_NO_AUTOSTART=1 PIP_NO_INDEX=1
trap '"$build/ryax" -q daemon stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
ryax() { "$build/ryax" "$@"; }

mkdir -p "$tmp/actions/fibo"
cat > "$tmp/actions/fibo/ryax_metadata.yaml" <<'YAML'
apiVersion: "ryax.tech/v2.0"
kind: Processor
spec:
  id: fibo
  human_name: Fibonacci
  type: python3
  version: "1.0"
  inputs:
  - {name: n, human_name: N, help: which number, type: integer}
  outputs:
  - {name: value, human_name: Value, help: fibo(n), type: integer}
YAML
cat > "$tmp/actions/fibo/ryax_handler.py" <<'PY'
def fibo(n):
    return n if n < 2 else fibo(n - 1) + fibo(n - 2)


def handle(request):
    return {"value": fibo(request["n"])}
PY
: > "$tmp/actions/fibo/requirements.txt"
git -C "$tmp/actions" init -q
git -C "$tmp/actions" -c user.name=b -c user.email=b@b add -A
git -C "$tmp/actions" -c user.name=b -c user.email=b@b commit -q -m fibo

{
  printf 'apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: chain\n'
  printf '  trigger: {id: start, from: manual, outputs: [{name: n, type: integer}]}\n'
  printf '  actions:\n'
  printf '  - {id: s1, from: fibo, inputs_values: {n: "{{ start.n }}"}}\n'
  for i in $(seq 2 "$steps"); do
    printf '  - {id: s%d, from: fibo, inputs_values: {n: "{{ start.n }}"}, after: [s%d]}\n' "$i" $((i - 1))
  done
  printf '  results:\n  - {key: value, value: "{{ s%d.value }}"}\n' "$steps"
} > "$tmp/chain.yaml"

ryax daemon start -q >/dev/null
ryax -q repo add bench "$tmp/actions" >/dev/null
ryax -q repo scan bench --strict >/dev/null
ryax -q action build fibo --wait >/dev/null
ryax -q workflow push "$tmp/chain.yaml" --deploy >/dev/null
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

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
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
