"""ocf-tester passes in both dialects, with and without checkpointing, and installed."""
import os
import subprocess

import pytest

from support.agent_sites import AGENT, make_sites, need_tool


def ocf_tester(site, agent, **params):
    tester = need_tool("ocf-tester")
    options = []
    for key, value in dict(site.params, **params).items():
        options += ["-o", "%s=%s" % (key, value)]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT": "/usr/lib/ocf"}
    proc = subprocess.run([tester, "-v", "-n", "ct101"] + options + [agent], env=env,
                          capture_output=True, text=True, timeout=600)
    return proc


@pytest.mark.parametrize("dialect", ["legacy", "legacy-3.0.22", "vz7"])
@pytest.mark.parametrize("checkpoint", ["false", "true"])
def test_ocf_tester_passes(world, dialect, checkpoint):
    (site,) = make_sites(world, dialect, names=("a",))
    site.node.create("101")
    proc = ocf_tester(site, AGENT, checkpoint_on_stop=checkpoint)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passed all tests" in proc.stdout
    # the run really went through the stand-in: started, stopped (checkpointed or not)
    calls = [argv[0] for argv in site.node.calls()]
    assert "start" in calls and "stop" in calls or "chkpnt" in calls
    if checkpoint == "true":
        assert "chkpnt" in calls and "restore" in calls
    else:
        assert "chkpnt" not in calls
    assert not site.node.running()


def test_ocf_tester_passes_on_the_installed_agent(world, ocf_agent):
    (site,) = make_sites(world, "legacy", names=("a",))
    site.node.create("101")
    proc = ocf_tester(site, ocf_agent, checkpoint_on_stop="true")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert os.path.realpath(ocf_agent) == "/usr/lib/ocf/resource.d/crm-ve/ManageVE"
