#!/usr/bin/env bash
# B3 fanout-1000: COUNT runs of a one-step workflow (a python action
# computing fibo(10)) submitted at once through the API by
# ryax_bench_fanout (every StartRun in flight together), timed from the
# first submit to the last run's finished_ms. The step may use up to
# MAX_REPLICAS warm replicas; ryaxd runs with run_concurrency CONCURRENCY.
# One burst warms up (replicas started), then RUNS bursts; prints the
# median and the runs/s it stands for.
#   bench/fanout_1000/run.sh [BUILD_DIR] [RUNS] [COUNT] [MAX_REPLICAS] [CONCURRENCY]
# PERF=DIR records `perf record --call-graph dwarf` of ryaxd during the last burst into
# DIR/perf.data (with DIR/ryaxd.log beside it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
count=${3:-1000}
max_replicas=${4:-2}
concurrency=${5:-8}
ninja -C "$build" ryax ryaxd ryax-wrapper ryax_bench_fanout >/dev/null
tmp=$(mktemp -d /tmp/rxbench.XXXXXX)
export RYAX_HOME=$tmp/home RYAX_SOCKET=$tmp/s.sock RYAX_NO_AUTOSTART=1 PIP_NO_INDEX=1
trap '"$build/ryax" -q daemon stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
ryax() { "$build/ryax" "$@"; }

mkdir -p "$tmp/actions/fibo" "$RYAX_HOME"
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
cat > "$tmp/fan.yaml" <<YAML
apiVersion: ryax.tech/v2.0
kind: Workflow
spec:
  id: fan
  trigger: {id: start, from: manual, outputs: [{name: n, type: integer}]}
  actions:
  - id: fibo
    from: fibo
    inputs_values: {n: "{{ start.n }}"}
    deployment: {max_replicas: $max_replicas}
  results:
  - {key: value, value: "{{ fibo.value }}"}
YAML
echo "run_concurrency: $concurrency" > "$RYAX_HOME/ryaxd.yaml"

ryax daemon start -q >/dev/null
ryax -q repo add bench "$tmp/actions" >/dev/null
ryax -q repo scan bench --strict >/dev/null
ryax -q action build fibo --wait >/dev/null
ryax -q workflow push "$tmp/fan.yaml" --deploy >/dev/null
pid=$(ryax daemon status -o json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')

burst() { "$build/ryax_bench_fanout" "$RYAX_SOCKET" fan "$count" n=10; }
# CPU time (ms) used so far by process $1 and, apart, by its descendants
# (the replicas and their python runtimes).
cpu_ms() { awk '{print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"'}' "/proc/$1/stat"; }
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }
tree_cpu_ms() { local p t=0; for p in $(descendants "$1"); do t=$(( t + $(cpu_ms "$p" | cut -d. -f1) )); done; echo "$t"; }
echo "warm-up burst (replicas start):"
burst | sed 's/^/  /'
times=()
for i in $(seq 1 "$runs"); do
  if [ -n "${PERF:-}" ] && [ "$i" = "$runs" ]; then
    mkdir -p "$PERF"
    perf record --call-graph dwarf -F 1999 -p "$pid" -o "$PERF/perf.data" 2>/dev/null &
    perf_pid=$!
    sleep 0.5
  fi
  d0=$(cpu_ms "$pid" | cut -d. -f1); r0=$(tree_cpu_ms "$pid")
  out=$(burst)
  d1=$(cpu_ms "$pid" | cut -d. -f1); r1=$(tree_cpu_ms "$pid")
  if [ -n "${perf_pid:-}" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    cp "$RYAX_HOME/ryaxd.log" "$PERF/ryaxd.log"
  fi
  echo "$out" | sed 's/^/  /'
  echo "  CPU during the burst: ryaxd $(( d1 - d0 )) ms, replicas $(( r1 - r0 )) ms; load $(cut -d' ' -f1 /proc/loadavg)"
  times+=("$(echo "$out" | sed -n 's/^figure_ms //p')")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "fanout-$count (max_replicas $max_replicas, run_concurrency $concurrency), first submit to last run finished: median $median ms over $runs bursts (all: ${times[*]}); $(( count * 1000 / median )) runs/s"
