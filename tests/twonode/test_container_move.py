"""Issue 12, end to end: a two-node cluster moves a container and keeps its memory.

The stack is built by our crmsh template ``ve-drbd-stack`` (applied offline by the real crmsh),
then run with stand-ins where this machine lacks the real thing (support/standin_stack.py):
``ocf:pacemaker:Stateful`` for the DRBD clone, ``ocf:crmve-test:FakeFS`` for the Filesystem (a
bind mount of a directory both nodes reach, in the promoted node's own mount namespace), and
the vzctl stand-in (support/vzctl_standin.py) behind our agent ``ocf:crm-ve:ManageVE`` with
``checkpoint_on_stop=true``.  Each node keeps its own stand-in state in a node-private
directory, so a container "runs" on one node only; its "memory" is a token that a cold start
makes up and only a checkpoint/restore carries over: the marker.

One cluster for the whole story, in order: cold start on node1, move to node2 on standby,
move back, then kill node1's pacemaker with a stale dump in place.  Before each move,
``crm-ve check --simulate`` on the live CIB predicts the move's chain, and crm_simulate's
transition graph for the same CIB bounds the order: the cluster must then do exactly that.
"""
import json
import os
import subprocess
import sys
import time

import pytest

from crm_ve.simulate import set_standby, simulate
from support import crm_template, standin_stack, twonode, vzctl_standin, vzctl_wrapper
from support.cib_build import empty_cib

pytestmark = pytest.mark.twonode

VEID = "101"
PRIVATE = twonode.NODE_PRIVATE_DIR          # node-private: /run is each node's own
STATE = PRIVATE + "/vzstate"                # the stand-in's state: per node
WRAPPER = PRIVATE + "/vzctl"                # the agent's vzctl parameter: per node (node name)
#: The template's own example parameters; the mount point /vz becomes PRIVATE/vz on each node.
TEMPLATE_PARAMS = dict(id="vz1", drbd_resource="r0", device="/dev/drbd/by-res/r0/0", directory="/vz",
                       fstype="ext4", container="ve101", veid=VEID, dumpfile="/vz/dump/Dump.101")
MOUNT = PRIVATE + "/vz"
DUMPFILE = MOUNT + "/dump/Dump.101"
CT, FS, DRBD = "ve101", "vz1-fs", "vz1-drbd"


class Story:
    """The cluster, each node's stand-in view, and the shared storage, for one test."""

    def __init__(self, cluster, workdir):
        self.cluster = cluster
        self.workdir = workdir
        self.shared = cluster.shared_dir
        self.vz = {}
        for node in cluster.nodes:
            state = node.host_path(STATE)
            # Paths inside the stand-in's files are as the node sees them.
            self.vz[node.name] = vzctl_standin.Node(str(state), "legacy", node.name,
                                                    dumpdir=STATE + "/dump")
            (state / "conf" / f"{VEID}.conf").write_text(
                f'VE_PRIVATE="{MOUNT}/private/{VEID}"\nVE_ROOT="/vz/root/{VEID}"\n')
            vzctl_wrapper.write_wrapper(str(node.host_path(WRAPPER)), STATE, "legacy", node.name)
        # The "replicated" filesystem holds the private area and the dump directory.
        (self.shared / "private" / VEID).mkdir(parents=True)
        (self.shared / "dump").mkdir()

    def running(self):
        return sorted(name for name, vz in self.vz.items() if vz.running(VEID))

    def memory(self, node):
        return self.vz[node].memory(VEID)

    def calls(self, node):
        log = self.cluster.node(node).host_path(STATE + "/calls.log")
        if not log.exists():
            return []
        entries = (json.loads(line) for line in log.read_text().splitlines())
        return [entry["argv"] for entry in entries if "argv" in entry]   # not the checkpoint workers

    def lifecycle_calls(self, node, since=0):
        """vzctl calls that change the container (status and exec left out)."""
        return [c for c in self.calls(node)[since:] if c and c[0] not in ("status", "exec")]

    def dump_dir(self):
        return sorted(p.name for p in (self.shared / "dump").iterdir())

    def placement(self, via):
        return {rsc: self.cluster.resource_nodes(rsc, via=via) for rsc in (CT, FS)} | {
            "promoted": self.cluster.resource_nodes(DRBD, via=via, role="Promoted")}


def _build_stack(tmp_path, shared_dir) -> bytes:
    cib = empty_cib(tmp_path / "template-stack.xml")
    crm_template.apply_template(cib, "ve-drbd-stack", "vz1", TEMPLATE_PARAMS, tmp_path)
    return standin_stack.substitute_standins(
        cib.read_bytes(), str(shared_dir), PRIVATE, vzctl=WRAPPER,
        extra_agent_params={"vz_conf": STATE + "/vz.conf"})


def _standby(cluster, node, on, via):
    cluster.crm("node", "standby" if on else "online", node, via=via)
    got = cluster.node(via).run("crm_attribute", "--node", node, "--name", "standby", "--query",
                                "--quiet").stdout.strip()
    assert got == ("on" if on else "off"), f"crm node {'standby' if on else 'online'} {node} did nothing"
    cluster.wait_idle(via=via)


def _predict_standby(story, node, via):
    """What the scheduler predicts for "standby NODE" on the live CIB as it is now.

    Uses the crm_simulate harness of crm-ve (crm_ve.simulate) on a copy of the live CIB, status
    and promotion scores included, with NODE put in standby."""
    live = story.workdir / f"live-with-{node}-in-standby.xml"
    live.write_text(story.cluster.node(via).run("cibadmin", "--query").stdout)
    set_standby(live, node)
    return simulate(live, story.workdir, scenario=f"standby-{node}")


def _crm_ve_move_prediction(story, via):
    """``crm-ve check --simulate`` on the live CIB as it is now: its "move" scenario (standby of
    the node where DRBD is promoted), as (operation, primitive, node) steps.

    crm-ve recognises a storage stack by its agents, so the live CIB is given to it with the
    stand-ins named as the agents they stand in for (support/standin_stack.as_real_agents), as
    a crm_shadow CIB: --shadow keeps the status section, so the scenarios start from what the
    cluster runs now, as with --live.
    """
    live = story.cluster.node(via).run("cibadmin", "--query").stdout.encode()
    shadows = story.workdir / "shadows"
    shadows.mkdir(exist_ok=True)
    name = f"live-{len(list(shadows.iterdir()))}"
    (shadows / f"shadow.{name}").write_bytes(standin_stack.as_real_agents(live))
    # The stand-ins' parameters stay (changed parameters would make the scheduler restart the resources), so
    # the parameter check (CV701) would rightly refuse them under the real agents' names.
    proc = subprocess.run([sys.executable, "-m", "crm_ve", "check", "--simulate", "--shadow", name,
                           "--ignore", "CV701", "--format", "json"], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, CIB_shadow_dir=str(shadows)))
    assert proc.returncode == 0, proc.stdout + proc.stderr        # clean, scheduler agrees
    (stack,) = json.loads(proc.stdout)["simulation"]["documents"][0]["stacks"]
    assert stack["agreement"] == "agree", stack["message"]
    (move,) = [s for s in stack["scenarios"] if s["scenario"] == "move"]
    assert all(step["waits_for_previous"] for step in move["steps"][1:]), move["chain"]
    primitive = {stack["drbd"]: stack["drbd_primitive"]}
    return [(step["operation"], primitive.get(step["resource"], step["resource"]), step["node"])
            for step in move["steps"]]


def _check_prediction(prediction, actions):
    """The cluster did what the scheduler predicted, in an order the transition graph allows."""
    graph = prediction.graph
    predicted = sorted((a.operation, a.primitive, a.node) for a in graph
                       if a.kind == "rsc_op" and a.operation not in twonode.HOUSEKEEPING)
    assert predicted == sorted(actions), (predicted, actions)
    for i, earlier in enumerate(actions):
        for later in actions[i + 1:]:
            name = (earlier[1], earlier[0], earlier[2])
            assert not graph.waits_for(name, (later[1], later[0], later[2])), (
                f"{earlier} ran before {later}, which the transition graph makes it wait for")


def _move(story, source, target, via):
    """Standby SOURCE: the stack moves to TARGET, keeping the container's memory."""
    cluster = story.cluster
    marker = story.memory(source)
    prediction = _predict_standby(story, source, via)
    crm_ve_chain = _crm_ve_move_prediction(story, via)
    dump_listing_before = story.dump_dir()
    calls_before = {n: len(story.calls(n)) for n in story.vz}
    mark = cluster.log_mark()
    _standby(cluster, source, True, via)
    actions = cluster.initiated_actions(since=mark)
    # Pacemaker's transition: stop the container (checkpoint), unmount, demote; promote on the
    # peer, mount, start the container (restore).
    expected = [("stop", CT, source), ("stop", FS, source), ("demote", DRBD, source),
                ("promote", DRBD, target), ("start", FS, target), ("start", CT, target)]
    assert twonode.is_subsequence(expected, actions), actions
    # crm-ve check --simulate predicted exactly this chain, and the cluster ran it in that order.
    assert crm_ve_chain == expected, crm_ve_chain
    graph = prediction.graph
    for (a_op, a_rsc, a_node), (b_op, b_rsc, b_node) in zip(expected[1:], expected):
        assert graph.waits_for((a_rsc, a_op, a_node), (b_rsc, b_op, b_node))
    _check_prediction(prediction, actions)
    assert cluster.node(target).is_mounted(MOUNT) and not cluster.node(source).is_mounted(MOUNT)
    assert story.placement(via) == {CT: [target], FS: [target], "promoted": [target]}
    assert story.running() == [target]
    # The stop checkpointed (no cold stop), the start restored the dump (no cold start).
    src_calls = story.lifecycle_calls(source, calls_before[source])
    dst_calls = story.lifecycle_calls(target, calls_before[target])
    assert [c[0] for c in src_calls] == ["chkpnt"], src_calls
    assert [c[0] for c in dst_calls] == ["restore"], dst_calls
    assert dst_calls[0][-1] == DUMPFILE
    after = story.memory(target)
    assert after == marker
    # The dump was used once: gone, with its record; nothing set aside.
    assert story.dump_dir() == dump_listing_before, story.dump_dir()
    _standby(cluster, source, False, via)
    assert story.placement(via)[CT] == [target], "bringing the source back online moved the stack"
    return actions


@pytest.fixture
def story(cluster, fakefs_agent, manageve_agent, tmp_path):
    return Story(cluster, tmp_path)


def test_container_moves_with_its_memory_and_fails_over_cold(story, tmp_path):
    cluster = story.cluster
    # Cold start on node1: node2 waits in standby until the stack runs.
    _standby(cluster, "node2", True, via=1)
    cluster.load_configuration(_build_stack(tmp_path, story.shared))
    cluster.wait_idle()
    assert story.placement(1) == {CT: ["node1"], FS: ["node1"], "promoted": ["node1"]}
    assert story.running() == ["node1"]
    assert [c[0] for c in story.lifecycle_calls("node1")] == ["start"]
    assert story.dump_dir() == ["Dump.101.coldstart"]   # the agent's record of the cold start
    _standby(cluster, "node2", False, via=1)
    assert story.placement(1)[CT] == ["node1"]
    marker = story.memory("node1")

    # The move, and back.
    _move(story, "node1", "node2", via=2)
    assert story.memory("node2") == marker
    _move(story, "node2", "node1", via=1)
    assert story.memory("node1") == marker

    # A stale dump at the dump file: a complete image of this container, with a provenance
    # record written before the container's last cold start.  Restoring it would resume an
    # old state; the agent must set it aside and start cold.
    stale_memory = "feedfacefeedface"
    dump = story.shared / "dump" / "Dump.101"
    dump.write_text(dump_text(stale_memory))
    old = time.time() - 3600
    (story.shared / "dump" / "Dump.101.provenance").write_text(
        f"container={VEID}\nkind=stop\nnode=node2\ntime={old:.6f}\n"
        f"utc={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(old))}\nresource={CT}\n")
    # And node2's default dump (DUMPDIR/Dump.101, as VE_STOP_MODE=suspend leaves it), which
    # vzctl >= 4.1 start would restore by itself.
    default_dump = cluster.node(2).host_path(STATE + "/dump/Dump.101")
    default_dump.parent.mkdir(exist_ok=True)
    default_dump.write_text(dump_text("defaultdumpdefau"))
    calls_before = len(story.calls("node2"))

    cluster.kill_node(1)
    cluster.wait_online(names=["node2"], via=[2], timeout=twonode.FAILOVER_TIMEOUT)
    cluster.wait_idle(via=2, timeout=twonode.FAILOVER_TIMEOUT)

    assert story.placement(2) == {CT: ["node2"], FS: ["node2"], "promoted": ["node2"]}
    assert [c[0] for c in story.lifecycle_calls("node2", calls_before)] == ["start"]
    cold = story.memory("node2")
    assert cold not in (marker, stale_memory)
    names = story.dump_dir()
    assert "Dump.101" not in names and "Dump.101.provenance" not in names
    aside = [n for n in names if n.startswith("Dump.101.stale-") and not n.endswith(".provenance")]
    assert len(aside) == 1, names
    assert (story.shared / "dump" / aside[0]).read_text() == dump_text(stale_memory)
    assert cold != "defaultdumpdefau"
    (default_aside,) = [p.name for p in default_dump.parent.iterdir()]
    assert default_aside.startswith("Dump.101.stale-"), default_aside


def dump_text(memory):
    return f"VZSTANDIN-DUMP\nctid={VEID}\nmemory={memory}\nend\n"
