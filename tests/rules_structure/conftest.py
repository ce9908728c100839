"""Fixtures for the structure-rule tests: the reference stack built once per tool by the real crmsh and pcs."""
import pytest

from support.cib_build import build_reference_crm, build_reference_pcs
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


@pytest.fixture(scope="session")
def manage_ve_agent():
    """ocf:crm-ve:ManageVE installed for the session: crmsh and pcs accept the generated stacks only then
    (the OCF directory is compiled in: needs root)."""
    import os

    from crm_ve.resources import agent_path
    from support.ocf_install import installed_agent
    from support.tools import in_ci
    if os.geteuid() != 0:
        message = "installing ocf:crm-ve:ManageVE into /usr/lib/ocf/resource.d needs root"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    with installed_agent(agent_path(), "crm-ve") as path:
        yield path
