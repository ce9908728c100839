"""Issue 25 h: every printed command works on CIBs built by pcs as well as by crmsh.

Each fix is applied with each tool to the CIB each tool built (crm's commands on a pcs CIB, pcs's on a crmsh
CIB): crmsh finds operations by the ids it writes itself (``p_fs-monitor-20s``), pcs writes
``p_fs-monitor-interval-20s``; an operation pcs deletes and adds again keeps what it held
(``OCF_CHECK_LEVEL``, ``on-fail``).
"""
import pytest
from lxml import etree

from placement_support import TOOLS, Case, apply_fix, findings, fs_low_ops
from support.cib_build import cibadmin

FS_LOW_OPS = fs_low_ops("fs-low-ops", monitor_extra=("OCF_CHECK_LEVEL=10",))

DUPLICATE_MONITORS = Case(
    "duplicate-monitors", force=True,
    crm_changes={"p_drbd_r0": "primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 "
                              "op monitor interval=29s role=Master timeout=20s "
                              "op monitor interval=31s role=Slave timeout=20s on-fail=restart OCF_CHECK_LEVEL=10"},
    pcs_changes={"p_drbd_r0": ["resource", "create", "p_drbd_r0", "ocf:linbit:drbd", "drbd_resource=r0",
                               "op", "monitor", "interval=29s", "role=Promoted", "timeout=20s", "monitor",
                               "interval=31s", "role=Unpromoted", "timeout=20s", "on-fail=restart",
                               "OCF_CHECK_LEVEL=10", "promotable", "ms_drbd_r0", "promoted-max=1",
                               "promoted-node-max=1", "clone-max=2", "clone-node-max=1", "notify=true",
                               "--no-default-ops"]})


def _ops(path, rid):
    root = etree.parse(str(path)).getroot()
    return root.xpath(f"//primitive[@id='{rid}']/operations/op")


def _check_level(op):
    return op.xpath("instance_attributes/nvpair[@name='OCF_CHECK_LEVEL']/@value")


@pytest.mark.parametrize("built", TOOLS)
@pytest.mark.parametrize("tool", TOOLS)
def test_cv504_fix_raises_the_timeouts_whichever_tool_built_the_cib(tmp_path, built, tool):
    path = FS_LOW_OPS.build(built, tmp_path)
    (finding,) = [f for f in findings(path, "CV504") if f.resources == ("p_fs",)]
    apply_fix(path, finding, tool)
    assert [f for f in findings(path, "CV504") if f.resources == ("p_fs",)] == []
    monitors = [op for op in _ops(path, "p_fs") if op.get("name") == "monitor"]
    assert len(monitors) == 1 and _check_level(monitors[0]) == ["10"]


@pytest.mark.parametrize("built", TOOLS)
@pytest.mark.parametrize("tool", TOOLS)
def test_cv306_moved_monitor_keeps_what_it_held(tmp_path, built, tool):
    path = DUPLICATE_MONITORS.build(built, tmp_path)
    slave = next(op for op in _ops(path, "p_drbd_r0") if op.get("interval") == "31s")
    # pcs refuses two monitors with one interval: cibadmin gives the unpromoted one the promoted one's
    cibadmin(path, "-M", "-o", "resources", "-X", f'<op id="{slave.get("id")}" interval="29s"/>')
    (finding,) = findings(path, "CV306")
    apply_fix(path, finding, tool)
    assert findings(path, "CV306") == []
    moved = [op for op in _ops(path, "p_drbd_r0") if op.get("interval") not in ("29s",)]
    assert len(moved) == 1 and moved[0].get("on-fail") == "restart" and _check_level(moved[0]) == ["10"]
