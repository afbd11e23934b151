#!/usr/bin/env bash
# B7 HTTP API JSON: a workflow whose trigger is `httpapijson` and whose one
# step is the python action fibo(1) (trivial), served by ryaxd's HTTP server.
#  1. Asynchronous (timeout 0: each request is answered 202 once its run is
#     persisted): wrk with CONNECTIONS concurrent clients for SECONDS; the
#     figure is accepted requests/s, then the script waits until every run
#     accepted is done and checks the count.
#  2. Synchronous (timeout 20 s: the reply holds the results): wrk with one
#     client for SECONDS, latency percentiles; the action's own time is the
#     median of its executions' durations, from the run documents.
#   bench/http_api/run.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
# Needs wrk (Debian package wrk; installed here when missing and root).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
seconds=${2:-10}
connections=${3:-20}
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
  apt-get install -y -qq wrk >/dev/null
fi
bench_init "${1:-}" ryax ryaxd ryax-wrapper
bench_fibo_repo "$tmp/actions"
mkdir -p "$tmp/home"
# No limit on unfinished runs: the runner may lag behind the acceptor.
printf 'max_unfinished_runs: 0\n' > "$tmp/home/ryaxd.yaml"
for mode in async sync; do
  timeout=0
  [ $mode = sync ] && timeout=20
  cat > "$tmp/$mode.yaml" <<YAML
apiVersion: ryax.tech/v2.0
kind: Workflow
spec:
  id: $mode
  trigger:
    id: start
    from: httpapijson
    inputs_values: {path: /$mode, method: POST, timeout: $timeout}
    outputs: [{name: n, type: integer}]
  actions:
  - {id: fibo, from: fibo, inputs_values: {n: "{{ start.n }}"}, deployment: {max_replicas: 2}}
  results:
  - {key: value, value: "{{ fibo.value }}"}
YAML
done
ryax daemon start -q >/dev/null
bench_deploy "$tmp/async.yaml"
ryax -q workflow push "$tmp/sync.yaml" --deploy >/dev/null
url=$(ryax daemon status -o json | sed -n 's/.*"http_url": *"\([^"]*\)".*/\1/p')
cat > "$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"n": 1}'
wrk.headers["Content-Type"] = "application/json"
LUA
# Warm the replicas.
for mode in async sync; do
  curl -sf -X POST -H 'Content-Type: application/json' -d '{"n": 1}' "$url/user-api/default/$mode" >/dev/null
done
sleep 1

wrk -t2 -c"$connections" -d"${seconds}s" -s "$tmp/post.lua" "$url/user-api/default/async" > "$tmp/async.txt"
rate=$(awk '/Requests\/sec/ {print $2}' "$tmp/async.txt")
total=$(awk '/requests in/ {print $1}' "$tmp/async.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$tmp/async.txt")
errors=$(grep -c 'Socket errors' "$tmp/async.txt" || true)
echo "async: $total requests in ${seconds}s by $connections clients: $rate accepted/s (non-2xx: ${non2xx:-0}, socket error lines: $errors)"
# Every accepted run completes.
t0=$(date +%s%N)
expected=$(( total + 1 ))
while :; do
  done_count=$(ryax runs list --workflow async --status done --limit 1000000 -o json | grep -c '"id"' || true)
  [ "$done_count" -ge "$expected" ] && break
  if [ $(( ($(date +%s%N) - t0) / 1000000000 )) -gt 600 ]; then
    echo "runs not all done after 600 s: $done_count of $expected" >&2; exit 1
  fi
  sleep 1
done
echo "async: all $done_count runs done $(( ($(date +%s%N) - t0) / 1000000 )) ms after the last request"

wrk -t1 -c1 -d"${seconds}s" --latency -s "$tmp/post.lua" "$url/user-api/default/sync" > "$tmp/sync.txt"
p50=$(awk '$1 == "50%" {print $2}' "$tmp/sync.txt")
p99=$(awk '$1 == "99%" {print $2}' "$tmp/sync.txt")
sync_rate=$(awk '/Requests\/sec/ {print $2}' "$tmp/sync.txt")
# The action's own time: the median duration of the last 200 executions.
own=$(ryax runs list --workflow sync --limit 200 -o json \
  | python3 -c '
import json, subprocess, sys
ids = [r["id"] for r in json.load(sys.stdin)]
durations = []
for i in ids:
    doc = json.loads(subprocess.check_output(["'"$build"'/ryax", "runs", "show", i, "-o", "json"]))
    for s in doc["steps"]:
        if s.get("started_ms") and s.get("finished_ms"):
            durations.append(s["finished_ms"] - s["started_ms"])
durations.sort()
print(durations[len(durations) // 2] if durations else "?")')
echo "sync: one client, $sync_rate requests/s, latency p50 $p50, p99 $p99; the action's own time (median execution) $own ms"
