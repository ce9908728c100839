"""Rules CV501-CV507 (the workload agent and the Filesystem's DRBD device) with CIBs made by the real crmsh and
pcs: failing and passing CIBs, fixes applied with the same tool, and crm_simulate where the scheduler shows it.
"""
import pytest

from placement_support import (TOOLS, Case, apply_fix, check, cold_start, findings, fs_low_ops, stack_nodes,
                               standby)

# --------------------------------------------------------------------------------------------- CV501

MIGRATE = Case("migrate",
               crm_changes={"p_ve": "primitive p_ve ocf:heartbeat:ManageVE params veid=101 meta allow-migrate=true"},
               pcs_changes={"p_ve": ["resource", "create", "p_ve", "ocf:heartbeat:ManageVE", "veid=101", "meta",
                                     "allow-migrate=true", "--no-default-ops"]})
MIGRATE_CRM_VE = Case("migrate-crm-ve",
                      crm_changes={"p_ve": "primitive p_ve ocf:crm-ve:ManageVE params veid=101 "
                                           "meta allow-migrate=true"},
                      pcs_changes={"p_ve": ["resource", "create", "p_ve", "ocf:crm-ve:ManageVE", "veid=101", "meta",
                                            "allow-migrate=true", "--no-default-ops"]})
DUAL_PRIMARY = Case(
    "dual-primary",
    crm_changes={
        "ms_drbd_r0": "ms ms_drbd_r0 p_drbd_r0 meta master-max=2 master-node-max=1 clone-max=2 "
                      "clone-node-max=1 notify=true interleave=true",
        "p_ve": "primitive p_ve ocf:heartbeat:ManageVE params veid=101 meta allow-migrate=true",
        "c_fs_on_drbd": "colocation c_fs_on_drbd inf: cl_fs ms_drbd_r0:Master",
        "o_drbd_before_fs": "order o_drbd_before_fs Mandatory: ms_drbd_r0:promote cl_fs:start",
        "c_ve_on_fs": "colocation c_ve_on_fs inf: p_ve cl_fs",
        "o_fs_before_ve": "order o_fs_before_ve Mandatory: cl_fs p_ve"},
    crm_extra=("clone cl_fs p_fs meta interleave=true",),
    pcs_changes={
        "p_drbd_r0": ["resource", "create", "p_drbd_r0", "ocf:linbit:drbd", "drbd_resource=r0", "op", "monitor",
                      "interval=29s", "role=Promoted", "monitor", "interval=31s", "role=Unpromoted", "promotable",
                      "ms_drbd_r0", "promoted-max=2", "promoted-node-max=1", "clone-max=2", "clone-node-max=1",
                      "notify=true", "interleave=true", "--no-default-ops"],
        "p_fs": ["resource", "create", "p_fs", "ocf:heartbeat:Filesystem", "device=/dev/drbd0", "directory=/vz",
                 "fstype=gfs2", "clone", "cl_fs", "interleave=true", "--no-default-ops"],
        "p_ve": ["resource", "create", "p_ve", "ocf:heartbeat:ManageVE", "veid=101", "meta", "allow-migrate=true",
                 "--no-default-ops"],
        "c_fs_on_drbd": ["constraint", "colocation", "add", "cl_fs", "with", "promoted", "ms_drbd_r0", "INFINITY",
                         "id=c_fs_on_drbd"],
        "o_drbd_before_fs": ["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "cl_fs",
                             "id=o_drbd_before_fs"],
        "c_ve_on_fs": ["constraint", "colocation", "add", "p_ve", "with", "cl_fs", "INFINITY", "id=c_ve_on_fs"],
        "o_fs_before_ve": ["constraint", "order", "cl_fs", "then", "p_ve", "id=o_fs_before_ve"]})


def _migrates(result):
    return bool(result.graph.find(("p_ve", "migrate_to")))


@pytest.mark.parametrize("tool", TOOLS)
def test_cv501_allow_migrate_over_single_primary_drbd(tmp_path, tool):
    path = MIGRATE.build(tool, tmp_path)
    found = findings(path, "CV501")
    assert len(found) == 1 and found[0].severity.label == "warning", found
    assert "single-primary DRBD ms_drbd_r0" in found[0].message and "checkpoint_on_stop" in found[0].message
    cold, moved = standby(path, "node1")
    assert stack_nodes(cold)[2] == ["node1"] and stack_nodes(moved)[2] == ["node2"]
    # crm_simulate: a stop on node1 and a start on node2, never a live migration
    assert not _migrates(moved) and moved.graph.has(("p_ve", "stop")) and moved.graph.has(("p_ve", "start"))
    apply_fix(path, found[0], tool)
    assert findings(path, "CV501") == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv501_points_to_checkpoint_on_stop_of_the_crm_ve_agent(tmp_path, tool, manage_ve_agent):
    path = MIGRATE_CRM_VE.build(tool, tmp_path)
    found = findings(path, "CV501")
    assert len(found) == 1 and "set checkpoint_on_stop=true and dumpfile" in found[0].message
    assert "/vz/Dump.101" in found[0].message
    apply_fix(path, found[0], tool)
    assert findings(path, "CV501") == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv501_passes_dual_primary_with_a_cloned_filesystem(tmp_path, tool):
    path = DUAL_PRIMARY.build(tool, tmp_path)
    assert findings(path, "CV501") == []
    _, moved = standby(path, "node1")
    assert _migrates(moved)  # storage active on both nodes: Pacemaker does live-migrate here


# ------------------------------------------------------------------------------------- CV502, CV503

def _crm_ve_case(name, params):
    return Case(name, crm_changes={"p_ve": f"primitive p_ve ocf:crm-ve:ManageVE params veid=101 {params}"},
                pcs_changes={"p_ve": ["resource", "create", "p_ve", "ocf:crm-ve:ManageVE", "veid=101",
                                      *params.split(), "--no-default-ops"]})


DUMP_LOCAL = _crm_ve_case("dump-local", "dumpfile=/var/tmp/Dump.101 checkpoint_on_stop=true")
DUMP_ON_FS = _crm_ve_case("dump-on-fs", "dumpfile=/vz/dump/Dump.101 checkpoint_on_stop=true")
NO_DUMP = _crm_ve_case("no-dump", "checkpoint_on_stop=true")


@pytest.mark.parametrize("tool", TOOLS)
def test_cv502_dump_file_off_the_filesystem(tmp_path, tool, manage_ve_agent):
    path = DUMP_LOCAL.build(tool, tmp_path)
    found = findings(path, "CV502")
    assert len(found) == 1 and found[0].severity.label == "error", found
    assert "/var/tmp/Dump.101 is not under /vz" in found[0].message
    apply_fix(path, found[0], tool)
    assert findings(path, "CV502") == []
    assert findings(DUMP_ON_FS.build(tool, tmp_path), "CV502") == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv503_checkpoint_without_dump_file(tmp_path, tool, manage_ve_agent):
    path = NO_DUMP.build(tool, tmp_path)
    found = findings(path, "CV503")
    assert len(found) == 1 and found[0].severity.label == "error", found
    apply_fix(path, found[0], tool)
    assert [f for f in check(path) if f.code in ("CV502", "CV503")] == []
    assert findings(DUMP_ON_FS.build(tool, tmp_path), "CV503") == []


# --------------------------------------------------------------------------------------------- CV504

FS_LOW_OPS = fs_low_ops("fs-low-ops")
OP_DEFAULTS = Case("op-defaults", crm_extra=("op_defaults timeout=300s",),
                   pcs_extra=(["resource", "op", "defaults", "update", "timeout=300s"],))


@pytest.mark.parametrize("tool", TOOLS)
def test_cv504_default_timeouts_below_the_agents_advice(tmp_path, tool):
    path = Case("reference").build(tool, tmp_path)
    found = findings(path, "CV504")
    assert sorted(f.resources[0] for f in found) == ["p_drbd_r0", "p_fs", "p_ve"]
    drbd = next(f for f in found if f.resources == ("p_drbd_r0",))
    assert "start 20s from Pacemaker's default (20s), advised 240s" in drbd.message
    assert "promote" in drbd.message and "notify" in drbd.message
    for finding in found:
        apply_fix(path, finding, tool)
    assert findings(path, "CV504") == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv504_configured_timeouts_below_the_advice_are_raised_in_place(tmp_path, tool):
    path = FS_LOW_OPS.build(tool, tmp_path)
    found = [f for f in findings(path, "CV504") if f.resources == ("p_fs",)]
    assert len(found) == 1, found
    assert "start 10s from op" in found[0].message and "monitor (every 20s) 10s" in found[0].message
    assert "stop" not in found[0].message.split("advised", 1)[0]  # stop's 60s is enough
    if tool == "crm":
        assert all(c.startswith("crm configure set p_fs.") for c in found[0].fix.crm)
    apply_fix(path, found[0], tool)
    assert [f for f in findings(path, "CV504") if f.resources == ("p_fs",)] == []


DEEP_MONITOR = Case(
    "deep-monitor",
    crm_changes={"p_ve": "primitive p_ve ocf:crm-ve:ManageVE params veid=101 "
                         "op start timeout=120s interval=0s op stop timeout=120s interval=0s "
                         "op monitor interval=10s timeout=20s "
                         "op monitor interval=60s timeout=20s OCF_CHECK_LEVEL=10"},
    pcs_changes={"p_ve": ["resource", "create", "p_ve", "ocf:crm-ve:ManageVE", "veid=101", "op",
                          "start", "timeout=120s", "interval=0s", "stop", "timeout=120s", "interval=0s",
                          "monitor", "interval=10s", "timeout=20s",
                          "monitor", "interval=60s", "timeout=20s", "OCF_CHECK_LEVEL=10", "--no-default-ops"]})


@pytest.mark.parametrize("tool", TOOLS)
def test_cv504_compares_each_monitor_with_the_advice_for_its_check_level(tmp_path, tool, manage_ve_agent):
    """ManageVE advises 20s for its monitor and 30s for the deep one (depth 10, OCF_CHECK_LEVEL=10)."""
    path = DEEP_MONITOR.build(tool, tmp_path)
    (found,) = [f for f in findings(path, "CV504") if f.resources == ("p_ve",)]
    assert "monitor (every 60s) 20s from op" in found.message and "advised 30s" in found.message
    assert "every 10s" not in found.message
    apply_fix(path, found, tool)
    assert [f for f in findings(path, "CV504") if f.resources == ("p_ve",)] == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv504_passes_op_defaults_and_the_generated_stack(tmp_path, tool, manage_ve_agent, good_stack):
    assert findings(OP_DEFAULTS.build(tool, tmp_path), "CV504") == []
    assert findings(good_stack(tool), "CV504") == []


# --------------------------------------------------------------------------------------------- CV505

UNTIED = Case("untied",
              crm_changes={"p_fs": "primitive p_fs Filesystem params device=/dev/sdb1 directory=/vz fstype=ext4",
                           "c_fs_on_drbd": None, "o_drbd_before_fs": None, "c_ve_on_fs": None,
                           "o_fs_before_ve": None},
              pcs_changes={"p_fs": ["resource", "create", "p_fs", "ocf:heartbeat:Filesystem", "device=/dev/sdb1",
                                    "directory=/vz", "fstype=ext4", "--no-default-ops"],
                           "c_fs_on_drbd": None, "o_drbd_before_fs": None, "c_ve_on_fs": None,
                           "o_fs_before_ve": None})
TWO_FILESYSTEMS = Case(
    "two-filesystems",
    crm_changes={"c_ve_on_fs": None, "o_fs_before_ve": None},
    crm_extra=("primitive p_fs2 Filesystem params device=/dev/drbd0 directory=/vz2 fstype=ext4",
               "colocation c_fs2 inf: p_fs2 ms_drbd_r0:Master",
               "order o_fs2 Mandatory: ms_drbd_r0:promote p_fs2:start"),
    pcs_changes={"c_ve_on_fs": None, "o_fs_before_ve": None},
    pcs_extra=(["resource", "create", "p_fs2", "ocf:heartbeat:Filesystem", "device=/dev/drbd0", "directory=/vz2",
                "fstype=ext4", "--no-default-ops"],
               ["constraint", "colocation", "add", "p_fs2", "with", "promoted", "ms_drbd_r0", "INFINITY",
                "id=c_fs2"],
               ["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "p_fs2", "id=o_fs2"]))


@pytest.mark.parametrize("tool", TOOLS)
def test_cv505_container_tied_to_no_storage(tmp_path, tool):
    path = UNTIED.build(tool, tmp_path)
    found = findings(path, "CV505")
    assert len(found) == 1 and found[0].severity.label == "warning" and found[0].resources == ("p_ve",)
    assert "p_ve (ocf:heartbeat:ManageVE) is tied to no storage" in found[0].message
    cold = cold_start(path)
    assert not cold.graph.waits_for(("p_ve", "start"), ("p_fs", "start"))  # started alongside the mount
    apply_fix(path, found[0], tool)
    assert findings(path, "CV505") == []
    assert [f for f in check(path) if f.code in ("CV103", "CV104")] == []
    cold = cold_start(path)
    assert cold.graph.waits_for(("p_ve", "start"), ("p_fs", "start"))


@pytest.mark.parametrize("tool", TOOLS)
def test_cv505_names_the_candidates_when_it_cannot_choose(tmp_path, tool):
    found = findings(TWO_FILESYSTEMS.build(tool, tmp_path), "CV505")
    assert len(found) == 1 and "p_fs and p_fs2" in found[0].message and not found[0].fix
    assert findings(Case("reference").build(tool, tmp_path), "CV505") == []


# ------------------------------------------------------------------------------------- CV506, CV507

def _fs_case(name, device, drop_drbd_constraints):
    crm = {"p_fs": f"primitive p_fs Filesystem params device={device} directory=/vz fstype=ext4"}
    pcs = {"p_fs": ["resource", "create", "p_fs", "ocf:heartbeat:Filesystem", f"device={device}", "directory=/vz",
                    "fstype=ext4", "--no-default-ops"]}
    if drop_drbd_constraints:
        for step in ("c_fs_on_drbd", "o_drbd_before_fs"):
            crm[step] = pcs[step] = None
    return Case(name, crm_changes=crm, pcs_changes=pcs)


UNMANAGED = _fs_case("unmanaged", "/dev/drbd/by-res/r1/0", True)
MISMATCH = _fs_case("mismatch", "/dev/drbd/by-res/r9/0", False)
BY_RES = _fs_case("by-res", "/dev/drbd/by-res/r0/0", False)


@pytest.mark.parametrize("tool", TOOLS)
def test_cv506_filesystem_on_a_drbd_device_no_clone_manages(tmp_path, tool):
    path = UNMANAGED.build(tool, tmp_path)
    found = findings(path, "CV506")
    assert len(found) == 1 and found[0].severity.label == "error", found
    assert "no DRBD clone manages DRBD resource r1" in found[0].message
    cold = cold_start(path)
    assert cold.after.nodes("p_fs") and not cold.graph.waits_for(("p_fs", "start"), ("p_drbd_r0", "promote"))
    apply_fix(path, found[0], tool)
    assert [f for f in check(path) if f.code in ("CV506", "CV101", "CV102")] == []
    cold = cold_start(path)
    assert cold.graph.waits_for(("p_fs", "start"), ("p_drbd_r1", "promote"))
    assert cold.after.nodes("p_fs") == cold.after.promoted("ms_drbd_r1")


@pytest.mark.parametrize("tool", TOOLS)
def test_cv507_device_names_another_drbd_resource(tmp_path, tool):
    path = MISMATCH.build(tool, tmp_path)
    found = findings(path, "CV507")
    assert len(found) == 1 and found[0].severity.label == "warning", found
    assert "names DRBD resource r9" in found[0].message and "manages r0" in found[0].message
    apply_fix(path, found[0], tool)
    assert findings(path, "CV507") == []
    for case in (BY_RES, Case("reference")):
        built = case.build(tool, tmp_path)
        assert [f for f in check(built) if f.code in ("CV506", "CV507")] == []
