#!/usr/bin/env bash
# Benchmark a rebuild of an unchanged action: `ryax action build ID --wait`
# when the bundle of its content key exists (a cache hit), from the client's
# start to its exit. Prints the median of RUNS runs.
#   bench/build_cache/run.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
runs=${2:-21}
ninja -C "$build" ryax ryaxd ryax_bench_gen_repo >/dev/null
tmp=$(mktemp -d /tmp/rxbench.XXXXXX)
export RYAX_HOME=$tmp/home RYAX_SOCKET=$tmp/s.sock RYAX_NO_AUTOSTART=1 PIP_NO_INDEX=1
trap '"$build/ryax" -q daemon stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
"$build/ryax_bench_gen_repo" "$tmp/actions.git" --actions 1 >/dev/null
"$build/ryax" daemon start -q >/dev/null
"$build/ryax" -q repo add bench "$tmp/actions.git" >/dev/null
"$build/ryax" -q repo scan bench --strict >/dev/null
t0=$(date +%s%N)
"$build/ryax" -q action build bench-action-0 --wait >/dev/null
t1=$(date +%s%N)
echo "first build (venv, no requirements): $(( (t1 - t0) / 1000000 )) ms"

times=()
for _ in $(seq 1 "$runs"); do
  t0=$(date +%s%N)
  "$build/ryax" -q action build bench-action-0 --wait -o json > "$tmp/out.json"
  t1=$(date +%s%N)
  grep -q '"cache_hit": true' "$tmp/out.json" || { echo "not a cache hit" >&2; exit 1; }
  times+=("$(( (t1 - t0) / 1000 ))")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "rebuild of an unchanged action (cache hit): median $(echo "scale=1; $median / 1000" | bc) ms over $runs runs"
