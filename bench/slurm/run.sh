#!/usr/bin/env bash
# Slurm site overhead (issue "Slurm site over SSH"): one step on a Slurm
# partition of the one-node test cluster (tests/slurm/cluster.sh: slurmctld,
# slurmd and an sshd on loopback), against the same work submitted by hand
# with `sbatch --wait` over one ControlMaster connection of the same ssh.
# Two cases: a step with no files (`nop`: x -> x + 1), and one reading a
# 100 MB input file (`size`: its byte count). Prints the medians of RUNS runs
# and the overhead per step. Needs root (the cluster), like tests/slurm.
#   bench/slurm/run.sh [BUILD_DIR] [RUNS] [POLL_INTERVAL (default 500ms)]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-5}
poll=${3:-500ms}
bench_init "${1:-}" ryax ryaxd ryax-wrapper
# Its own directory: the cluster's daemons (munge, slurm) must traverse it.
cluster=$(mktemp -d /tmp/rxslurm.XXXXXX)
mkdir -p "$RYAX_HOME"
"$bench_root/tests/slurm/cluster.sh" start "$cluster" >/dev/null
trap '"$build/ryax" -q daemon stop >/dev/null 2>&1 || true; "$bench_root/tests/slurm/cluster.sh" stop "$cluster" --clean-cache >/dev/null 2>&1 || true; rm -rf "$tmp" "$cluster"' EXIT
set -a
. "$cluster/env"
set +a
cat > "$RYAX_HOME/ryaxd.yaml" <<YAML
sites:
  - name: hpc
    type: SLURM_SSH
    credentials:
      server: "$RYAX_SLURM_SSH_HOST:$RYAX_SLURM_SSH_PORT"
      username: $RYAX_SLURM_SSH_USER
      privateKeyFile: $RYAX_SLURM_SSH_KEY
      knownHostsFile: $RYAX_SLURM_KNOWN_HOSTS
    partitions: [{name: $RYAX_SLURM_PARTITION, cpu: 2, memory: 900M}]
    poll_interval: $poll
YAML

# The actions.
bench_python_action "$tmp/actions" nop "Nop" "name: x, human_name: X, help: h, type: integer" \
  "name: y, human_name: Y, help: h, type: integer"
printf 'def handle(r):\n    return {"y": r["x"] + 1}\n' > "$tmp/actions/nop/ryax_handler.py"
bench_python_action "$tmp/actions" size "Size" "name: f, human_name: F, help: h, type: file" \
  "name: n, human_name: N, help: h, type: integer"
printf 'import os\ndef handle(r):\n    return {"n": os.path.getsize(r["f"])}\n' > "$tmp/actions/size/ryax_handler.py"
bench_git_commit "$tmp/actions" actions
flow() { # ID ACTION TRIGGER_OUTPUT BINDING
  printf 'apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: %s\n' "$1"
  printf '  trigger: {id: start, from: manual, outputs: [{%s}]}\n' "$3"
  printf '  actions:\n  - {id: a, from: %s, inputs_values: {%s}, constraints: {site: hpc}}\n' "$2" "$4"
}
flow nofiles nop 'name: x, type: integer' 'x: "{{ start.x }}"' > "$tmp/nofiles.yaml"
flow file100 size 'name: f, type: file' 'f: "{{ start.f }}"' > "$tmp/file100.yaml"
head -c 100000000 /dev/urandom > "$tmp/big.bin"

ryax daemon start -q >/dev/null
for _ in $(seq 1 100); do
  ryax site show hpc -o json | grep -q '"healthy": true' && break
  sleep 0.1
done
ryax -q repo add bench "$tmp/actions" >/dev/null
ryax -q repo scan bench --strict >/dev/null
ryax -q action build --repo bench --all --wait >/dev/null
ryax -q workflow push "$tmp/nofiles.yaml" --deploy >/dev/null
ryax -q workflow push "$tmp/file100.yaml" --deploy >/dev/null

# By hand, over one ControlMaster connection: the same python work as a
# batch script, sbatch --wait, then the result read back.
ctl=$tmp/ctl.sock
ssh_=(ssh -F /dev/null -o BatchMode=yes -o "UserKnownHostsFile=$RYAX_SLURM_KNOWN_HOSTS"
  -o ControlMaster=auto -o "ControlPath=$ctl" -o ControlPersist=60 -i "$RYAX_SLURM_SSH_KEY"
  -p "$RYAX_SLURM_SSH_PORT" "$RYAX_SLURM_SSH_USER@$RYAX_SLURM_SSH_HOST")
"${ssh_[@]}" 'mkdir -p hand && true'
# Each measure starts on an idle cluster, as sbatch --wait by hand does (it
# returns once the job left COMPLETING, which holds Slurm's scheduling).
idle() {
  for _ in $(seq 1 100); do
    [ -z "$("${ssh_[@]}" 'squeue -h -u "$(id -un)"')" ] && return
    sleep 0.1
  done
}
median_ms() { median | awk '{printf "%.0f", $1 / 1000}'; }
measure() { # WORKFLOW ARGS...: median wall time of `ryax run --wait`, in ms
  local times=() t0 t1 flow=$1
  shift
  ryax -q run "$flow" "$@" --wait >/dev/null # the bundle goes to the cluster once
  for _ in $(seq 1 "$runs"); do
    idle
    t0=$(date +%s%N)
    ryax -q run "$flow" "$@" --wait -o json > "$tmp/out.json"
    t1=$(date +%s%N)
    grep -q '"state": "done"' "$tmp/out.json" || { echo "run of $flow did not finish" >&2; cat "$tmp/out.json" >&2; exit 1; }
    times+=("$(( (t1 - t0) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | median_ms
}

by_hand() { # nofiles|file100: median wall time in ms
  local times=() t0 t1
  for i in $(seq 0 "$runs"); do
    idle
    t0=$(date +%s%N)
    if [ "$1" = file100 ]; then
      "${ssh_[@]}" 'cat > hand/big.bin' < "$tmp/big.bin"
      "${ssh_[@]}" "cd hand && sbatch --wait --parsable -p $RYAX_SLURM_PARTITION -o out.log --wrap 'python3 -c \"import os; print(os.path.getsize(\\\"big.bin\\\"))\" > result' >/dev/null && cat result" > "$tmp/hand.out"
    else
      "${ssh_[@]}" "cd hand && sbatch --wait --parsable -p $RYAX_SLURM_PARTITION -o out.log --wrap 'python3 -c \"print(41 + 1)\" > result' >/dev/null && cat result" > "$tmp/hand.out"
    fi
    t1=$(date +%s%N)
    [ "$i" = 0 ] || times+=("$(( (t1 - t0) / 1000 ))") # the first one warms up
  done
  printf '%s\n' "${times[@]}" | median_ms
}
# The floor: the same job submitted by hand, its end seen by polling for the
# file it writes every 50 ms in one remote loop (sbatch --wait sleeps 2 s,
# then 8 s, between its checks: a job done in 2.1 s costs it 10 s).
by_hand_floor() { # nofiles|file100: median wall time in ms
  local times=() t0 t1 work
  work='python3 -c print\(41+1\) > result'
  [ "$1" = file100 ] && work='wc -c < big.bin > result'
  for i in $(seq 0 "$runs"); do
    idle
    t0=$(date +%s%N)
    [ "$1" = file100 ] && "${ssh_[@]}" 'cat > hand/big.bin' < "$tmp/big.bin"
    "${ssh_[@]}" "cd hand && rm -f done && sbatch --parsable -p $RYAX_SLURM_PARTITION -o out.log --wrap '$work; touch done' >/dev/null && while [ ! -f done ]; do sleep 0.05; done; cat result" > "$tmp/hand.out"
    t1=$(date +%s%N)
    [ "$i" = 0 ] || times+=("$(( (t1 - t0) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | median_ms
}

ryax_nofiles=$(measure nofiles --input x=41)
ryax_file=$(measure file100 --file "f=$tmp/big.bin")
hand_nofiles=$(by_hand nofiles)
hand_file=$(by_hand file100)
floor_nofiles=$(by_hand_floor nofiles)
floor_file=$(by_hand_floor file100)
"${ssh_[@]}" -O exit >/dev/null 2>&1 || true
echo "step with no files:    ryax median ${ryax_nofiles} ms; by hand: sbatch --wait ${hand_nofiles} ms, sbatch + 50 ms polling ${floor_nofiles} ms; overhead over the latter $((ryax_nofiles - floor_nofiles)) ms ($runs runs)"
echo "step with 100 MB file: ryax median ${ryax_file} ms; by hand: sbatch --wait ${hand_file} ms, sbatch + 50 ms polling ${floor_file} ms; overhead over the latter $((ryax_file - floor_file)) ms ($runs runs)"
