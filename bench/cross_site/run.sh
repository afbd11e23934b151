#!/usr/bin/env bash
# Cross-site overhead (issue "worker agents"): chain-STEPS of fibo(N) with
# its steps alternating between the main daemon's site and a worker agent's
# (a `ryaxd --join` on the same machine, over TLS on loopback), against the
# same chain all on the main site. Prints the median of RUNS runs of each
# (`ryax run --wait` to exit, warm replicas on both sides) and the extra cost
# per hop (a hop: a step placed on the other site than the previous one).
#   bench/cross_site/run.sh [BUILD_DIR] [RUNS] [STEPS] [N]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-20}
steps=${3:-10}
n=${4:-10}
bench_init "${1:-}" ryax ryaxd ryax-wrapper
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$RYAX_HOME"
printf 'listen: "127.0.0.1:%s"\nsite: {name: main}\n' "$port" > "$RYAX_HOME/ryaxd.yaml"
bench_fibo_repo "$tmp/actions"
# chain-STEPS twice: `local` all on main, `hops` alternating main / worker.
chain() { # ID PINNING
  printf 'apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: %s\n' "$1"
  printf '  trigger: {id: start, from: manual, outputs: [{name: n, type: integer}]}\n  actions:\n'
  local i site
  for i in $(seq 1 "$steps"); do
    site=main
    [ "$2" = hops ] && [ $((i % 2)) = 0 ] && site=worker
    printf '  - {id: s%d, from: fibo, inputs_values: {n: "{{ start.n }}"}, constraints: {site: %s}%s}\n' \
      "$i" "$site" "$([ "$i" -gt 1 ] && echo ", after: [s$((i - 1))]")"
  done
  printf '  results:\n  - {key: value, value: "{{ s%d.value }}"}\n' "$steps"
}
chain local local > "$tmp/local.yaml"
chain hops hops > "$tmp/hops.yaml"
ryax daemon start -q >/dev/null
token=$(ryax -q site token create)
"$build/ryaxd" --data-dir "$tmp/worker" --join "127.0.0.1:$port" --join-token "$token" \
  --site worker --http-listen "" > "$tmp/worker.log" 2>&1 || { cat "$tmp/worker.log"; exit 1; }
trap '"$build/ryax" -q daemon stop >/dev/null 2>&1 || true; pkill -f "data-dir $tmp/worker" || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 50); do
  ryax site list -o json | grep -q '"worker"' && break
  sleep 0.2
done
ryax -q repo add bench "$tmp/actions" >/dev/null
ryax -q repo scan bench --strict >/dev/null
ryax -q action build fibo --wait >/dev/null
ryax -q workflow push "$tmp/local.yaml" --deploy >/dev/null
ryax -q workflow push "$tmp/hops.yaml" --deploy >/dev/null
measure() { # WORKFLOW: prints the median in ms
  local times=() t0 t1
  ryax -q run "$1" --input "n=$n" --wait >/dev/null # warm
  for _ in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    ryax -q run "$1" --input "n=$n" --wait -o json > "$tmp/out.json"
    t1=$(date +%s%N)
    grep -q '"state": "done"' "$tmp/out.json" || { echo "run of $1 did not finish" >&2; exit 1; }
    times+=("$(( (t1 - t0) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | median
}
local_us=$(measure local)
hops_us=$(measure hops)
hops=$((steps - 1))
echo "chain-$steps of fibo($n), all on the main site: median $((local_us / 1000)).$(( (local_us % 1000) / 100 )) ms over $runs runs"
echo "chain-$steps of fibo($n), alternating main / worker ($hops hops): median $((hops_us / 1000)).$(( (hops_us % 1000) / 100 )) ms over $runs runs"
awk -v l="$local_us" -v h="$hops_us" -v k="$hops" \
  'BEGIN {printf "extra cost per hop: %.2f ms (target <= 2 ms)\n", (h - l) / k / 1000}'
