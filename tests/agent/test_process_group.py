"""A vzctl call that outlives its deadline: the agent ends vzctl's whole process group (legacy
chkpnt works in a grandchild, OpenVZ 7 in vz-cpt and criu), answers only once no member runs,
and stops a container that the killed checkpoint left suspended or frozen.

The stand-in's fault chkpnt-workers makes chkpnt suspend the container and dump in helpers
forked twice that ignore SIGTERM and keep appending to the image (reopening it each time, so a
survivor would put the removed partial image back); chkpnt-workers-frozen puts them in a
frozen freezer cgroup, where SIGKILL cannot end them."""
import json
import os
import shutil

import pytest

from support.agent_sites import AGENT, make_sites, need_root
from support.vzctl_standin import FREEZER, process_state


@pytest.fixture(params=["legacy", "vz7"])
def site(world, request):
    (a,) = make_sites(world, request.param, names=("a",))
    a.node.create("101")
    yield a
    a.node.end_workers()


def calls(site):
    return site.node.calls()


def dump_dir_names(site):
    return sorted(os.listdir(os.path.dirname(site.dumpfile)))


def assert_helpers_were_there_and_are_gone(site):
    with open(os.path.join(site.node.state, "workers")) as f:
        assert len(f.read().split()) == 2   # the chkpnt's child and grandchild ran
    assert site.node.workers() == []


def test_stop_ends_every_helper_of_a_killed_checkpoint(site):
    assert site.checkpointing("start").rc == 0
    site.node.inject("chkpnt-workers", 1)
    site.node.forget_calls()
    run = site.checkpointing("stop", CRM_meta_timeout="10000")
    assert run.rc == 0, run
    assert_helpers_were_there_and_are_gone(site)
    assert not site.node.running()
    # no partial image, no dump: nothing is left that writes to the dump directory
    assert dump_dir_names(site) == ["ct101.dump.coldstart"]
    commands = [argv for argv in calls(site) if argv[0] != "status"]
    assert commands[0][0] == "chkpnt" and commands[1:] == [["chkpnt", "101", "--resume"],
                                                           ["stop", "101"]]


def test_the_fork_path_ends_the_whole_group_too(world):
    """Python 3.6 and 3.7 have no posix_spawn: the forked child makes the group itself."""
    (a,) = make_sites(world, "legacy", names=("a",))
    a.node.create("101")
    launcher = os.path.join(world, "ManageVE-without-posix_spawn")
    with open(launcher, "w") as f:
        f.write("#!/usr/bin/python3 -IS\nimport posix, runpy, sys\ndel posix.posix_spawn\n"
                "sys.argv[0] = %r\nrunpy.run_path(%r, run_name='__main__')\n" % (AGENT, AGENT))
    os.chmod(launcher, 0o755)
    try:
        assert a.checkpointing("start", agent=launcher).rc == 0
        a.node.inject("chkpnt-workers", 1)
        run = a.checkpointing("stop", agent=launcher, CRM_meta_timeout="10000")
        assert run.rc == 0, run
        assert_helpers_were_there_and_are_gone(a)
        assert not a.node.running() and dump_dir_names(a) == ["ct101.dump.coldstart"]
    finally:
        a.node.end_workers()


def test_without_its_library_the_agent_still_kills_a_hanging_vzctl(world):
    """stop_without_library: a hanging vzctl stop is killed, and the stop is not a success."""
    (a,) = make_sites(world, "legacy", names=("a",))
    a.node.create("101")
    assert a.agent("start").rc == 0
    a.node.inject("hang-stop")
    a.node.forget_calls()
    bare = os.path.join(world, "ManageVE")   # a copy without lib/ beside it
    shutil.copy2(AGENT, bare)
    run = a.agent("stop", agent=bare, CRM_meta_timeout="6000")
    assert run.rc == 1, run
    assert run.reasons()[-1].startswith("container 101 is not known to be down"), run
    with open(os.path.join(a.node.state, "calls.log")) as f:
        hung = [json.loads(line)["pid"] for line in f][0]
    assert a.node.calls()[0] == ["stop", "101"] and process_state(hung) in (None, "Z")


def test_a_container_left_suspended_by_a_killed_migration_is_stopped(site):
    """migrate_to's checkpoint is killed: the container stays suspended (legacy) or frozen
    (OpenVZ 7), which neither vzctl stop ends; Pacemaker's stop that follows must."""
    assert site.checkpointing("start").rc == 0
    site.node.inject("chkpnt-workers", 1)
    run = site.agent("migrate_to", CRM_meta_timeout="6000", CRM_meta_migrate_target="b")
    assert run.rc == 1, run
    assert_helpers_were_there_and_are_gone(site)
    assert site.node.running() and site.node.paused()
    site.node.forget_calls()
    run = site.agent("stop")
    assert run.rc == 0, run
    assert not site.node.running()
    assert ["chkpnt", "101", "--resume"] in calls(site)


def test_a_frozen_container_is_resumed_before_any_stop(world):
    """OpenVZ 7 reports a frozen container as paused; vzctl stop would enter it and hang."""
    (a,) = make_sites(world, "vz7", names=("a",))
    a.node.create("101")
    assert a.agent("start").rc == 0
    assert a.node.vz.main(["chkpnt", "101", "--suspend"]) == 0   # freeze it
    a.node.forget_calls()
    run = a.agent("stop")
    assert run.rc == 0, run
    assert not a.node.running()
    assert [argv for argv in calls(a) if argv[0] != "status"] == [
        ["chkpnt", "101", "--resume"], ["stop", "101"]]


@pytest.mark.machine
def test_stop_fails_when_helpers_outlive_sigkill(site):
    """Helpers in a frozen cgroup cannot be ended: stop fails with one line instead of going on
    (vzctl stop, then the Filesystem's stop) while they may still write."""
    need_root()
    if not os.path.isdir(FREEZER):
        pytest.skip("no cgroup v1 freezer at %s" % FREEZER)
    assert site.checkpointing("start").rc == 0
    site.node.inject("chkpnt-workers", 1)
    site.node.inject("chkpnt-workers-frozen", 1)
    run = site.checkpointing("stop", CRM_meta_timeout="8000")
    assert run.rc == 1, run
    assert len(run.reasons()) == 1, run
    assert "still run after SIGKILL" in run.reasons()[0], run
    assert len(site.node.workers()) == 2   # still there: the agent did not claim otherwise
    assert "stop" not in [argv[0] for argv in calls(site)]


def test_the_standin_models_a_suspended_container(world):
    """What the tests above rely on, per generation (the stand-in's docstring cites vzctl)."""
    legacy, vz7 = (make_sites(world, dialect, names=(dialect,))[0] for dialect in
                   ("legacy", "vz7"))
    for site in (legacy, vz7):
        site.node.create("101")
        site.node.start_cold()
    vz = legacy.node.vz
    assert vz.main(["chkpnt", "101", "--resume"]) == 16   # no checkpoint context
    assert vz.main(["chkpnt", "101", "--suspend"]) == 0
    assert vz.main(["stop", "101"]) == 33 and vz.main(["stop", "101", "--fast"]) == 33
    assert legacy.node.running()
    assert vz.main(["chkpnt", "101", "--resume"]) == 0 and not legacy.node.paused()
    assert vz.main(["stop", "101"]) == 0 and not legacy.node.running()
    vz = vz7.node.vz
    assert vz.main(["chkpnt", "101", "--resume"]) == 0   # thawing a thawed cgroup
    assert vz.main(["chkpnt", "101", "--suspend"]) == 0 and vz7.node.paused()
    assert vz.main(["stop", "101", "--fast"]) == 0 and not vz7.node.running()
