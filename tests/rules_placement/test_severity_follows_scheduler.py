"""Severities and fixes that follow what the scheduler does (issue 25, classes a, b, c and g), on CIBs made by the
real crmsh and pcs and shown with crm_simulate.

* a: DRBD in no promotable clone under a Filesystem: Pacemaker ignores the colocation with its Promoted role and
  mounts the Filesystem where DRBD does not even run; CV302 and CV203 are errors and say so.
* b: DRBD's order and colocation name the first member of the disk group g_disk, and the containers' group g_ve
  is ordered after g_disk: on a DRBD failure Pacemaker 2.1.5 restarts g_disk without stopping g_ve; CV202 is
  an error there.
* c: a reversed colocation ``ms with group, with-rsc-role=Master`` is obeyed, not dropped: the Filesystem stays
  on the demoted node. Kept beside the right colocation it forms a loop, an error; its fix deletes it and adds
  the right one.
* g: a clone with interleave=true ordered after the promote is never mounted where DRBD is Secondary, so its
  colocation without a role is a warning; a primitive Filesystem with the same constraints stays an error.

Each CIB is built once per module and tool; tests copy it before changing it.
"""
import shutil

import pytest

from crm_ve.simulate import Simulator, stack_facts
from placement_support import TOOLS, Case, apply_fix, check, cold_start, run_command
from support.cib_build import crm_load, pcs_run
from support.inprocess_cli import crm_ve  # noqa: F401 (the in-process CLI fixture)

PCS_DRBD_BARE = ["resource", "create", "p_drbd_r0", "ocf:linbit:drbd", "drbd_resource=r0", "op", "monitor",
                 "interval=29s", "role=Promoted", "monitor", "interval=31s", "role=Unpromoted", "--no-default-ops"]
PCS_DRBD_PROMOTED_MAX_1 = ["resource", "create", "p_drbd_r0", "ocf:linbit:drbd", "drbd_resource=r0", "op", "monitor",
                           "interval=29s", "role=Promoted", "monitor", "interval=31s", "role=Unpromoted",
                           "promotable", "ms_drbd_r0", "promoted-max=1", "promoted-node-max=1", "clone-max=2",
                           "clone-node-max=1", "notify=true", "--no-default-ops"]
NO_CONTAINER = {"p_ve": None, "c_ve_on_fs": None, "o_fs_before_ve": None}

CASES = {
    # a: DRBD in no clone; the Filesystem colocated with its (void) Promoted role and ordered after its start;
    # DRBD prefers node1 and the Filesystem node2, so an honoured colocation would keep them together
    "bare-drbd": Case(
        "bare-drbd", force=True,
        crm_changes={"ms_drbd_r0": None, "c_fs_on_drbd": "colocation c_fs_on_drbd inf: p_fs p_drbd_r0:Master",
                     "o_drbd_before_fs": "order o_drbd_before_fs Mandatory: p_drbd_r0 p_fs"},
        crm_extra=("location l_drbd_pref p_drbd_r0 50: node1", "location l_fs_pref p_fs 50: node2"),
        pcs_changes={"p_drbd_r0": PCS_DRBD_BARE,
                     "c_fs_on_drbd": ["constraint", "colocation", "add", "p_fs", "with", "promoted", "p_drbd_r0",
                                      "INFINITY", "id=c_fs_on_drbd"],
                     "o_drbd_before_fs": ["constraint", "order", "p_drbd_r0", "then", "p_fs",
                                          "id=o_drbd_before_fs"]},
        pcs_extra=(["constraint", "location", "p_drbd_r0", "prefers", "node1=50"],
                   ["constraint", "location", "p_fs", "prefers", "node2=50"])),
    # c: the Filesystem and container in a group; DRBD placed with the group's (void) Promoted role
    "reversed": Case(
        "reversed",
        crm_changes={"c_fs_on_drbd": None,
                     "o_drbd_before_fs": "order o_drbd_before_g Mandatory: ms_drbd_r0:promote g_vz:start",
                     "c_ve_on_fs": "group g_vz p_fs p_ve", "o_fs_before_ve": None},
        pcs_changes={"c_fs_on_drbd": None, "o_drbd_before_fs": None, "c_ve_on_fs": None, "o_fs_before_ve": None},
        pcs_extra=(["resource", "group", "add", "g_vz", "p_fs", "p_ve"],
                   ["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "g_vz",
                    "id=o_drbd_before_g"])),
    # g: one Primary; the Filesystem colocated with DRBD without a role and ordered after its promote
    "interleaved-clone": Case(
        "interleaved-clone",
        crm_changes={"c_fs_on_drbd": None, "o_drbd_before_fs": None, **NO_CONTAINER},
        crm_extra=("clone cl_fs p_fs meta interleave=true", "colocation c_fs_on_drbd inf: cl_fs ms_drbd_r0",
                   "order o_drbd_before_fs Mandatory: ms_drbd_r0:promote cl_fs:start"),
        pcs_changes={"p_drbd_r0": PCS_DRBD_PROMOTED_MAX_1, "c_fs_on_drbd": None, "o_drbd_before_fs": None,
                     **NO_CONTAINER},
        pcs_extra=(["resource", "clone", "p_fs", "cl_fs", "interleave=true"],
                   ["constraint", "colocation", "add", "cl_fs", "with", "ms_drbd_r0", "INFINITY",
                    "id=c_fs_on_drbd"],
                   ["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "cl_fs",
                    "id=o_drbd_before_fs"])),
    "primitive-no-role": Case(
        "primitive-no-role",
        crm_changes={"c_fs_on_drbd": "colocation c_fs_on_drbd inf: p_fs ms_drbd_r0", **NO_CONTAINER},
        crm_extra=("location l_fs_pref p_fs 50: node2",),
        pcs_changes={"c_fs_on_drbd": ["constraint", "colocation", "add", "p_fs", "with", "ms_drbd_r0", "INFINITY",
                                      "id=c_fs_on_drbd"], **NO_CONTAINER},
        pcs_extra=(["constraint", "location", "p_fs", "prefers", "node2=50"],)),
    # b: an LVM + Filesystem disk group and a container group ordered after it; DRBD's constraints (FORCED)
    # name the disk group's first member
    "member-of-disk-group": Case(
        "member-of-disk-group",
        crm_changes={"p_fs": "primitive p_fs Filesystem params device=/dev/vg0/lv0 directory=/vz fstype=ext4",
                     "c_fs_on_drbd": None, "o_drbd_before_fs": None, "c_ve_on_fs": None, "o_fs_before_ve": None},
        crm_extra=("primitive p_lvm ocf:heartbeat:LVM-activate params vgname=vg0 vg_access_mode=system_id",
                   "primitive p_ip ocf:heartbeat:Dummy", "group g_disk p_lvm p_fs", "group g_ve p_ve p_ip",
                   "order o_disk_before_ve Mandatory: g_disk g_ve", "colocation c_ve_on_disk inf: g_ve g_disk"),
        pcs_changes={"p_fs": ["resource", "create", "p_fs", "ocf:heartbeat:Filesystem", "device=/dev/vg0/lv0",
                              "directory=/vz", "fstype=ext4", "--no-default-ops"],
                     "c_fs_on_drbd": None, "o_drbd_before_fs": None, "c_ve_on_fs": None, "o_fs_before_ve": None},
        pcs_extra=(["resource", "create", "p_lvm", "ocf:heartbeat:LVM-activate", "vgname=vg0",
                    "vg_access_mode=system_id", "--no-default-ops"],
                   ["resource", "create", "p_ip", "ocf:heartbeat:Dummy", "--no-default-ops"],
                   ["resource", "group", "add", "g_disk", "p_lvm", "p_fs"],
                   ["resource", "group", "add", "g_ve", "p_ve", "p_ip"],
                   ["constraint", "order", "g_disk", "then", "g_ve", "id=o_disk_before_ve"],
                   ["constraint", "colocation", "add", "g_ve", "with", "g_disk", "INFINITY", "id=c_ve_on_disk"])),
}

#: What the tools refuse without force (a Promoted role on a group), added to a case after it is built.
FORCED = {"reversed": {"crm": "colocation c_rev inf: ms_drbd_r0 g_vz:Master",
                       "pcs": (["constraint", "colocation", "add", "ms_drbd_r0", "with", "promoted", "g_vz",
                                "INFINITY", "id=c_rev"],)},
          "member-of-disk-group": {
              "crm": "colocation c_disk_on_drbd inf: p_lvm ms_drbd_r0:Master\n"
                     "order o_drbd_before_disk Mandatory: ms_drbd_r0:promote p_lvm:start",
              "pcs": (["constraint", "colocation", "add", "p_lvm", "with", "promoted", "ms_drbd_r0", "INFINITY",
                       "id=c_disk_on_drbd"],
                      ["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "p_lvm",
                       "id=o_drbd_before_disk"])}}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """built(case, tool) -> a fresh copy of the case's CIB (each built once per module and tool)."""
    directory = tmp_path_factory.mktemp("severity-cases")
    originals = {}
    counter = iter(range(10 ** 6))

    def get(name, tool):
        if (name, tool) not in originals:
            path = originals[name, tool] = CASES[name].build(tool, directory)
            forced = FORCED.get(name, {})
            if tool == "crm" and forced:
                crm_load(path, forced["crm"], force=True)
            for argv in forced.get("pcs", ()) if tool == "pcs" else ():
                pcs_run(path, *argv, force=True)
        copy = directory / f"{name}-{tool}-{next(counter)}.xml"
        shutil.copyfile(originals[name, tool], copy)
        return str(copy)
    return get


def by_code(path, code):
    return [f for f in check(path) if f.code == code]


def errors(path):
    return [f for f in check(path) if f.severity.label == "error"]


# ---------------------------------------------------------------------- a: DRBD that is never promoted

@pytest.mark.parametrize("tool", TOOLS)
def test_a_drbd_in_no_clone_under_a_filesystem_is_an_error(built, tool, crm_ve):
    path = built("bare-drbd", tool)
    result = cold_start(path)
    drbd_nodes, fs_nodes = result.after.nodes("p_drbd_r0"), result.after.nodes("p_fs")
    # the scheduler mounts the Filesystem on a node where DRBD does not even run
    assert drbd_nodes == ["node1"] and fs_nodes == ["node2"], result.summary
    assert result.did("start", "p_fs", "node2")
    (not_promotable,) = by_code(path, "CV302")
    assert not_promotable.severity.label == "error"
    assert "ignores every colocation with its Promoted role" in not_promotable.message
    assert "does not run" in not_promotable.message and "blocked" not in not_promotable.message
    (void,) = by_code(path, "CV203")
    assert void.severity.label == "error" and void.constraints == ("c_fs_on_drbd",)
    assert "places nothing" in void.message and "dropped" not in void.message
    assert not void.fix.crm and not void.fix.pcs  # removing the role would tie it to a Secondary DRBD
    (unmanaged,) = by_code(path, "CV506")
    assert unmanaged.severity.label == "error"
    code, out, _ = crm_ve("check", "--select", "CV302,CV203", path)
    assert code == 1 and "CV302 drbd-not-promotable [error]" in out and "CV203 void-constraint [error]" in out


# ------------------------------------------------------------------------ c: the reversed colocation

@pytest.mark.parametrize("tool", TOOLS)
def test_c_reversed_colocation_is_obeyed_and_its_fix_replaces_it(built, tool, crm_ve):
    path = built("reversed", tool)
    with Simulator(path) as sim:
        cold, swapped = sim.cold_start(), sim.swap_promotion()
    assert cold.after.nodes("p_fs") == cold.after.promoted("ms_drbd_r0") == ["node1"]
    # a promotion change: DRBD is promoted on node2, the Filesystem stays on the demoted node1
    assert swapped.after.promoted("ms_drbd_r0") == ["node2"] and swapped.after.nodes("p_fs") == ["node1"]
    (reversed_,) = by_code(path, "CV101")
    assert reversed_.severity.label == "error" and reversed_.constraints == ("c_rev",)
    assert "does not drop it" in reversed_.message and "stays on the demoted node" in reversed_.message
    assert by_code(path, "CV203") == []  # the chain rule reports the constraint, not as "dropped"
    code, out, _ = crm_ve("check", "--select", "CV1,CV2", path)
    assert code == 1 and "dropped" not in out
    commands = reversed_.fix.crm if tool == "crm" else reversed_.fix.pcs
    assert len(commands) == 2 and "delete" in commands[0].split() and "c_rev" in commands[0]
    assert "colocation" in commands[1] and "g_vz" in commands[1] and "ms_drbd_r0" in commands[1]
    apply_fix(path, reversed_, tool)
    assert errors(path) == []
    assert [p for facts in stack_facts(path, "ms_drbd_r0", "p_fs", "p_ve") for p in facts.problems()] == []


@pytest.mark.parametrize("tool", TOOLS)
def test_c_reversed_colocation_kept_beside_the_right_one_is_a_loop(built, tool, crm_ve):
    path = built("reversed", tool)
    (reversed_,) = by_code(path, "CV101")
    add_right_one = (reversed_.fix.crm if tool == "crm" else reversed_.fix.pcs)[1]
    run_command(add_right_one.replace("c_rev", "c_g_vz_on_drbd"), path, tool)  # the right one, the wrong one kept
    (loop,) = by_code(path, "CV101")
    assert loop.severity.label == "error" and loop.constraints == ("c_rev",) and "loop" in loop.message
    code, _, _ = crm_ve("check", "--select", "CV1,CV2", path)
    assert code == 1
    assert len(loop.fix.crm) == len(loop.fix.pcs) == 1 and "c_rev" in loop.fix.crm[0]
    apply_fix(path, loop, tool)
    assert errors(path) == []
    assert [p for facts in stack_facts(path, "ms_drbd_r0", "p_fs", "p_ve") for p in facts.problems()] == []


# ------------------------------------------------------- b: DRBD's constraints on a disk group's member

def drbd_failure(path):
    """crm_simulate: a cold start, then the monitor of the Promoted DRBD instance fails."""
    with Simulator(path) as sim:
        return sim.monitor_failure()


@pytest.mark.parametrize("tool", TOOLS)
def test_b_drbd_constraints_on_a_member_with_a_group_ordered_after_are_an_error(built, tool, crm_ve):
    path = built("member-of-disk-group", tool)
    failure = drbd_failure(path)
    # g_disk is stopped and started again under the running container: g_ve is not stopped
    assert failure.graph.has(("p_fs", "stop")) and not failure.graph.has(("p_ve", "stop")), failure.summary
    assert failure.after.nodes("p_ve") == failure.before.nodes("p_ve") != []
    findings = {f.constraints[0]: f for f in by_code(path, "CV202")}
    assert set(findings) == {"c_disk_on_drbd", "o_drbd_before_disk"}
    for finding in findings.values():
        assert finding.severity.label == "error"
        assert "restarts g_disk without stopping g_ve" in finding.message and "stays first" not in finding.message
    code, _, _ = crm_ve("check", "--select", "CV202", path)
    assert code == 1
    for finding in findings.values():
        apply_fix(path, finding, tool)
    assert by_code(path, "CV202") == [] and errors(path) == []
    failure = drbd_failure(path)
    assert failure.graph.waits_for(("p_fs", "stop"), ("p_ve", "stop"))  # the container stops first now


# ------------------------------------------------------------- g: an interleaved clone after the promote

@pytest.mark.parametrize("tool", TOOLS)
def test_g_interleaved_clone_after_the_promote_is_a_warning(built, tool, crm_ve):
    path = built("interleaved-clone", tool)
    with Simulator(path) as sim:
        for result in (sim.cold_start(), sim.swap_promotion(), sim.standby_primary()):
            promoted, mounted = result.after.promoted("ms_drbd_r0"), result.after.nodes("p_fs")
            assert mounted and set(mounted) <= set(promoted), (result.scenario, result.summary)
    assert any("p_fs" in line and "blocked" in line for line in sim.cold_start().summary)  # not on the Secondary
    (no_role,) = by_code(path, "CV101")
    assert no_role.severity.label == "warning" and "interleave=true" in no_role.message
    assert errors(path) == []
    code, out, _ = crm_ve("check", "--select", "CV1", path)
    assert code == 0 and "CV101 filesystem-not-with-promoted-drbd [warning]" in out


@pytest.mark.parametrize("tool", TOOLS)
def test_g_primitive_filesystem_with_the_same_constraints_is_an_error(built, tool, crm_ve):
    path = built("primitive-no-role", tool)
    result = cold_start(path)
    # mounted on node2, where DRBD is Secondary
    assert result.after.promoted("ms_drbd_r0") == ["node1"] and result.after.nodes("p_fs") == ["node2"]
    (no_role,) = by_code(path, "CV101")
    assert no_role.severity.label == "error" and "without a role" in no_role.message
    code, _, _ = crm_ve("check", "--select", "CV1", path)
    assert code == 1
