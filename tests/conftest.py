"""Markers every test gets from the code it runs, the xdist group of the machine-wide tests, and the tool shims
of ``make test-fast``.

* ``tools``, ``live``, ``twonode``, ``ocf_agent``: set from the fixtures and helpers a test uses
  (tests/support/tool_marks.py); ``live`` and ``twonode`` imply ``tools``.
* Tests marked ``live``, ``twonode`` or ``machine`` share the machine's cluster lock, its OCF directory or its
  cluster state: under pytest-xdist (``--dist loadgroup``) they form one group that runs on one worker, one at a
  time, while the other worker takes the rest.
* Tests marked ``ocf_agent`` hold the OCF directory's lock shared while they run (tests/install holds it alone).
* ``--forbid-tools`` (``make test-fast``): every Pacemaker tool (support.tools.PACEMAKER_TOOLS) is a shim first on
  PATH that records its call; a test during which one was called fails, naming it: the test needs
  ``@pytest.mark.tools``.
"""
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

import pytest

from support import session_cache, sweep
from support.agent_sites import compile_agent_library
from support.ocf_install import directory_turn
from support.tool_marks import LIVE, OCF_AGENT, TOOLS, TWONODE, item_marks
from support.tools import PACEMAKER_TOOLS

MACHINE = "machine"
MACHINE_GROUP = "machine"

_SHIM = """#!/bin/sh
printf '%s\\n' "$0 $*" >> '{log}'
echo "{name}: a shim of make test-fast: this test needs @pytest.mark.tools" >&2
exit 127
"""


def pytest_addoption(parser):
    parser.addoption("--forbid-tools", action="store_true",
                     help="put failing shims of every Pacemaker tool first on PATH (make test-fast)")
    parser.addoption("--sample-sweeps", action="store_true",
                     help="tests that sweep many cases run a fixed part of them (make test-fast; support/sweep.py)")


def pytest_configure(config):
    sweep.configure(config.getoption("--sample-sweeps"))
    # pytest-xdist registers it too; a run with -p no:xdist still sees the groups.
    config.addinivalue_line("markers", "xdist_group(name): tests that pytest-xdist runs on one worker")
    if not hasattr(config, "workerinput"):      # the controller (or a run without xdist)
        session_cache.begin(config)
        compile_agent_library()
    if config.getoption("--forbid-tools"):
        config.stash[_SHIMS] = _install_shims()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(sweep.summary())


def pytest_unconfigure(config):
    shims = config.stash.get(_SHIMS, None)
    if shims is not None:
        os.environ["PATH"] = shims.saved_path
        shutil.rmtree(shims.directory, ignore_errors=True)
    if not hasattr(config, "workerinput"):
        session_cache.end(config)


class _Shims:
    def __init__(self, directory, saved_path):
        self.directory = directory
        self.log = directory / "calls.log"
        self.saved_path = saved_path

    def take_calls(self):
        """The tool calls recorded since the last take, one per line."""
        if not self.log.exists():
            return []
        calls = self.log.read_text().splitlines()
        self.log.unlink()
        return calls


_SHIMS = pytest.StashKey[_Shims]()


def _install_shims():
    directory = Path(tempfile.mkdtemp(prefix="crm-ve-tool-shims-"))
    shims = _Shims(directory, os.environ.get("PATH", ""))
    for name in PACEMAKER_TOOLS:
        path = directory / name
        path.write_text(_SHIM.format(log=shims.log, name=name))
        path.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    os.environ["PATH"] = os.pathsep.join([str(directory), shims.saved_path])
    return shims


def pytest_itemcollected(item):
    """Mark each test from what it uses as it is collected: before -m selects and before pytest-xdist reads the
    groups (tests/install/conftest.py marks its tests ``machine`` first)."""
    for name in sorted(item_marks(item)):
        if item.get_closest_marker(name) is None:
            item.add_marker(name)
    if (item.get_closest_marker(LIVE) or item.get_closest_marker(TWONODE)) and not item.get_closest_marker(TOOLS):
        item.add_marker(TOOLS)
    if any(item.get_closest_marker(name) for name in (LIVE, TWONODE, MACHINE)):
        item.add_marker(pytest.mark.xdist_group(MACHINE_GROUP))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item):
    """An agent installed into the OCF directory stays there while a test that uses it runs (its set-up, which may
    install the agent, to its teardown, which may remove it)."""
    if item.get_closest_marker(OCF_AGENT) is None:
        yield
        return
    with directory_turn(alone=False):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under --forbid-tools, a test phase during which a Pacemaker tool was called fails, naming the calls."""
    outcome = yield
    shims = item.config.stash.get(_SHIMS, None)
    if shims is None:
        return
    calls = shims.take_calls()
    if calls:
        report = outcome.get_result()
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} ran Pacemaker tools under make test-fast ({call.when}): "
                           + "; ".join(calls[:5]) + ("; ..." if len(calls) > 5 else "")
                           + "\nmark it @pytest.mark.tools (README, Development), or reach the tool through a "
                             "fixture or helper of tests/support that marks it")


_WRITES_BYTECODE = not sys.dont_write_bytecode


def pytest_collectreport(report):
    """A test module that turns off writing bytecode for the session (as the agent does for itself when a test
    loads it without support.agent_module) makes pytest rewrite every later module on every run: refuse it."""
    if _WRITES_BYTECODE and sys.dont_write_bytecode:
        sys.dont_write_bytecode = False
        raise pytest.UsageError(f"collecting {report.nodeid} set sys.dont_write_bytecode for the whole session: "
                                "load the agent with support.agent_module.load_agent()")
