#!/usr/bin/env python3
"""The observer and executioner of crash_test.sh, one process for the whole
run (Python starts slowly on a busy machine).
Usage: crash_test_monitor.py WORK CA_DIR

- While WORK/url names a running CA's log, saves every distinct checkpoint it
  serves as WORK/checkpoints/t<trial>-<n>, <trial> read from WORK/trial.
- When WORK/kill appears, holding a moment, writes WORK/armed and sends
  SIGKILL to the `mtc ca serve` process in WORK/serve.pid at that moment:
    now, starting
               at once;
    reconciling
               as soon as the CA, starting, writes in its log's directory:
               reconciling its tiles and checkpoint with the committed head
               (docs/design.md §5 step 4), it republishes a checkpoint that
               lags;
    staging    as soon as a commit writes in the entry bundles' directory
               (step 1 of the commit protocol);
    staged     as soon as a commit renames a new entry bundle into place
               (the end of step 1, before the commit point);
    committed  as soon as the state store's write-ahead log is written (the
               compare-and-swap of step 2, the commit point), before the
               checkpoint is published;
    published  as soon as a new checkpoint is published (step 3), while
               the CA signs the subtrees and answers the requests;
  (each waits at most 1 s for its moment). It waits for the CA directory's
  lock (the flock `mtc ca serve` and `mtc ca issue` take) from before the
  kill (from just after it for a CA that may not hold it yet: starting,
  reconciling), so it gets the lock as the CA exits, ahead of the `mtc ca
  issue` processes that first have to see their requests fail before they
  open the directory themselves. Under the lock, so that nothing commits
  meanwhile, it writes to WORK/killed-state "<moment> <state>", where the
  kill left the commit protocol (docs/design.md §5):
    staging    temporary files in the tiles, new since the last kill, and
               no new entry bundle beyond the committed head: a commit
               stopped while writing (step 1);
    staged     entry bundles beyond the committed head, new since the last
               kill: a commit stopped after writing them, before its commit
               point;
    committed  the head (state.db) is ahead of the published checkpoint: a
               commit stopped after its commit point;
    published  between commits;
    busy       the lock did not come within 5 s.
  After "committed" it keeps the lock, so that the `mtc ca issue` processes
  whose requests failed cannot open the directory and republish the
  checkpoint: the CA's own restart must, and the test can kill it then.
- When WORK/release appears, lets go of a lock it kept and writes
  WORK/released.
- Ends once WORK/done exists, or after 300 s.
"""
import fcntl
import os
import signal
import sqlite3
import sys
import threading
import time
import urllib.request

work, ca = sys.argv[1:3]
log = os.path.join(ca, "logs", "1")
entries_dir = os.path.join(log, "tile", "entries")
checkpoint_file = os.path.join(log, "checkpoint")


def path(name):
    return os.path.join(work, name)


def read(name):
    with open(path(name)) as f:
        return f.read().strip()


def write(name, text):
    with open(path(name) + ".tmp", "w") as f:
        f.write(text + "\n")
    os.rename(path(name) + ".tmp", path(name))


def bundles_beyond(head):
    """The entry bundles beyond a tree of size `head`, and the temporary
    files of unfinished writes. C2SP tlog-tiles §Log entries:
    tile/entries/<N> or <N>.p/<width>, N written in x-prefixed groups of
    three digits."""
    beyond, temporary = set(), set()
    for dirpath, _, files in os.walk(os.path.join(log, "tile")):
        for name in files:
            if not name.lstrip("x").isdigit():
                temporary.add(os.path.join(dirpath, name))
    for dirpath, _, files in os.walk(entries_dir):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), entries_dir)
            parts = rel.split("/")
            if not all(p.lstrip("x").removesuffix(".p").isdigit()
                       for p in parts):
                continue
            width = 256
            if len(parts) > 1 and parts[-2].endswith(".p"):
                width, parts = int(parts[-1]), parts[:-2] + [parts[-2][:-2]]
            index = int("".join(p.lstrip("x") for p in parts))
            if index * 256 + width > head:
                beyond.add(rel)
    return beyond, temporary


def versions(paths):
    """Identifies the versions of files and directories: a rename replaces
    the inode; a write or a new directory entry changes the mtime."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((st.st_ino, st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return out


def bundles(dirs):
    """The entry bundles (names of digits) and partial bundle directories in
    `dirs`."""
    out = set()
    for d in dirs:
        try:
            out.update(os.path.join(d, n) for n in os.listdir(d)
                       if n.removesuffix(".p").isdigit())
        except FileNotFoundError:
            pass
    return out


def wait_for_change(observe):
    """Says it is armed (WORK/armed) once it knows what it watches, then
    waits for a change, at most 1 s."""
    before = observe()
    write("armed", "")
    limit = time.monotonic() + 1
    while observe() == before and time.monotonic() < limit:
        time.sleep(0.0005)


def bundle_dirs():
    """Where the next commit renames its first entry bundle: the directory
    of the partial bundle of the published size (tlog-tiles: N as three
    digits below 1000), or tile/entries itself when that bundle is new."""
    try:
        with open(checkpoint_file) as f:
            size = int(f.read().split("\n")[1])
    except (OSError, ValueError, IndexError):
        return [entries_dir]
    n = size // 256
    if n >= 1000:
        return [entries_dir]
    return [entries_dir, os.path.join(entries_dir, "%03d.p" % n)]


seen_beyond, seen_temporary = set(), set()


kept_lock = None


def kill_and_inspect(mode):
    global seen_beyond, seen_temporary, kept_lock
    lock = open(os.path.join(ca, "lock"), "a")
    # A thread blocks in flock for the lock, which the running CA holds,
    # before the kill; a CA that is starting may not hold it yet, so then
    # the thread starts after the kill.
    locked = threading.Thread(target=fcntl.flock, args=(lock, fcntl.LOCK_EX),
                              daemon=True)
    running = mode not in ("starting", "reconciling")
    if running:
        locked.start()
    if mode == "reconciling":
        wait_for_change(lambda: versions([log]))
    elif mode == "staging":
        dirs = bundle_dirs()
        wait_for_change(lambda: versions(dirs))
    elif mode == "staged":
        dirs = bundle_dirs()
        wait_for_change(lambda: bundles(dirs))
    elif mode == "committed":
        wal = [os.path.join(ca, "state.db-wal")]
        wait_for_change(lambda: versions(wal))
    elif mode == "published":
        wait_for_change(lambda: versions([checkpoint_file]))
    else:
        write("armed", "")
        time.sleep(0.001)
    try:
        os.kill(int(read("serve.pid")), signal.SIGKILL)
        if not running:
            locked.start()
        locked.join(5)
        if locked.is_alive():
            lock = None  # the thread still waits with it
            return "busy"
        # A CA killed as it first starts may have neither yet.
        published = head = 0
        if os.path.exists(checkpoint_file):
            with open(checkpoint_file) as f:
                published = int(f.read().split("\n")[1])
        state = os.path.join(ca, "state.db")
        if os.path.exists(state):
            db = sqlite3.connect("file:%s?mode=ro" % state, uri=True)
            try:
                row = db.execute("SELECT size FROM tree_heads "
                                 "WHERE log_number = 1").fetchone()
                head = row[0] if row else 0
            except sqlite3.OperationalError:  # no tables yet
                pass
            finally:
                db.close()
        beyond, temporary = bundles_beyond(head)
        if head > published:
            kept_lock, lock = lock, None
    finally:
        if lock is not None:
            lock.close()
    new_beyond, new_temporary = beyond - seen_beyond, temporary - seen_temporary
    seen_beyond, seen_temporary = beyond, temporary
    if head > published:
        return "committed"
    if new_beyond:
        return "staged"
    return "staging" if new_temporary else "published"


write("monitoring", "")
seen = set()
deadline = time.monotonic() + 300
while not os.path.exists(path("done")) and time.monotonic() < deadline:
    if os.path.exists(path("release")):
        os.remove(path("release"))
        if kept_lock is not None:
            kept_lock.close()
            kept_lock = None
        write("released", "")
    if os.path.exists(path("kill")):
        mode = read("kill")
        os.remove(path("kill"))
        try:
            result = kill_and_inspect(mode)
        except Exception as e:  # reported, and the test fails on it
            result = "error: %r" % (e,)
        write("killed-state", mode + " " + result)
    try:
        trial, url = read("trial"), read("url")
        with urllib.request.urlopen(url + "/checkpoint", timeout=2) as r:
            body = r.read()
    except (OSError, ValueError):  # no CA running, or a file half written
        body = None
    if body is not None and body not in seen:
        seen.add(body)
        name = os.path.join("checkpoints", "t%s-%05d" % (trial, len(seen)))
        with open(path(name) + ".tmp", "wb") as f:
            f.write(body)
        os.rename(path(name) + ".tmp", path(name))
    time.sleep(0.005)
