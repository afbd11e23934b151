#!/usr/bin/env bash
# B6 latency: `ryax version` against a running ryaxd, from the client's
# start to its exit (target < 10 ms), median of RUNS. Beside it, to say
# what bounds it:
#   - `ryax --help`: the process start alone (loading and linking the
#     shared libraries, static initialisers, CLI11), no call;
#   - ryax_bench_version_probe: one Health call from a program that links
#     only gRPC and the generated code, linked as ryax is.
# `ryax` links gRPC, protobuf, abseil, libarchive and yaml-cpp statically
# (cmake/static_client.cmake). For the figures of a dynamically linked
# client, give a build directory configured with -DRYAX_STATIC_CLIENT=OFF.
#   bench/latency/run.sh [BUILD_DIR] [RUNS]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-21}
bench_init "${1:-}" ryax ryaxd ryax_bench_version_probe

"$build/ryax" daemon start -q >/dev/null
[ "$("$build/ryax" version | tail -n 1)" = "daemon: 0.1.0" ] || { echo "the daemon does not answer" >&2; exit 1; }

time_it() { # time_it LABEL COMMAND...
  local label=$1; shift
  "$@" >/dev/null # warm the page cache
  local times=()
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    times+=("$(( (t1 - t0) / 1000 ))")
  done
  local m
  m=$(printf '%s\n' "${times[@]}" | median)
  echo "$label: median $(echo "scale=1; $m / 1000" | bc) ms over $runs runs (min $(echo "scale=1; $(printf '%s\n' "${times[@]}" | sort -n | head -n 1) / 1000" | bc))"
}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ryax links $(ldd "$build/ryax" | wc -l) shared objects"
time_it "ryax version (target < 10 ms)" "$build/ryax" version
time_it "floor, process start: ryax --help" "$build/ryax" --help
time_it "floor, gRPC linked alone: ryax_bench_version_probe" "$build/ryax_bench_version_probe" "$RYAX_SOCKET"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
