"""Two Pacemaker nodes on one machine: membership, a promotable clone, a filesystem that follows
the promoted instance, a standby move, and a teardown that leaves nothing behind.

``ocf:pacemaker:Stateful`` stands in for the DRBD clone (no DRBD kernel module here) and
``ocf:crmve-test:FakeFS`` for the Filesystem on the DRBD device (tests/support/ocf/FakeFS).
"""
import re
import subprocess
from pathlib import Path

import pytest

from support import twonode

pytestmark = pytest.mark.twonode

MOUNT_POINT = twonode.NODE_PRIVATE_DIR + "/fs"


def stack_crm(fakefs: str, shared_dir) -> str:
    # Colocation with the Promoted role and order after promote: Pacemaker Explained,
    # "Promotable clones" -> "Promotable Clone Constraints".
    return f"""
primitive stateful ocf:pacemaker:Stateful \\
    op monitor interval=5s role=Promoted timeout=20s \\
    op monitor interval=7s role=Unpromoted timeout=20s
clone ms-stateful stateful \\
    meta promotable=true promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1
primitive fs {fakefs} \\
    params source="{shared_dir}" directory="{MOUNT_POINT}" \\
    op monitor interval=5s timeout=20s
colocation fs-with-promoted inf: fs ms-stateful:Promoted
order fs-after-promote Mandatory: ms-stateful:promote fs:start
location ms-prefers-node1 ms-stateful rule $role=Promoted 100: #uname eq node1
"""


def mounted(node) -> bool:
    """Is the shared directory mounted in NODE's own mount namespace?"""
    return node.is_mounted(MOUNT_POINT)


def test_nodes_are_separate_hosts(cluster):
    one, two = cluster.node(1), cluster.node(2)
    assert [n.run("crm_node", "-n").stdout.strip() for n in (one, two)] == ["node1", "node2"]
    assert [n.run("hostname").stdout.strip() for n in (one, two)] == ["node1", "node2"]
    # corosync (knet) on each node reaches the other over the veth pair.
    for node, peer in ((one, 2), (two, 1)):
        links = node.run("corosync-cfgtool", "-s").stdout
        assert re.search(rf"nodeid:\s+{peer}:\s+connected", links), links
    host_addresses = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True).stdout
    assert one.address not in host_addresses and two.address not in host_addresses
    # The CIB directory and /dev/shm are each node's own.
    one.run("touch", "/dev/shm/crmve-only-on-node1")
    assert two.run("test", "-e", "/dev/shm/crmve-only-on-node1", check=False).returncode != 0
    assert cluster.online_nodes(1) == cluster.online_nodes(2) == ["node1", "node2"]
    assert cluster.dc(1) == cluster.dc(2) in ("node1", "node2")
    quorum = one.run("corosync-quorumtool", "-s", check=False).stdout
    assert "2Node" in quorum, quorum


def test_filesystem_follows_promotion_on_standby(cluster, fakefs_agent):
    one, two = cluster.node(1), cluster.node(2)
    (cluster.shared_dir / "replicated-data").write_text("written before the cluster started\n")
    cluster.crm("configure", "load", "update", "-", input=stack_crm(fakefs_agent, cluster.shared_dir))
    cluster.wait_idle()

    assert cluster.resource_nodes("stateful", role="Promoted") == ["node1"]
    assert cluster.resource_nodes("stateful", role="Unpromoted") == ["node2"]
    assert cluster.resource_nodes("fs") == ["node1"]
    assert mounted(one) and not mounted(two)
    assert one.run("cat", MOUNT_POINT + "/replicated-data").stdout == "written before the cluster started\n"
    one.run("sh", "-c", f"echo written-on-node1 > {MOUNT_POINT}/from-node1")

    mark = cluster.log_mark()
    cluster.crm("node", "standby", "node1", via=2)
    assert two.run("crm_attribute", "--node", "node1", "--name", "standby", "--query",
                   "--quiet").stdout.strip() == "on"
    cluster.wait_idle(via=2)

    assert cluster.resource_nodes("stateful", role="Promoted", via=2) == ["node2"]
    assert cluster.resource_nodes("fs", via=2) == ["node2"]
    assert mounted(two) and not mounted(one)
    assert two.run("cat", MOUNT_POINT + "/from-node1").stdout == "written-on-node1\n"
    # The move ran in the stack's order: unmount, demote, promote on the peer, mount there.
    actions = cluster.initiated_actions(since=mark)
    move = [("stop", "fs", "node1"), ("demote", "stateful", "node1"),
            ("promote", "stateful", "node2"), ("start", "fs", "node2")]
    assert twonode.is_subsequence(move, actions), actions
    assert sorted(actions) == sorted(move + [("stop", "stateful", "node1")]), actions


def test_teardown_leaves_nothing(twonode_possible, tmp_path):
    cluster = twonode.TwoNodeCluster(workdir=tmp_path / "cluster")
    try:
        cluster.start()
        namespaces = [dict(n.namespaces) for n in cluster.nodes]
        assert all(n.processes() for n in cluster.nodes)
    finally:
        cluster.stop()
    assert not any(n.processes() for n in cluster.nodes)
    live = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            for kind in twonode.NAMESPACE_KINDS:
                try:
                    live.add((kind, (proc / "ns" / kind).stat().st_ino))
                except OSError:
                    pass
    assert not [(k, i) for ns in namespaces for k, i in ns.items() if (k, i) in live]
    host_links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    assert twonode.LINK_NAME not in host_links
    host_mounts = open("/proc/self/mountinfo").read()
    assert str(cluster.workdir) not in host_mounts
    assert not [p for p in twonode.STATE_DIR.glob("*.json") if str(cluster.nodes[0].init_pid) in p.read_text()]


def test_killed_pacemaker_moves_the_stack(cluster, fakefs_agent):
    """A node failure (kill -9 of node1's pacemaker, then its corosync): node2 promotes and mounts.

    With stonith-enabled=false the survivor treats the lost node as down without fencing it
    (Pacemaker Explained, "Cluster Options": stonith-enabled).
    """
    one, two = cluster.node(1), cluster.node(2)
    cluster.crm("configure", "load", "update", "-", input=stack_crm(fakefs_agent, cluster.shared_dir))
    cluster.wait_idle()
    assert cluster.resource_nodes("fs") == ["node1"]

    killed = cluster.kill_node(1)
    assert killed
    assert not [c for _, c in one.processes() if c.startswith("pacemaker") or c == "corosync"]
    cluster.wait_online(names=["node2"], via=[2], timeout=twonode.FAILOVER_TIMEOUT)
    cluster.wait_idle(via=2, timeout=twonode.FAILOVER_TIMEOUT)

    assert cluster.resource_nodes("stateful", role="Promoted", via=2) == ["node2"]
    assert cluster.resource_nodes("fs", via=2) == ["node2"]
    assert mounted(two)
