"""CV201-CV204: constraints naming a clone's child, a group member, a role or action that cannot happen, an id
that is no resource. Failing and passing CIBs from the real crmsh and pcs, the fixes run with the same tool,
crm_verify and crm_simulate showing what Pacemaker does with them."""
import pytest
from lxml import etree

from crm_ve.simulate import Simulator
from structure_support import (
    blocking, build, check, cold_start, copy, crm_verify, fix_code, found, severities, stack_problems,
)
from support.cib_build import cibadmin_create, crm_load, pcs_run

TOOLS = ("crm", "pcs")


# ------------------------------------------------------------------------------------------ CV201 (C6)

def c6_cib(reference, tmp_path, tool):
    if tool == "crm":
        return build(reference("crm"), tmp_path / "c6.xml", "crm", drop=("c_fs_on_drbd", "o_drbd_before_fs"),
                     crm=("colocation c_fs_on_drbd inf: p_fs p_drbd_r0:Master",
                          "order o_drbd_before_fs inf: p_drbd_r0:promote p_fs:start"), force=True)
    return build(reference("pcs"), tmp_path / "c6.xml", "pcs", drop=("c_fs_on_drbd", "o_drbd_before_fs"),
                 pcs=(["constraint", "colocation", "add", "p_fs", "with", "promoted", "p_drbd_r0", "INFINITY",
                       "id=c_fs_on_drbd"],
                      ["constraint", "order", "promote", "p_drbd_r0", "then", "start", "p_fs",
                       "id=o_drbd_before_fs"]), force=True)


@pytest.mark.parametrize("tool", TOOLS)
def test_cv201_clone_child_is_an_error_and_the_fix_names_the_clone(reference, tmp_path, tool):
    path = c6_cib(reference, tmp_path, tool)
    findings = found(path, "CV201")
    assert sorted(f.constraints[0] for f in findings) == ["c_fs_on_drbd", "o_drbd_before_fs"]
    assert all(f.severity.label == "error" and "ms_drbd_r0" in f.message for f in findings)
    # Pacemaker drops them on a CIB without status history (reference E-M5) ...
    code, output = crm_verify(path)
    assert code != 0 and "p_drbd_r0" in output and "not a valid resource" in output
    # ... so a cold start mounts without waiting for the promote
    assert any("mount does not wait" in p for p in stack_problems(path, "cold-start"))
    fix_code(path, "CV201", tool)
    assert not found(path, "CV201") and not [f for f in check(path) if f.severity.label == "error"]
    assert crm_verify(path)[0] == 0
    assert stack_problems(path) == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv201_passes_the_reference(reference, tool):
    assert found(reference(tool), "CV201") == []


def test_cv201_location_on_the_child_is_rewritten_with_its_role(reference, tmp_path):
    path = build(reference("crm"), tmp_path / "c6-location.xml", "crm",
                 crm=("location l_no_primary_on_2 p_drbd_r0 role=Master -inf: node2",), force=True)
    (finding,) = found(path, "CV201")
    assert finding.fix.pcs[-1].startswith("pcs constraint location ms_drbd_r0 rule")
    for tool in TOOLS:
        fixed = copy(path, tmp_path / f"fixed-{tool}.xml")
        fix_code(fixed, "CV201", tool)
        element = etree.parse(fixed).getroot().find(".//rsc_location")
        assert element.get("rsc") == "ms_drbd_r0"
        with Simulator(fixed) as sim:  # the ban applies to the clone's Promoted role: promoted on node1 only
            assert sim.standby_primary().after.promoted("ms_drbd_r0") == []


# ------------------------------------------------------------------------------------------ CV202 (C7)

def c7_cib(reference, tmp_path, tool):
    """The stack as group g_vz (p_fs, p_ve) whose constraints name its first member, and an extra resource
    ordered before its second member."""
    if tool == "crm":
        # crmsh moves a first member's constraints to the group it creates: group first, constraints after
        path = build(reference("crm"), tmp_path / "c7.xml", "crm",
                     drop=("c_ve_on_fs", "o_fs_before_ve", "c_fs_on_drbd", "o_drbd_before_fs"),
                     crm=("group g_vz p_fs p_ve", "primitive p_ip ocf:heartbeat:Dummy"))
        crm_load(path, "colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master\n"
                       "order o_drbd_before_fs inf: ms_drbd_r0:promote p_fs:start\n"
                       "order o_ip_before_ve inf: p_ip p_ve", force=True)
        return path
    return build(reference("pcs"), tmp_path / "c7.xml", "pcs", drop=("c_ve_on_fs", "o_fs_before_ve"),
                 pcs=(["resource", "group", "add", "g_vz", "p_fs", "p_ve"],
                      ["resource", "create", "p_ip", "ocf:heartbeat:Dummy", "--no-default-ops"],
                      ["constraint", "order", "p_ip", "then", "p_ve", "id=o_ip_before_ve"]))


@pytest.mark.parametrize("tool", TOOLS)
def test_cv202_group_member_warns_and_the_fix_names_the_group(reference, tmp_path, tool):
    path = c7_cib(reference, tmp_path, tool)
    findings = {f.constraints[0]: f for f in found(path, "CV202")}
    assert set(findings) == {"c_fs_on_drbd", "o_drbd_before_fs", "o_ip_before_ve"}
    assert {f.severity.label for f in findings.values()} == {"warning"}
    assert "first member" in findings["c_fs_on_drbd"].message
    assert "p_fs is not covered" in findings["o_ip_before_ve"].message
    assert [f for f in check(path) if f.severity.label == "error"] == []  # the chain holds today
    # the scheduler: p_ve waits for p_ip, p_fs (before it in the group) does not
    graph = cold_start(path).graph
    assert graph.waits_for(("p_ve", "start"), ("p_ip", "start"))
    assert not graph.waits_for(("p_fs", "start"), ("p_ip", "start"))
    fix_code(path, "CV202", tool)
    assert blocking(path) == [] and [f for f in check(path) if f.severity.label == "error"] == []
    graph = cold_start(path).graph
    assert graph.waits_for(("p_fs", "start"), ("p_ip", "start"))
    assert stack_problems(path) == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv202_leaves_a_broken_chain_to_the_chain_rules(reference, tmp_path, tool):
    """Constraints on the last member (E-G2) break the chain: CV101/CV102 report errors, CV202 stays silent."""
    if tool == "crm":
        path = build(reference("crm"), tmp_path / "c7-last.xml", "crm",
                     drop=("c_ve_on_fs", "o_fs_before_ve", "c_fs_on_drbd", "o_drbd_before_fs"),
                     crm=("group g_vz p_fs p_ve", "colocation c_vz inf: p_ve ms_drbd_r0:Master",
                          "order o_vz inf: ms_drbd_r0:promote p_ve:start"))
    else:
        path = build(reference("pcs"), tmp_path / "c7-last.xml", "pcs",
                     drop=("c_ve_on_fs", "o_fs_before_ve", "c_fs_on_drbd", "o_drbd_before_fs"),
                     pcs=(["resource", "group", "add", "g_vz", "p_fs", "p_ve"],
                          ["constraint", "colocation", "add", "p_ve", "with", "promoted", "ms_drbd_r0", "id=c_vz"],
                          ["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "p_ve", "id=o_vz"]))
    codes = {f.code for f in check(path) if f.severity.label == "error"}
    assert "CV102" in codes
    assert "o_vz" not in {c for f in found(path, "CV202") for c in f.constraints}


# ------------------------------------------------------------------------------------------ CV203 (C5)

def c5_cib(reference, tmp_path, tool):
    """A virtual IP meant to follow the DRBD Primary, written with the role on the wrong side and an order
    whose then-action is a promote that never happens; the IP prefers node2."""
    if tool == "crm":
        return build(reference("crm"), tmp_path / "c5.xml", "crm", force=True,
                     crm=("primitive p_vip ocf:heartbeat:Dummy", "location l_vip_pref p_vip 50: node2",
                          "colocation c_vip inf: p_vip:Master ms_drbd_r0",
                          "order o_vip inf: ms_drbd_r0:promote p_vip"))
    return build(reference("pcs"), tmp_path / "c5.xml", "pcs",
                 pcs=(["resource", "create", "p_vip", "ocf:heartbeat:Dummy", "--no-default-ops"],
                      ["constraint", "location", "p_vip", "prefers", "node2=50"],
                      ["constraint", "colocation", "add", "master", "p_vip", "with", "ms_drbd_r0", "INFINITY",
                       "id=c_vip"],
                      ["constraint", "order", "promote", "ms_drbd_r0", "then", "promote", "p_vip", "id=o_vip"]))


@pytest.mark.parametrize("tool", TOOLS)
def test_cv203_void_role_and_action_warn_and_the_fix_makes_them_apply(reference, tmp_path, tool):
    path = c5_cib(reference, tmp_path, tool)
    findings = {f.constraints[0]: f for f in found(path, "CV203")}
    assert set(findings) == {"c_vip", "o_vip"}
    assert {f.severity.label for f in findings.values()} == {"warning"}
    assert "cannot be promoted" in findings["c_vip"].message
    assert crm_verify(path)[0] == 0  # crm_verify sees nothing wrong
    result = cold_start(path)
    assert result.after.nodes("p_vip") == ["node2"] and result.after.promoted("ms_drbd_r0") == ["node1"]
    assert not result.graph.waits_for(("p_vip", "start"), ("p_drbd_r0", "promote"))
    fix_code(path, "CV203", tool)
    assert blocking(path) == []
    result = cold_start(path)
    assert result.after.nodes("p_vip") == result.after.promoted("ms_drbd_r0")  # with the Primary (wherever
    # the IP's preference now draws the promotion, reference E-S3)
    assert result.graph.waits_for(("p_vip", "start"), ("p_drbd_r0", "promote"))


def test_cv203_set_role_covering_a_primitive(reference, tmp_path):
    """pcs writes a set role for every member (reference E-SR): [ms p_vip] role=Promoted says nothing about
    p_vip; the fix re-creates what Pacemaker derives with the role only where it can apply."""
    path = build(reference("pcs"), tmp_path / "c5-set.xml", "pcs",
                 pcs=(["resource", "create", "p_vip", "ocf:heartbeat:Dummy", "--no-default-ops"],
                      ["constraint", "location", "p_vip", "prefers", "node2=50"],
                      ["constraint", "colocation", "set", "ms_drbd_r0", "p_vip", "role=Promoted", "setoptions",
                       "score=INFINITY", "id=c_vip_set"]))
    (finding,) = found(path, "CV203")
    assert finding.constraints == ("c_vip_set",)
    assert cold_start(path).after.nodes("p_vip") == ["node2"]
    fix_code(path, "CV203", "pcs")
    after = cold_start(path).after
    assert after.nodes("p_vip") == after.promoted("ms_drbd_r0")
    crm_path = build(reference("crm"), tmp_path / "c5-set-crm.xml", "crm", force=True,
                     crm=("primitive p_vip ocf:heartbeat:Dummy",
                          "colocation c_vip_set inf: ( ms_drbd_r0:Master p_vip:Master sequential=true )"))
    assert [f.constraints for f in found(crm_path, "CV203")] == [("c_vip_set",)]
    fix_code(crm_path, "CV203", "crm")
    assert blocking(crm_path) == []


def test_cv203_a_promote_that_cannot_happen_blocks_the_then_action(reference, tmp_path):
    path = build(reference("crm"), tmp_path / "c5-first.xml", "crm", force=True,
                 crm=("primitive p_a ocf:heartbeat:Dummy", "primitive p_b ocf:heartbeat:Dummy",
                      "order o_ab inf: p_a:promote p_b:start"))
    (finding,) = found(path, "CV203")
    assert "blocked" in finding.message
    assert any("p_b" in line and "blocked" in line for line in cold_start(path).summary)
    fix_code(path, "CV203", "crm")
    assert cold_start(path).graph.waits_for(("p_b", "start"), ("p_a", "start"))


@pytest.mark.parametrize("tool", TOOLS)
def test_cv203_passes_the_reference(reference, tool):
    assert found(reference(tool), "CV203") == []


# --------------------------------------------------------------------------------- CV204 (dangling ids)

def dangling_tag_cib(reference, tmp_path, tool):
    """The Filesystem colocated with the Promoted role through tag t_vz whose first member is misspelt
    (Pacemaker stops applying the constraint at the missing member, so p_fs after it is left out)."""
    if tool == "crm":
        return build(reference("crm"), tmp_path / "dangling.xml", "crm", drop=("c_fs_on_drbd",), force=True,
                     crm=("tag t_vz p_vee p_fs", "location l_fs_pref p_fs 50: node2",
                          "colocation c_fs_on_drbd inf: t_vz ms_drbd_r0:Master"))
    # pcs refuses a tag naming no resource, and pcs 0.11 takes no tag in a constraint: both with cibadmin
    path = build(reference("pcs"), tmp_path / "dangling.xml", "pcs", drop=("c_fs_on_drbd",),
                 pcs=(["constraint", "location", "p_fs", "prefers", "node2=50"],),
                 raw=(("configuration", '<tags><tag id="t_vz"><obj_ref id="p_vee"/><obj_ref id="p_fs"/></tag>'
                                        '</tags>'),
                      ("constraints", '<rsc_colocation id="c_fs_on_drbd" score="INFINITY" rsc="t_vz" '
                                      'with-rsc="ms_drbd_r0" with-rsc-role="Promoted"/>')))
    return path


@pytest.mark.parametrize("tool", TOOLS)
def test_cv204_tag_naming_no_resource_disables_a_required_relation(reference, tmp_path, tool):
    path = dangling_tag_cib(reference, tmp_path, tool)
    (finding,) = found(path, "CV204")
    assert finding.severity.label == "error" and "p_vee" in finding.message and "c_fs_on_drbd" in finding.message
    code, output = crm_verify(path)
    assert code != 0 and "p_vee" in output
    assert any("Filesystem on node2" in p for p in stack_problems(path, "cold-start"))
    fix_code(path, "CV204", tool)
    assert found(path, "CV204") == [] and [f for f in check(path) if f.severity.label == "error"] == []
    assert crm_verify(path)[0] == 0
    assert stack_problems(path) == []


def test_cv204_outside_the_stack_is_a_warning(reference, tmp_path):
    path = build(reference("crm"), tmp_path / "dangling-warn.xml", "crm", force=True,
                 crm=("primitive p_mail ocf:heartbeat:Dummy", "tag t_misc p_mail p_webx",
                      "location l_misc t_misc 100: node1"))
    (finding,) = found(path, "CV204")
    assert finding.severity.label == "warning"
    fix_code(path, "CV204", "crm")
    assert crm_verify(path)[0] == 0


def test_cv204_misspelt_id_in_a_hand_edited_file(reference, tmp_path):
    """No tool writes a constraint naming a missing id (the schemas declare IDREF, crm -F and pcs --force still
    refuse): a hand-edited file is checked before it is loaded, and the finding names the likely id."""
    tree = etree.parse(str(reference("crm")))
    tree.getroot().find(".//rsc_colocation[@id='c_fs_on_drbd']").set("with-rsc", "ms_drbd_rO")
    path = str(tmp_path / "hand.xml")
    tree.write(path)
    (finding,) = found(path, "CV204")
    assert finding.severity.label == "error" and "Did you mean ms_drbd_r0" in finding.message
    assert "crm -F configure colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master" in finding.fix.crm
    assert crm_verify(path)[0] != 0


@pytest.mark.parametrize("tool", TOOLS)
def test_cv204_passes_the_reference(reference, tool):
    assert found(reference(tool), "CV204") == []
    assert severities(reference(tool), "CV204") == []
