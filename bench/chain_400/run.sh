#!/usr/bin/env bash
# B1 chain-400: a workflow of STEPS sequential steps of a python action
# computing fibo(10), from `ryax run --wait` to its exit, against a running
# ryaxd with the action built and the workflow deployed (warm replica after
# the first run). Prints the median of RUNS runs, then the two floors: one
# python process calling fibo(10) STEPS times, and STEPS `python3 -c` spawns.
#   bench/chain_400/run.sh [BUILD_DIR] [RUNS] [STEPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
steps=${3:-400}
ninja -C "$build" ryax ryaxd ryax-wrapper >/dev/null
tmp=$(mktemp -d /tmp/rxbench.XXXXXX)
export RYAX_HOME=$tmp/home RYAX_SOCKET=$tmp/s.sock RYAX_NO_AUTOSTART=1 PIP_NO_INDEX=1
trap '"$build/ryax" -q daemon stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
ryax() { "$build/ryax" "$@"; }

fibo='def fibo(n):
    return n if n < 2 else fibo(n - 1) + fibo(n - 2)
'
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
printf '%s\ndef handle(request):\n    return {"value": fibo(request["n"])}\n' "$fibo" \
  > "$tmp/actions/fibo/ryax_handler.py"
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
# One run to start the replica: the figure is about warm runs.
t0=$(date +%s%N)
ryax -q run chain --input n=10 --wait >/dev/null
t1=$(date +%s%N)
echo "first run (replica cold start included): $(( (t1 - t0) / 1000000 )) ms"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
times=()
for _ in $(seq 1 "$runs"); do
  t0=$(date +%s%N)
  ryax -q run chain --input n=10 --wait -o json > "$tmp/out.json"
  t1=$(date +%s%N)
  grep -q '"state": "done"' "$tmp/out.json" || { echo "run did not finish: $(head -c 300 "$tmp/out.json")" >&2; exit 1; }
  times+=("$(( (t1 - t0) / 1000000 ))")
done
echo "chain-$steps, ryax run --wait to exit: median $(printf '%s\n' "${times[@]}" | median) ms over $runs runs (all: ${times[*]})"

# The real interpreter, not a version-manager shim on PATH.
python=$(python3 -c 'import sys; print(sys.executable)')
inproc=$("$python" -c "
import time
$fibo
t = time.perf_counter()
for _ in range($steps):
    fibo(10)
print(round((time.perf_counter() - t) * 1000, 2))")
echo "floor, in-process ($steps calls of fibo(10) in one python): $inproc ms"
t0=$(date +%s%N)
for _ in $(seq 1 "$steps"); do
  "$python" -c "$fibo
fibo(10)"
done
t1=$(date +%s%N)
echo "floor, process spawn ($steps python3 -c runs): $(( (t1 - t0) / 1000000 )) ms"
