# bench/lib.sh: what the bench/*/run.sh scripts share. Source it (after
# `set -euo pipefail`), do not execute it:
#   . "$(dirname "$0")/../lib.sh"
# It only defines functions and the variable bench_fibo_py; nothing runs
# until a script calls them.

# The fibo function of the python action, as python source (ends with a
# newline); also what the in-process floors run.
bench_fibo_py='def fibo(n):
    return n if n < 2 else fibo(n - 1) + fibo(n - 2)
'

# The checkout holding bench/.
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# bench_init BUILD_DIR [TARGET...]: sets the global `build` to BUILD_DIR
# (when empty: the checkout's build/), brings the ninja TARGETs in it up to
# date (quietly), then makes a fresh temporary directory, the global `tmp`
# (/tmp/rxbench.XXXXXX), exports RYAX_HOME, RYAX_SOCKET (both in $tmp),
# RYAX_NO_AUTOSTART=1, PIP_NO_INDEX=1 and RYAX_HTTP_LISTEN=127.0.0.1:0,
# and sets an EXIT trap that stops the daemon (if any) and removes $tmp. The `ryax` function below runs
# "$build/ryax".
bench_init() {
  build=${1:-$bench_root/build}
  shift
  [ $# -eq 0 ] || ninja -C "$build" "$@" >/dev/null
  tmp=$(mktemp -d /tmp/rxbench.XXXXXX)
  export RYAX_HOME=$tmp/home RYAX_SOCKET=$tmp/s.sock RYAX_NO_AUTOSTART=1 PIP_NO_INDEX=1
  # Any free port: benchmarks may run beside another daemon.
  export RYAX_HTTP_LISTEN=127.0.0.1:0
  trap '"$build/ryax" -q daemon stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
}
ryax() { "$build/ryax" "$@"; }

# bench_git_commit DIR MESSAGE: DIR as a git repository with one commit of
# everything in it.
bench_git_commit() {
  git -C "$1" init -q
  git -C "$1" -c user.name=b -c user.email=b@b add -A
  git -C "$1" -c user.name=b -c user.email=b@b commit -q -m "$2"
}

# bench_python_action DIR ID HUMAN_NAME INPUT OUTPUT: the metadata of a
# python3 action ID in DIR/ID, with one input and one output, each given as
# the YAML flow mapping of its fields (without braces); its handler is
# DIR/ID/ryax_handler.py, for the caller to write, and requirements.txt is
# empty.
bench_python_action() {
  mkdir -p "$1/$2"
  cat > "$1/$2/ryax_metadata.yaml" <<YAML
apiVersion: "ryax.tech/v2.0"
kind: Processor
spec:
  id: $2
  human_name: $3
  type: python3
  version: "1.0"
  inputs:
  - {$4}
  outputs:
  - {$5}
YAML
  : > "$1/$2/requirements.txt"
}

# bench_fibo_repo DIR [--print]: DIR as a git repository (one commit)
# holding the python action `fibo` (input n, output value = fibo(n)) in
# DIR/fibo. With --print, fibo prints "fibo N" at each call (the runs then
# have logs).
bench_fibo_repo() {
  local src=$bench_fibo_py
  if [ "${2:-}" = --print ]; then
    src=${src/$'\n'/$'\n    print("fibo", n)\n'}
  fi
  bench_python_action "$1" fibo Fibonacci \
    'name: n, human_name: N, help: which number, type: integer' \
    'name: value, human_name: Value, help: fibo(n), type: integer'
  printf '%s\n\ndef handle(request):\n    return {"value": fibo(request["n"])}\n' "$src" \
    > "$1/fibo/ryax_handler.py"
  bench_git_commit "$1" fibo
}

# bench_chain_workflow STEPS: prints the workflow `chain`: a manual trigger
# with an integer n, then STEPS sequential steps s1..sSTEPS of fibo, each on
# n; its result is the last step's value.
bench_chain_workflow() {
  printf 'apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: chain\n'
  printf '  trigger: {id: start, from: manual, outputs: [{name: n, type: integer}]}\n'
  printf '  actions:\n'
  printf '  - {id: s1, from: fibo, inputs_values: {n: "{{ start.n }}"}}\n'
  local i
  for i in $(seq 2 "$1"); do
    printf '  - {id: s%d, from: fibo, inputs_values: {n: "{{ start.n }}"}, after: [s%d]}\n' "$i" $((i - 1))
  done
  printf '  results:\n  - {key: value, value: "{{ s%d.value }}"}\n' "$1"
}

# bench_split_action DIR N: the python action `split` in DIR/split (input
# count, output n): it returns a list of `count` elements {"n": N}, so that
# the step below it fans out. DIR must then be committed (bench_git_commit).
bench_split_action() {
  bench_python_action "$1" split Split \
    'name: count, human_name: Count, help: how many elements, type: integer' \
    'name: n, human_name: N, help: the same n each time, type: integer'
  printf 'def handle(request):\n    return [{"n": %d} for _ in range(request["count"])]\n' "$2" \
    > "$1/split/ryax_handler.py"
}

# bench_fibo_workflow ID MAX_REPLICAS [fan]: prints workflow ID: one step
# fibo (up to MAX_REPLICAS replicas) on the trigger's integer n; with "fan",
# the trigger gives an integer count instead and a step split (see
# bench_split_action) fans fibo out over count elements. Its result "value"
# is fibo's value (a list with "fan").
bench_fibo_workflow() {
  printf 'apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: %s\n' "$1"
  if [ "${3:-}" = fan ]; then
    printf '  trigger: {id: start, from: manual, outputs: [{name: count, type: integer}]}\n'
    printf '  actions:\n  - {id: split, from: split, inputs_values: {count: "{{ start.count }}"}}\n'
    printf '  - {id: fibo, from: fibo, inputs_values: {n: "{{ split.n }}"}, deployment: {max_replicas: %d}}\n' "$2"
  else
    printf '  trigger: {id: start, from: manual, outputs: [{name: n, type: integer}]}\n'
    printf '  actions:\n  - {id: fibo, from: fibo, inputs_values: {n: "{{ start.n }}"}, deployment: {max_replicas: %d}}\n' "$2"
  fi
  printf '  results:\n  - {key: value, value: "{{ fibo.value }}"}\n'
}

# bench_chain_setup STEPS: the fibo repository in $tmp/actions, the chain
# workflow of STEPS steps in $tmp/chain.yaml, the daemon started, the action
# built and the workflow deployed (no run yet).
bench_chain_setup() {
  bench_fibo_repo "$tmp/actions"
  bench_chain_workflow "$1" > "$tmp/chain.yaml"
  ryax daemon start -q >/dev/null
  bench_deploy "$tmp/chain.yaml"
}

# bench_deploy WORKFLOW_FILE [ACTION]: against the running daemon, adds the
# repository $tmp/actions as `bench`, scans it, builds ACTION (default fibo)
# and pushes and deploys WORKFLOW_FILE; quiet.
bench_deploy() {
  ryax -q repo add bench "$tmp/actions" >/dev/null
  ryax -q repo scan bench --strict >/dev/null
  ryax -q action build "${2:-fibo}" --wait >/dev/null
  ryax -q workflow push "$1" --deploy >/dev/null
}

# median: the median of the numbers on stdin, one a line (the lower middle
# one for an even count).
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# real_python: the path of the real python3 interpreter, not a
# version-manager shim on PATH.
real_python() { python3 -c 'import sys; print(sys.executable)'; }

# daemon_pid: the pid of the running ryaxd.
daemon_pid() { ryax daemon status -o json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }

# descendants PID: the pids of all the processes under PID (the replicas and
# their runtimes under ryaxd), one a line.
descendants() {
  local c
  for c in $(pgrep -P "$1" || true); do
    echo "$c"
    descendants "$c"
  done
}
