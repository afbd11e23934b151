#!/usr/bin/env bash
# What the sandbox of user code costs (issue 19): for site.sandbox bwrap and
# none, the start of a replica (ryaxd's replica.started event, start_ms:
# ryax-wrapper, bwrap, python and the action's import) over STARTS cold
# starts (undeploy, deploy, one run), then the latency of RUNS sequential
# one-step runs on the warm replica (ryax run --wait, client included);
# medians of each.
#   bench/sandbox/run.sh [BUILD_DIR] [STARTS] [RUNS]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
starts=${2:-10}
runs=${3:-30}
bench_init "${1:-}" ryax ryaxd ryax-wrapper
bench_fibo_repo "$tmp/actions"
bench_fibo_workflow one 1 > "$tmp/one.yaml"
ms() { date +%s%3N; }
for sandbox in none bwrap; do
  ryax daemon stop >/dev/null 2>&1 || true
  rm -rf "$RYAX_HOME"
  mkdir -p "$RYAX_HOME"
  printf 'site:\n  sandbox: %s\n' "$sandbox" > "$RYAX_HOME/ryaxd.yaml"
  ryax daemon start -q >/dev/null
  bench_deploy "$tmp/one.yaml"
  for _ in $(seq 1 "$starts"); do
    ryax -q workflow undeploy one >/dev/null
    ryax -q workflow deploy one >/dev/null
    ryax -q run one --input n=5 --wait >/dev/null
  done
  start=$(ryax events --kind replica.started -o json \
    | python3 -c 'import json,sys; [print(e["fields"]["start_ms"]) for e in json.load(sys.stdin)]' \
    | median)
  lat=()
  for _ in $(seq 1 "$runs"); do
    t0=$(ms); ryax -q run one --input n=5 --wait >/dev/null; t1=$(ms)
    lat+=($((t1 - t0)))
  done
  run=$(printf '%s\n' "${lat[@]}" | median)
  echo "sandbox $sandbox: replica start median ${start} ms over $starts starts; warm run --wait median ${run} ms over $runs runs"
done
ryax daemon stop >/dev/null 2>&1 || true
