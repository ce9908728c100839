"""CV601: a storage stack partly unmanaged or in maintenance (D10, C22). Error when an unmanaged member sits on a
managed one (reference E-X3: on a standby of the primary DRBD is demoted under the unmanaged, mounted
Filesystem), warning when only the storage below managed members is unmanaged; a consistently unmanaged stack
(maintenance-mode, rsc_defaults) is fine."""
import pytest

from crm_ve.simulate import stack_facts
from structure_support import apply_fix, blocking, build, found, run_tool, stack_problems

TOOLS = ("crm", "pcs")


def unmanaged(reference, tmp_path, tool, resource, how="is-managed"):
    path = build(reference(tool), tmp_path / f"unmanaged-{resource}-{tool}.xml", tool)
    if tool == "crm":
        run_tool(["crm", "resource", "unmanage" if how == "is-managed" else "maintenance", resource]
                 + ([] if how == "is-managed" else ["on"]), path)
    else:
        run_tool(["pcs", "resource", "unmanage" if how == "is-managed" else "meta", resource]
                 + ([] if how == "is-managed" else ["maintenance=true"]), path)
    return path


def standby_facts(path, tmp_path):
    """E-X3's sequence: the stack started while managed, then this CIB's configuration (with the member
    unmanaged), then a standby of the primary."""
    from lxml import etree

    from crm_ve.simulate import Simulator
    managed = etree.parse(str(path))
    for nvpair in managed.getroot().iter("nvpair"):
        if nvpair.get("name") in ("is-managed", "maintenance"):
            nvpair.set("value", "true" if nvpair.get("name") == "is-managed" else "false")
    started_path = tmp_path / "managed-start.xml"
    managed.write(str(started_path))
    with Simulator(str(started_path)) as sim:
        running = etree.parse(sim.cold_start().cib_out).getroot()
    mine = etree.parse(str(path)).getroot()
    mine.replace(mine.find("status"), running.find("status"))
    for attribute in ("have-quorum",):
        mine.set(attribute, running.get(attribute, "1"))
    running_path = tmp_path / "running-unmanaged.xml"
    etree.ElementTree(mine).write(str(running_path))
    return next(f for f in stack_facts(str(running_path), "ms_drbd_r0", "p_fs", "p_ve")
                if f.scenario == "standby-primary")


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("how", ("is-managed", "maintenance"))
def test_cv601_unmanaged_filesystem_over_managed_drbd(reference, tmp_path, tool, how):
    path = unmanaged(reference, tmp_path, tool, "p_fs", how)
    (finding,) = found(path, "CV601")
    assert finding.severity.label == "error" and "p_fs" in finding.message
    # E-X3: the standby of the primary demotes DRBD while the unmanaged Filesystem stays mounted
    facts = standby_facts(path, tmp_path)
    assert facts.unmount_before_demote is False
    for fixed_tool in TOOLS:  # either tool's fix manages it again
        fixed = build(path, tmp_path / f"fixed-{fixed_tool}.xml", fixed_tool)
        apply_fix(fixed, finding, fixed_tool)
        assert found(fixed, "CV601") == [] and blocking(fixed) == []
    assert stack_problems(fixed) == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv601_unmanaged_container_over_managed_filesystem(reference, tmp_path, tool):
    path = unmanaged(reference, tmp_path, tool, "p_ve")
    (finding,) = found(path, "CV601")
    assert finding.severity.label == "error" and "container" in finding.message
    facts = standby_facts(path, tmp_path)
    assert facts.container_stop_before_unmount is False  # p_fs is unmounted under the running p_ve


@pytest.mark.parametrize("tool", TOOLS)
def test_cv601_unmanaged_drbd_under_managed_members_is_a_warning(reference, tmp_path, tool):
    path = unmanaged(reference, tmp_path, tool, "ms_drbd_r0")
    (finding,) = found(path, "CV601")
    assert finding.severity.label == "warning"
    apply_fix(path, finding, tool)
    assert found(path, "CV601") == []


def test_cv601_consistent_management_is_fine(reference, tmp_path):
    whole = build(reference("crm"), tmp_path / "maintenance-mode.xml", "crm",
                  crm=("property maintenance-mode=true", "primitive p_other ocf:heartbeat:Dummy"))
    run_tool(["crm", "resource", "unmanage", "p_fs"], whole)
    assert found(whole, "CV601") == []  # the whole cluster is in maintenance
    defaults = build(reference("pcs"), tmp_path / "defaults.xml", "pcs",
                     pcs=(["resource", "defaults", "update", "is-managed=false"],))
    assert found(defaults, "CV601") == []
    assert found(reference("crm"), "CV601") == found(reference("pcs"), "CV601") == []
