#!/usr/bin/env python3
"""Crash soak: kill -9 of ryaxd at random points while runs are submitted and
executed, KILLS times over RUNS runs, then check that

  - no run is lost: every run `ryax run` acknowledged (printed its id) is in
    the database after the last restart;
  - no finished step runs again: each execution appends one line to a
    journal outside the data dir (tag of the run, step, branch); after each
    kill, with ryaxd and its wrappers gone, the steps recorded done in
    ryax.db are noted with their journal counts, and none of them may get
    another line later (the runner promises finished steps never run again;
    an interrupted step may, at-least-once);
  - PRAGMA integrity_check is ok on ryax.db after each crash and restart;
  - every run reaches a final state after the last restart, and it is done
    with all its steps (the actions never fail).

The workflow: a (mark) -> f (spread: a fan-out of 2) -> b (leaf, per branch):
4 executions a run, each sleeping 5-80 ms so kills land mid-step. The
actions write outside their execution directory: ryaxd runs them without a
sandbox (site.sandbox: none). A kill
comes after a random number of acknowledged runs (spread evenly over RUNS),
plus a random delay; one in five (--early) comes 0-400 ms after ryaxd was
started, while it recovers. The seed is printed: --seed replays the kill schedule
(the timing of the daemon is not replayable).

Usage: tests/soak/crash.py --build build [--kills 50] [--runs 1000]
       [--seed N] [--clients 3] [--backlog 30] [--cpus N]
       [--early 0.2] [--keep]
Exit 0 when every check holds, 1 with the failures listed, 77 (skipped)
without the binaries.
"""

import argparse
import json
import random
import shutil
import sys
import threading
import time
from collections import Counter

import soak_lib
from soak_lib import Failure, say

MARK = """import os, random, time
def handle(r):
    fd = os.open(r['journal'], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, ('%s %s - %d\\n' % (r['tag'], r['step'], os.getpid())).encode())
    finally:
        os.close(fd)
    time.sleep(random.uniform(0.005, 0.08))
    return {'tag': r['tag']}
"""

SPREAD = """import os, random, time
def handle(r):
    fd = os.open(r['journal'], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, ('%s f - %d\\n' % (r['tag'], os.getpid())).encode())
    finally:
        os.close(fd)
    time.sleep(random.uniform(0.005, 0.08))
    return [{'tag': r['tag'], 'i': i} for i in range(2)]
"""

LEAF = """import os, random, time
def handle(r):
    fd = os.open(r['journal'], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, ('%s b %d %d\\n' % (r['tag'], r['i'], os.getpid())).encode())
    finally:
        os.close(fd)
    time.sleep(random.uniform(0.005, 0.08))
    return {'tag': r['tag']}
"""

STRING = "string"


def io(*names):
    return "".join(f"  - {{name: {n}, human_name: {n}, help: h, type: {t}}}\n" for n, t in names)


ACTIONS = {
    "mark": (io(("tag", STRING), ("step", STRING), ("journal", STRING)), io(("tag", STRING)), MARK),
    "spread": (io(("tag", STRING), ("journal", STRING)),
               io(("tag", STRING), ("i", "integer")), SPREAD),
    "leaf": (io(("tag", STRING), ("i", "integer"), ("journal", STRING)), io(("tag", STRING)),
             LEAF),
}

# Executions of one run: (step, branch) as run_steps has them.
STEPS = [("a", ""), ("f", ""), ("b", "0"), ("b", "1")]


def workflow(journal):
    return f"""apiVersion: ryax.tech/v2.0
kind: Workflow
spec:
  id: soak
  trigger:
    id: start
    from: manual
    outputs:
    - {{name: tag, type: string}}
  actions:
  - {{id: a, from: mark, inputs_values: {{tag: "{{{{ start.tag }}}}", step: a, journal: {journal}}}}}
  - {{id: f, from: spread, inputs_values: {{tag: "{{{{ a.tag }}}}", journal: {journal}}}}}
  - {{id: b, from: leaf, inputs_values: {{tag: "{{{{ f.tag }}}}", i: "{{{{ f.i }}}}", journal: {journal}}}}}
"""


def journal_counts(path):
    """Lines of the journal per (tag, step, branch)."""
    counts = Counter()
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 4:
                    counts[(parts[0], parts[1], "" if parts[2] == "-" else parts[2])] += 1
    except FileNotFoundError:
        pass
    return counts


def executions(path):
    """Lines in the journal so far: executions started."""
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def tag_of(trigger_values):
    """The tag in a run's stored trigger values (JSON, its shape not ours to
    know: the first string value of a "tag" key, anywhere)."""
    def walk(v):
        if isinstance(v, dict):
            if isinstance(v.get("tag"), str):
                return v["tag"]
            if v.get("name") == "tag" or v.get("key") == "tag":
                for k in ("value", "string"):
                    if isinstance(v.get(k), str):
                        return v[k]
            for x in v.values():
                found = walk(x)
                if found:
                    return found
        if isinstance(v, list):
            for x in v:
                found = walk(x)
                if found:
                    return found
        return None
    return walk(json.loads(trigger_values or "{}"))


def read_runs(daemon):
    """{run id: (tag, state, error)} and the done steps {(tag, step, branch)}."""
    with daemon.connect() as db:
        runs = {rid: (tag_of(tv), state, err) for rid, tv, state, err in
                db.execute("SELECT id, trigger_values, state, error FROM runs")}
        done = set()
        for rid, step, branch in db.execute(
                "SELECT run_id, step, branch FROM run_steps WHERE state = 'done'"
                " AND step IN ('a', 'f', 'b')"):  # not the trigger
            done.add((runs[rid][0], step, branch))
    return runs, done


class Submitters:
    """CLIENTS threads running `ryax run soak --input tag=...` until RUNS were
    acknowledged; a call that fails (the daemon was killed under it, or is
    down) is not retried under the same tag."""

    def __init__(self, daemon, runs, clients, backlog, journal):
        self.daemon = daemon
        self.backlog = backlog
        self.journal = journal
        self.target = runs
        self.lock = threading.Lock()
        self.next = 0
        self.acked = {}  # tag -> run id
        self.failed = Counter()  # exit code -> count
        self.failed_tags = []
        self.odd = []  # failures that are not "ryaxd is unavailable"
        self.inflight = {}  # thread name -> (tag, time.monotonic() at the call)
        self.threads = [threading.Thread(target=self.loop, daemon=True) for _ in range(clients)]

    def acknowledged(self):
        with self.lock:
            return len(self.acked)

    def loop(self):
        while True:
            # Keep at most `backlog` runs waiting: kills then land while
            # steps run and finish, not only while runs are created.
            if self.acknowledged() - executions(self.journal) / len(STEPS) > self.backlog:
                time.sleep(0.02)
                continue
            with self.lock:
                if len(self.acked) >= self.target:
                    return
                tag = f"t{self.next:05d}"
                self.next += 1
                self.inflight[threading.current_thread().name] = (tag, time.monotonic())
            code, out, err, _ = self.daemon.ryax(["run", "soak", "--input", f"tag={tag}", "-o",
                                                  "json"], timeout=60)
            with self.lock:
                del self.inflight[threading.current_thread().name]
                if code == 0:
                    self.acked[tag] = json.loads(out)["id"]
                    continue
                self.failed[code] += 1
                self.failed_tags.append(tag)
                if code != 7:
                    self.odd.append(f"{tag}: exit {code}: {err.strip()}")
            time.sleep(0.02)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True, help="build dir with ryax, ryaxd, ryax-wrapper")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=3, help="threads submitting runs")
    parser.add_argument("--backlog", type=int, default=30,
                        help="at most this many runs submitted and not yet executed")
    parser.add_argument("--early", type=float, default=0.2,
                        help="fraction of the kills that come 0-400 ms after ryaxd was started")
    parser.add_argument("--cpus", type=int, default=0,
                        help="cpus of the local pool (and run_concurrency); default: the machine's")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--settle", type=float, default=300,
                        help="seconds the runs have to end after the last restart")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    bins = soak_lib.binaries(args.build)
    if shutil.which("git") is None:
        soak_lib.skip("needs git")
    root = soak_lib.make_work_dir("ryax-crash-soak.")
    say(f"crash soak: seed {seed} (replay: --seed {seed}), {args.kills} kills, "
        f"{args.runs} runs, dir {root}")
    # The journal is outside the data dir, where a sandbox keeps user code
    # from writing: the soak is about the runner, so no sandbox.
    config = soak_lib.unsandboxed_config(bins)
    if args.cpus:
        # More executions at once than the machine's cores: more in flight
        # at each kill.
        config = (config or "site:\n") + (f"  node_pools:\n  - {{name: default, cpu: {args.cpus}, "
                                          f"memory: 8G}}\nrun_concurrency: {args.cpus}\n")
    daemon = soak_lib.Daemon(soak_lib.stage(bins, root), root, config)
    failures = []
    started = time.monotonic()
    try:
        failures = soak(daemon, args, rng, root / "journal.txt")
    except Failure as e:
        failures = [str(e)]
    finally:
        daemon.stop()
    say(f"time: {time.monotonic() - started:.1f} s")
    return soak_lib.finish(failures, seed, root, args.keep)


def soak(daemon, args, rng, journal):
    daemon.start()
    soak_lib.deploy(daemon, ACTIONS, {"soak": workflow(journal)})
    failures = []
    # (kill number, done steps then, journal counts then)
    snapshots = []
    integrity = []
    orphans = []  # "kill N: pid: command line" of each
    submitters = Submitters(daemon, args.runs, args.clients, args.backlog, journal)
    t0 = time.monotonic()
    for t in submitters.threads:
        t.start()
    early = False
    for k in range(args.kills):
        if early:
            how = "while starting"
            time.sleep(rng.uniform(0, 0.4))
        else:
            # Kills spread evenly over the executions of the whole load.
            total = args.runs * len(STEPS)
            target = rng.randint(k * total // args.kills, (k + 1) * total // args.kills)
            deadline = time.monotonic() + 60
            while executions(journal) < target and time.monotonic() < deadline:
                time.sleep(0.005)
            if executions(journal) < target:
                _, done_now = read_runs(daemon)
                with submitters.lock:
                    now = time.monotonic()
                    say("no progress: submissions in flight: " + ", ".join(
                        f"{tag} for {now - t:.1f} s" for tag, t in submitters.inflight.values()))
                stacks = soak_lib.thread_stacks(daemon.proc.pid)
                (daemon.root / "ryaxd-stacks.txt").write_text(stacks)
                say(f"no progress: thread stacks of ryaxd ({daemon.root / 'ryaxd-stacks.txt'}):\n"
                    + "\n".join(stacks.splitlines()[:300]))
                raise Failure(f"kill {k + 1}: only {executions(journal)} executions journaled in "
                              f"60 s (waiting for {target}) while {len(done_now)} steps are done "
                              f"in ryax.db (can the actions write {journal}?); log:\n"
                              f"{daemon.log_tail()}")
            time.sleep(rng.uniform(0, 0.3))
            how = f"after {submitters.acknowledged()} runs"
        left = daemon.kill9()
        orphans += [f"kill {k + 1}: {line}" for line in left]
        with daemon.connect(read_only=False) as db:
            check = "\n".join(r[0] for r in db.execute("PRAGMA integrity_check"))
        runs, done = read_runs(daemon)
        counts = journal_counts(journal)
        snapshots.append((k + 1, done, counts))
        integrity.append(check)
        say(f"kill {k + 1}/{args.kills} {how}: {len(runs)} runs, {len(done)} steps done, "
            f"{sum(counts.values())} executions, integrity {check}"
            + (f", {len(left)} processes outlived ryaxd" if left else ""))
        daemon.spawn()
        # One kill in five comes while ryaxd starts and recovers.
        early = k + 1 < args.kills and rng.random() < args.early
        if not early:
            daemon.wait_answering(120)
            after = daemon.integrity()
            integrity.append(after)
    daemon.wait_answering(120)
    for t in submitters.threads:
        t.join(timeout=600)
    load_time = time.monotonic() - t0
    # Every run ends.
    deadline = time.monotonic() + args.settle
    while time.monotonic() < deadline:
        runs, _ = read_runs(daemon)
        if len(runs) >= args.runs and all(s in soak_lib.FINAL_STATES for _, s, _ in runs.values()):
            break
        time.sleep(0.5)
    settle_time = time.monotonic() - t0 - load_time
    runs, done = read_runs(daemon)
    integrity.append(daemon.integrity())
    counts = journal_counts(journal)
    shown = daemon.require(["runs", "list", "--limit", "10000", "-o", "json"], timeout=120)
    shown_states = {r["id"]: r["state"] for r in json.loads(shown)}

    by_tag = {tag: rid for rid, (tag, _, _) in runs.items()}
    lost = [f"{tag} ({rid})" for tag, rid in submitters.acked.items() if by_tag.get(tag) != rid]
    going = [f"{rid} {tag}: {state}" for rid, (tag, state, _) in runs.items()
             if state not in soak_lib.FINAL_STATES]
    not_done = [f"{rid} {tag}: {state} {err}" for rid, (tag, state, err) in runs.items()
                if state in soak_lib.FINAL_STATES and state != "done"]
    disagree = [f"{rid}: database {runs[rid][1]}, ryax runs list {shown_states.get(rid)}"
                for rid in runs if shown_states.get(rid) != runs[rid][1]]
    missing_steps = [f"{tag} {step}[{branch}]" for _, (tag, state, _) in runs.items()
                     if state == "done" for step, branch in STEPS
                     if (tag, step, branch) not in done]
    never_ran = [f"{tag} {step}[{branch}]" for tag, step, branch in done
                 if counts[(tag, step, branch)] == 0]
    rerun = []
    for k, done_then, counts_then in snapshots:
        for key in done_then:
            if counts[key] > counts_then[key]:
                rerun.append(f"{key[0]} {key[1]}[{key[2]}]: done at kill {k} after "
                             f"{counts_then[key]} execution(s), {counts[key]} now")
    bad_integrity = [c for c in integrity if c != "ok"]
    extra = sum(counts.values()) - len(done)
    unacked_made = sum(1 for tag in submitters.failed_tags if tag in by_tag)

    say(f"runs acknowledged {len(submitters.acked)}, in the database {len(runs)} "
        f"({unacked_made} of {len(submitters.failed_tags)} unacknowledged submissions made a run)")
    say(f"failed submissions by exit code: {dict(submitters.failed)}")
    say(f"kills {len(snapshots)}, lost {len(lost)}, finished steps re-run {len(rerun)}, "
        f"integrity checks {len(integrity)} ({len(bad_integrity)} not ok), not final "
        f"{len(going)}, final but not done {len(not_done)}")
    say(f"executions {sum(counts.values())} for {len(done)} steps done: {extra} interrupted "
        f"steps ran again (at-least-once)" + (f"; {len(orphans)} processes outlived ryaxd"
                                              if orphans else ""))
    say(f"load with kills {load_time:.1f} s, then all runs final in {settle_time:.1f} s")

    def report(name, items):
        if items:
            failures.append(f"{name}: {len(items)}: " + "; ".join(items[:10])
                            + (" ..." if len(items) > 10 else ""))

    report("lost runs", lost)
    report("finished steps that ran again", rerun)
    report("runs not final", going)
    report("runs final but not done", not_done)
    report("runs listed in another state than stored", disagree)
    report("done runs missing a done step", missing_steps)
    report("steps done that never ran (the journal misses them)", never_ran)
    report("integrity_check not ok", bad_integrity)
    report("submissions failing otherwise than unavailable (exit 7)", submitters.odd)
    report("processes that outlived a killed ryaxd by 15 s (orphans)", orphans)
    if len(submitters.acked) < args.runs:
        failures.append(f"only {len(submitters.acked)} of {args.runs} runs acknowledged")
    if failures:
        say(f"ryaxd log (tail):\n{daemon.log_tail(60)}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
