#!/usr/bin/env bash
# B6 latency: `ryax version` against a running ryaxd, from the client's
# start to its exit (target < 10 ms), median of RUNS. Beside it, to say
# what bounds it:
#   - `ryax --help`: the process start alone (loading and linking the
#     shared libraries, static initialisers, CLI11), no call;
#   - ryax_bench_version_probe: one Health call from a program that links
#     only gRPC and the generated code, dynamically;
#   - with STATIC=1: the same `ryax` relinked with gRPC, protobuf and abseil
#     as static archives (grpc++_unsecure), every other library as today,
#     and the probe linked the same way.
#   bench/latency/run.sh [BUILD_DIR] [RUNS]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-21}
bench_init "${1:-}" ryax ryaxd ryax_bench_version_probe

# The gRPC stack as static archives, for the STATIC=1 variants.
static_grpc() {
  echo "-Wl,-Bstatic -Wl,--start-group"
  pkg-config --static --libs grpc++_unsecure protobuf | sed 's/-lsystemd//'
  echo "-lupb -lre2 -lcares -laddress_sorting -Wl,--end-group -Wl,-Bdynamic -pthread -ldl"
}
if [ -n "${STATIC:-}" ]; then
  # ryax's own link command, its shared gRPC stack swapped for the archives.
  link=$(ninja -C "$build" -t commands ryax | tail -n 1 | tr ' ' '\n' \
    | grep -vE 'lib(grpc|gpr|protobuf|absl_|upb|cares|address_sorting|ssl|crypto)[^/]*\.so|^-lre2$|^(:|&&)$' \
    | sed "s|^ryax\$|$tmp/ryax-static-grpc|" | tr '\n' ' ')
  (cd "$build" && eval "$link $(static_grpc | tr '\n' ' ')" 2>&1 | grep -v "statically linked applications" || true)
  probe_objects=$(ninja -C "$build" -t commands ryax_bench_version_probe | tail -n 1 | tr ' ' '\n' \
    | grep -E '\.o$|libryax_proto\.a$' | tr '\n' ' ')
  (cd "$build" && eval "c++ -o $tmp/probe-static-grpc $probe_objects $(static_grpc | tr '\n' ' ')" 2>&1 \
    | grep -v "statically linked applications" || true)
fi

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
time_it "ryax version (target < 10 ms)" "$build/ryax" version
time_it "floor, process start: ryax --help" "$build/ryax" --help
time_it "floor, gRPC linked alone: ryax_bench_version_probe" "$build/ryax_bench_version_probe" "$RYAX_SOCKET"
if [ -n "${STATIC:-}" ]; then
  time_it "ryax version, gRPC linked statically" "$tmp/ryax-static-grpc" version
  time_it "ryax --help, gRPC linked statically" "$tmp/ryax-static-grpc" --help
  time_it "probe, gRPC linked statically" "$tmp/probe-static-grpc" "$RYAX_SOCKET"
fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
