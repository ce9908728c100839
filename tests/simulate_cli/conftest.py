"""Helpers for ``crm-ve check --simulate``: run crm-ve in-process; reference CIBs built by the real crmsh / pcs."""
import json

import pytest

from crm_ve.cli import main
from support.tools import require_tools

SIMULATION_TOOLS = ("crm_simulate", "crm_attribute", "cibadmin")


@pytest.fixture
def crm_ve(capsys, monkeypatch):
    """``crm_ve(*argv) -> (exit code, stdout, stderr)``, with third-party plugin autoload off."""
    monkeypatch.setenv("CRM_VE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)

    def run(*argv):
        code = main([str(arg) for arg in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


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
