#!/usr/bin/env bash
# The ctest entry of the Slurm tests: start a one-node cluster and its sshd
# (cluster.sh) in a temporary directory, run BUILD_DIR/ryax_slurm_tests
# against it with DIR/env exported, and stop the cluster by PID on any exit.
# Usage: tests/slurm/run.sh BUILD_DIR [doctest options]. Exits 77 (skipped),
# saying why on one line, when not root or when a needed binary is missing
# (scripts/install-deps installs them).
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR [doctest options]}" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (starts munged, slurmctld, slurmd, sshd; creates user ryaxslurm)"
for tool in munged mungekey slurmctld slurmd sinfo sbatch squeue scancel sshd ssh ssh-keygen \
  ssh-keyscan useradd usermod setpriv ss; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] \
    || skip "needs $tool (scripts/install-deps installs it)"
done
[ -x "$build/ryax_slurm_tests" ] || { echo "FAIL: no $build/ryax_slurm_tests (build it first)" >&2; exit 1; }

dir=$(mktemp -d /tmp/rs.XXXXXX)
failed=1
cleanup() {
  set +e
  "$here/cluster.sh" stop "$dir"
  if [ "$failed" = 0 ]; then
    rm -rf "$dir"
  else
    echo "cluster files kept in $dir" >&2
  fi
}
trap cleanup EXIT

started=$EPOCHREALTIME
"$here/cluster.sh" start "$dir"
echo "cluster up in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $started }") s ($dir)"
set -a
# shellcheck disable=SC1091
. "$dir/env"
set +a
"$build/ryax_slurm_tests" "$@"
failed=0
