"""The install tests put crm-ve's files into the real / (the agent into the OCF directory that the cluster and
agent-install tests use): every test here is marked ``machine``, so that under pytest-xdist they run in the
cluster tests' group (tests/conftest.py), one at a time, and the module's wheel and virtualenv are built once; a
test here that needs root (it installs into /) has the OCF directory alone while it runs."""
from pathlib import Path

import pytest

from support.ocf_install import directory_turn
from support.tool_marks import TOOLS

HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)
def pytest_itemcollected(item):
    """The ``machine`` marker, before tests/conftest.py's hook groups what is marked so."""
    if HERE in item.path.parents:
        item.add_marker(pytest.mark.machine)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item):
    if HERE not in item.path.parents or item.get_closest_marker(TOOLS) is None:
        yield
        return
    with directory_turn(alone=True):
        yield
