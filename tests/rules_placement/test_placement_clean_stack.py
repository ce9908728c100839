"""The bar: a mistake-free stack gets no finding from the CV4xx/CV5xx rules. The stack ``crm-ve stack new``
generates, applied by crmsh and by pcs to a cluster with a fencing device, is such a stack; each latent mistake
added to it gets at least a warning."""
import pytest

from placement_support import TOOLS, check
from support.cib_build import crm_load, pcs_run

MINE = ("CV4", "CV5")


def _fenced(path, tool):
    if tool == "crm":
        crm_load(path, 'primitive st_ssh stonith:external/ssh params hostlist="node1 node2"\n'
                       "property stonith-enabled=true\n")
    else:
        pcs_run(path, "stonith", "create", "st_ssh", "external/ssh", "hostlist=node1 node2")
        pcs_run(path, "property", "set", "stonith-enabled=true")
    return path


def mine(path):
    return [f for f in check(path) if f.code.startswith(MINE)]


@pytest.mark.parametrize("tool", TOOLS)
def test_the_generated_stack_is_clean(tool, good_stack):
    path = _fenced(good_stack(tool), tool)
    assert mine(path) == []
    assert [f for f in check(path) if f.severity.label in ("error", "warning")] == []


LATENT = {
    "allow-migrate": (["crm", "resource", "meta", "ve101", "set", "allow-migrate", "true"], "CV501"),
    "leftover-ban": (["crm_resource", "--resource", "vz1-fs", "--ban", "--node", "node2", "--force"], "CV403"),
    "checkpoint-local": (["crm", "resource", "param", "ve101", "set", "dumpfile", "/var/tmp/Dump.101"], "CV502"),
}


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("mistake", sorted(LATENT))
def test_each_latent_mistake_gets_at_least_a_warning(tool, good_stack, mistake):
    import os
    import subprocess
    path = _fenced(good_stack(tool), tool)
    argv, code = LATENT[mistake]
    proc = subprocess.run(argv, env=dict(os.environ, CIB_file=path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    found = [f for f in mine(path) if f.code == code]
    assert found and all(f.severity.label in ("warning", "error") for f in found), mine(path)
