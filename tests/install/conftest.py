"""The install tests put crm-ve's files into the real / (the agent into the OCF directory that the cluster and
agent-install tests use): every test here is marked ``machine``, so that under pytest-xdist they run in the
cluster tests' group (tests/conftest.py), one at a time, and the module's wheel and virtualenv are built once; a
test here that needs root (it installs into /) has the OCF directory alone while it runs."""
from pathlib import Path

import pytest

from support.ocf_install import directory_turn
from support.tool_marks import TOOLS

MACHINE_GROUP = "machine"  # tests/conftest.py's group of the machine-wide tests

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """The ``machine`` marker, and its xdist group: tests/conftest.py's hook, which groups what is marked
    ``machine``, runs before this one."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.machine)
            item.add_marker(pytest.mark.xdist_group(MACHINE_GROUP))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item):
    if HERE not in item.path.parents or item.get_closest_marker(TOOLS) is None:
        yield
        return
    with directory_turn(alone=True):
        yield
