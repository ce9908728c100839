"""CV701: instance attributes against the agent's meta-data, on CIBs the real crmsh and pcs build (forced where
they refuse the mistake, as an operator forcing it would), with the printed fixes run by the same tool. The
meta-data comes from the agents installed on this machine (resource-agents, drbd-utils) and from the
ManageVE shipped with crm-ve."""
import json
import subprocess
import sys

import pytest
from lxml import etree

from structure_support import check, found
from support.cib_build import build_reference_crm, build_reference_pcs, pcs_run
from support.fix_commands import apply_fix

TOOLS = ("crm", "pcs")
CRM_VE = [sys.executable, "-m", "crm_ve"]


def reference(tmp_path, tool, name, crm=None, pcs=None):
    path = str(tmp_path / f"{name}-{tool}.xml")
    if tool == "crm":
        return build_reference_crm(path, force=True, **(crm or {}))
    return build_reference_pcs(path, force=True, **(pcs or {}))


def params_of(path, rid):
    root = etree.parse(path).getroot()
    return {nv.get("name"): nv.get("value")
            for nv in root.iterfind(f".//primitive[@id='{rid}']/instance_attributes/nvpair")}


def problems(path):
    return [f for f in found(path, "CV701") if f.severity.label != "info"]


@pytest.mark.parametrize("tool", TOOLS)
def test_the_reference_stack_has_no_parameter_problem(tmp_path, tool):
    path = reference(tmp_path, tool, "ref")
    assert problems(path) == []
    assert [f for f in found(path, "CV701")] == [], "every agent of the reference is readable on this machine"


@pytest.mark.parametrize("tool", TOOLS)
def test_a_misspelt_parameter_is_an_error_and_its_fix_renames_it(tmp_path, tool):
    crm_ve = "primitive p_ve ocf:crm-ve:ManageVE params veid=101 checkpoint_on_stp=true dumpfile=/vz/dump/Dump.101"
    pcs_ve = ["resource", "create", "p_ve", "ocf:crm-ve:ManageVE", "veid=101", "checkpoint_on_stp=true",
              "dumpfile=/vz/dump/Dump.101", "--no-default-ops"]
    path = reference(tmp_path, tool, "typo", crm={"p_ve": crm_ve}, pcs={"p_ve": pcs_ve})
    (finding,) = problems(path)
    assert finding.severity.label == "error"
    assert "'checkpoint_on_stp' is not known" in finding.message
    assert "did you mean 'checkpoint_on_stop'" in finding.message
    apply_fix(path, finding, tool)
    assert problems(path) == []
    params = params_of(path, "p_ve")
    assert params.get("checkpoint_on_stop") == "true" and "checkpoint_on_stp" not in params


@pytest.mark.parametrize("tool", TOOLS)
def test_an_unknown_parameter_without_a_close_name_gets_no_fix(tmp_path, tool):
    crm_fs = "primitive p_fs ocf:heartbeat:Filesystem params device=/dev/drbd0 directory=/vz fstype=ext4 colour=blue"
    pcs_fs = ["resource", "create", "p_fs", "ocf:heartbeat:Filesystem", "device=/dev/drbd0", "directory=/vz",
              "fstype=ext4", "colour=blue", "--no-default-ops"]
    path = reference(tmp_path, tool, "unknown", crm={"p_fs": crm_fs}, pcs={"p_fs": pcs_fs})
    (finding,) = problems(path)
    assert "'colour' is not known to ocf:heartbeat:Filesystem" in finding.message
    assert "remove it or correct its name" in finding.message and not finding.fix


@pytest.mark.parametrize("tool", TOOLS)
def test_a_missing_required_parameter_is_an_error(tmp_path, tool):
    crm_fs = "primitive p_fs ocf:heartbeat:Filesystem params device=/dev/drbd0 directory=/vz"
    pcs_fs = ["resource", "create", "p_fs", "ocf:heartbeat:Filesystem", "device=/dev/drbd0", "directory=/vz",
              "--no-default-ops"]
    path = reference(tmp_path, tool, "required", crm={"p_fs": crm_fs}, pcs={"p_fs": pcs_fs})
    (finding,) = problems(path)
    assert finding.severity.label == "error"
    assert "required parameter 'fstype' of ocf:heartbeat:Filesystem is not set" in finding.message


@pytest.mark.parametrize("tool", TOOLS)
def test_a_value_of_the_wrong_type_is_a_warning(tmp_path, tool):
    crm_ve = "primitive p_ve ocf:crm-ve:ManageVE params veid=101 checkpoint_on_stop=maybe dumpfile=/vz/dump/D.101"
    pcs_ve = ["resource", "create", "p_ve", "ocf:crm-ve:ManageVE", "veid=101", "checkpoint_on_stop=maybe",
              "dumpfile=/vz/dump/D.101", "--no-default-ops"]
    path = reference(tmp_path, tool, "type", crm={"p_ve": crm_ve}, pcs={"p_ve": pcs_ve})
    (finding,) = problems(path)
    assert finding.severity.label == "warning"
    assert "checkpoint_on_stop='maybe' is not a valid boolean" in finding.message


def test_tracing_parameters_are_known_to_every_ocf_agent(tmp_path):
    path = reference(tmp_path, "pcs", "trace")
    pcs_run(path, "resource", "update", "p_fs", "trace_ra=1", "trace_file=/tmp/fs.trace")
    assert params_of(path, "p_fs")["trace_ra"] == "1"
    assert problems(path) == []


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_an_agent_that_cannot_be_read_is_listed_as_not_checked_in_every_format(tmp_path, fmt):
    crm_x = ("primitive p_x ocf:nosuchprovider:NoSuchAgent params a=1\n"
             "primitive p_y ocf:nosuchprovider:NoSuchAgent params b=2\n")
    path = build_reference_crm(str(tmp_path / "unread.xml"), force=True, extra=(crm_x,))
    (note,) = found(path, "CV701")
    assert note.severity.label == "info" and note.resources == ("p_x", "p_y")
    proc = subprocess.run(CRM_VE + ["check", "--format", fmt, path], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "parameters not checked for ocf:nosuchprovider:NoSuchAgent (p_x, p_y)" in proc.stdout
    if fmt == "json":
        (entry,) = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "CV701"]
        assert entry["severity"] == "info"


def test_an_agent_name_that_is_not_plain_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    path = build_reference_crm(str(tmp_path / "hostile.xml"))
    root = etree.parse(path)
    primitive = root.find(".//primitive[@id='p_fs']")
    primitive.set("type", f"Filesystem;touch {marker};#")
    root.write(path)
    notes = [f for f in check(path) if f.code == "CV701"]
    assert not marker.exists()
    assert [f.severity.label for f in notes] == ["info"] and "not checked" in notes[0].message
