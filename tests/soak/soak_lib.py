"""What crash.py and load.py share: a real ryaxd on a temp dir, the real ryax
binary, a git repository of python actions, a deployed workflow, and the
run tables of the daemon's SQLite database read directly.

Nothing here is timed for a figure: the figures are the drivers' output.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SKIP = 77  # ctest's SKIP_RETURN_CODE
FINAL_STATES = ("done", "error", "cancelled")


class Failure(Exception):
    """A check that failed: its message says what, with the ids involved."""


def say(*words):
    print(*words, flush=True)


def skip(why):
    say(f"skipped: {why}")
    sys.exit(SKIP)


def binaries(build):
    """The real ryax, ryaxd and ryax-wrapper of BUILD, or skip."""
    build = Path(build).resolve()
    found = {name: build / name for name in ("ryax", "ryaxd", "ryax-wrapper")}
    for name, path in found.items():
        if not os.access(path, os.X_OK):
            skip(f"no {name} in {build} (build it first)")
    return found


def stage(bins, root):
    """ryax, ryaxd and ryax-wrapper (with the wrapper's share/ beside them)
    in ROOT/bin, hard links where possible: a rebuild of the build dir
    during a long soak (it links new files) does not pull them from under
    it. Only for a daemon without a sandbox: bwrap gives user code a /tmp of
    its own, where a wrapper staged under /tmp cannot find its runtime."""
    dest = Path(root) / "bin"
    dest.mkdir()
    staged = {}
    for name, path in bins.items():
        staged[name] = dest / name
        try:
            os.link(path, staged[name])
        except OSError:
            shutil.copy2(path, staged[name])
    share = Path(bins["ryaxd"]).parent / "share"
    if share.is_dir():
        shutil.copytree(share, dest / "share")
    return staged


def sanitized(build):
    """Is BUILD a sanitizer build (RYAX_SANITIZE set in its CMake cache)?"""
    cache = Path(build) / "CMakeCache.txt"
    if not cache.exists():
        return False
    for line in cache.read_text(errors="replace").splitlines():
        if line.startswith("RYAX_SANITIZE:"):
            return line.split("=", 1)[1].strip() != ""
    return False


def make_work_dir(prefix):
    """A fresh temp dir (the drivers remove it when they pass, unless --keep)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("TMPDIR", "/tmp")))


def descendants(pid):
    """Every live process under PID (its children, theirs, ...), from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields after it.
        fields = stat[stat.rfind(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def mentioning(root):
    """Live processes whose command line names ROOT (not this one)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid() and str(root) in cmdline(int(entry)):
            found.append(int(entry))
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def thread_stacks(pid):
    """The thread stacks of process PID: gdb's backtraces, or without gdb
    (or when it hangs) what /proc says of each thread."""
    if shutil.which("gdb"):
        try:
            done = subprocess.run(
                ["gdb", "-p", str(pid), "-batch", "-nx", "-ex", "set pagination off",
                 "-ex", "thread apply all bt"],
                capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
            noise = ("[New LWP", "[Thread debugging", "Using host libthread_db", "[Inferior")
            return "\n".join(line for line in (done.stdout + done.stderr).splitlines()
                             if not line.startswith(noise))
        except subprocess.TimeoutExpired:
            pass
    out = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        def read(name):
            try:
                return (task / name).read_text(errors="replace").strip()
            except OSError:
                return "?"
        out.append(f"thread {task.name} {read('comm')}: {read('stat').split(') ')[-1][:1]}"
                   f" wchan {read('wchan')}\n{read('stack')}")
    return "\n".join(out)


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


class Daemon:
    """A real ryaxd in the foreground on ROOT/home, socket ROOT/ryaxd.sock,
    its output appended to ROOT/ryaxd.log across restarts."""

    def __init__(self, bins, root, config=""):
        self.bins = bins
        self.root = Path(root)
        self.home = self.root / "home"
        self.socket = self.root / "ryaxd.sock"
        self.log_path = self.root / "ryaxd.log"
        self.db = self.home / "ryax.db"
        self.proc = None
        self.home.mkdir(parents=True, exist_ok=True)
        if config:
            (self.home / "ryaxd.yaml").write_text(config)

    def env(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ("XDG_RUNTIME_DIR", "XDG_DATA_HOME", "RYAX_OUTPUT", "RYAX_CONFIG",
                            "RYAX_LISTEN", "RYAX_ENCRYPTION_KEY", "NO_COLOR", "RYAX_TOKEN",
                            "RYAX_PROJECT")}
        env.update({
            "RYAX_HOME": str(self.home),
            "RYAX_SOCKET": str(self.socket),
            "RYAX_NO_AUTOSTART": "1",
            "RYAX_HTTP_LISTEN": "127.0.0.1:0",
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        })
        return env

    def answers(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(str(self.socket))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def spawn(self):
        """Start ryaxd; return without waiting for it to answer."""
        log = open(self.log_path, "ab")
        log.write(f"\n=== soak: ryaxd started at {time.time():.3f}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [str(self.bins["ryaxd"]), "--foreground", "--log-level", "info"],
            env=self.env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self.proc

    def wait_answering(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"ryaxd exited with {self.proc.returncode} while starting; "
                              f"log:\n{self.log_tail()}")
            if self.answers():
                return
            time.sleep(0.01)
        raise Failure(f"ryaxd did not answer within {timeout} s; log:\n{self.log_tail()}")

    def start(self, timeout=120):
        self.spawn()
        self.wait_answering(timeout)

    def kill9(self, grace=15):
        """kill -9 ryaxd, reap it, and wait for what it had started (its
        wrappers die with it: PR_SET_PDEATHSIG). Returns "pid N: command
        line" of each process still alive after GRACE seconds, killed then."""
        under = set(descendants(self.proc.pid))
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        # Also what it started after the scan: whatever names this dir.
        under.update(mentioning(self.root))
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(alive(p) for p in under):
            time.sleep(0.02)
        left = {p: cmdline(p) for p in sorted(under) if alive(p)}
        for p, line in left.items():
            say(f"  still alive {grace} s after ryaxd was killed: pid {p}: {line}")
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        return [f"pid {p}: {line}" for p, line in left.items()]

    def stop(self, timeout=60):
        """SIGTERM and the exit code; None if it did not exit in TIMEOUT s
        (then it is killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def log_tail(self, lines=40):
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])

    def ryax(self, args, timeout=120):
        """Run `ryax ARGS`: (exit code, stdout, stderr, seconds). A timeout
        is exit code None, a binary that cannot be run -1."""
        started = time.monotonic()
        try:
            done = subprocess.run([str(self.bins["ryax"]), *args], env=self.env(),
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=timeout)
            return done.returncode, done.stdout, done.stderr, time.monotonic() - started
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else ""
            return None, out, f"timed out after {timeout} s", time.monotonic() - started
        except OSError as e:  # the binary is gone or being rebuilt
            return -1, "", f"cannot run {self.bins['ryax']}: {e}", time.monotonic() - started

    def require(self, args, timeout=600):
        code, out, err, _ = self.ryax(args, timeout)
        if code != 0:
            raise Failure(f"ryax {' '.join(args)}: exit {code}\n{out}{err}")
        return out

    # --- the database, read directly -----------------------------------

    @contextlib.contextmanager
    def connect(self, read_only=True):
        """A connection to ryax.db, closed at the end of the with block (a
        sqlite3 connection's own with block does not close it)."""
        mode = "ro" if read_only else "rw"
        db = sqlite3.connect(f"file:{self.db}?mode={mode}", uri=True, timeout=30)
        try:
            yield db
        finally:
            db.close()

    def integrity(self):
        """PRAGMA integrity_check of ryax.db: 'ok' or its complaints."""
        with self.connect() as db:
            rows = db.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(r[0] for r in rows)


def unsandboxed_config(bins):
    """The ryaxd.yaml that lets user code write outside its execution
    directory (site.sandbox: none), or "" for a ryaxd without a sandbox
    (it refuses the key)."""
    config = "site:\n  sandbox: none\n"
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(config)
        f.flush()
        done = subprocess.run([str(bins["ryaxd"]), "--check-config", f.name],
                              capture_output=True, text=True)
    return config if done.returncode == 0 else ""


def action_metadata(action_id, inputs, outputs):
    return (f'apiVersion: "ryax.tech/v2.0"\nkind: Processor\nspec:\n  id: {action_id}\n'
            f"  human_name: Action {action_id}\n  type: python3\n  version: \"1.0\"\n"
            + (f"  inputs:\n{inputs}" if inputs else "") + f"  outputs:\n{outputs}")


def make_action_repo(path, actions):
    """A git repository at PATH with one directory per action of ACTIONS
    ({id: (inputs YAML items, outputs YAML items, handler source)});
    returns its file:// URL."""
    path = Path(path)
    path.mkdir(parents=True)
    for action_id, (inputs, outputs, handler) in actions.items():
        d = path / action_id
        d.mkdir()
        (d / "ryax_metadata.yaml").write_text(action_metadata(action_id, inputs, outputs))
        (d / "ryax_handler.py").write_text(handler)
        (d / "requirements.txt").write_text("")
    git = ["git", "-C", str(path), "-c", "user.name=soak", "-c", "user.email=soak@localhost",
           "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "soak actions"]):
        subprocess.run(git + args, check=True, capture_output=True)
    return f"file://{path}"


def deploy(daemon, actions, workflows):
    """Add, scan and build ACTIONS, then push and deploy WORKFLOWS
    ({id: YAML text})."""
    url = make_action_repo(daemon.root / "actions", actions)
    daemon.require(["repo", "add", "actions", url])
    daemon.require(["repo", "scan", "actions", "--strict"])
    daemon.require(["action", "build", "--repo", "actions", "--all", "--wait"])
    for workflow_id, text in workflows.items():
        path = daemon.root / f"{workflow_id}.yaml"
        path.write_text(text)
        daemon.require(["workflow", "push", str(path), "--deploy"])


def percentile(values, p):
    """The P-th percentile (0-100) of VALUES, nearest rank; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def machine():
    """One line: cores, memory, OS."""
    cores = os.cpu_count()
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 1024 / 1024
    os_name = "?"
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return f"{cores} cores, {mem:.0f} GiB, {os_name}"


def dump_json(value):
    return json.dumps(value, indent=1, sort_keys=True)


def finish(failures, seed, root, keep):
    """The exit status of a soak: its failures listed (the dir kept), else
    ok (the dir removed unless `keep`)."""
    if failures:
        say(f"FAILED (seed {seed}, dir kept: {root}):")
        for f in failures:
            say(f"  - {f}")
        return 1
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    say("ok")
    return 0
