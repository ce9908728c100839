"""Fixtures for the validator tests: the reference stack built once per tool by the real crmsh and pcs."""
import pytest

from support.cib_build import build_reference_crm, build_reference_pcs
from support.tools import require_tools


@pytest.fixture(scope="session")
def reference_cibs(tmp_path_factory):
    """{'crm': path, 'pcs': path}: the reference configuration, built lazily per tool."""
    built = {}
    root = tmp_path_factory.mktemp("reference")

    def get(tool):
        require_tools("cibadmin", "crm_attribute", "crm_simulate", tool)
        if tool not in built:
            path = root / f"reference-{tool}.xml"
            (build_reference_crm if tool == "crm" else build_reference_pcs)(str(path))
            built[tool] = path
        return built[tool]
    return get
