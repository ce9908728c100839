"""Fixtures for the two-node cluster tests (issue 12): see tests/support/twonode.py.

Where namespaces cannot be created (no root, a container without CAP_SYS_ADMIN, a missing tool)
the tests skip with the reason; with CI=true they fail instead, loudly, because CI must run them.
"""
from pathlib import Path

import pytest

from support import twonode
from support.ocf_install import installed_agent
from support.tools import in_ci

SUPPORT = Path(__file__).resolve().parent.parent / "support"
TEST_PROVIDER = "crmve-test"


@pytest.fixture(scope="session")
def twonode_possible():
    reason = twonode.namespaces_unavailable_reason()
    if reason:
        if in_ci():
            pytest.fail(f"two-node cluster tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(f"two-node cluster cannot run here: {reason}")


@pytest.fixture(scope="session")
def fakefs_agent(twonode_possible):
    """ocf:crmve-test:FakeFS installed for the session (the replicated-filesystem stand-in)."""
    with installed_agent(SUPPORT / "ocf" / "FakeFS", TEST_PROVIDER) as path:
        yield f"ocf:{TEST_PROVIDER}:{path.name}"


@pytest.fixture
def cluster(twonode_possible, tmp_path_factory, request):
    """A running two-node cluster, stopped after the test whatever happens.

    Its files (logs, CIBs) stay in pytest's temporary directory; on failure the tail of both
    nodes' logs is printed.
    """
    c = twonode.TwoNodeCluster(workdir=tmp_path_factory.mktemp("twonode"))
    try:
        c.start()
        yield c
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed and c.nodes and not c._stopped:
            print(f"\n---- two-node diagnostics ({c.workdir})\n{c.diagnostics()}")
    finally:
        c.stop()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


REPO = SUPPORT.parent.parent
AGENT_SOURCE = REPO / "ra" / "ManageVE"


@pytest.fixture(scope="session")
def manageve_agent():
    """Our agent, installed as ocf:crm-ve:ManageVE for the session (crmsh and the executor look there)."""
    if not AGENT_SOURCE.exists():
        pytest.fail(f"{AGENT_SOURCE} is missing", pytrace=False)
    with installed_agent(AGENT_SOURCE, "crm-ve") as path:
        yield f"ocf:crm-ve:{path.name}"
