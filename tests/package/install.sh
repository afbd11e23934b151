#!/usr/bin/env bash
# The Debian package as a new user gets it: the .deb of this build (cpack, or
# $RYAX_DEB) has no lintian error; installed with dpkg -i into a clean Debian
# 12 root (mmdebstrap, cached under the build dir), its units pass
# systemd-analyze verify, `ryax version` and `ryaxd --check-config` work, and
# ryaxd started from the installed files as the unit starts it (user ryax,
# /etc/ryax/ryaxd.yaml, /var/lib/ryax, /run/ryax/ryaxd.sock) runs the
# quickstart workflow with the installed ryax.
#
# Usage: tests/package/install.sh BUILD_DIR. Exit 77 (skipped) without root,
# the tools (scripts/install-deps) or the Debian mirror, and for a sanitizer
# build; never passes then.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
mirror=${RYAX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${RYAX_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*"; exit 1; }
say() { printf '%s +%ss: %s\n' "$(date -u +%T)" "$SECONDS" "$*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (chroot, mount)"
# A sanitizer build is never packaged: the normal build's run of this test
# is the one that counts.
if grep -q '^RYAX_SANITIZE:STRING=.\+' "$build/CMakeCache.txt" 2>/dev/null; then
  skip "a sanitizer build ($(sed -n 's/^RYAX_SANITIZE:STRING=//p' "$build/CMakeCache.txt")) is not packaged"
fi
for tool in mmdebstrap cpack dpkg-deb lintian curl git; do
  command -v "$tool" >/dev/null || skip "$tool is missing: run scripts/install-deps"
done

work=$build/package-test
mkdir -p "$work"
root=$work/root
daemon_pid=
unmount_root() {
  for m in "$root/dev" "$root/proc"; do
    if mountpoint -q "$m"; then umount -l "$m" || true; fi
  done
}
# Never remove a root with the host's /dev bound in it.
remove_root() {
  unmount_root
  if [ -d "$root" ] && findmnt -rn -o TARGET | grep -q "^$root/"; then
    fail "$root still has mounts: not removing it"
  fi
  rm -rf --one-file-system "$root"
}
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  unmount_root
}
trap cleanup EXIT

# 1. The package.
deb=${RYAX_DEB:-}
if [ -z "$deb" ]; then
  rm -rf "$work/deb"
  (cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) \
    || { cat "$work/cpack.log"; fail "cpack"; }
  deb=$(ls "$work"/deb/ryax_*.deb)
fi
say "package $deb"

# 2. lintian: warnings are listed, an error fails.
lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v '^running with root' \
  | tee "$work/lintian.txt" || true
if grep -q '^E:' "$work/lintian.txt"; then
  fail "lintian reports errors"
fi
say "lintian: no error"

# 3. A clean Debian 12 with the package's dependencies (and systemd, for
# systemd-analyze), made once and kept with the list of what it holds: made
# again (with both lists) only when the package needs something it lacks.
deps=$(dpkg-deb -f "$deb" Depends | sed -e 's/([^)]*)//g' -e 's/ //g' | tr , '\n')
tarball=$work/bookworm.tar
held=$work/bookworm.packages
missing=$(comm -23 <(printf '%s\n' "$deps" systemd logrotate | sort -u) \
  <(sort -u "$held" 2>/dev/null || true))
if [ ! -f "$tarball" ] || [ -n "$missing" ]; then
  curl -fsS -m 20 -o /dev/null "$mirror/dists/bookworm/Release" \
    || skip "the Debian mirror $mirror does not answer"
  wanted=$( (printf '%s\n' "$deps" systemd logrotate; cat "$held" 2>/dev/null || true) | sort -u)
  say "mmdebstrap (cached as $tarball)"
  mmdebstrap --quiet --variant=apt --include="$(paste -sd, <<<"$wanted")" bookworm \
    "$work/partial.tar" "deb $mirror bookworm main" \
    "deb $security bookworm-security main" >"$work/mmdebstrap.log" 2>&1 \
    || { tail -20 "$work/mmdebstrap.log"; fail "mmdebstrap"; }
  mv "$work/partial.tar" "$tarball"
  printf '%s\n' "$wanted" >"$held"
fi
remove_root
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
say "root ready"

# 4. dpkg -i, as a new user does.
cp "$deb" "$root/tmp/ryax.deb"
chroot "$root" dpkg -i /tmp/ryax.deb >"$work/dpkg.log" 2>&1 \
  || { cat "$work/dpkg.log"; fail "dpkg -i"; }
chroot "$root" getent passwd ryax >/dev/null || fail "no ryax system user"
[ "$(chroot "$root" stat -c %U:%a /var/lib/ryax)" = ryax:700 ] || fail "/var/lib/ryax"
chroot "$root" dpkg-query -W -f='${Conffiles}\n' ryax | grep -q /etc/ryax/ryaxd.yaml \
  || fail "/etc/ryax/ryaxd.yaml is not a conffile"
for f in /usr/share/man/man1/ryax.1.gz /usr/share/man/man1/ryax-wrapper.1.gz \
  /usr/share/man/man5/ryax-workflow.5.gz /usr/share/man/man8/ryaxd.8.gz \
  /usr/share/bash-completion/completions/ryax /usr/share/zsh/vendor-completions/_ryax \
  /usr/share/fish/vendor_completions.d/ryax.fish /usr/share/ryax/python/ryax_wrapper/runtime.py \
  /usr/lib/systemd/user/ryaxd.service /lib/systemd/system/ryaxd.service /etc/logrotate.d/ryaxd; do
  [ -e "$root$f" ] || fail "$f is not installed"
done
version=$(chroot "$root" env RYAX_SOCKET=/nowhere.sock ryax version)
echo "$version"
grep -Eq '^client: [0-9.]+ \(commit ([0-9a-f]+|unknown)\)$' <<<"$version" || fail "ryax version"
chroot "$root" ryaxd --check-config --config /etc/ryax/ryaxd.yaml --data-dir /var/lib/ryax
say "installed"

# 5. The units.
chroot "$root" systemd-analyze verify --man=no /lib/systemd/system/ryaxd.service \
  || fail "systemd-analyze verify ryaxd.service"
chroot "$root" env XDG_RUNTIME_DIR=/tmp systemd-analyze --user verify --man=no \
  /usr/lib/systemd/user/ryaxd.service || fail "systemd-analyze verify (user unit)"
say "units verified"

# 6. ryaxd as the unit starts it (no systemd here: its directories by hand),
# on a free HTTP port (this root shares the host's network). A chroot cannot
# make user namespaces (the kernel refuses them to a chrooted process), so
# bubblewrap cannot run here: the quickstart runs with site.sandbox none
# (the sandbox has tests of its own: tests/integration/isolation_test.cpp).
printf '\nsite: {sandbox: none}\n' >>"$root/etc/ryax/ryaxd.yaml"
chroot "$root" install -d -o ryax -g ryax -m 0755 /run/ryax
as_ryax=(chroot --userspec=ryax:ryax "$root" env -i PATH=/usr/bin:/bin HOME=/var/lib/ryax
  LANG=C.UTF-8 RYAX_SOCKET=/run/ryax/ryaxd.sock RYAX_NO_AUTOSTART=1)
"${as_ryax[@]}" ryaxd --foreground --config /etc/ryax/ryaxd.yaml --data-dir /var/lib/ryax \
  --socket /run/ryax/ryaxd.sock --http-listen 127.0.0.1:0 >"$work/ryaxd.out" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
  [ -S "$root/run/ryax/ryaxd.sock" ] && "${as_ryax[@]}" ryax daemon status >/dev/null 2>&1 && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/ryaxd.out"; fail "ryaxd exited"; }
  sleep 0.1
done
"${as_ryax[@]}" ryax daemon status || { cat "$root/var/log/ryax/ryaxd.log"; fail "ryaxd does not answer"; }
say "ryaxd serving"

# 7. The quickstart (scripts/quickstart) with the installed ryax.
rm -rf "$root/srv/actions"
cp -r "$src/examples/actions" "$root/srv/actions"
find "$root/srv/actions" -name __pycache__ -prune -exec rm -rf {} +
git -C "$root/srv/actions" init -q
git -C "$root/srv/actions" -c user.name=ryax -c user.email=ryax@localhost add -A
git -C "$root/srv/actions" -c user.name=ryax -c user.email=ryax@localhost commit -q -m actions
cp "$src/examples/quickstart.yaml" "$root/srv/quickstart.yaml"
chroot "$root" chown -R ryax:ryax /srv/actions /srv/quickstart.yaml
ryax() { "${as_ryax[@]}" ryax "$@"; }
ryax repo add examples /srv/actions
ryax repo scan examples --strict
ryax action build --repo examples --all --wait
ryax workflow push /srv/quickstart.yaml --deploy
out=$(ryax run hello --input "who=Ada, Grace" --wait -o json) \
  || { echo "$out"; tail -30 "$root/var/log/ryax/ryaxd.log"; fail "the quickstart run"; }
python3 -c '
import json, sys
run = json.load(sys.stdin)
print("run", run["id"], run["state"], json.dumps(run.get("results")))
assert run["state"] == "done", run["state"]
assert "HELLO, ADA" in json.dumps(run), "no greeting in the run"
' <<<"$out" || { echo "$out"; fail "the quickstart run did not succeed"; }
say "quickstart run done"

# Another local account reaches the system daemon once the admin (the ryax
# account) maps it to a ryax user.
chroot "$root" adduser --quiet --disabled-password --gecos "" alice >/dev/null
alice_uid=$(chroot "$root" id -u alice)
as_alice=(chroot --userspec=alice:alice "$root" env -i PATH=/usr/bin:/bin HOME=/home/alice
  RYAX_SOCKET=/run/ryax/ryaxd.sock RYAX_NO_AUTOSTART=1)
"${as_alice[@]}" ryax workflow list >/dev/null 2>&1 && fail "an unmapped account was served"
ryax user add alice --role developer --local-uid "$alice_uid"
"${as_alice[@]}" ryax workflow list | grep -q hello || fail "alice does not see the workflow"
say "a second local account served"

# 8. The package's logrotate file moves the log; SIGHUP (its postrotate's
# systemctl kill, done by hand without systemd) makes ryaxd open a new one.
log=$root/var/log/ryax/ryaxd.log
chroot "$root" logrotate --force --state /tmp/logrotate.state /etc/logrotate.d/ryaxd \
  || fail "logrotate /etc/logrotate.d/ryaxd"
[ -s "$log.1" ] || fail "logrotate did not move ryaxd.log to ryaxd.log.1"
kill -HUP "$daemon_pid"
for _ in $(seq 50); do
  grep -qs "log file reopened" "$log" && break
  sleep 0.1
done
grep -qs "log file reopened" "$log" || fail "no new ryaxd.log after SIGHUP"
ryax version >/dev/null
say "logrotate and SIGHUP: a new ryaxd.log"

kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "ryaxd did not stop cleanly"
daemon_pid=
grep -q "ryaxd stopped" "$log" || fail "no log in /var/log/ryax"
chroot "$root" dpkg --purge ryax >>"$work/dpkg.log" 2>&1 \
  || { cat "$work/dpkg.log"; fail "dpkg --purge"; }
[ ! -e "$root/usr/bin/ryaxd" ] && [ ! -e "$root/var/log/ryax" ] && [ ! -e "$root/etc/ryax/ryaxd.yaml" ] \
  || fail "files left after dpkg --purge"
say "purged"
remove_root # kept when the test fails, for a look
say "passed"
