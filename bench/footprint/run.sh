#!/usr/bin/env bash
# B5 footprint: ryaxd's resident memory (VmRSS from /proc/PID/status), and
# apart from it its ryax-wrapper replicas (separate processes, each with its
# python runtime), at four moments:
#   1. idle, one second after start;
#   2. after one run of a one-step python workflow finished (replica warm);
#   3. after that replica was reaped (idle_timeout 1 s, housekeeping 1 s);
#   4. with QUEUED runs queued behind a step that sleeps (max_replicas 1,
#      run_concurrency 1: one run sleeps, the others wait), submitted
#      through the API by ryax_bench_fanout, WINDOW (default 1000) calls in
#      flight at a time.
# RUNS repeats 1-3 on fresh daemons and data dirs and prints the medians;
# 4 runs once, on the last daemon.
#   bench/footprint/run.sh [BUILD_DIR] [RUNS] [QUEUED]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-3}
queued=${3:-10000}
bench_init "${1:-}" ryax ryaxd ryax-wrapper ryax_bench_fanout

bench_python_action "$tmp/actions" nap Nap \
  'name: seconds, human_name: Seconds, help: how long to sleep, type: float' \
  'name: slept, human_name: Slept, help: the same, type: float'
cat > "$tmp/actions/nap/ryax_handler.py" <<'PY'
import time


def handle(request):
    time.sleep(request["seconds"])
    return {"slept": request["seconds"]}
PY
bench_git_commit "$tmp/actions" nap
cat > "$tmp/nap.yaml" <<'YAML'
apiVersion: ryax.tech/v2.0
kind: Workflow
spec:
  id: nap
  trigger: {id: start, from: manual, outputs: [{name: seconds, type: float}]}
  actions:
  - id: nap
    from: nap
    inputs_values: {seconds: "{{ start.seconds }}"}
    deployment: {max_replicas: 1, idle_timeout: 1}
  results:
  - {key: slept, value: "{{ nap.slept }}"}
YAML

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; } # kB
replicas_rss() {
  local total=0 n=0 p each=""
  for p in $(descendants "$1"); do
    total=$(( total + $(rss "$p") )); n=$((n + 1))
    each="$each $(cat "/proc/$p/comm") $(mb "$(rss "$p")")"
  done
  echo "$(mb "$total") MB in $n processes (MB:$each)"
}
mb() { echo "scale=1; $1 / 1024" | bc; }

idle=() after_run=() reaped=()
for i in $(seq 1 "$runs"); do
  rm -rf "$RYAX_HOME"
  mkdir -p "$RYAX_HOME"
  printf 'run_concurrency: 1\nhousekeeping_interval_seconds: 1\nmax_unfinished_runs: %d\n' $(( queued + 10 )) > "$RYAX_HOME/ryaxd.yaml"
  ryax daemon start -q >/dev/null
  pid=$(daemon_pid)
  sleep 1
  idle+=("$(rss "$pid")")
  bench_deploy "$tmp/nap.yaml" nap
  ryax -q run nap --input seconds=0 --wait >/dev/null
  after_run+=("$(rss "$pid")")
  echo "daemon $i: idle $(mb "${idle[-1]}") MB, after a run $(mb "${after_run[-1]}") MB; replicas: $(replicas_rss "$pid")"
  # Reaped after idle_timeout at a housekeeping pass.
  for _ in $(seq 1 100); do
    [ -z "$(descendants "$pid")" ] && break
    sleep 0.1
  done
  [ -z "$(descendants "$pid")" ] || { echo "the replica was not reaped" >&2; exit 1; }
  reaped+=("$(rss "$pid")")
  echo "daemon $i: replica reaped, ryaxd $(mb "${reaped[-1]}") MB"
  if [ "$i" != "$runs" ]; then
    ryax -q daemon stop >/dev/null
  fi
done
echo "ryaxd idle after start: median $(mb "$(printf '%s\n' "${idle[@]}" | median)") MB (all kB: ${idle[*]}; target < 40 MB)"
echo "ryaxd after a run finished: median $(mb "$(printf '%s\n' "${after_run[@]}" | median)") MB (all kB: ${after_run[*]})"
echo "ryaxd after the replica was reaped: median $(mb "$(printf '%s\n' "${reaped[@]}" | median)") MB (all kB: ${reaped[*]}; target < 40 MB)"

before=$(rss "$pid")
db_before=$(du -k "$RYAX_HOME/ryax.db" | cut -f1)
t0=$(date +%s%N)
"$build/ryax_bench_fanout" "$RYAX_SOCKET" nap "$queued" seconds=600 --no-wait --window "${WINDOW:-1000}"
t1=$(date +%s%N)
sleep 2
after=$(rss "$pid")
echo "submitting $queued runs: $(( (t1 - t0) / 1000000 )) ms"
echo "ryaxd with $queued runs queued: $(mb "$after") MB (before $(mb "$before") MB: $(echo "scale=2; ($after - $before) / $queued" | bc) kB per queued run); $(awk '/^Threads/ {print $2}' "/proc/$pid/status") threads; replicas: $(replicas_rss "$pid")"
grep -E "^(VmHWM|RssAnon|RssFile)" "/proc/$pid/status" | tr -s ' \t' ' ' | paste -sd ';'
# How much of it is live state rather than freed memory malloc keeps (the
# burst of calls in flight): SIGUSR1 makes ryaxd malloc_trim(0) and log its
# heap in use.
kill -USR1 "$pid"
for _ in $(seq 1 50); do
  grep -q "memory: heap in use" "$RYAX_HOME/ryaxd.log" && break
  sleep 0.1
done
heap=$(sed -n 's/.*memory: heap in use \([0-9]*\) kB.*/\1/p' "$RYAX_HOME/ryaxd.log" | tail -n 1)
trimmed=$(rss "$pid")
echo "ryaxd after malloc_trim(0): RSS $(mb "$trimmed") MB; heap in use $(mb "$heap") MB: $(echo "scale=2; $heap * 1024 / $queued" | bc) bytes per queued run at most (the idle daemon's heap included)"
echo "ryax.db grew by $(( $(du -k "$RYAX_HOME/ryax.db" | cut -f1) - db_before )) kB (WAL now $(du -k "$RYAX_HOME/ryax.db-wal" | cut -f1) kB)"
