"""Every rule's documented Example and Use instead, loaded by the real crmsh into a correct, fenced stack.

The documentation is what an operator copies: the Example must show exactly the mistake its rule is about (it
adds findings of that rule and of no other), and Use instead must be clean (it adds no finding at all). Both are
crm shell configuration text (lines starting with ``pcs`` show the pcs way and are not loaded), loaded with
``crm configure load update`` without ``-F``: crmsh refuses what the agents' meta-data refuses.
"""
import shutil

import pytest

from crm_ve.checker import check_document
from crm_ve.plugins import PluginHost
from crm_ve.reader import read_cib
from support.cib_build import ToolFailed, crm_load, empty_cib
from support.ocf_install import manage_ve_agent  # noqa: F401 (ocf:crm-ve:ManageVE, which crmsh reads)

#: The stacks every example is loaded into: DRBD r0 -> /vz -> container 101 and DRBD r1 -> /vz2, fenced, every
#: operation's timeout at least what the agents advise (op_defaults), the ids the rule documentation uses.
BASE = r"""
primitive st_ipmi stonith:external/ipmi \
    params hostname=node1 ipaddr=192.0.2.9 userid=admin passwd=secret interface=lanplus
primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 \
    op monitor interval=29s role=Master \
    op monitor interval=31s role=Slave
ms ms_drbd_r0 p_drbd_r0 \
    meta master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 notify=true
primitive p_fs ocf:heartbeat:Filesystem params device=/dev/drbd0 directory=/vz fstype=ext4
primitive p_ve ocf:crm-ve:ManageVE \
    params veid=101 checkpoint_on_stop=true dumpfile=/vz/dump/Dump.101
colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master
order o_drbd_before_fs Mandatory: ms_drbd_r0:promote p_fs:start
colocation c_ve_on_fs inf: p_ve p_fs
order o_fs_before_ve Mandatory: p_fs:start p_ve:start
primitive p_drbd_r1 ocf:linbit:drbd params drbd_resource=r1 \
    op monitor interval=29s role=Master \
    op monitor interval=31s role=Slave
ms ms_drbd_r1 p_drbd_r1 \
    meta master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 notify=true
primitive p_fs2 ocf:heartbeat:Filesystem params device=/dev/drbd1 directory=/vz2 fstype=ext4
colocation c_fs2_on_drbd inf: p_fs2 ms_drbd_r1:Master
order o_drbd_before_fs2 Mandatory: ms_drbd_r1:promote p_fs2:start
op_defaults op-options: timeout=240s
property stonith-enabled=true
"""

HOST = PluginHost(autoload=False)
RULES = HOST.rules
#: Examples plain crmsh refuses, and why: the test checks that it does, then loads them with ``crm -F`` as an
#: operator forcing the mistake would (Pacemaker itself, or an older crmsh, takes them).
FORCED = {
    "CV201": "crm_verify rejects a constraint naming a clone's child (not a valid resource or tag)",
    "CV204": "crm_verify rejects a tag naming no resource (no resource found)",
    "CV301": "the deprecated ocf:heartbeat:drbd is not installed here, so crmsh finds no meta-data",
    "CV701": "crmsh's own verify refuses a parameter the agent's meta-data does not declare",
}


def crm_text(section):
    return "\n".join(line for line in section.splitlines() if not line.startswith("pcs ")) + "\n"


def findings(path):
    found, failures = check_document(read_cib(path), HOST.rules, HOST.workload_agents)
    assert not failures, failures
    return {(f.code, f.severity.label, f.message) for f in found}


@pytest.fixture(scope="module")
def base(manage_ve_agent, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("examples") / "base.xml")
    empty_cib(path)
    crm_load(path, BASE)
    found = findings(path)
    assert not [f for f in found if f[1] != "info"], found
    return path, found


def loaded(base, tmp_path, name, section, forced=None):
    path, found = base
    copy = str(tmp_path / f"{name}.xml")
    shutil.copyfile(path, copy)
    try:
        crm_load(copy, crm_text(section))
    except ToolFailed as exc:
        if not forced:
            pytest.fail(f"plain crmsh refuses the {name}:\n{section}\n{exc}")
        crm_load(copy, crm_text(section), force=True)
    else:
        assert not forced, f"plain crmsh takes the {name}: FORCED says it does not ({forced})"
    return findings(copy) - found


def loud(added):
    """The codes of the warnings and errors among ``added`` (an info says what was not checked, such as an
    agent whose meta-data cannot be read here)."""
    return {code for code, severity, _ in added if severity != "info"}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_the_example_shows_exactly_its_rule(base, tmp_path, rule):
    added = loaded(base, tmp_path, "example", rule.doc.example, FORCED.get(rule.code))
    assert loud(added) == {rule.code}, sorted(added)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_use_instead_is_clean(base, tmp_path, rule):
    added = loaded(base, tmp_path, "use-instead", rule.doc.use_instead)
    assert not loud(added) and not [f for f in added if f[0] == rule.code], sorted(added)
