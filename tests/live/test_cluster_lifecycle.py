"""Start-up and teardown of the live cluster outside the session fixture: what is left afterwards.

These tests start clusters of their own, so they run before any test starts the session's
(OWN_CLUSTER, see conftest.py).
"""
import fnmatch
import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import live_cluster as lc

pytestmark = pytest.mark.live
OWN_CLUSTER = True
TESTS_DIR = Path(__file__).resolve().parent.parent

#: Started in a child process: a cluster, then "READY <workdir>", then nothing until killed.  The lock is the
#: test's (an inherited descriptor): no other session can start a cluster before, during or after.
OWNER_SCRIPT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from support.live_cluster import LiveCluster
cluster = LiveCluster(lock_fd=int(sys.argv[2]))
cluster.start()
print("READY", cluster.workdir, flush=True)
time.sleep(3600)
"""


def _snapshot():
    """What the machine's cluster state looks like: files (with content digests) and owners."""
    snap = {}
    for directory in list(lc.STATE_DIRS) + list(lc.KEEP_ATTRS):
        st = os.stat(directory)
        snap[directory] = (st.st_mode, st.st_uid, st.st_gid)
    for directory, patterns in lc.STATE_DIRS.items():
        for entry in sorted(Path(directory).iterdir()):
            # Only what the fixture manages: other tests may create and delete shadow.* files meanwhile.
            if entry.is_file() and (patterns is None or any(fnmatch.fnmatchcase(entry.name, p) for p in patterns)):
                snap[str(entry)] = hashlib.sha256(entry.read_bytes()).hexdigest()
    return snap


@pytest.fixture
def machine_lock():
    """The live-cluster lock, held for the whole test (other test sessions wait)."""
    lc.require_live_cluster_possible()
    fd = lc.acquire_lock(float(os.environ.get(lc.ENV_LOCK_WAIT, 900)))
    try:
        yield fd
    finally:
        os.close(fd)


def _start_owner(lock_fd):
    return subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT, str(TESTS_DIR), str(lock_fd)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, pass_fds=(lock_fd,),
                            start_new_session=True)


def _reap_owner(owner, workdir):
    """Kill the owner process if it still runs, close its pipes, and remove the cluster work directory it
    reported (None when it reported none)."""
    if owner.poll() is None:
        owner.kill()
        owner.wait()
    owner.stdout.close()
    owner.stderr.close()
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)


def _no_cluster_running_precondition():
    if lc._SESSION_CLUSTER:
        pytest.fail("the session's live cluster is already running: this test must run before any test "
                    "that uses live_cluster (see tests/live/conftest.py)", pytrace=False)
    assert lc.running_reasons() == [], "a cluster is running before the test"


def _wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_kill_9_of_the_test_process_still_stops_the_cluster_and_puts_state_back(machine_lock):
    _no_cluster_running_precondition()
    before = _snapshot()
    owner = _start_owner(machine_lock)
    workdir = None
    try:
        ready, _, _ = select.select([owner.stdout], [], [], 180)
        line = owner.stdout.readline() if ready else ""
        assert line.startswith("READY "), f"the cluster did not start: {line!r} {owner.stderr.read() if owner.poll() is not None else ''}"
        workdir = Path(line.split(" ", 1)[1].strip())
        running = {name for _, name in lc.cluster_processes()}
        assert {"corosync", "pacemakerd", "pacemaker-based", "pacemaker-contr"} <= running
        state = json.loads(lc.STATE_FILE.read_text())
        assert state["owner"] == owner.pid

        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=30)

        _wait_until(lambda: not lc.cluster_processes() and not lc.STATE_FILE.exists(), 180,
                    f"cluster processes left after kill -9 of the owner: {lc.cluster_processes()}")
        assert _snapshot() == before
        assert not any(os.path.lexists(d + lc.SAVED_SUFFIX) for d in lc.STATE_DIRS)
        # Pacemaker was asked to stop (it shut down cleanly), it was not killed.
        log = (workdir / "pacemaker.log").read_text(errors="replace")
        assert "Shutdown complete" in log
    finally:
        _reap_owner(owner, workdir)


def test_a_distribution_corosync_is_stopped_and_our_cluster_started_then_nothing_is_left(capsys, machine_lock):
    _no_cluster_running_precondition()
    if lc.configured_reasons():
        pytest.fail("this machine looks configured: " + "; ".join(lc.configured_reasons()), pytrace=False)
    before = _snapshot()
    logs_before = set(os.listdir("/var/log/corosync")) if os.path.isdir("/var/log/corosync") else set()
    # What the package's init script starts ("start-stop-daemon --start --exec /usr/sbin/corosync"): corosync
    # as a daemon with the package's /etc/corosync/corosync.conf.  (The script itself is not used: it finds
    # corosync with pidof, so a cluster in another namespace would make it believe one is already running.)
    subprocess.run(["corosync"], check=True, capture_output=True, timeout=60)
    cluster = lc.LiveCluster(lock_fd=machine_lock)
    distribution = {}
    try:
        _wait_until(lambda: any(name == "corosync" for _, name in lc.cluster_processes()), 30,
                    "the distribution's corosync did not start")
        [(distribution_pid, _)] = [p for p in lc.cluster_processes() if p[1] == "corosync"]
        distribution[distribution_pid] = lc.start_tick(distribution_pid)
        # It runs with the package's configuration: not a configured cluster, so it is stopped and ours
        # runs instead.
        cluster.start()
        assert cluster.stopped_services == ["corosync"]
        assert "stopped the distribution service corosync" in capsys.readouterr().err
        assert lc.start_tick(distribution_pid) is None
        assert cluster.run("corosync-cmapctl", "-g", "totem.cluster_name").stdout.split()[-1] == lc.CLUSTER_NAME
        assert cluster.dc() == cluster.node_name
        report = cluster.stop()
        assert [d["name"] for d in report["daemons"]] == ["pacemakerd", "corosync"]
        assert not any(d.get("killed") for d in report["daemons"]), report
        assert report["errors"] == [] and sorted(report["restored"]) == sorted(lc.STATE_DIRS)
        assert lc.cluster_processes() == []
        assert not lc.STATE_FILE.exists()
    finally:
        cluster.stop(check=False)
        cluster.remove_workdir()
        for pid, tick in distribution.items():
            if lc.start_tick(pid) == tick:
                os.kill(pid, signal.SIGKILL)
        # What the distribution's corosync wrote (its ringid file, its log) goes too.
        for entry in Path("/var/lib/corosync").iterdir():
            if str(entry) not in before:
                entry.unlink()
        for name in set(os.listdir("/var/log/corosync")) - logs_before:
            os.unlink(os.path.join("/var/log/corosync", name))
    assert _snapshot() == before


def test_daemons_of_a_killed_keeper_are_cleaned_up_by_the_next_session(machine_lock):
    _no_cluster_running_precondition()
    before = _snapshot()
    owner = _start_owner(machine_lock)
    workdir = None
    next_session = lc.LiveCluster(log=lambda msg: None, lock_fd=machine_lock)
    try:
        ready, _, _ = select.select([owner.stdout], [], [], 180)
        line = owner.stdout.readline() if ready else ""
        assert line.startswith("READY "), f"the cluster did not start: {line!r}"
        workdir = Path(line.split(" ", 1)[1].strip())
        state = json.loads(lc.STATE_FILE.read_text())
        # The keeper first (so nothing stops the daemons), then the test process.
        os.kill(state["keeper"], signal.SIGKILL)
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=30)
        time.sleep(1)
        orphans = lc.cluster_processes()
        assert {"corosync", "pacemakerd"} <= {name for _, name in orphans}, orphans
        assert os.path.lexists("/var/lib/pacemaker/cib" + lc.SAVED_SUFFIX)

        next_session.start()

        assert not {pid for pid, _ in orphans} & {pid for pid, _ in lc.cluster_processes()}
        assert next_session.dc() == next_session.node_name
    finally:
        next_session.stop(check=False)
        next_session.remove_workdir()
        _reap_owner(owner, workdir)
    assert lc.cluster_processes() == []
    assert _snapshot() == before
    assert not lc.STATE_FILE.exists()
