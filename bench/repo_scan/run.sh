#!/usr/bin/env bash
# Benchmark `ryax repo scan` on a generated repository of 500 actions:
# the first scan (clone + validate everything) and a re-scan after one action
# changed (incremental fetch + one parse). Prints the median of RUNS runs.
#   bench/repo_scan/run.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
ninja -C "$build" ryax ryaxd ryax_bench_gen_repo >/dev/null
tmp=$(mktemp -d /tmp/rxbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$build/ryax_bench_gen_repo" "$tmp/actions.git" --actions 500 >/dev/null

now_ms() { date +%s%N | awk '{printf "%.1f", $1/1e6}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

first=()
rescan=()
for i in $(seq 1 "$runs"); do
  export RYAX_HOME=$tmp/home$i RYAX_SOCKET=$tmp/s$i.sock RYAX_NO_AUTOSTART=1
  "$build/ryax" daemon start -q >/dev/null
  "$build/ryax" -q repo add bench "$tmp/actions.git" >/dev/null
  t0=$(now_ms); "$build/ryax" -q repo scan bench --strict >/dev/null; t1=$(now_ms)
  first+=("$(echo "$t1 - $t0" | bc)")
  "$build/ryax_bench_gen_repo" "$tmp/actions.git" --touch "$i" >/dev/null
  t0=$(now_ms); "$build/ryax" -q repo scan bench --strict >/dev/null; t1=$(now_ms)
  rescan+=("$(echo "$t1 - $t0" | bc)")
  "$build/ryax" -q daemon stop >/dev/null
done
echo "first scan (500 actions): median $(printf '%s\n' "${first[@]}" | median) ms  runs: ${first[*]}"
echo "re-scan (1 changed):      median $(printf '%s\n' "${rescan[@]}" | median) ms  runs: ${rescan[*]}"
