#!/usr/bin/env bash
# Completion of ryax in a real interactive shell: bash (with bash-completion),
# zsh (with compinit) or fish runs in a tmux terminal with the script of
# completions/ loaded; keys are typed (`ryax wor<Tab>`) and the screen is
# read back. A real ryaxd holds a repository, actions and a workflow, so the
# names from the daemon are checked too.
# Usage: tests/shells/completion.sh bash|zsh|fish BUILD_DIR. Exits 77
# (skipped) when tmux, the shell or bash-completion is missing
# (scripts/install-deps installs them).
set -euo pipefail
shell=${1:?usage: completion.sh bash|zsh|fish BUILD_DIR}
build=$(cd "${2:?usage: completion.sh bash|zsh|fish BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)

skip() { echo "SKIP: $*"; exit 77; }
command -v tmux >/dev/null || skip "needs tmux"
command -v "$shell" >/dev/null || skip "needs $shell"
command -v git >/dev/null || skip "needs git"
if [ "$shell" = bash ] && [ ! -f /usr/share/bash-completion/bash_completion ]; then
  skip "needs bash-completion"
fi

work=$(mktemp -d /tmp/ryax-shells.XXXXXX)
tmux_socket=$work/tmux.sock
daemon_pid=
failed=1
cleanup() {
  set +e
  tmux -S "$tmux_socket" kill-server 2>/dev/null
  if [ -n "$daemon_pid" ]; then
    kill "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
  fi
  if [ "$failed" = 0 ]; then
    rm -rf "$work"
  else
    echo "kept $work" >&2
  fi
}
trap cleanup EXIT
fail() {
  echo "FAIL ($shell): $*" >&2
  echo "--- screen:" >&2
  tmux -S "$tmux_socket" capture-pane -p -t t >&2 || true
  exit 1
}

# A daemon with a repository of two actions (one built) and a workflow.
export RYAX_HOME=$work/home RYAX_SOCKET=$work/ryaxd.sock RYAX_NO_AUTOSTART=1
"$build/ryaxd" --foreground >"$work/ryaxd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
  "$build/ryax" daemon status >/dev/null 2>&1 && break
  sleep 0.1
done
"$build/ryax" daemon status >/dev/null 2>&1 || fail "ryaxd did not start"
mkdir -p "$work/actions"
cp -r "$src/tests/fixtures/actions/valid/add-two" \
  "$src/tests/fixtures/actions/valid/all-io-types" "$work/actions/"
git -C "$work/actions" init -q
git -C "$work/actions" add .
git -C "$work/actions" -c user.name=t -c user.email=t@t commit -qm actions
"$build/ryax" repo add shelf "file://$work/actions" >/dev/null
"$build/ryax" repo scan shelf >/dev/null
"$build/ryax" action build add-two --wait >/dev/null
mkdir -p "$work/files"
cat >"$work/files/plus.yaml" <<'YAML'
apiVersion: ryax.tech/v2.0
kind: Workflow
spec:
  id: plus
  trigger: {id: start, from: manual, outputs: [{name: x, type: integer}]}
  actions:
  - {id: add, from: add-two, inputs_values: {x: "{{ start.x }}"}}
YAML
"$build/ryax" workflow push "$work/files/plus.yaml" >/dev/null

# The shell, in a 200x50 terminal, in $work/files.
case $shell in
  bash)
    start="bash --norc --noprofile"
    setup="PS1='$ '; source /usr/share/bash-completion/bash_completion; source '$src/completions/ryax.bash'"
    ;;
  zsh)
    start="zsh -f"
    setup="PS1='$ '; fpath=('$src/completions' \$fpath); autoload -U compinit; compinit -u -d '$work/zcompdump'"
    ;;
  fish)
    start="fish --no-config"
    setup="function fish_prompt; echo '$ '; end; source '$src/completions/ryax.fish'"
    ;;
esac
mkdir -p "$work/shell-home"
# The pane stays when the shell exits, to show why.
echo "set -g remain-on-exit on" >"$work/tmux.conf"
tmux -S "$tmux_socket" -f "$work/tmux.conf" new-session -d -s t -x 200 -y 50 -c "$work/files" \
  env -i HOME="$work/shell-home" PATH="$build:/usr/local/bin:/usr/bin:/bin" TERM=screen \
  LANG=C.UTF-8 RYAX_HOME="$RYAX_HOME" RYAX_SOCKET="$RYAX_SOCKET" RYAX_NO_AUTOSTART=1 $start
keys() { tmux -S "$tmux_socket" send-keys -t t "$@"; }
screen() { tmux -S "$tmux_socket" capture-pane -p -t t; }
keys "$setup" Enter
keys "echo ready" Enter
for _ in $(seq 100); do
  [ "$(screen | grep -c '^ready')" -ge 1 ] && break
  sleep 0.05
done
screen | grep -q '^ready' || fail "the shell did not start"

# Type `$1` then Tab (twice where the shell needs it to list), and wait for
# the screen to show every pattern (grep -E) after it.
n=0
expect() {
  local typed=$1
  shift
  n=$((n + 1))
  # An empty line (not C-c: its signal flushes keys typed ahead), then a
  # cleared screen with only this case's mark and the prompt: the shell is
  # idle.
  keys C-e C-u
  keys "clear; echo mark-$n" Enter
  local idle="mark-$n"$'\n$'
  for _ in $(seq 100); do
    [ "$(screen | grep -v '^$')" = "$idle" ] && break
    sleep 0.05
  done
  [ "$(screen | grep -v '^$')" = "$idle" ] || fail "the screen did not clear"
  keys -l "$typed"
  keys Tab
  if [ "$shell" = bash ]; then
    keys Tab
  fi
  local ok=0
  for _ in $(seq 100); do
    ok=1
    for pattern in "$@"; do
      screen | grep -qE -- "$pattern" || ok=0
    done
    [ "$ok" = 1 ] && break
    sleep 0.05
  done
  [ "$ok" = 1 ] || fail "after typing '$typed' and Tab, expected: $*"
  echo "ok $n - $typed"
}

# Commands, from the command tree of ryax.
expect "ryax wor" 'ryax workflow *$'
expect "ryax runs s" 'ryax runs show *$'
expect "ryax completion " 'bash' 'zsh' 'fish'
expect "ryax runs list --status " 'pending' 'running' 'done' 'cancelled'
expect "ryax -o y" 'ryax -o yaml *$'
# Files and directories are the shell's.
expect "ryax workflow push pl" 'ryax workflow push plus\.yaml'
# Names from the daemon.
expect "ryax repo show " 'ryax repo show shelf *$'
expect "ryax workflow deploy " 'ryax workflow deploy plus *$'
expect "ryax action show " 'add-two' 'all-io-types'
expect "ryax action show add-two:" 'ryax action show add-two:1\.0 *$'
expect "ryax run plus --input " 'ryax run plus --input x=$'

# Descriptions, where the shell shows them.
if [ "$shell" != bash ]; then
  expect "ryax runs list --status " 'ended in error'
  expect "ryax action show " 'Add two'
  expect "ryax workf" 'ryax workflow *$'
  expect "ryax workflow " 'Deploy a workflow version'
fi

failed=0
echo "PASS ($shell): $n completions"
