#!/usr/bin/env bash
# Worker agents across machines, for real: three network namespaces (main,
# worker-a, worker-b) on one bridge, a real main ryaxd serving TLS, two real
# `ryaxd --join` workers, and an S3 server (s3rver) as the global store.
# Checks, in order:
#   1. a workflow whose steps are pinned to worker-a and worker-b passes a
#      file and a directory between them (through the bucket);
#   2. objectives send a step to the cheaper site (worker-b);
#   3. kill -9 of worker-a during a step: the step runs again on worker-b;
#   4. the link between main and worker-b down for 10 s during a run: the
#      run completes once it is back, and no finished step ran twice;
#   5. a worker whose site was removed is refused.
# Usage: tests/agents/netns.sh BUILD_DIR. Exits 77 (skipped) without root,
# `ip netns` or s3rver (scripts/install-deps installs it).
set -euo pipefail
build=$(cd "${1:?usage: netns.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
s3rver=$src/.test-tools/node_modules/.bin/s3rver

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "needs iproute2"
[ -x "$s3rver" ] || skip "s3rver is not installed (scripts/install-deps)"
command -v git >/dev/null || skip "needs git"

tag=rx$$
ns_main=${tag}m ns_a=${tag}a ns_b=${tag}b
net=10.203.$(( $$ % 200 + 20 ))
main_ip=$net.1
work=$(mktemp -d /tmp/ryax-netns.XXXXXX)
export PATH="$build:$PATH"
sock=$work/main/ryaxd.sock
failed=1

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
ryax_main() { ryax --socket "$sock" --no-autostart "$@"; }

cleanup() {
  set +e
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
  sleep 0.5
  for pid in $(jobs -p); do kill -9 "$pid" 2>/dev/null; done
  for ns in "$ns_main" "$ns_a" "$ns_b"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  if [ "$failed" = 0 ]; then
    rm -rf "$work"
  else
    echo "logs kept in $work" >&2
    for log in "$work"/*.log; do echo "== $log" >&2; tail -20 "$log" >&2; done
  fi
}
trap cleanup EXIT

# Wait until command "$@" succeeds, for up to $timeout seconds.
wait_for() {
  local timeout=$1; shift
  local end=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.2
  done
}

step "three namespaces on a bridge ($net.0/24)"
ip netns add "$ns_main"; ip netns add "$ns_a"; ip netns add "$ns_b"
ip -n "$ns_main" link add br0 type bridge
ip -n "$ns_main" addr add "$main_ip/24" dev br0
ip -n "$ns_main" link set br0 up
i=2
for w in a b; do
  ns=${tag}$w
  ip link add "${tag}${w}0" type veth peer name "${tag}${w}1"
  ip link set "${tag}${w}0" netns "$ns_main"
  ip link set "${tag}${w}1" netns "$ns"
  ip -n "$ns_main" link set "${tag}${w}0" master br0 up
  ip -n "$ns" addr add "$net.$i/24" dev "${tag}${w}1"
  ip -n "$ns" link set "${tag}${w}1" up
  ip -n "$ns" link set lo up
  i=$((i + 1))
done
ip -n "$ns_main" link set lo up

step "s3rver and the main daemon in $ns_main"
mkdir -p "$work/s3" "$work/main" "$work/a" "$work/b"
ip netns exec "$ns_main" node "$s3rver" -d "$work/s3" -a "$main_ip" -p 4568 \
  >"$work/s3rver.log" 2>&1 &
wait_for 20 ip netns exec "$ns_main" bash -c "echo > /dev/tcp/$main_ip/4568" \
  || fail "s3rver did not start"
store="filestore: {type: s3, endpoint: \"http://$main_ip:4568\", bucket: ryax, access_key: S3RVER}"
cat >"$work/main/ryaxd.yaml" <<YAML
listen: "$main_ip:7443"
http_listen: ""
worker_timeout_seconds: 20
housekeeping_interval_seconds: 1
site:
  name: main
  node_pools:
  - {name: default, cpu: 2, memory: 4G, objectiveScores: {cost: 10, energy: 10, performance: 10}}
$store
YAML
ip netns exec "$ns_main" env RYAX_HOME="$work/main" RYAX_SOCKET="$sock" \
  RYAX_S3_SECRET_KEY=S3RVER ryaxd --foreground >"$work/main.log" 2>&1 &
wait_for 20 ryax_main daemon status || fail "the main daemon did not start"

start_worker() { # NAME NS COST PERFORMANCE [TOKEN]
  local name=$1 ns=$2 dir=$work/${1#worker-}
  mkdir -p "$work/journal.d"
  if [ ! -f "$dir/ryaxd.yaml" ]; then
    cat >"$dir/ryaxd.yaml" <<YAML
site:
  sandbox_writable: [$work/journal.d]
  node_pools:
  - {name: default, cpu: 2, memory: 4G, objectiveScores: {cost: $3, energy: 50, performance: $4}}
$store
YAML
  fi
  local token_args=()
  [ -n "${5:-}" ] && token_args=(--join-token "$5")
  ip netns exec "$ns" env RYAX_S3_SECRET_KEY=S3RVER ryaxd --foreground \
    --data-dir "$dir" --join "$main_ip:7443" --site "$name" "${token_args[@]}" \
    >>"$work/$name.log" 2>&1 &
  echo $! >"$work/$name.pid"
}
connected() { # NAME
  ryax_main site list -o json | python3 -c "
import json, sys
sites = {s['name']: s for s in json.load(sys.stdin)}
s = sites.get('$1', {})
sys.exit(0 if s.get('connected') and s.get('healthy', True) else 1)"
}

step "two workers join with one token"
token=$(ryax_main -q site token create --expires 1h)
start_worker worker-a "$ns_a" 20 90 "$token"
start_worker worker-b "$ns_b" 90 20 "$token"
wait_for 30 connected worker-a || fail "worker-a did not join"
wait_for 30 connected worker-b || fail "worker-b did not join"
ryax_main site list

step "actions"
mkdir -p "$work/actions"
# Written by the actions, in their sandbox (site.sandbox_writable).
mkdir -p "$work/journal.d"
journal=$work/journal.d/journal
: >"$journal"
action() { # ID INPUTS OUTPUTS HANDLER
  mkdir -p "$work/actions/$1"
  cat >"$work/actions/$1/ryax_metadata.yaml" <<YAML
apiVersion: "ryax.tech/v2.0"
kind: Processor
spec:
  id: $1
  human_name: $1
  type: python3
  version: "1.0"
  inputs:
$2
  outputs:
$3
YAML
  printf '%s\n' "$4" >"$work/actions/$1/ryax_handler.py"
}
action make "  - {name: tag, human_name: T, help: h, type: string}" \
  "  - {name: f, human_name: F, help: h, type: file}
  - {name: d, human_name: D, help: h, type: directory}" \
"import os
def handle(r):
    os.makedirs('d/sub', exist_ok=True)
    open('f.txt', 'w').write('file of ' + r['tag'])
    open('d/sub/x.txt', 'w').write('dir of ' + r['tag'])
    return {'f': os.path.abspath('f.txt'), 'd': os.path.abspath('d')}"
action read "  - {name: f, human_name: F, help: h, type: file}
  - {name: d, human_name: D, help: h, type: directory}" \
  "  - {name: text, human_name: T, help: h, type: string}" \
"def handle(r):
    return {'text': open(r['f']).read() + '|' + open(r['d'] + '/sub/x.txt').read()}"
action mark "  - {name: x, human_name: X, help: h, type: integer}
  - {name: seconds, human_name: S, help: h, type: float}" \
  "  - {name: y, human_name: Y, help: h, type: integer}" \
"import time
def handle(r):
    open('$journal', 'a').write('start %d\n' % r['x'])
    time.sleep(r['seconds'])
    print('slept', r['seconds'], 'for', r['x'], flush=True)
    open('$journal', 'a').write('end %d\n' % r['x'])
    return {'y': r['x'] + 1}"
git -C "$work/actions" init -q
git -C "$work/actions" -c user.name=t -c user.email=t@localhost add -A
git -C "$work/actions" -c user.name=t -c user.email=t@localhost commit -qm actions
ryax_main -q repo add acts "$work/actions"
ryax_main -q repo scan acts
ryax_main -q action build --repo acts --all --wait

workflow() { # ID TRIGGER_OUTPUTS STEPS RESULTS
  cat >"$work/$1.yaml" <<YAML
apiVersion: ryax.tech/v2.0
kind: Workflow
spec:
  id: $1
  human_name: $1
  trigger:
    id: start
    from: manual
    outputs:
$2
  actions:
$3
  results:
$4
YAML
  ryax_main -q workflow push "$work/$1.yaml" --deploy
}
result() { # RUN_JSON KEY
  python3 -c "
import json, sys
doc = json.load(open('$1'))
print(next(r['value'] for r in doc['results'] if r['key'] == '$2'))"
}
run_done() { # RUN_ID: whether the run ended done
  ryax --socket "$sock" --no-autostart runs show "$1" -o json \
    | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)["state"] == "done" else 1)'
}
placements() { # RUN_JSON STEP: every placement of the step, one per line
  python3 -c "
import json
doc = json.load(open('$1'))
for s in doc['steps']:
    if s['step'] == '$2':
        print(s.get('placement', ''))"
}

step "1. a file and a directory cross from worker-a to worker-b"
workflow files "    - {name: tag, type: string}" \
"  - {id: make, from: make, inputs_values: {tag: \"{{ start.tag }}\"}, constraints: {site: worker-a}}
  - {id: read, from: read, inputs_values: {f: \"{{ make.f }}\", d: \"{{ make.d }}\"}, constraints: {site: worker-b}}" \
"  - {key: text, value: \"{{ read.text }}\"}"
ryax_main run files --input tag=one --wait -o json >"$work/files.json" \
  || fail "the files run failed: $(cat "$work/files.json")"
[ "$(result "$work/files.json" text)" = "file of one|dir of one" ] \
  || fail "read saw $(result "$work/files.json" text)"
placements "$work/files.json" make | grep -q '^worker-a/' || fail "make did not run on worker-a"
placements "$work/files.json" read | grep -q '^worker-b/' || fail "read did not run on worker-b"
ls "$work/s3/ryax" >/dev/null 2>&1 || fail "nothing went through the bucket"

step "2. objectives send a step to the cheaper site"
workflow cheap "    - {name: x, type: integer}" \
"  - {id: m, from: mark, inputs_values: {x: \"{{ start.x }}\", seconds: 0}, objectives: {cost: 100}}" \
"  - {key: y, value: \"{{ m.y }}\"}"
ryax_main run cheap --input x=100 --wait -o json >"$work/cheap.json" || fail "the cheap run failed"
placements "$work/cheap.json" m | grep -q '^worker-b/' \
  || fail "the cheap step went to $(placements "$work/cheap.json" m)"

step "3. kill -9 of worker-a during a step: it runs again on worker-b"
workflow fast "    - {name: x, type: integer}" \
"  - {id: m, from: mark, inputs_values: {x: \"{{ start.x }}\", seconds: 3}, objectives: {performance: 100}}" \
"  - {key: y, value: \"{{ m.y }}\"}"
run_id=$(ryax_main run fast --input x=300 -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
wait_for 30 grep -q '^start 300$' "$journal" || fail "the fast step did not start"
kill -9 "$(cat "$work/worker-a.pid")"
ip netns pids "$ns_a" | xargs -r kill -9 2>/dev/null || true # its wrappers, as on a dead machine
wait_for 60 run_done "$run_id" || fail "the run did not finish after worker-a died"
ryax_main runs show "$run_id" -o json >"$work/fast.json"
placements "$work/fast.json" m | grep -q '^worker-b/' \
  || fail "the step did not run again on worker-b: $(placements "$work/fast.json" m)"

step "4. main <-> worker-b down for 10 s during a run"
workflow chain "    - {name: x, type: integer}" \
"  - {id: s1, from: mark, inputs_values: {x: \"{{ start.x }}\", seconds: 0}, constraints: {site: worker-b}}
  - {id: s2, from: mark, inputs_values: {x: \"{{ s1.y }}\", seconds: 4}, constraints: {site: worker-b}}
  - {id: s3, from: mark, inputs_values: {x: \"{{ s2.y }}\", seconds: 0}, constraints: {site: worker-b}}" \
"  - {key: y, value: \"{{ s3.y }}\"}"
run_id=$(ryax_main run chain --input x=400 -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
wait_for 30 grep -q '^start 401$' "$journal" \
  || fail "s2 did not start: $(ryax_main runs show "$run_id" 2>&1 | tail -20)"
ip -n "$ns_main" link set "${tag}b0" down
sleep 10
ip -n "$ns_main" link set "${tag}b0" up
wait_for 60 run_done "$run_id" \
  || fail "the chain did not finish after the link came back: $(ryax_main runs show "$run_id" 2>&1 | tail -20)"
ryax_main logs "$run_id" | grep -Eq "slept 4(\.0)? for 401" \
  || fail "the log line written during the cut is lost: $(ryax_main logs "$run_id" 2>&1 | tail -5)"
for x in 400 401 402; do
  [ "$(grep -c "^end $x\$" "$journal")" = 1 ] || fail "step with x=$x ran $(grep -c "^end $x\$" "$journal") times"
done

step "5. a removed site's worker is refused"
ryax_main site rm worker-b
wait_for 30 bash -c "! kill -0 $(cat "$work/worker-b.pid") 2>/dev/null" \
  || fail "worker-b still runs after its site was removed"
grep -q "credential is revoked" "$work/worker-b.log" || fail "worker-b did not say why it stopped"

failed=0
echo "PASS: worker agents across three namespaces"
