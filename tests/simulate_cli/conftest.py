"""Helpers for ``crm-ve check --simulate``: run crm-ve in-process; reference CIBs built by the real crmsh / pcs."""
import json

import pytest

from support.inprocess_cli import crm_ve  # noqa: F401
from support.tools import require_tools

SIMULATION_TOOLS = ("crm_simulate", "crm_attribute", "cibadmin")


@pytest.fixture
def crm_ve_json(crm_ve):
    """``crm_ve_json(*argv) -> (exit code, parsed JSON report)``."""

    def run(*argv):
        code, out, err = crm_ve(*argv, "--format", "json")
        assert out, err
        return code, json.loads(out)

    return run


@pytest.fixture
def simulation_tools():
    return require_tools(*SIMULATION_TOOLS)
