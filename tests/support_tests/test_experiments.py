"""The experiments of docs/pacemaker-semantics.md §13, replayed with the real tools and the harness.

Each CIB is built by the real crmsh (``ms``, Master) and, where pcs can express it, by the real pcs
(promotable clone, Promoted). Dependencies are read from the transition graph with ``waits_for``.
"""
import pytest
from lxml import etree

from crm_ve.simulate import Simulator, stack_facts
from support.cib_build import build_reference_crm, build_reference_pcs
from support.tools import require_tools

STACK = ("ms_drbd_r0", "p_fs", "p_ve")
PROMOTE1 = ("p_drbd_r0", "promote", "node1")


def build(tool, path, crm=None, pcs=None, crm_extra=(), pcs_extra=()):
    """The reference configuration with one step replaced (``crm``/``pcs``: {step name: line/argv})."""
    require_tools("cibadmin", "crm_attribute", "crm_simulate", tool)
    if tool == "crm":
        return build_reference_crm(str(path), extra=crm_extra, **(crm or {}))
    return build_reference_pcs(str(path), extra=pcs_extra, **(pcs or {}))


def xml(path):
    return etree.parse(str(path)).getroot()


# --------------------------------------------------------------------------------------------- E-M0

@pytest.fixture(scope="module", params=["crm", "pcs"])
def reference(request, tmp_path_factory):
    path = build(request.param, tmp_path_factory.mktemp("e-m0") / f"ref-{request.param}.xml")
    with Simulator(path) as sim:
        yield sim


def test_e_m0_cold_start_promote_then_mount_then_container(reference):
    g = reference.cold_start().graph
    assert g.waits_for(("p_fs", "start", "node1"), PROMOTE1)
    assert g.waits_for(("p_ve", "start", "node1"), ("p_fs", "start", "node1"))
    assert g.waits_for(("p_ve", "start"), PROMOTE1)
    assert not g.waits_for(PROMOTE1, ("p_fs", "start"))


def test_e_m0_standby_of_primary_reverses_then_moves(reference):
    result = reference.standby_primary()
    assert "node1" in result.description
    g = result.graph
    assert g.waits_for(("p_fs", "stop", "node1"), ("p_ve", "stop", "node1"))
    assert g.waits_for(("p_drbd_r0", "demote", "node1"), ("p_fs", "stop", "node1"))
    assert g.waits_for(("p_fs", "start", "node2"), ("p_drbd_r0", "promote", "node2"))
    assert g.waits_for(("p_ve", "start", "node2"), ("p_fs", "start", "node2"))
    assert result.after.promoted("ms_drbd_r0") == ["node2"] == result.after.nodes("p_ve")


def test_e_m0_every_scenario_has_sound_stack_facts(reference):
    facts = stack_facts(reference, *STACK)
    scenarios = ["cold-start", "standby-primary", "swap-promotion", "monitor-failure-p_drbd_r0"]
    if reference.source.endswith("pcs.xml"):          # pcs gives the Filesystem a monitor op
        scenarios.append("monitor-failure-p_fs")
    else:
        assert "no recurring monitor" in reference.skipped["monitor-failure-p_fs"]
    assert [f.scenario for f in facts] == scenarios
    for f in facts:
        assert f.problems() == [], f
        assert f.fs_on_promoted_node and f.container_on_fs_node, f
    move = facts[1]
    assert (move.promote_before_mount, move.mount_before_container_start, move.container_stop_before_unmount,
            move.unmount_before_demote) == (True, True, True, True)
    # Mandatory order: the DRBD recovery restarts the Filesystem and the container around it (E-OPT)
    assert {"p_drbd_r0", "p_fs", "p_ve"} <= set(facts[3].stopped)
    if len(facts) > 4:                                 # in-place recovery of the Filesystem
        fs_failure = facts[4]
        assert fs_failure.stopped == ["p_fs", "p_ve"]
        assert fs_failure.container_stop_before_unmount and fs_failure.mount_before_container_start
        assert fs_failure.unmount_before_demote is None and fs_failure.promote_before_mount is None


# --------------------------------------------------------------------------------------------- E-M1

@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_e_m1_order_after_start_does_not_wait_for_promote(tool, tmp_path):
    path = build(tool, tmp_path / "e-m1.xml",
                 crm={"o_drbd_before_fs": "order o_drbd_before_fs inf: ms_drbd_r0 p_fs"},
                 pcs={"o_drbd_before_fs": ["constraint", "order", "ms_drbd_r0", "then", "p_fs",
                                           "id=o_drbd_before_fs"]})
    order = xml(path).xpath("//rsc_order[@id='o_drbd_before_fs']")[0]
    assert order.get("first-action") in (None, "start")
    with Simulator(path) as sim:
        g = sim.cold_start().graph
        assert not g.waits_for(("p_fs", "start"), PROMOTE1)
        assert g.waits_for(("p_fs", "start"), ("ms_drbd_r0", "running"))
        assert g.waits_for(("p_fs", "start"), ("p_drbd_r0", "start", "node1"))
        move = sim.standby_primary().graph
        assert move.waits_for(("p_drbd_r0", "stop", "node1"), ("p_fs", "stop", "node1"))
        assert not move.waits_for(("p_drbd_r0", "demote", "node1"), ("p_fs", "stop", "node1"))
        facts = {f.scenario: f for f in stack_facts(sim, *STACK)}
    assert facts["cold-start"].promote_before_mount is False
    assert facts["standby-primary"].unmount_before_demote is False
    assert facts["standby-primary"].promote_before_mount is False


# --------------------------------------------------------------------------------------------- E-M2

def test_e_m2_then_action_omitted_defaults_to_promote(tmp_path):
    path = build("crm", tmp_path / "e-m2.xml",
                 crm={"o_drbd_before_fs": "order o_drbd_before_fs inf: ms_drbd_r0:promote p_fs"})
    order = xml(path).xpath("//rsc_order[@id='o_drbd_before_fs']")[0]
    assert order.get("first-action") == "promote" and order.get("then-action") is None
    with Simulator(path) as sim:
        assert not sim.cold_start().graph.waits_for(("p_fs", "start"), PROMOTE1)
        assert not sim.standby_primary().graph.waits_for(("p_drbd_r0", "demote", "node1"),
                                                          ("p_fs", "stop", "node1"))
        facts = stack_facts(sim, *STACK)
    assert facts[0].promote_before_mount is False and facts[1].unmount_before_demote is False
    # the DRBD recovery leaves the Filesystem mounted while DRBD is demoted under it
    assert facts[3].unmount_before_demote is False and "p_fs" not in facts[3].stopped


# --------------------------------------------------------------------------------------------- E-M3

@pytest.mark.parametrize("tool", ["crm", "pcs"])
@pytest.mark.parametrize("with_role", [False, True])
def test_e_m3_colocation_without_role_places_fs_on_the_secondary(tool, with_role, tmp_path):
    crm_col = None if with_role else {"c_fs_on_drbd": "colocation c_fs_on_drbd inf: p_fs ms_drbd_r0"}
    pcs_col = None if with_role else {"c_fs_on_drbd": ["constraint", "colocation", "add", "p_fs", "with",
                                                       "ms_drbd_r0", "INFINITY", "id=c_fs_on_drbd"]}
    path = build(tool, tmp_path / "e-m3.xml", crm=crm_col, pcs=pcs_col,
                 crm_extra=["location l_fs_pref p_fs 50: node2"],
                 pcs_extra=[["constraint", "location", "p_fs", "prefers", "node2=50"]])
    with Simulator(path) as sim:
        cold = sim.cold_start()
        facts = stack_facts(sim, *STACK)[0]
    assert cold.after.nodes("p_fs") == ["node2"]                   # the preference wins either way...
    if with_role:                                                  # ...and DRBD follows the Filesystem
        assert cold.after.promoted("ms_drbd_r0") == ["node2"] and facts.fs_on_promoted_node is True
    else:                                                          # ...or DRBD stays promoted on node1
        assert cold.after.promoted("ms_drbd_r0") == ["node1"] and facts.fs_on_promoted_node is False
        assert any("Filesystem on node2, DRBD promoted on node1" in p for p in facts.problems())


# --------------------------------------------------------------------------------------------- E-OPT

@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_e_opt_optional_order_recovers_drbd_under_the_mounted_fs(tool, tmp_path):
    path = build(tool, tmp_path / "e-opt.xml",
                 crm={"o_drbd_before_fs": "order o_drbd_before_fs 0: ms_drbd_r0:promote p_fs:start"},
                 pcs={"o_drbd_before_fs": ["constraint", "order", "promote", "ms_drbd_r0", "then", "start",
                                           "p_fs", "kind=Optional", "id=o_drbd_before_fs"]})
    assert xml(path).xpath("//rsc_order[@id='o_drbd_before_fs']/@kind") == ["Optional"]
    with Simulator(path) as sim:
        failure = sim.monitor_failure()
        facts = stack_facts(sim, *STACK)
    assert failure.did("recover", "p_drbd_r0", "node1")
    assert failure.graph.has(("p_drbd_r0", "demote", "node1"))
    assert not failure.graph.has(("p_fs", "stop")) and not failure.did("restart", "p_fs")
    opt = facts[3]
    assert opt.scenario.startswith("monitor-failure") and opt.unmount_before_demote is False
    assert opt.stopped == ["p_drbd_r0"]
    assert facts[0].problems() == []                               # the cold start alone looks fine
