#!/usr/bin/env python3
"""Kill harness for the output commit (runtime/commit.h): runs top_terms under mpirun on 2 ranks,
kills one rank (SIGKILL) at a random moment of map, shuffle or commit — renames slowed by the
LD_PRELOAD shim so that the commit window is hit often — and checks after every trial:
  1. dest holds exactly the old committed output or the new one, as a reader that follows
     _SUCCESS sees it (every listed file present with its size, the data equal to a clean run's);
  2. the input archive and a foreign file beside dest are untouched;
  3. a rerun of the same command succeeds (in --mode error: unless the killed run had already
     committed, when the rerun must refuse with "output exists" and change nothing), and after it
     dest holds _SUCCESS and the files it lists, nothing else — except, when the refused rerun
     leaves the killed run's garbage in place, an empty _temporary folder (see
     post_commit_garbage), which the next --mode overwrite run must then remove.
Also runs rounds of 2 and 3 concurrent jobs on one dest: of the jobs that overlap exactly one
commits; every other fails with a clear message, and no mixture is ever visible.

Usage: commit_kill_test.py --bin DIR --shim LIB [--trials N] [--rounds N] [--seed S]
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

OLD_WHAT, NEW_WHAT = "mentions", "hashtags"


def mpirun(args, bin_dir, env_extra=None, ranks=2):
    env = dict(os.environ)
    env.update(env_extra or {})
    cmd = ["mpirun", "-n", str(ranks), "--oversubscribe"]
    for k in sorted(env_extra or {}):
        cmd += ["-x", k]
    cmd += [os.path.join(bin_dir, "top_terms")] + args
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def job_args(src, dest, what, mode):
    return ["--src", src, "--dest", dest, "--what", what, "--mode", mode, "--top", "3"]


def run_clean(args, bin_dir):
    p = mpirun(args, bin_dir)
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err


def committed_data(dest):
    """What a manifest-following reader sees: None without _SUCCESS, else the data (contents of
    the listed files, by logical name). Fails the test if a listed file is missing or short."""
    marker = os.path.join(dest, "_SUCCESS")
    if not os.path.exists(marker):
        return None, None
    with open(marker) as f:
        manifest = json.load(f)
    data = []
    for entry in sorted(manifest["files"], key=lambda e: e["name"]):
        path = os.path.join(dest, entry["file"])
        if not os.path.isfile(path):
            raise AssertionError(f"{marker} lists {entry['file']}, which is missing")
        with open(path, "rb") as f:
            body = f.read()
        if len(body) != entry["bytes"]:
            raise AssertionError(f"{path}: {len(body)} bytes, manifest says {entry['bytes']}")
        data.append((entry["name"], hashlib.sha256(body).hexdigest()))
    return data, manifest


def exact_listing(dest):
    """True if dest holds _SUCCESS and the files it lists, nothing else (hidden names included)."""
    with open(os.path.join(dest, "_SUCCESS")) as f:
        listed = {e["file"] for e in json.load(f)["files"]}
    present = set()
    for root, dirs, files in os.walk(dest):
        for name in files + [d for d in dirs if not os.listdir(os.path.join(root, d))]:
            present.add(os.path.relpath(os.path.join(root, name), dest))
    return present == listed | {"_SUCCESS"}, sorted(present - listed - {"_SUCCESS"})


def tree_listing(path):
    """Every entry below path (relative name, folder or size): what "changes nothing" compares."""
    entries = []
    for root, dirs, files in os.walk(path):
        for name in dirs:
            entries.append((os.path.relpath(os.path.join(root, name), path), "folder"))
        for name in files:
            full = os.path.join(root, name)
            entries.append((os.path.relpath(full, path), os.path.getsize(full)))
    return sorted(entries)


def post_commit_garbage(extra):
    """True if `extra` (exact_listing's names beyond _SUCCESS and its files) is only the empty
    _temporary folder that a kill after the commit point leaves in --mode error: rank 0 renames
    _SUCCESS into place (the commit point), and only then removes the emptied dest/_temporary.
    A SIGKILL of rank 0 in between, or of rank 1 with mpirun's SIGTERM reaching rank 0 then (on a
    loaded machine rank 0 can wait tens of ms for a CPU right after the rename), leaves the folder;
    a refused rerun rightly changes nothing. It holds no data, readers skip "_" names, and the next
    committing run removes it. A file in it would be listed as "_temporary/NAME" and still fail."""
    return extra == ["_temporary"]


def tree_digest(path):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(path)):
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as f:
                h.update(name.encode() + f.read())
    return h.hexdigest()


def describe_session(sid):
    """ps lines (state, kernel wait channel) and kernel stacks of a session's processes."""
    ps = subprocess.run(["ps", "-s", str(sid), "-o", "pid,ppid,stat,wchan:32,etime,args"],
                        capture_output=True, text=True).stdout
    stacks = []
    for line in ps.splitlines()[1:]:
        pid = line.split()[0]
        try:
            with open(f"/proc/{pid}/stack") as f:
                stacks.append(f"[{pid}] " + " < ".join(l.split()[-1] for l in f.readlines()[:6]))
        except OSError:
            pass
    return ps + "\n".join(stacks)


def has_open_file_under(pid, folder):
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(folder + "/"):
                return True
        except OSError:
            pass
    return False


def rank_pids(mpirun_pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(mpirun_pid)], capture_output=True, text=True)
    except FileNotFoundError:
        return []
    return [int(p) for p in out.stdout.split()]


class Failures(list):
    """A list of failure lines that also prints each one as it is added (long runs)."""

    def append(self, line):
        print("FAIL:", line, flush=True)
        super().append(line)


def kill_trials(mode, trials, rng, bin_dir, shim, work, corpus, refs):
    """Returns (trials run, kills that landed, list of failures)."""
    failures, landed, outcomes = Failures(), 0, {}
    shim_env = {"LD_PRELOAD": shim, "RANKFLOW_SHIM_RENAME_DELAY_MS": "60"}
    # How long a slowed run takes, to spread the kills over it.
    dest = os.path.join(work, f"calibrate-{mode}")
    t0 = time.monotonic()
    p = mpirun(job_args(corpus, dest, NEW_WHAT, "overwrite"), bin_dir, shim_env)
    p.communicate(timeout=120)
    span = time.monotonic() - t0
    shutil.rmtree(dest, ignore_errors=True)
    foreign = os.path.join(work, "beside-dest.txt")
    for trial in range(trials):
        dest = os.path.join(work, f"{mode}-{trial}")
        if mode == "overwrite":
            shutil.copytree(refs["old_dir"], dest)
        old_data = refs["old"] if mode == "overwrite" else None
        p = mpirun(job_args(corpus, dest, NEW_WHAT, mode), bin_dir, shim_env)
        delay = rng.uniform(0.05, span * 1.1)
        # Kill only once the job is past MPI start-up (a rank has opened an input file): Open MPI
        # 4.1's mpirun can hang for good (futex wait, one zombie child) when a rank dies inside
        # MPI_Init — 4 of 800 kills at 0.08-0.15 s did that here. Start-up is not a phase of the
        # job under test; map, shuffle and commit are.
        deadline, started = time.monotonic() + delay, False
        while (time.monotonic() < deadline or not started) and p.poll() is None:
            started = started or any(has_open_file_under(pid, corpus)
                                     for pid in rank_pids(p.pid))
            time.sleep(0.005)
            if time.monotonic() > deadline + 10:
                break
        pids = rank_pids(p.pid)
        victim = rng.choice(pids) if pids else None
        if victim is not None:
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                victim = None
        try:
            p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            failures.append(f"{mode} trial {trial}: the job did not end within 60 s of the kill "
                            f"at {delay:.2f}s:\n{describe_session(p.pid)}")
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
        killed = victim is not None and p.returncode != 0
        landed += killed
        where = f"{mode} trial {trial} (kill at {delay:.2f}s of {span:.2f}s, rc {p.returncode})"
        try:
            data, _ = committed_data(dest)
        except AssertionError as e:
            failures.append(f"{where}: {e}")
            continue
        outcome = "new" if data == refs["new"] else "old" if data == old_data else "mixed"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if data not in (old_data, refs["new"]):
            failures.append(f"{where}: dest holds neither the old nor the new output")
        if p.returncode == 0 and data != refs["new"]:
            failures.append(f"{where}: exit 0 without the new output committed")
        if tree_digest(corpus) != refs["corpus"]:
            failures.append(f"{where}: the input archive changed")
        if not os.path.exists(foreign):
            failures.append(f"{where}: a foreign file beside dest was deleted")
        # The same command again, without kills or slow renames.
        refused = mode == "error" and data == refs["new"]
        before = tree_listing(dest) if refused else None
        rc, out, err = run_clean(job_args(corpus, dest, NEW_WHAT, mode), bin_dir)
        if refused:
            if rc == 0 or "output exists" not in err:
                failures.append(f"{where}: rerun over a committed output: rc {rc}: {err.strip()}")
            elif tree_listing(dest) != before:
                failures.append(f"{where}: the refused rerun changed dest")
        elif rc != 0:
            failures.append(f"{where}: rerun failed: {err.strip()}")
        try:
            data, _ = committed_data(dest)
            ok, extra = exact_listing(dest)
            if not ok and refused and post_commit_garbage(extra):
                # Killed after its commit point: the next committing run must tidy up.
                outcomes["new, _temporary left"] = outcomes.get("new, _temporary left", 0) + 1
                rc, out, err = run_clean(job_args(corpus, dest, NEW_WHAT, "overwrite"), bin_dir)
                if rc != 0:
                    failures.append(f"{where}: overwrite after the refused rerun failed: "
                                    f"{err.strip()}")
                data, _ = committed_data(dest)
                ok, extra = exact_listing(dest)
        except (AssertionError, OSError) as e:
            failures.append(f"{where}: after the rerun: {e}")
            continue
        if data != refs["new"]:
            failures.append(f"{where}: after the rerun dest does not hold the new output")
        if not ok:
            failures.append(f"{where}: after the rerun dest also holds {extra}")
        shutil.rmtree(dest, ignore_errors=True)
    return landed, outcomes, failures


def failed_renames(bin_dir, shim, work, corpus, refs):
    """The last steps failing instead of a kill: rename(2) of _SUCCESS fails on rank 0, or the
    rename of one part fails on rank 1. The old output stays whole and nothing is left behind."""
    failures = Failures()
    for target, rank in (("_SUCCESS", "0"), ("part-00001", "1")):
        for mode in ("overwrite", "error"):
            dest = os.path.join(work, f"failed-rename-{target}-{mode}")
            if mode == "overwrite":
                shutil.copytree(refs["old_dir"], dest)
            env = {"LD_PRELOAD": shim, "RANKFLOW_SHIM_RENAME_FAIL": target,
                   "RANKFLOW_SHIM_RANK": rank}
            p = mpirun(job_args(corpus, dest, NEW_WHAT, mode), bin_dir, env)
            _, err = p.communicate(timeout=120)
            where = f"rename of {target} failing on rank {rank}, --mode {mode}"
            if p.returncode == 0 or "input/output error" not in err:
                failures.append(f"{where}: rc {p.returncode}: {err.strip()}")
            if mode == "overwrite":
                data, _ = committed_data(dest)
                ok, extra = exact_listing(dest)
                if data != refs["old"] or not ok:
                    failures.append(f"{where}: the old output is not whole ({extra})")
            elif os.path.exists(dest) and os.listdir(dest):
                failures.append(f"{where}: left {sorted(os.listdir(dest))}")
            shutil.rmtree(dest, ignore_errors=True)
    return failures


def concurrent_rounds(jobs, rounds, mode, bin_dir, shim, work, corpus, refs):
    failures, winners_per_round = Failures(), []
    whats = ["hashtags", "mentions", "words"][:jobs]
    env = {"LD_PRELOAD": shim, "RANKFLOW_SHIM_RENAME_DELAY_MS": "40"}
    for r in range(rounds):
        dest = os.path.join(work, f"race-{mode}-{jobs}-{r}")
        procs = [mpirun(job_args(corpus, dest, w, mode), bin_dir, env) for w in whats]
        results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        where = f"{jobs} concurrent jobs, {mode}, round {r}"
        winners = [w for w, (_, _, rc) in zip(whats, results) if rc == 0]
        winners_per_round.append(len(winners))
        for w, (_, err, rc) in zip(whats, results):
            if rc != 0 and not any(m in err for m in ("another job committed", "output exists")):
                failures.append(f"{where}: {w} failed without a clear reason: {err.strip()}")
        try:
            data, manifest = committed_data(dest)
            ok, extra = exact_listing(dest)
        except (AssertionError, OSError) as e:
            failures.append(f"{where}: {e}")
            continue
        if mode == "error" and len(winners) != 1:
            failures.append(f"{where}: {len(winners)} jobs committed in --mode error")
        if not winners or manifest["arguments"]["what"] not in winners:
            failures.append(f"{where}: _SUCCESS is not a winner's ({winners})")
        elif data != refs[manifest["arguments"]["what"]]:
            failures.append(f"{where}: the committed data is not its job's output")
        if not ok:
            failures.append(f"{where}: dest also holds {extra}")
        shutil.rmtree(dest, ignore_errors=True)
    return winners_per_round, failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--trials", type=int, default=10, help="kill trials per mode")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per concurrency case")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="rankflow-kill-")
    try:
        corpus = os.path.join(work, "archive")
        subprocess.run([os.path.join(a.bin, "tweetgen"), "--dest", corpus, "--files", "8",
                        "--mb", "24"], check=True, stdout=subprocess.DEVNULL)
        refs = {"corpus": tree_digest(corpus)}
        for what in ("hashtags", "mentions", "words"):
            d = os.path.join(work, f"ref-{what}")
            rc, _, err = run_clean(job_args(corpus, d, what, "error"), a.bin)
            if rc != 0:
                sys.exit(f"reference run failed: {err}")
            refs[what] = committed_data(d)[0]
        refs["old"], refs["new"] = refs[OLD_WHAT], refs[NEW_WHAT]
        refs["old_dir"] = os.path.join(work, f"ref-{OLD_WHAT}")
        with open(os.path.join(work, "beside-dest.txt"), "w") as f:
            f.write("not rankflow's")
        failures = []
        for mode in ("overwrite", "error"):
            landed, outcomes, f = kill_trials(mode, a.trials, rng, a.bin, a.shim, work, corpus,
                                              refs)
            print(f"kill trials, --mode {mode}: {a.trials} trials, {landed} kills landed "
                  f"before the job ended; dest after the kill: {outcomes}; {len(f)} failures")
            failures += f
        f = failed_renames(a.bin, a.shim, work, corpus, refs)
        print(f"failing renames of _SUCCESS and of a part: {len(f)} failures")
        failures += f
        for jobs in (2, 3):
            for mode in ("error", "overwrite"):
                won, f = concurrent_rounds(jobs, a.rounds, mode, a.bin, a.shim, work, corpus,
                                           refs)
                print(f"{jobs} concurrent jobs, --mode {mode}: {a.rounds} rounds, jobs that "
                      f"committed per round {won}, {len(f)} failures")
                failures += f
        print(f"seed {a.seed}: {'FAILED' if failures else 'ok'}")
        sys.exit(1 if failures else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
