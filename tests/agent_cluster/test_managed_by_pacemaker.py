"""ocf:crm-ve:ManageVE under a real single-node Pacemaker cluster (issue 7, item 1).

Pacemaker itself runs the installed agent (as root, with no environment of ours), which drives
the vzctl stand-in through its wrapper.  One container lives through: start, the recurring
monitor, a stop that checkpoints, a start that restores, a crash that the monitor detects and
Pacemaker recovers, and a stop whose checkpoint fails but which still ends cleanly Stopped.
Both vzctl dialects (legacy 4.x, OpenVZ 7, whose vzctl keeps a custom dump after a restore).
"""
import os
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from support.live_cluster import LiveClusterError

pytestmark = pytest.mark.live

WAIT = 90   # seconds: generous bounds for what Pacemaker does in a few seconds
RESOURCE, VEID = "ct101", "101"   # as configured by the ve_resource fixture (conftest.py)


def wait_until(c, predicate, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise LiveClusterError("%s within %d s\n%s" % (what, timeout, c.diagnostics()))
        time.sleep(0.2)


def lrm_ops(c):
    """The resource's operation history in the CIB status section (lrm_rsc_op attributes)."""
    status = ET.fromstring(c.cib_xml("status"))
    return [dict(op.attrib) for res in status.iter("lrm_resource") if res.get("id") == RESOURCE
            for op in res.iter("lrm_rsc_op")]


MONITOR_MS = 2000   # the monitor interval configured by the fixture


def recurring_monitor(c):
    """The lrm_rsc_op of the recurring monitor, once it has completed and succeeded."""
    for op in lrm_ops(c):
        if (op.get("operation") == "monitor" and op.get("interval") == str(MONITOR_MS)
                and op.get("op-status") == "0" and op.get("rc-code") == "0"):
            return op
    return None


def last_op(c, operation):
    ops = [op for op in lrm_ops(c) if op.get("operation") == operation]
    return max(ops, key=lambda op: int(op.get("call-id", "-1"))) if ops else None


def fail_count(c):
    out = c.run("crm_failcount", "--query", "--resource", RESOURCE, "--node", c.node_name,
                "--quiet").stdout.strip()
    return 0 if out in ("", "0") else int(out)


def instance(c):
    [found] = c.resources(RESOURCE)
    return found


def calls(world, command):
    return [argv for argv in world.node.calls() if command in argv[:1]]


def read_record(path):
    with open(path) as f:
        return dict(line.strip().split("=", 1) for line in f
                    if "=" in line and not line.startswith("#"))


class Phases(object):
    """Prints how long each phase took (seen with -s; nothing is asserted on time)."""

    def __init__(self, dialect):
        self.dialect = dialect
        self.t0 = self.last = time.monotonic()

    def done(self, name):
        now = time.monotonic()
        print("\nagent_cluster[%s]: %-28s %5.1f s" % (self.dialect, name, now - self.last),
              file=sys.stderr)
        self.last = now


def settle(c, state):
    c.wait_for_resource(RESOURCE, state, timeout=WAIT)
    c.wait_idle(timeout=WAIT)


def test_pacemaker_starts_monitors_checkpoints_restores_and_recovers_the_container(
        ve_resource, ve_world):
    c, world, node = ve_resource, ve_world, ve_world.node
    assert (world.resource, world.veid, world.monitor_ms) == (RESOURCE, VEID, MONITOR_MS)
    coldstart = os.path.basename(world.dumpfile) + ".coldstart"
    phases = Phases(world.dialect)

    # -- start: a cold start (there is no dump yet), then the recurring monitor.
    c.crm("resource", "start", RESOURCE)
    settle(c, "Started")
    assert node.running(VEID), "Pacemaker reports Started but the stand-in's container is down"
    assert len(calls(world, "start")) == 1 and calls(world, "restore") == []
    memory = node.memory(VEID)
    wait_until(c, lambda: recurring_monitor(c) is not None,
               "no successful recurring monitor (lrm_rsc_op monitor, interval %d) in the CIB"
               % MONITOR_MS)
    seen = len(calls(world, "status"))
    wait_until(c, lambda: len(calls(world, "status")) >= seen + 3,
               "the recurring monitor did not call vzctl status again")

    phases.done("start, recurring monitor")

    # -- crm resource stop: the container is checkpointed into dumpfile, with its record.
    c.crm("resource", "stop", RESOURCE)
    settle(c, "Stopped")
    assert last_op(c, "stop")["rc-code"] == "0"
    assert not node.running(VEID)
    assert [argv[:2] for argv in calls(world, "chkpnt")] == [["chkpnt", VEID]]
    assert calls(world, "stop") == [], "the checkpoint stopped the container; no vzctl stop needed"
    assert node.vz.read_dump(world.dumpfile) == (VEID, memory), "the dump holds another memory"
    record = read_record(world.record)
    assert (record["container"], record["kind"], record["node"], record["resource"]) == (
        VEID, "stop", c.node_name, RESOURCE)
    assert world.dump_dir_entries() == sorted(
        [os.path.basename(world.dumpfile), os.path.basename(world.record), coldstart])

    phases.done("stop with checkpoint")

    # -- crm resource start: restored from the dump, which is used up.
    node.forget_calls()
    c.crm("resource", "start", RESOURCE)
    settle(c, "Started")
    assert node.running(VEID)
    assert node.memory(VEID) == memory, "the container was not restored from its checkpoint"
    assert calls(world, "restore") == [["restore", VEID, "--dumpfile", world.dumpfile]]
    assert calls(world, "start") == [], "a cold start would have lost the container's memory"
    assert world.dump_dir_entries() == [coldstart], "the dump was not consumed"
    assert c.failed_actions() == [] and fail_count(c) == 0

    phases.done("start from the checkpoint")

    # -- the container dies: the monitor notices, Pacemaker recovers it (stop, then start).
    node.forget_calls()
    node.crash(VEID)
    wait_until(c, lambda: fail_count(c) >= 1, "the monitor did not report the dead container")
    settle(c, "Started")
    assert fail_count(c) == 1
    [failure] = c.failed_actions()
    assert (failure["op_key"], failure["exitcode"], failure["node"]) == (
        "%s_monitor_%d" % (RESOURCE, MONITOR_MS), "7", c.node_name), failure
    assert node.running(VEID), "Pacemaker reports Started but the stand-in's container is down"
    assert node.memory(VEID) != memory, "a dead container has no memory left to restore"
    assert len(calls(world, "start")) == 1 and calls(world, "restore") == []
    assert world.dump_dir_entries() == [coldstart]
    wait_until(c, lambda: recurring_monitor(c) is not None, "the monitor did not resume")
    c.crm("resource", "cleanup", RESOURCE)
    c.wait_idle(timeout=WAIT)
    assert c.failed_actions() == [] and fail_count(c) == 0
    assert instance(c).role == "Started"

    phases.done("crash, recovery, cleanup")

    # -- the checkpoint fails during stop (leaving a partial image): still cleanly Stopped.
    node.forget_calls()
    node.inject("chkpnt-fail", 1)
    node.inject("chkpnt-leave-partial", 1)
    c.crm("resource", "stop", RESOURCE)
    settle(c, "Stopped")
    assert os.listdir(os.path.join(node.state, "faults")) == [], "the checkpoint was not tried"
    assert [argv[0] for argv in node.calls() if argv[0] != "status"] == ["chkpnt", "stop"]
    assert not node.running(VEID)
    assert last_op(c, "stop")["rc-code"] == "0"
    stopped = instance(c)
    assert (stopped.role, stopped.active, stopped.failed, stopped.blocked, stopped.managed) == (
        "Stopped", False, False, False, True), stopped
    assert c.failed_actions() == [] and fail_count(c) == 0
    assert world.dump_dir_entries() == [coldstart], "a partial or failed image was left behind"
    phases.done("stop, checkpoint failing")


def standin_processes(world):
    """Stand-in processes (vzctl calls) still running on this world's state directory."""
    found = []
    marker = ("VZSTANDIN_STATE=" + world.node.state).encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                if marker in f.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("ve_world", ["legacy"], indirect=True)   # dialect-independent
def test_a_checkpoint_that_hangs_during_stop_is_killed_and_the_container_stopped_in_time(
        ve_resource, ve_world):
    """The agent bounds vzctl chkpnt by the stop timeout, kills it, and still stops the
    container before Pacemaker would time the stop out (a timed-out stop blocks the resource
    when there is no fencing)."""
    c, world, node = ve_resource, ve_world, ve_world.node
    c.crm("resource", "start", RESOURCE)
    settle(c, "Started")
    node.forget_calls()
    node.inject("hang-chkpnt", 1)
    c.crm("resource", "stop", RESOURCE)
    settle(c, "Stopped")
    stop = last_op(c, "stop")
    assert (stop["rc-code"], stop["op-status"]) == ("0", "0"), stop   # op-status 2: timed out
    # the killed checkpoint may have left the container suspended: resumed before the stop
    assert [argv[:3] for argv in node.calls() if argv[0] != "status"] == [
        ["chkpnt", VEID, "--dumpfile"], ["chkpnt", VEID, "--resume"], ["stop", VEID]]
    assert not node.running(VEID)
    assert standin_processes(world) == [], "the hanging vzctl chkpnt was left running"
    stopped = instance(c)
    assert (stopped.role, stopped.failed, stopped.blocked) == ("Stopped", False, False), stopped
    assert c.failed_actions() == [] and fail_count(c) == 0
    assert world.dump_dir_entries() == [os.path.basename(world.dumpfile) + ".coldstart"]
