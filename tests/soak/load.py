#!/usr/bin/env python3
"""Load: CLIENTS concurrent clients for DURATION seconds, each looping over a
random mix of `ryax run --wait` (half), `ryax runs list` (three in ten) and
`ryax run` then `ryax logs -f` of that run (two in ten), against one real
ryaxd running a two-step python workflow. Records p50/p99 latency and errors
per kind of command; any error fails (a wrong result counts as one: a run not
done, logs -f missing lines).

A watchdog probes the daemon with `ryax runs list --limit 1` every second;
when a probe gets no answer within --stuck seconds (or three in a row fail)
the daemon is declared stuck: its thread stacks are dumped with gdb (to the
output and DIR/ryaxd-stacks.txt; without gdb, each thread's state from
/proc), it gets SIGABRT (a core where core dumps are on), every client is
stopped and the test fails. After the load, every run must end within 60 s
and ryaxd must stop on SIGTERM within 60 s.

--freeze-after S stops the daemon (SIGSTOP) S seconds in, and with
--expect-watchdog the test passes only if the watchdog caught it: the
watchdog's own test.

Usage: tests/soak/load.py --build build [--clients 50] [--duration 60]
       [--stuck 20] [--seed N] [--keep]
Exit 0 when all holds, 1 with the failures listed, 77 (skipped) without the
binaries.
"""

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import soak_lib
from soak_lib import Failure, say

TALK = """import time
def handle(r):
    for k in range(3):
        print('talk', r['n'], k + 1, 'of 3', flush=True)
        time.sleep(0.01)
    return {'y': r['n'] + 1}
"""

ACTIONS = {
    "talk": ("  - {name: n, human_name: N, help: h, type: integer}\n",
             "  - {name: y, human_name: Y, help: h, type: integer}\n", TALK),
}

WORKFLOW = """apiVersion: ryax.tech/v2.0
kind: Workflow
spec:
  id: load
  trigger:
    id: start
    from: manual
    outputs:
    - {name: n, type: integer}
  actions:
  - {id: t1, from: talk, inputs_values: {n: "{{ start.n }}"}}
  - {id: t2, from: talk, inputs_values: {n: "{{ t1.y }}"}}
  results:
  - {key: y, value: "{{ t2.y }}"}
"""

KINDS = ("run --wait", "runs list", "run", "logs -f")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)  # kind -> seconds of the successes
        self.errors = defaultdict(list)  # kind -> messages

    def ok(self, kind, seconds):
        with self.lock:
            self.latency[kind].append(seconds)

    def error(self, kind, message):
        with self.lock:
            self.errors[kind].append(message)


class Watchdog:
    """Probes ryaxd every second; declares it stuck as the docstring says."""

    def __init__(self, daemon, stuck_after, root, stop):
        self.daemon = daemon
        self.stuck_after = stuck_after
        self.root = root
        self.stop = stop  # set when the load must end
        self.fired = None  # why, once stuck
        self.fired_at = None  # time.monotonic() then
        self.probes = []
        self.frozen_at = None  # when --freeze-after stopped the daemon
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        failed_in_a_row = 0
        while not self.done.is_set():
            code, _, err, seconds = self.daemon.ryax(["runs", "list", "--limit", "1", "-o", "json"],
                                                     timeout=self.stuck_after)
            self.probes.append(seconds)
            if code is None:
                self.fire(f"ryaxd did not answer `ryax runs list` within {self.stuck_after} s")
                return
            failed_in_a_row = failed_in_a_row + 1 if code != 0 else 0
            if failed_in_a_row >= 3:
                self.fire(f"`ryax runs list` failed three times in a row (exit {code}: "
                          f"{err.strip()})")
                return
            self.done.wait(1)

    def fire(self, why):
        self.fired = why
        self.fired_at = time.monotonic()
        say(f"watchdog: {why}: ryaxd (pid {self.daemon.proc.pid}) is stuck")
        stacks = self.stacks()
        (self.root / "ryaxd-stacks.txt").write_text(stacks)
        lines = stacks.splitlines()
        say(f"watchdog: thread stacks of ryaxd ({self.root / 'ryaxd-stacks.txt'}):")
        say("\n".join(lines[:400]) + ("\n..." if len(lines) > 400 else ""))
        # A core where core dumps are enabled; SIGCONT in case it was stopped.
        self.daemon.proc.send_signal(signal.SIGABRT)
        self.daemon.proc.send_signal(signal.SIGCONT)
        try:
            self.daemon.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.daemon.proc.kill()
            self.daemon.proc.wait()
        self.stop.set()

    def stacks(self):
        return soak_lib.thread_stacks(self.daemon.proc.pid)


def client(daemon, stats, stop, rng, timeout):
    while not stop.is_set():
        pick = rng.random()
        n = rng.randrange(1000)
        if pick < 0.5:
            code, out, err, s = daemon.ryax(["run", "load", "--input", f"n={n}", "--wait", "-o",
                                             "json"], timeout)
            check(stats, "run --wait", code, err, s, lambda: run_done(out, n))
        elif pick < 0.8:
            code, out, err, s = daemon.ryax(["runs", "list", "--limit", "50", "-o", "json"],
                                            timeout)
            check(stats, "runs list", code, err, s, lambda: json.loads(out) and None)
        else:
            code, out, err, s = daemon.ryax(["run", "load", "--input", f"n={n}", "-o", "json"],
                                            timeout)
            if not check(stats, "run", code, err, s, lambda: None):
                continue
            run_id = json.loads(out)["id"]
            code, out, err, s = daemon.ryax(["logs", run_id, "-f"], timeout)
            check(stats, "logs -f", code, err, s, lambda: all_lines(out, run_id))


def check(stats, kind, code, err, seconds, verify):
    """Record one command: an error if it failed or VERIFY says why it is
    wrong; returns whether it was right."""
    if code is None:
        stats.error(kind, f"no answer in {seconds:.0f} s")
        return False
    if code != 0:
        stats.error(kind, f"exit {code}: {err.strip()[:300]}")
        return False
    try:
        wrong = verify()
    except (ValueError, KeyError, TypeError) as e:
        wrong = f"unreadable output: {e}"
    if wrong:
        stats.error(kind, wrong)
        return False
    stats.ok(kind, seconds)
    return True


def run_done(out, n):
    doc = json.loads(out)
    if doc["state"] != "done":
        return f"run {doc['id']} ended {doc['state']}"
    y = [r["value"] for r in doc.get("results", []) if r["key"] == "y"]
    if y != [n + 2]:
        return f"run {doc['id']}: result y {y}, expected {n + 2}"
    return None


def all_lines(out, run_id):
    lines = [line for line in out.splitlines() if "talk" in line and "of 3" in line]
    if len(lines) != 6:
        return f"logs -f {run_id}: {len(lines)} log lines, expected 6:\n{out[-500:]}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--stuck", type=float, default=20,
                        help="seconds without an answer to the probe: stuck")
    parser.add_argument("--timeout", type=float, default=180,
                        help="seconds a client command may take before it is an error")
    parser.add_argument("--freeze-after", type=float, default=None)
    parser.add_argument("--expect-watchdog", action="store_true")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    bins = soak_lib.binaries(args.build)
    if shutil.which("git") is None:
        soak_lib.skip("needs git")
    root = soak_lib.make_work_dir("ryax-load.")
    say(f"load: seed {seed}, {args.clients} clients, {args.duration:g} s, watchdog "
        f"{args.stuck:g} s, dir {root}")
    daemon = soak_lib.Daemon(bins, root)
    try:
        failures, watchdog = load(daemon, args, seed, root)
    except Failure as e:
        failures, watchdog = [str(e)], None
    finally:
        if daemon.proc is not None and daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()
    if args.expect_watchdog:
        if watchdog is None or not watchdog.fired:
            say("FAILED: the daemon was frozen and the watchdog did not catch it")
            return 1
        if watchdog.frozen_at is None or watchdog.fired_at < watchdog.frozen_at:
            say("FAILED: the watchdog fired before the daemon was frozen (too short --stuck?)")
            return 1
        say(f"ok: the watchdog caught the frozen daemon ({watchdog.fired})")
        shutil.rmtree(root, ignore_errors=True)
        return 0
    return soak_lib.finish(failures, seed, root, args.keep)


def load(daemon, args, seed, root):
    daemon.start()
    soak_lib.deploy(daemon, ACTIONS, {"load": WORKFLOW})
    stats = Stats()
    stop = threading.Event()
    watchdog = Watchdog(daemon, args.stuck, root, stop)
    watchdog.thread.start()
    threads = [threading.Thread(target=client, daemon=True,
                                args=(daemon, stats, stop, random.Random(seed + i), args.timeout))
               for i in range(args.clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    if args.freeze_after is not None:
        stop.wait(args.freeze_after)
        say(f"freezing ryaxd (SIGSTOP) {args.freeze_after:g} s in")
        watchdog.frozen_at = time.monotonic()
        daemon.proc.send_signal(signal.SIGSTOP)
    stop.wait(max(0.0, args.duration - (time.monotonic() - t0)))
    stop.set()
    # Each client ends its command; a stuck one is the watchdog's to catch.
    for t in threads:
        t.join(timeout=max(0.0, t0 + args.duration + args.timeout + 60 - time.monotonic()))
    hung = sum(1 for t in threads if t.is_alive())
    elapsed = time.monotonic() - t0
    failures = []
    if watchdog.fired:
        failures.append(f"watchdog: {watchdog.fired} (stacks in {root / 'ryaxd-stacks.txt'})")
    if hung:
        failures.append(f"{hung} clients still in a command {elapsed:.0f} s in")
    report(stats, elapsed, watchdog)
    for kind in KINDS:
        errors = stats.errors.get(kind, [])
        if errors and not watchdog.fired:
            failures.append(f"{kind}: {len(errors)} errors: " + "; ".join(errors[:5]))
    if watchdog.fired:
        return failures, watchdog
    # Every run ends, and the daemon stops when asked.
    deadline = time.monotonic() + 60
    going = None
    while time.monotonic() < deadline:
        code, out, err, _ = daemon.ryax(["runs", "list", "--limit", "10000", "-o", "json"], 60)
        if code == 0:
            going = [r["id"] for r in json.loads(out) if r["state"] not in soak_lib.FINAL_STATES]
            if not going:
                break
        time.sleep(0.5)
    watchdog.done.set()
    if going:
        failures.append(f"{len(going)} runs still going 60 s after the load: {going[:10]}")
    stopped = daemon.stop(60)
    if stopped is None:
        failures.append("ryaxd did not stop within 60 s of SIGTERM")
    elif stopped != 0:
        failures.append(f"ryaxd exited {stopped} on SIGTERM")
    if failures:
        say(f"ryaxd log (tail):\n{daemon.log_tail(40)}")
    return failures, watchdog


def report(stats, elapsed, watchdog):
    def ms(v):
        return "-" if v is None else f"{v * 1000:.0f}"
    say(f"{'kind':<12} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    total = 0
    for kind in KINDS + ("probe",):
        values = watchdog.probes if kind == "probe" else stats.latency.get(kind, [])
        errors = 0 if kind == "probe" else len(stats.errors.get(kind, []))
        total += len(values) if kind != "probe" else 0
        say(f"{kind:<12} {len(values):>6} {errors:>6} {ms(soak_lib.percentile(values, 50)):>8} "
            f"{ms(soak_lib.percentile(values, 99)):>8} {ms(max(values) if values else None):>8}")
    runs = len(stats.latency.get("run --wait", [])) + len(stats.latency.get("run", []))
    say(f"{total} commands in {elapsed:.1f} s: {total / elapsed:.1f} commands/s, "
        f"{runs / elapsed:.1f} runs started/s")


if __name__ == "__main__":
    sys.exit(main())
