"""The agent under the real single-node cluster (issue 7, item 1): fixtures.

``ve_world``: a stand-in node (tests/support/vzctl_standin.py) with container 101 and the
generated `vzctl` wrapper that carries its settings, in a fresh world-readable directory under
/tmp.  Pacemaker's executor runs the agent as root, with no environment of the caller and its own
working directory, so every path given to the resource is absolute and the wrapper is all the
agent needs to reach the stand-in.

``ve_resource``: the installed ocf:crm-ve:ManageVE configured on the session's live cluster,
deleted again (and the cluster idle) whatever the test did, before the world is removed.

Every corosync/pacemaker process seen by this area's tests is checked at the end of the session
(pytest_sessionfinish, after the cluster's teardown): none may survive it.
"""
import os
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

import pytest

from support.live_cluster import (LiveClusterError, clean_live_cluster, cluster_processes,  # noqa: F401
                                  live_cluster, pytest_runtest_makereport, start_tick)
from support.ocf_install import installed_agent
from support.vzctl_standin import Node
from support.vzctl_wrapper import write_wrapper

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGENT = os.path.join(REPO, "ra", "ManageVE")
RESOURCE = "ct101"
VEID = "101"

#: Short operation intervals and timeouts keep the test quick.  The monitor runs every 2 s; the
#: timeouts leave the agent room for its fallbacks (checkpoint, then stop, then stop --fast).
MONITOR_INTERVAL_MS = 2000
OPERATIONS = ("op", "start", "timeout=30s", "interval=0",
              "op", "stop", "timeout=30s", "interval=0",
              "op", "monitor", "interval=%ds" % (MONITOR_INTERVAL_MS // 1000), "timeout=20s")

#: (pid, start tick, name) of the cluster daemons seen while this area's tests ran.
DAEMONS_SEEN = []


def pytest_sessionfinish(session, exitstatus):
    """After every fixture's teardown (the session's cluster is stopped by then, whichever area's
    conftest started it): every daemon recorded by record_cluster_daemons() must be gone (a pid
    reused since does not count)."""
    left = [(pid, name) for pid, tick, name in DAEMONS_SEEN if start_tick(pid) == tick]
    if left:
        message = ("tests/agent_cluster: cluster processes survived the session: "
                   + ", ".join("%s (%d)" % (name, pid) for pid, name in left))
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(message, red=True)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def record_cluster_daemons():
    """Remember the running cluster daemons: the session's own, since it holds the cluster lock."""
    for pid, name in cluster_processes():
        tick = start_tick(pid)
        if tick is not None and (pid, tick, name) not in DAEMONS_SEEN:
            DAEMONS_SEEN.append((pid, tick, name))


@pytest.fixture(scope="session")
def ocf_agent():
    """ra/ManageVE installed as ocf:crm-ve:ManageVE for the session (the live cluster needs root,
    which live_cluster checks first)."""
    with installed_agent(AGENT, "crm-ve", "ManageVE") as path:
        yield str(path)


class VeWorld(object):
    """One stand-in node for the cluster's only node: state, wrapper, dump directory."""

    resource = RESOURCE
    veid = VEID
    monitor_ms = MONITOR_INTERVAL_MS

    def __init__(self, root, dialect, node_name):
        self.root = root
        self.dialect = dialect
        self.node = Node(os.path.join(root, "state"), dialect, node_name,
                         dumpdir=os.path.join(root, "vzdump"))
        self.node.create(VEID)
        os.makedirs(os.path.join(root, "bin"))
        self.vzctl = write_wrapper(os.path.join(root, "bin", "vzctl"), self.node.state, dialect,
                                   node_name)
        self.dump_dir = os.path.join(root, "shared", "dump")
        os.makedirs(self.dump_dir)
        self.dumpfile = os.path.join(self.dump_dir, "ct101.dump")
        self.record = self.dumpfile + ".provenance"

    def params(self):
        return ("veid=" + VEID, "vzctl=" + self.vzctl, "vz_conf=" + self.node.vz_conf,
                "dumpfile=" + self.dumpfile, "checkpoint_on_stop=true")

    def dump_dir_entries(self):
        return sorted(os.listdir(self.dump_dir))

    def clear_faults(self):
        faults = os.path.join(self.node.state, "faults")
        for name in os.listdir(faults):
            os.unlink(os.path.join(faults, name))


def world_dir():
    """A scratch directory root can use from any cwd (absolute) and anyone can traverse."""
    path = tempfile.mkdtemp(prefix="crm-ve-agent-cluster-")
    os.chmod(path, 0o755)
    return path


@pytest.fixture(params=["legacy", "vz7"])
def ve_world(request, live_cluster):
    root = world_dir()
    try:
        yield VeWorld(root, request.param, live_cluster.node_name)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def ve_resource(clean_live_cluster, ocf_agent, ve_world):
    """The ManageVE primitive, configured Stopped (the test starts it); always deleted."""
    c = clean_live_cluster
    record_cluster_daemons()
    try:
        c.crm("configure", "primitive", RESOURCE, "ocf:crm-ve:ManageVE",
              "params", *ve_world.params(), *OPERATIONS, "meta", "target-role=Stopped")
        c.wait_idle()
        yield c
    finally:
        delete_resource(c, ve_world)


def delete_resource(c, world):
    """Remove the resource, with a healthy stand-in so that its stop succeeds, and check that
    nothing of it is left in the cluster (a failed stop would leave a blocked orphan)."""
    world.clear_faults()
    c.run("crm_resource", "--resource", RESOURCE, "--set-parameter", "target-role",
          "--meta", "--parameter-value", "Stopped", check=False)
    try:
        c.wait_idle(timeout=90)
    finally:
        c.reset_configuration()
    status = ET.fromstring(c.cib_xml("status"))
    left = [op.get("id") for op in status.iter("lrm_resource") if op.get("id") == RESOURCE]
    if left or c.resources(RESOURCE):
        raise LiveClusterError("resource %s is still known to the cluster after its deletion\n%s"
                               % (RESOURCE, c.diagnostics()))
