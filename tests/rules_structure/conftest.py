"""Fixtures for the structure-rule tests: the reference stack built once per tool by the real crmsh and pcs."""
import pytest

from support.cib_build import build_reference_crm, build_reference_pcs
from support.ocf_install import manage_ve_agent  # noqa: F401 (ocf:crm-ve:ManageVE for the session)
from support.tools import require_tools

TOOLS = ("crm", "pcs")


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    """reference(tool) -> path of the reference configuration built by ``tool`` ('crm' or 'pcs')."""
    built = {}
    root = tmp_path_factory.mktemp("structure-reference")

    def get(tool):
        require_tools("cibadmin", "crm_attribute", "crm_simulate", "crm_verify", tool)
        if tool not in built:
            path = root / f"reference-{tool}.xml"
            (build_reference_crm if tool == "crm" else build_reference_pcs)(str(path))
            built[tool] = path
        return built[tool]
    return get
