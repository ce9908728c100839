"""Fixtures for the agent's tests: a scratch world, stand-in nodes in it, the agent installed
(tests/support/agent_sites.py has the nodes and the way to run the agent)."""
import shutil

import pytest

from support.agent_sites import AGENT, make_sites, need_root, world_dir
from support.ocf_install import installed_agent


@pytest.fixture
def world():
    path = world_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(params=["legacy", "vz7"])
def dialect(request):
    return request.param


@pytest.fixture
def pair(world, dialect):
    """Two nodes sharing only the dump directory, each with its own copy of container 101."""
    a, b = make_sites(world, dialect)
    for site in (a, b):
        site.node.create("101")
    return a, b


@pytest.fixture
def site(pair):
    return pair[0]


@pytest.fixture(scope="session")
def ocf_agent():
    """ra/ManageVE installed as ocf:crm-ve:ManageVE for the session (root)."""
    need_root()
    with installed_agent(AGENT, "crm-ve", "ManageVE") as path:
        yield str(path)
