#!/usr/bin/env bash
# B4 history: with COUNT finished runs in the database, `ryax runs list
# --limit 50` and `ryax runs show RUN`, from the client's start to its exit.
# One real run of a 4-step workflow (a python action computing fibo(10))
# is executed, then, with the daemon stopped, ryax_bench_fill_history copies
# it COUNT times (new ids, one second apart) through the daemon's own
# RunStore; the daemon starts again and each command runs RUNS times.
# Prints the medians, `ryax version` (process start and one call) as the
# floor of any command, and the calls' own durations from the daemon's log.
#   bench/history/run.sh [BUILD_DIR] [RUNS] [COUNT]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-21}
count=${3:-100000}
bench_init "${1:-}" ryax ryaxd ryax-wrapper ryax_bench_fill_history
bench_fibo_repo "$tmp/actions" --print
cat > "$tmp/hist.yaml" <<'YAML'
apiVersion: ryax.tech/v2.0
kind: Workflow
spec:
  id: hist
  trigger: {id: start, from: manual, outputs: [{name: n, type: integer}]}
  actions:
  - {id: first, from: fibo, inputs_values: {n: "{{ start.n }}"}}
  - {id: second, from: fibo, inputs_values: {n: "{{ first.value }}"}}
  - {id: third, from: fibo, inputs_values: {n: "{{ start.n }}"}, after: [second]}
  - {id: fourth, from: fibo, inputs_values: {n: "{{ start.n }}"}, after: [third]}
  results:
  - {key: value, value: "{{ fourth.value }}"}
YAML

ryax daemon start -q >/dev/null
bench_deploy "$tmp/hist.yaml"
template=$(ryax -q run hist --input n=5 --wait -o json | sed -n 's/^  "id": "\(run-[0-9a-f]*\)".*/\1/p')
[ -n "$template" ] || { echo "no template run" >&2; exit 1; }
ryax -q daemon stop >/dev/null
"$build/ryax_bench_fill_history" "$RYAX_HOME/ryax.db" "$template" "$count"
# At debug level the daemon logs each call's duration: its share of the figure.
ryax daemon start -q --log-level debug >/dev/null
middle=$(printf 'run-c%011x' $(( count / 2 )))
# The first call after a start reads the database cold: not counted.
ryax -q runs list --limit 50 >/dev/null
ryax -q runs show "$middle" >/dev/null

time_it() { # time_it LABEL COMMAND...: median of $runs, in ms with 1 decimal
  local label=$1; shift
  local times=()
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" > "$tmp/out.txt"
    t1=$(date +%s%N)
    times+=("$(( (t1 - t0) / 1000 ))")
  done
  local m
  m=$(printf '%s\n' "${times[@]}" | median)
  echo "$label: median $(echo "scale=1; $m / 1000" | bc) ms over $runs runs"
}
rows=$(ryax -q runs list --limit 50 | tail -n +2 | wc -l)
[ "$rows" = 50 ] || { echo "runs list printed $rows rows" >&2; exit 1; }
grep -q fourth <(ryax -q runs show "$middle") || { echo "runs show lacks the steps" >&2; exit 1; }
echo "$((count + 1)) runs in $(du -h "$RYAX_HOME/ryax.db" | cut -f1) of ryax.db (+ WAL $(du -h "$RYAX_HOME/ryax.db-wal" 2>/dev/null | cut -f1))"
time_it "ryax runs list --limit 50 (target < 50 ms)" ryax runs list --limit 50
time_it "ryax runs show $middle (target < 20 ms)" ryax runs show "$middle"
time_it "ryax runs list --limit 50 -o json" ryax runs list --limit 50 -o json
time_it "ryax runs list --limit 50 --status error (none match)" ryax runs list --limit 50 --status error
time_it "floor: ryax version" ryax version
in_daemon() { # median duration of METHOD in the daemon's log, in ms
  grep -o "$1 ok in [0-9]* us" "$RYAX_HOME/ryaxd.log" | awk '{print $4}' | median \
    | awk '{printf "%.2f", $1 / 1000}'
}
echo "in the daemon (its log, median): ListRuns $(in_daemon ListRuns) ms, GetRun $(in_daemon GetRun) ms"
