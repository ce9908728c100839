"""Nothing recognised is not "clean": every report says what the stack rules covered in each input.

A CIB with DRBD, a Filesystem or a container but no stack crm-ve recognises gets a warning naming what it found
and why it is not a stack; a CIB with none of them gets an info, "no DRBD/Filesystem/container resources", and
exit 0, never "No problems found". CIBs built by the real crmsh and pcs.
"""
import json

import pytest

from support.cib_build import build_reference_pcs, crm_load, empty_cib, pcs_run
from support.inprocess_cli import crm_ve  # noqa: F401
from support.tools import require_tools

DRBD = ("primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 "
        "op monitor interval=29s role=Master op monitor interval=31s role=Slave\n"
        "ms ms_drbd_r0 p_drbd_r0 meta master-max=1 clone-max=2 notify=true")
LOCAL_FS = "primitive p_fs ocf:heartbeat:Filesystem params device=/dev/sdb1 directory=/srv fstype=ext4"
VE = "primitive p_ve ocf:heartbeat:ManageVE params veid=101"


def crm_cib(path, text):
    require_tools("crm", "cibadmin", "crm_attribute")
    empty_cib(path)
    if text:
        crm_load(path, text)
    return path


def coverage(crm_ve, path, *options):
    code, out, err = crm_ve("check", "--format", "json", *options, path)
    (entry,) = json.loads(out)["coverage"]
    return code, entry, json.loads(out)["summary"]


@pytest.mark.parametrize("text, found, why", [
    (DRBD, ["DRBD p_drbd_r0"], "no Filesystem is mounted from DRBD"),
    (LOCAL_FS, ["Filesystem p_fs"], "no Filesystem is on a DRBD clone"),
    (DRBD + "\n" + LOCAL_FS, ["DRBD p_drbd_r0", "Filesystem p_fs"], "no Filesystem is on a DRBD clone"),
    (VE, ["container p_ve"], "no container has a Filesystem to sit on"),
    ("primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0", ["DRBD p_drbd_r0"],
     "no DRBD primitive is in a clone"),
], ids=["drbd-only", "local-filesystem", "filesystem-not-on-drbd", "container-only", "drbd-not-cloned"])
def test_something_but_no_stack_is_a_warning_naming_it(tmp_path, crm_ve, text, found, why):
    path = crm_cib(tmp_path / "cib.xml", text)
    code, entry, summary = coverage(crm_ve, path)
    assert entry["severity"] == "warning" and entry["stacks"] == 0
    assert entry["message"].startswith("no storage stack recognised")
    for what in found:
        assert what in entry["message"]
    assert why in entry["message"]
    assert summary["warning"] >= 1 and code == 0
    code, out, err = crm_ve("check", path)
    assert f"{path}: warning: no storage stack recognised" in out and "No problems found" not in out
    assert crm_ve("check", "--strict", path)[0] == 1


def test_none_of_them_is_an_info_and_exit_0(tmp_path, crm_ve):
    path = crm_cib(tmp_path / "cib.xml", "primitive p_dummy ocf:heartbeat:Dummy")
    code, out, err = crm_ve("check", path)
    assert code == 0, out + err
    assert f"{path}: info: no DRBD/Filesystem/container resources" in out
    assert "No problems found" not in out and out.splitlines()[-1] == "0 errors, 0 warnings, 1 info in 1 file."
    code, entry, summary = coverage(crm_ve, path)
    assert code == 0 and entry["severity"] == "info" and summary["info"] == 1
    assert crm_ve("check", "--strict", path)[0] == 0


def test_a_recognised_stack_is_named_in_the_verdict(tmp_path, crm_ve):
    require_tools("pcs", "cibadmin", "crm_attribute")
    path = build_reference_pcs(tmp_path / "ref.xml")
    code, out, err = crm_ve("check", path)
    assert f"{path}: checked 1 storage stack: ms_drbd_r0 -> p_fs -> p_ve" in out, out
    code, entry, summary = coverage(crm_ve, path)
    assert entry == {"file": str(path), "severity": None, "stacks": 1,
                     "message": "checked 1 storage stack: ms_drbd_r0 -> p_fs -> p_ve"}


def test_a_pcs_filesystem_on_no_drbd_with_a_container_is_checked_as_what_it_is(tmp_path, crm_ve):
    """A Filesystem carrying a container is a stack without DRBD: the container rules cover it."""
    require_tools("pcs", "cibadmin", "crm_attribute")
    path = empty_cib(tmp_path / "cib.xml")
    pcs_run(path, "resource", "create", "p_fs", "ocf:heartbeat:Filesystem", "device=/dev/sdb1",
            "directory=/srv", "fstype=ext4")
    pcs_run(path, "resource", "create", "p_ve", "ocf:heartbeat:ManageVE", "veid=101", force=True)
    pcs_run(path, "constraint", "colocation", "add", "p_ve", "with", "p_fs", "INFINITY")
    code, entry, summary = coverage(crm_ve, path)
    assert entry["severity"] is None and entry["message"] == "checked 1 storage stack: p_fs -> p_ve"
