"""The install tests put crm-ve's files into the real / (the agent into the OCF directory that the cluster and
agent-install tests use): every test here is marked ``machine``, so that under pytest-xdist they run in the
cluster tests' group (tests/conftest.py), one at a time, and the module's wheel and virtualenv are built once."""
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.machine)
