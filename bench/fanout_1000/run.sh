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
# DIR/perf.data (with DIR/ryaxd.log beside it). METRICS=false and
# SANDBOX=none|bwrap set those ryaxd.yaml keys.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-5}
count=${3:-1000}
max_replicas=${4:-2}
concurrency=${5:-8}
bench_init "${1:-}" ryax ryaxd ryax-wrapper ryax_bench_fanout
bench_fibo_repo "$tmp/actions"
mkdir -p "$RYAX_HOME"
bench_fibo_workflow fan "$max_replicas" > "$tmp/fan.yaml"
echo "run_concurrency: $concurrency" > "$RYAX_HOME/ryaxd.yaml"
# METRICS=false: the same without metrics (ryaxd.yaml metrics: false).
[ -z "${METRICS:-}" ] || echo "metrics: $METRICS" >> "$RYAX_HOME/ryaxd.yaml"
# SANDBOX=none|bwrap: the sandbox of user code (ryaxd.yaml site.sandbox).
[ -z "${SANDBOX:-}" ] || printf 'site:\n  sandbox: %s\n' "$SANDBOX" >> "$RYAX_HOME/ryaxd.yaml"

ryax daemon start -q >/dev/null
bench_deploy "$tmp/fan.yaml"
pid=$(daemon_pid)

burst() { "$build/ryax_bench_fanout" "$RYAX_SOCKET" fan "$count" n=10; }
# CPU time (ms) used so far by process $1 and, apart, by its descendants
# (the replicas and their python runtimes).
cpu_ms() { awk '{print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"'}' "/proc/$1/stat"; }
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
median=$(printf '%s\n' "${times[@]}" | median)
echo "fanout-$count (max_replicas $max_replicas, run_concurrency $concurrency), first submit to last run finished: median $median ms over $runs bursts (all: ${times[*]}); $(( count * 1000 / median )) runs/s"
