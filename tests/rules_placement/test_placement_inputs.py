"""CV403 in an opt-in cluster (a node not enabled for a member takes failover away too) and CV406 on crm shell
text (the scratch CIB's stonith-enabled=false is not the user's)."""
import pytest

from placement_support import TOOLS, Case, apply_fix, findings, stack_nodes, standby
from support.plugin_dist import run_crm_ve

OPT_IN = Case(
    "opt-in",
    crm_extra=("property symmetric-cluster=false",
               "location e_ms1 ms_drbd_r0 0: node1", "location e_ms2 ms_drbd_r0 0: node2",
               "location e_fs1 p_fs 0: node1", "location e_fs2 p_fs 0: node2",
               "location e_ve1 p_ve 0: node1"),
    pcs_extra=(["property", "set", "symmetric-cluster=false"],
               ["constraint", "location", "ms_drbd_r0", "prefers", "node1=0", "node2=0"],
               ["constraint", "location", "p_fs", "prefers", "node1=0", "node2=0"],
               ["constraint", "location", "p_ve", "prefers", "node1=0"]))


@pytest.mark.parametrize("tool", TOOLS)
def test_cv403_in_an_opt_in_cluster(tmp_path, tool):
    path = OPT_IN.build(tool, tmp_path)
    found = findings(path, "CV403")
    assert len(found) == 1 and "p_ve is not enabled there (symmetric-cluster=false)" in found[0].message, found
    _, after = standby(path, "node1")
    assert stack_nodes(after)[2] == []
    apply_fix(path, found[0], tool)
    assert findings(path, "CV403") == []
    _, after = standby(path, "node1")
    assert stack_nodes(after) == (["node2"], ["node2"], ["node2"])


CRM_TEXT = """primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 \\
    op monitor interval=29s role=Master op monitor interval=31s role=Slave
ms ms_drbd_r0 p_drbd_r0 meta master-max=1 notify=true
primitive p_fs Filesystem params device=/dev/drbd0 directory=/vz fstype=ext4
colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master
order o_drbd_before_fs Mandatory: ms_drbd_r0:promote p_fs:start
"""


@pytest.mark.tools  # crm-ve check reads crm shell text through crmsh
def test_cv406_on_crm_text_only_when_the_text_disables_fencing(tmp_path):
    quiet = tmp_path / "stack.crm"
    quiet.write_text(CRM_TEXT)
    result = run_crm_ve("check", "--select", "CV406", quiet)
    # Fencing stays enabled (Pacemaker's default): the warning is the one an XML CIB without a device gets.
    assert result.returncode == 0 and "no fencing device" in result.stdout, result.stdout + result.stderr
    assert "stonith-enabled=false" not in result.stdout, result.stdout
    loud = tmp_path / "disabled.crm"
    loud.write_text(CRM_TEXT + "property cib-bootstrap-options: stonith-enabled=false\n")
    result = run_crm_ve("check", "--select", "CV406", loud)
    assert "CV406" in result.stdout and "stonith-enabled=false" in result.stdout, result.stdout + result.stderr
