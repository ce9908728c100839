"""The third-party plugin tests/plugins/crm-ve-vm (entry point ``vm``, installed into the test environment by
the Makefile) declares ``ocf:heartbeat:VirtualDomain`` a workload: a libvirt guest on a DRBD Filesystem gets
the same storage checks as a ManageVE container, through the real CLI; with ``-p no:vm`` it does not.
"""
import json

import pytest

from placement_support import TOOLS, Case, apply_fix, cold_start
from support.plugin_dist import run_crm_ve

VM_MISSING_ORDER = Case(
    "vm-missing-order",
    crm_changes={"p_ve": "primitive vm1 ocf:heartbeat:VirtualDomain params config=/vz/vm1.xml",
                 "c_ve_on_fs": "colocation c_ve_on_fs inf: vm1 p_fs", "o_fs_before_ve": None},
    pcs_changes={"p_ve": ["resource", "create", "vm1", "ocf:heartbeat:VirtualDomain", "config=/vz/vm1.xml",
                          "--no-default-ops"],
                 "c_ve_on_fs": ["constraint", "colocation", "add", "vm1", "with", "p_fs", "INFINITY",
                                "id=c_ve_on_fs"],
                 "o_fs_before_ve": None})
VM_LOCAL_SNAPSHOT = Case(
    "vm-local-snapshot",
    crm_changes={"p_ve": "primitive vm1 ocf:heartbeat:VirtualDomain params config=/vz/vm1.xml "
                         "snapshot=/var/lib/libvirt/qemu/save",
                 "c_ve_on_fs": "colocation c_ve_on_fs inf: vm1 p_fs",
                 "o_fs_before_ve": "order o_fs_before_ve Mandatory: p_fs vm1"},
    pcs_changes={"p_ve": ["resource", "create", "vm1", "ocf:heartbeat:VirtualDomain", "config=/vz/vm1.xml",
                          "snapshot=/var/lib/libvirt/qemu/save", "--no-default-ops"],
                 "c_ve_on_fs": ["constraint", "colocation", "add", "vm1", "with", "p_fs", "INFINITY",
                                "id=c_ve_on_fs"],
                 "o_fs_before_ve": ["constraint", "order", "p_fs", "then", "vm1", "id=o_fs_before_ve"]})


def check_json(path, *options):
    result = run_crm_ve("check", "--format", "json", *options, path)
    assert result.returncode in (0, 1), result.stderr + result.stdout
    return result.returncode, json.loads(result.stdout)["findings"]


def naming(findings, code, rid):
    return [f for f in findings if f["code"] == code and rid in f["resources"]]


@pytest.mark.parametrize("tool", TOOLS)
def test_a_virtualdomain_gets_the_storage_checks_through_the_plugin(tmp_path, tool):
    path = VM_MISSING_ORDER.build(tool, tmp_path)
    code, found = check_json(path)
    missing = naming(found, "CV104", "vm1")
    assert code == 1 and len(missing) == 1 and "vm1" in missing[0]["message"], found
    cold = cold_start(path)
    assert not cold.graph.waits_for(("vm1", "start"), ("p_fs", "start"))  # the defect, as crm_simulate sees it
    # the same fix as for a container works for the guest
    finding = next(f for f in _in_process(path) if f.code == "CV104")
    apply_fix(path, finding, tool)
    code, found = check_json(path)
    assert naming(found, "CV104", "vm1") == [] and code == 0, found
    assert cold_start(path).graph.waits_for(("vm1", "start"), ("p_fs", "start"))


@pytest.mark.parametrize("tool", TOOLS)
def test_without_the_plugin_a_virtualdomain_is_not_a_workload(tmp_path, tool):
    path = VM_MISSING_ORDER.build(tool, tmp_path)
    code, found = check_json(path, "-p", "no:vm")
    assert code == 0 and [f for f in found if "vm1" in f["resources"]] == [], found


@pytest.mark.parametrize("tool", TOOLS)
def test_the_plugins_dump_parameter_gets_the_checkpoint_check(tmp_path, tool):
    path = VM_LOCAL_SNAPSHOT.build(tool, tmp_path)
    code, found = check_json(path)
    off = naming(found, "CV502", "vm1")
    assert code == 1 and len(off) == 1 and "snapshot /var/lib/libvirt/qemu/save" in off[0]["message"]
    assert naming(check_json(path, "-p", "no:vm")[1], "CV502", "vm1") == []


def _in_process(path):
    """Findings with the installed plugins loaded (the Finding objects, for their fixes)."""
    from crm_ve.checker import check_document
    from crm_ve.plugins import PluginHost
    from crm_ve.reader import read_cib
    host = PluginHost()
    findings, failures = check_document(read_cib(str(path)), host.rules, host.workload_agents)
    assert not failures
    return findings
