#!/usr/bin/env bash
# A real one-node Slurm cluster and an sshd in front of it, for tests.
#
#   tests/slurm/cluster.sh start DIR          start everything, write DIR/env
#   tests/slurm/cluster.sh stop DIR [--clean-cache]
#
# `start` runs, with every file in DIR: munged (its own key, socket, pid,
# log and seed), slurmctld and slurmd (foreground processes sent to the
# background, on free loopback ports) and an sshd on 127.0.0.1:<free port>
# with its own host key. The ordinary user `ryaxslurm` (created once) logs in
# with a fresh ed25519 key of DIR; sshd sets SLURM_CONF for it. `start`
# returns once `sinfo`, run as ryaxslurm over ssh, shows the node idle, and
# fails after 30 s with the tail of the log that explains why.
#
# DIR/env (shell-sourceable KEY=VALUE lines): SLURM_CONF,
# RYAX_SLURM_SSH_HOST, RYAX_SLURM_SSH_PORT, RYAX_SLURM_SSH_USER,
# RYAX_SLURM_SSH_KEY (client private key), RYAX_SLURM_KNOWN_HOSTS (pins the
# sshd host key for "[127.0.0.1]:PORT"), RYAX_SLURM_PARTITION, RYAX_SLURM_DIR,
# RYAX_SLURM_SSHD_LOG (sshd's log, LogLevel VERBOSE).
#
# `stop` kills the PIDs `start` recorded in DIR/pids (after checking each
# still runs a command line naming DIR), their children (the ssh sessions),
# and what is left of this cluster's jobs (processes whose environment holds
# this cluster's SLURM_CONF); never anything by name. --clean-cache empties
# ~ryaxslurm/.ryax_cache. Needs root.
set -euo pipefail

user=ryaxslurm
partition=debug
timeout_s=30

die() { echo "cluster.sh: $*" >&2; exit 1; }
usage() { die "usage: cluster.sh start DIR | cluster.sh stop DIR [--clean-cache]"; }

# A loopback TCP port nobody listens on now, not in the list "$@".
free_port() {
  local port
  while true; do
    port=$(( 20000 + RANDOM % 40000 ))
    case " $* " in *" $port "*) continue ;; esac
    if [ -z "$(ss -Htln "sport = :$port")" ]; then
      echo "$port"
      return
    fi
  done
}

# Whether PID runs a command line that names DIR (a recorded PID may have
# been reused by an unrelated process since).
ours() {
  local pid=$1
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$dir"
}

# PIDs of the processes whose environment holds this cluster's SLURM_CONF
# (slurmstepd, job steps and ssh sessions of this cluster).
cluster_processes() {
  local marker="SLURM_CONF=$dir/slurm.conf"
  local env_file pid
  for env_file in /proc/[0-9]*/environ; do
    pid=${env_file#/proc/}
    pid=${pid%/environ}
    [ "$pid" = "$$" ] && continue
    if tr '\0' '\n' 2>/dev/null < "$env_file" | grep -qxF -- "$marker"; then
      echo "$pid"
    fi
  done
}

# Kill PIDs "$@" (TERM, then KILL after 3 s) and wait for them to be gone.
kill_all() {
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  local end=$((SECONDS + 3)) pid alive
  while true; do
    alive=()
    for pid in "$@"; do
      if kill -0 "$pid" 2>/dev/null; then alive+=("$pid"); fi
    done
    [ ${#alive[@]} -gt 0 ] || return 0
    if [ $SECONDS -ge $end ]; then
      kill -KILL "${alive[@]}" 2>/dev/null || true
      return 0
    fi
    sleep 0.1
  done
}

# Note that process $2 (started in the background) is ours, as $1.
record() { echo "$1 $2" >> "$dir/pids"; }

# Tail of log $1 on stderr, then fail with message $2.
fail_with_log() {
  local log=$1 message=$2
  echo "cluster.sh: $message" >&2
  if [ -f "$log" ]; then
    echo "--- last lines of $log:" >&2
    tail -n 15 "$log" >&2
  fi
  stop >/dev/null 2>&1 || true # what did come up; the files stay for a look
  exit 1
}

# The log of the daemon recorded as $1.
log_of() {
  case "$1" in
    munged) echo "$dir/munge/munged.log" ;;
    slurmctld) echo "$dir/log/slurmctld.log" ;;
    slurmd) echo "$dir/log/slurmd.log" ;;
    sshd) echo "$dir/ssh/sshd.log" ;;
  esac
}

# Fail at once, with its log, when a daemon started so far has exited.
check_alive() {
  local name pid
  while read -r name pid; do
    if ! kill -0 "$pid" 2>/dev/null; then
      local out
      out=$(log_of "$name")
      [ -s "$out" ] || out=${out%.log}.out
      fail_with_log "$out" "$name exited during start"
    fi
  done < "$dir/pids"
}

# Wait until command "$@" succeeds, for at most the time left of $deadline.
wait_until() {
  while ! "$@" >/dev/null 2>&1; do
    check_alive
    [ $SECONDS -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

ssh_as_user() {
  ssh -F /dev/null -p "$ssh_port" -i "$dir/ssh/client_key" \
    -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$dir/ssh/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o ConnectTimeout=5 -o LogLevel=ERROR "$user@127.0.0.1" "$@"
}

node_idle() { [ "$(ssh_as_user sinfo -h -p "$partition" -o %t)" = idle ]; }

start() {
  [ "$(id -u)" = 0 ] || die "start needs root (daemons, a user)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ ! -e "$dir/pids" ] || die "$dir/pids exists: stop that cluster first"
  # Daemons running as munge, slurm and ryaxslurm read files under DIR.
  chmod 0755 "$dir"
  deadline=$((SECONDS + timeout_s))

  if ! id "$user" >/dev/null 2>&1; then
    useradd -m -s /bin/bash "$user"
  fi
  usermod -p '*' "$user" # a locked account is refused even with a key

  local ctld_port slurmd_port ssh_port
  ctld_port=$(free_port)
  slurmd_port=$(free_port "$ctld_port")
  ssh_port=$(free_port "$ctld_port" "$slurmd_port")

  # munged, with its own key and files.
  mkdir -p "$dir/munge"
  mungekey --create --keyfile="$dir/munge/munge.key" --bits=1024 2>/dev/null \
    || dd if=/dev/urandom of="$dir/munge/munge.key" bs=128 count=1 status=none
  chown -R munge:munge "$dir/munge"
  chmod 0755 "$dir/munge"
  chmod 0600 "$dir/munge/munge.key"
  # setpriv execs munged (runuser would fork and leave its own PID in $!).
  setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground \
    --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" < /dev/null > "$dir/munge/munged.out" 2>&1 &
  record munged $!
  wait_until test -S "$dir/munge/munge.socket" \
    || fail_with_log "$dir/munge/munged.log" "munged did not create its socket within ${timeout_s}s"

  # slurmctld and slurmd.
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  chown slurm:slurm "$dir/state" "$dir/log"
  local host
  host=$(hostname -s)
  cat > "$dir/slurm.conf" <<EOF
ClusterName=ryaxtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
MinJobAge=300
KillWait=1
ReturnToService=2
NodeName=ryaxnode NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=500 State=UNKNOWN
PartitionName=$partition Nodes=ryaxnode Default=YES MaxTime=INFINITE State=UP
EOF
  chmod 0644 "$dir/slurm.conf"
  SLURM_CONF=$dir/slurm.conf /usr/sbin/slurmctld -D -f "$dir/slurm.conf" \
    < /dev/null > "$dir/log/slurmctld.out" 2>&1 &
  record slurmctld $!
  SLURM_CONF=$dir/slurm.conf /usr/sbin/slurmd -D -N ryaxnode -f "$dir/slurm.conf" \
    < /dev/null > "$dir/log/slurmd.out" 2>&1 &
  record slurmd $!

  # sshd, and the keys on both sides.
  mkdir -p "$dir/ssh" /run/sshd
  chmod 0755 "$dir/ssh"
  ssh-keygen -q -t ed25519 -N '' -C "ryax test sshd" -f "$dir/ssh/host_key"
  ssh-keygen -q -t ed25519 -N '' -C "ryax test client" -f "$dir/ssh/client_key"
  cp "$dir/ssh/client_key.pub" "$dir/ssh/authorized_keys.$user"
  chmod 0644 "$dir/ssh/authorized_keys.$user"
  echo "[127.0.0.1]:$ssh_port $(cut -d' ' -f1,2 "$dir/ssh/host_key.pub")" \
    > "$dir/ssh/known_hosts"
  cat > "$dir/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1:$ssh_port
HostKey $dir/ssh/host_key
PidFile $dir/ssh/sshd.pid
AuthorizedKeysFile $dir/ssh/authorized_keys.%u
AllowUsers $user
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
MaxSessions 64
LogLevel VERBOSE
SetEnv SLURM_CONF=$dir/slurm.conf
EOF
  /usr/sbin/sshd -D -f "$dir/ssh/sshd_config" -E "$dir/ssh/sshd.log" \
    < /dev/null > "$dir/ssh/sshd.out" 2>&1 &
  record sshd $!

  cat > "$dir/env" <<EOF
SLURM_CONF=$dir/slurm.conf
RYAX_SLURM_SSH_HOST=127.0.0.1
RYAX_SLURM_SSH_PORT=$ssh_port
RYAX_SLURM_SSH_USER=$user
RYAX_SLURM_SSH_KEY=$dir/ssh/client_key
RYAX_SLURM_KNOWN_HOSTS=$dir/ssh/known_hosts
RYAX_SLURM_PARTITION=$partition
RYAX_SLURM_DIR=$dir
RYAX_SLURM_SSHD_LOG=$dir/ssh/sshd.log
EOF

  wait_until ssh_as_user true \
    || fail_with_log "$dir/ssh/sshd.log" "cannot log in as $user over ssh on 127.0.0.1:$ssh_port within ${timeout_s}s"
  local log=$dir/log/slurmctld.log
  if ! wait_until node_idle; then
    if [ "$(ssh_as_user sinfo -h -o %t 2>/dev/null)" != "" ]; then
      log=$dir/log/slurmd.log
    fi
    fail_with_log "$log" "node ryaxnode is not idle within ${timeout_s}s (sinfo: $(ssh_as_user sinfo -h -o '%t %E' 2>&1 | head -1))"
  fi
}

stop() {
  [ "$(id -u)" = 0 ] || die "stop needs root"
  [ -d "$dir" ] || die "no directory $dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/slurm.conf" ] && [ -f "$dir/pids" ]; then
    # Jobs first, while slurmctld still answers.
    SLURM_CONF=$dir/slurm.conf timeout 5 scancel --user "$user" >/dev/null 2>&1 || true
  fi
  local pids=() name pid child
  if [ -f "$dir/pids" ]; then
    while read -r name pid; do
      if ours "$pid"; then
        pids+=("$pid")
        # Children: sshd's sessions.
        for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do pids+=("$child"); done
      fi
    done < "$dir/pids"
  fi
  kill_all "${pids[@]}"
  # shellcheck disable=SC2046
  kill_all $(cluster_processes)
  rm -f "$dir/pids"
  if [ "$clean_cache" = 1 ]; then
    local home
    home=$(getent passwd "$user" | cut -d: -f6)
    if [ -n "$home" ] && [ -d "$home/.ryax_cache" ]; then
      find "$home/.ryax_cache" -mindepth 1 -delete
    fi
  fi
}

[ $# -ge 2 ] || usage
command=$1
dir=$2
clean_cache=0
if [ "${3:-}" = --clean-cache ]; then clean_cache=1; elif [ $# -gt 2 ]; then usage; fi
case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
