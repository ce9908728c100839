"""Fixtures for the shared harnesses' own tests: CIBs built once per module with the real tools."""
import pytest

from support.tools import require_tools


@pytest.fixture
def pacemaker_tools():
    require_tools("cibadmin", "crm_attribute", "crm_simulate")


@pytest.fixture
def crmsh(pacemaker_tools):
    require_tools("crm")


@pytest.fixture
def pcs(pacemaker_tools):
    require_tools("pcs")
