"""The agent's library (ra/lib/manage_ve): where the agent finds it, what it does without it, and
that running the agent never writes bytecode."""
import os
import shutil

import pytest

from support.agent_sites import AGENT, make_sites

LIBRARY = os.path.join(os.path.dirname(AGENT), "lib", "manage_ve")


def copy_agent(directory, library_dir=None):
    """A copy of the agent in `directory`, with a copy of its library in `library_dir` (none
    when None)."""
    os.makedirs(directory, exist_ok=True)
    agent = os.path.join(directory, "ManageVE")
    shutil.copy2(AGENT, agent)
    if library_dir is not None:
        shutil.copytree(LIBRARY, os.path.join(library_dir, "manage_ve"),
                        ignore=shutil.ignore_patterns("__pycache__"))
    return agent


def files_under(directory):
    return sorted(os.path.join(root, name) for root, dirs, names in os.walk(directory)
                  for name in dirs + names)


@pytest.fixture
def legacy(world):
    (site,) = make_sites(world, "legacy", names=("a",))
    site.node.create("101")
    return site


@pytest.mark.parametrize("action", ["start", "validate-all", "meta-data", "man-data", "migrate_to",
                                    "migrate_from"])
def test_without_its_library_an_action_that_needs_it_is_not_installed(world, legacy, action):
    bare = os.path.join(world, "bare")
    agent = copy_agent(bare)
    run = legacy.agent(action, agent=agent)
    assert run.rc == 5, run
    assert run.lines == ["ocf-exit-reason:ManageVE's library manage_ve is missing from %s/lib "
                         "(reinstall crm-ve)" % bare], run
    assert legacy.node.calls() == []


def test_monitor_needs_no_library(world, legacy):
    agent = copy_agent(os.path.join(world, "bare"))
    assert legacy.agent("monitor", agent=agent).rc == 7
    assert legacy.agent("start").rc == 0
    run = legacy.agent("monitor", agent=agent)
    assert run.rc == 0 and run.lines == []


def test_stop_without_library_stops_hard_and_says_the_memory_is_lost(world, legacy):
    agent = copy_agent(os.path.join(world, "bare"))
    assert legacy.checkpointing("start").rc == 0
    legacy.node.forget_calls()
    run = legacy.checkpointing("stop", agent=agent)
    assert run.rc == 0, run
    assert legacy.node.calls() == [["stop", "101"], ["status", "101"]]
    assert any("its memory is not kept" in line and "library manage_ve is missing" in line
               for line in run.lines), run
    assert legacy.agent("monitor").rc == 7
    assert not os.path.lexists(legacy.dumpfile)
    run = legacy.checkpointing("stop", agent=agent)   # already down
    assert run.rc == 0, run


def test_stop_without_library_fails_while_the_container_still_runs(world, legacy):
    """A failed stop gets the node fenced: only a container known to be down is success."""
    agent = copy_agent(os.path.join(world, "bare"))
    assert legacy.agent("start").rc == 0
    legacy.node.inject("stop-fail")
    run = legacy.agent("stop", agent=agent)
    assert run.rc == 1, run
    assert run.reasons()[-1].startswith("container 101 is not known to be down after vzctl stop"), run
    assert legacy.agent("monitor").rc == 0


def test_a_library_of_another_version_is_refused(world, legacy):
    copy = os.path.join(world, "copy")
    agent = copy_agent(copy, os.path.join(copy, "lib"))
    init = os.path.join(copy, "lib", "manage_ve", "__init__.py")
    with open(init) as f:
        text = f.read()
    with open(init, "w") as f:
        f.write(text.replace('VERSION = "', 'VERSION = "0.0.0-'))
    run = legacy.agent("start", agent=agent)
    assert run.rc == 5
    assert len(run.lines) == 1 and "is version 0.0.0-" in run.lines[0], run
    assert legacy.agent("start").rc == 0
    assert legacy.agent("stop", agent=agent).rc == 0   # stops hard
    assert legacy.node.calls()[-2:] == [["stop", "101"], ["status", "101"]]


def test_an_agent_under_ocf_root_uses_only_the_library_under_ocf_root(world, legacy):
    ocf_root = os.path.join(world, "ocf")
    provider = os.path.join(ocf_root, "resource.d", "crm-ve")
    agent = copy_agent(provider, os.path.join(provider, "lib"))   # beside it: not used
    run = legacy.agent("meta-data", agent=agent, OCF_ROOT=ocf_root)
    assert run.rc == 5 and run.lines == [
        "ocf-exit-reason:ManageVE's library manage_ve is missing from %s/lib/crm-ve (reinstall "
        "crm-ve)" % ocf_root], run
    shutil.copytree(LIBRARY, os.path.join(ocf_root, "lib", "crm-ve", "manage_ve"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert legacy.agent("meta-data", agent=agent, OCF_ROOT=ocf_root).rc == 0
    # not under this OCF_ROOT: the library beside it
    assert legacy.agent("meta-data", agent=agent, OCF_ROOT=os.path.join(world, "other")).rc == 0


def test_running_the_agent_writes_no_bytecode(world, legacy):
    copy = os.path.join(world, "copy")
    agent = copy_agent(copy, os.path.join(copy, "lib"))
    before = files_under(copy)
    for action in ("meta-data", "man-data", "validate-all", "monitor", "start", "monitor", "stop"):
        assert legacy.checkpointing(action, agent=agent).rc in (0, 7)
    legacy.node.inject("status-garbage")
    assert legacy.agent("monitor", agent=agent).rc == 1   # the library's explanation
    assert files_under(copy) == before


@pytest.mark.parametrize("module, damage", [
    ("actions.py", "def do_start(:\n"),          # truncated or edited: a syntax error
    ("actions.py", "\0\0\0"),                     # overwritten with NUL bytes
    ("__init__.py", "VERSION = (\n"),           # the package itself
])
def test_a_damaged_library_is_not_installed_and_stop_still_stops(world, legacy, module, damage):
    copy = os.path.join(world, "copy")
    agent = copy_agent(copy, os.path.join(copy, "lib"))
    with open(os.path.join(copy, "lib", "manage_ve", module), "w") as f:
        f.write(damage)
    run = legacy.agent("start", agent=agent)
    assert run.rc == 5, run
    (line,) = run.lines
    assert line.startswith("ocf-exit-reason:ManageVE's library module manage_ve") and (
        "cannot be imported from %s/lib: " % copy) in line and line.endswith("(reinstall crm-ve)"), run
    assert legacy.agent("start").rc == 0
    run = legacy.agent("stop", agent=agent)
    assert run.rc == 0, run
    assert any("its memory is not kept" in line for line in run.lines), run
    assert legacy.agent("monitor").rc == 7
