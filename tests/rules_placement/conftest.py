"""Fixtures for the CV4xx/CV5xx rule tests (helpers in placement_support.py): the ocf:crm-ve:ManageVE agent
installed for crmsh and pcs, and the stack ``crm-ve stack new`` generates, applied to an empty CIB by each tool."""
import os
import subprocess
import sys

import pytest

from crm_ve.resources import agent_path
from support.cib_build import empty_cib
from support.ocf_install import installed_agent
from support.tools import in_ci, require_tools


@pytest.fixture(scope="session")
def crm_ve_agent():
    """ocf:crm-ve:ManageVE in the system OCF directory (crmsh and pcs check agents there)."""
    if os.geteuid() != 0:
        message = "installing ocf:crm-ve:ManageVE needs root"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    with installed_agent(agent_path(), "crm-ve") as path:
        yield path


@pytest.fixture
def good_stack(tmp_path, crm_ve_agent):
    """``good_stack(tool)``: a CIB with the stack ``crm-ve stack new`` writes, applied by crmsh or pcs."""
    def build(tool):
        require_tools("cibadmin", "crm_attribute", tool)
        path = str(tmp_path / f"good-{tool}.xml")
        empty_cib(path)
        proc = subprocess.run([sys.executable, "-m", "crm_ve", "stack", "new", "vz1", "--drbd-resource", "r0",
                               "--directory", "/vz", "--veid", "101", "--dumpfile", "/vz/dump/Dump.101",
                               "-f", path, "--format", tool, "--apply"], capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        return path
    return build
