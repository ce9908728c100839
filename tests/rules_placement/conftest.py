"""Fixtures for the CV4xx/CV5xx rule tests (helpers in placement_support.py): the ocf:crm-ve:ManageVE agent
installed for crmsh and pcs, and the stack ``crm-ve stack new`` generates, applied to an empty CIB by each tool."""
import subprocess
import sys

import pytest

from support.cib_build import empty_cib
from support.ocf_install import manage_ve_agent  # noqa: F401
from support.session_cache import cached_file
from support.tools import require_tools


@pytest.fixture
def good_stack(tmp_path, manage_ve_agent):
    """``good_stack(tool)``: a CIB with the stack ``crm-ve stack new`` writes, applied by crmsh or pcs (built once
    per session and tool, copied into the test's directory)."""
    def build(tool):
        require_tools("cibadmin", "crm_attribute", tool)

        def apply(path):
            empty_cib(path)
            proc = subprocess.run([sys.executable, "-m", "crm_ve", "stack", "new", "vz1", "--drbd-resource", "r0",
                                   "--directory", "/vz", "--veid", "101", "--dumpfile", "/vz/dump/Dump.101",
                                   "-f", str(path), "--format", tool, "--apply"], capture_output=True, text=True,
                                  timeout=300)
            assert proc.returncode == 0, proc.stderr
        return str(cached_file(f"good_stack {tool}", tmp_path / f"good-{tool}.xml", apply))
    return build
