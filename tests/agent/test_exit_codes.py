"""Exit codes as OCF 1.1 means them: 5 (OCF_ERR_INSTALLED) bans the resource from this node only,
6 (OCF_ERR_CONFIGURED) from every node, so 6 is for what is wrong everywhere (the resource's own
parameters and operation attributes) and 5 for what is wrong on this node (its vzctl, kernel,
container config, private area).  Bad values never cause a traceback: one line, a distinct code."""
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from support.agent_sites import AGENT, make_sites, run_agent

HUGE = "9" * 5000


@pytest.fixture
def a(world, dialect):
    (site,) = make_sites(world, dialect, names=("a",))
    site.node.create("101")
    return site


def assert_one_line(run, rc, *words):
    assert run.rc == rc, run
    assert len(run.lines) == 1 and "Traceback" not in run.stderr, run
    assert len(run.lines[0]) < 300 and all(word in run.lines[0] for word in words), run


# ---------------------------------------------------------------------------------------------
# local (5) and cluster-wide (6)

def disable(site):
    with open(site.node.vz.conf_path("101"), "a") as f:
        f.write("DISABLED=yes\n")


def remove_config(site):
    os.unlink(site.node.vz.conf_path("101"))


def remove_private(site):
    private = site.node.vz.private("101")
    os.rename(private, private + ".elsewhere")


@pytest.mark.parametrize("break_it, reason", [(disable, "failed (exit 105)"),
                                              (remove_private, "does not exist on this node")])
def test_what_is_wrong_on_this_node_bans_it_from_this_node_only(a, break_it, reason):
    """DISABLED=yes lives in this node's /etc/vz/conf/ID.conf (legacy vzctl-actions.c
    338-343): the peer may start the container."""
    break_it(a)
    start = a.agent("start")
    assert start.rc == 5 and not a.node.running(), start
    assert reason in start.reasons()[-1]


def test_a_container_unknown_on_this_node_is_local(world):
    (a,) = make_sites(world, "legacy", names=("a",))
    a.node.create("101")
    remove_config(a)
    assert a.agent("monitor").rc == 7 and a.agent("start").rc == 5


def test_a_failed_vzctl_start_may_be_retried_here(a):
    a.node.inject("start-fail", 79)
    assert a.agent("start").rc == 1


def test_bad_parameters_are_wrong_everywhere(a):
    assert_one_line(a.agent("start", checkpoint_on_stop="maybe"), 6, "checkpoint_on_stop")
    assert_one_line(a.agent("monitor", veid="0"), 6, "veid='0'")   # the host, never a container


# ---------------------------------------------------------------------------------------------
# the command line

@pytest.mark.parametrize("extra", [["now"], ["--force", "x y", ""]])
def test_further_arguments_are_ignored(a, extra):
    """OCF 1.1 "Execution syntax": the agent shall ignore all other arguments."""
    env = a.env()
    assert a.agent("start").rc == 0
    for action, rc in (("monitor", 0), ("validate-all", 0), ("stop", 0), ("monitor", 7)):
        proc = subprocess.run([AGENT, action] + extra, env=dict(env, OCF_ROOT="/usr/lib/ocf"),
                              capture_output=True, text=True)
        assert proc.returncode == rc, (action, proc.stderr)
    proc = subprocess.run([AGENT, "meta-data", "extra"], capture_output=True, text=True, env={})
    assert proc.returncode == 0 and ET.fromstring(proc.stdout).get("name") == "ManageVE"


def test_no_action_is_an_argument_error():
    proc = subprocess.run([AGENT], capture_output=True, text=True, env={})
    assert proc.returncode == 2 and proc.stderr.startswith("usage: ManageVE {start|stop|monitor|")


# ---------------------------------------------------------------------------------------------
# the deep monitor

def monitors():
    root = ET.fromstring(run_agent("meta-data", {}).stdout)
    return [(a.get("depth"), a.get("interval"), a.get("timeout")) for a in root.iter("action")
            if a.get("name") == "monitor"]


def test_both_monitors_are_advertised_with_distinct_intervals():
    """OCF 1.1 "Check levels": an agent that supports a level advertises it with depth; two
    recurring monitors need distinct intervals (Pacemaker keys them by name and interval)."""
    assert monitors() == [("0", "10s", "20s"), ("10", "60s", "30s")]


def test_the_usage_line_lists_monitor_once():
    run = run_agent("usage", {})
    assert run.stdout.count("monitor") == 1


def test_level_10_runs_vzctl_exec(a):
    assert a.agent("start").rc == 0
    a.node.forget_calls()
    assert a.agent("monitor", OCF_CHECK_LEVEL="10", CRM_meta_interval="60000").rc == 0
    assert ["exec", "101", "true"] in a.node.calls()
    a.node.inject("exec-fail")
    assert a.agent("monitor", OCF_CHECK_LEVEL="10").rc == 1
    assert a.agent("monitor", OCF_CHECK_LEVEL="0").rc == 0


@pytest.mark.parametrize("level", ["\u00b2", "ten", "1 0", "-10", HUGE, "\u0661\u0660"],
                         ids=["superscript", "word", "space", "negative", "huge", "arabic"])
@pytest.mark.parametrize("action", ["monitor", "validate-all"])
def test_an_unreadable_check_level_is_a_configuration_error(a, level, action):
    """OCF_CHECK_LEVEL is an attribute of the operation, the same on every node."""
    assert_one_line(a.agent(action, OCF_CHECK_LEVEL=level), 6, "OCF_CHECK_LEVEL=")
    assert [argv for argv in a.node.calls() if argv[0] != "status"] == []


def test_an_unset_or_empty_check_level_is_level_0(a):
    assert a.agent("start").rc == 0
    assert a.agent("monitor", OCF_CHECK_LEVEL="").rc == 0
    assert a.agent("monitor", OCF_CHECK_LEVEL="010").rc == 0   # leading zeros: a number
    assert ["exec", "101", "true"] in a.node.calls()


def test_stop_ignores_the_check_level(a):
    assert a.agent("start").rc == 0
    assert a.agent("stop", OCF_CHECK_LEVEL="\u00b2").rc == 0 and not a.node.running()


# ---------------------------------------------------------------------------------------------
# huge numbers (int() of a 5,000-digit string raises from Python 3.11 on)

@pytest.mark.parametrize("action", ["monitor", "validate-all", "start", "migrate_to",
                                    "migrate_from"])
def test_a_huge_veid_is_a_configuration_error(a, action):
    assert_one_line(a.agent(action, veid=HUGE), 6, "veid='9999", "(5000 characters)")
    assert a.node.calls() == []


def test_a_huge_veid_cannot_be_running(a):
    stop = a.agent("stop", veid=HUGE)
    assert_one_line(stop, 0, "nothing to stop")
    assert a.node.calls() == []


def test_a_huge_veid_without_the_library(a, world):
    """The agent file alone (stop's fallback when the library cannot be used)."""
    alone = os.path.join(world, "alone")
    os.mkdir(alone)
    with open(AGENT) as src, open(os.path.join(alone, "ManageVE"), "w") as dst:
        dst.write(src.read())
    os.chmod(os.path.join(alone, "ManageVE"), 0o755)
    stop = run_agent("stop", a.env(veid=HUGE), agent=os.path.join(alone, "ManageVE"))
    assert_one_line(stop, 0, "nothing to stop")


@pytest.mark.parametrize("ctid, rc", [(HUGE, 1), ("0000101", 0), ("102", 1)],
                         ids=["huge", "zeros", "other"])
def test_vzctl_reporting_another_container(world, ctid, rc):
    """The CTID vzctl prints is compared as text, whatever its length."""
    stub = os.path.join(world, "vzctl")
    with open(stub, "w") as f:
        f.write('#!/bin/sh\necho "CTID %s exist mounted running"\n' % ctid)
    os.chmod(stub, 0o755)
    for action in ("monitor", "stop"):
        run = run_agent(action, {"OCF_RESKEY_veid": "101", "OCF_RESKEY_vzctl": stub})
        if rc == 0 and action == "monitor":
            assert run.rc == 0 and run.lines == [], run
        elif rc:
            assert_one_line(run, 1, "reported container")
