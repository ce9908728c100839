"""Fault injection into the stand-in, and what the agent must make of each fault; reading
vzctl status in every dialect."""
import os

import pytest

from support.agent_sites import make_sites


def commands(site):
    return [argv[0] for argv in site.node.calls()]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def legacy(world):
    (a,) = make_sites(world, "legacy", names=("a",))
    a.node.create("101")
    return a


@pytest.fixture
def vz7(world):
    (a,) = make_sites(world, "vz7", names=("a",))
    a.node.create("101")
    return a


# -- vzctl status ------------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", ["legacy", "legacy-3.0.22", "vz7"])
def test_monitor_in_every_dialect_with_one_status_call(world, dialect):
    (a,) = make_sites(world, dialect, names=("a",))
    a.node.create("101")
    assert a.agent("monitor").rc == 7
    assert a.agent("start").rc == 0
    a.node.forget_calls()
    for interval in ("0", "10000"):   # probe and recurring monitor
        assert a.agent("monitor", CRM_meta_interval=interval).rc == 0
        assert a.agent("status", CRM_meta_interval=interval).rc == 0
    assert a.node.calls() == [["status", "101"]] * 4


def test_the_passive_node_probe_is_not_running(legacy):
    """Private area not mounted: vzctl says `deleted`; a probe must say 7, not 5 or 2."""
    os.rename(legacy.node.vz.private("101"), legacy.node.vz.private("101") + ".unmounted")
    probe = legacy.agent("monitor", CRM_meta_interval="0")
    assert probe.rc == 7 and probe.lines == []
    start = legacy.agent("start")
    assert start.rc == 5   # not startable here: Pacemaker tries the peer


@pytest.mark.parametrize("rc, ocf", [(10, 5), (1, 1), (3, 1)])   # 5: test_stop_semantics
def test_a_failing_vzctl_status_is_never_read_as_stopped(legacy, rc, ocf):
    """Upstream reads awk's exit code: a vzctl that fails without output is "not running"."""
    legacy.node.inject("status-rc", rc)
    run = legacy.agent("monitor", CRM_meta_interval="10000")
    assert run.rc == ocf, run
    assert run.reasons() == ["vzctl status 101 failed (exit %d): no output" % rc]


def test_unreadable_status_output(legacy):
    legacy.node.inject("status-garbage")
    run = legacy.agent("monitor")
    assert run.rc == 1 and "cannot understand the output of vzctl status" in run.reasons()[0]


def test_a_name_unknown_on_this_node(legacy):
    run = legacy.agent("monitor", veid="web1")
    assert run.rc == 7, run
    assert legacy.agent("start", veid="web1").rc == 5


def test_names_and_uuids(world):
    (a,) = make_sites(world, "legacy", names=("a",))
    a.node.create("101", name="web-1.example")
    assert a.agent("start", veid="web-1.example").rc == 0
    assert a.agent("monitor", veid="web-1.example").rc == 0
    (b,) = make_sites(world, "vz7", names=("b",))
    uuid = "0d7e2a5c-4f1b-4c1e-9d1a-3b2f6c7d8e9f"
    b.node.create(uuid)
    assert b.agent("start", veid=uuid).rc == 0
    assert b.agent("monitor", veid=uuid).rc == 0
    assert b.agent("stop", veid=uuid).rc == 0 and not b.node.running(uuid)


def test_paused_container(vz7):
    assert vz7.agent("start").rc == 0
    assert vz7.node.vz.main(["chkpnt", "101", "--suspend"]) == 0
    assert vz7.node.paused()
    run = vz7.agent("monitor")
    assert run.rc == 1 and "paused" in run.reasons()[0]
    assert vz7.agent("start").rc == 0   # OpenVZ 7: start unpauses
    assert not vz7.node.paused() and vz7.agent("monitor").rc == 0


def test_deep_monitor_checks_that_the_container_answers(legacy):
    assert legacy.agent("start").rc == 0
    legacy.node.forget_calls()
    assert legacy.agent("monitor", OCF_CHECK_LEVEL="10").rc == 0
    assert legacy.node.calls() == [["status", "101"], ["exec", "101", "true"]]
    legacy.node.inject("exec-fail", 1)
    run = legacy.agent("monitor", OCF_CHECK_LEVEL="10")
    assert run.rc == 1 and "does not answer" in run.reasons()[0]
    assert legacy.agent("monitor").rc == 0   # depth 0 does not exec


# -- locks, hangs, failing stops ------------------------------------------------------------

def test_a_lock_held_by_another_vzctl_is_waited_for(legacy):
    legacy.node.inject("lock", 2)
    run = legacy.agent("start")
    assert run.rc == 0, run
    assert commands(legacy).count("start") == 3 and legacy.node.running()
    assert sum("locked by another vzctl" in line for line in run.lines) == 2


def test_a_lock_held_until_the_timeout_fails_the_action(legacy):
    legacy.node.inject("lock")
    run = legacy.agent("start", CRM_meta_timeout="4000")
    assert run.rc == 1 and not legacy.node.running()
    assert "exit 9" in run.reasons()[0]
    assert commands(legacy).count("start") >= 2


def test_a_hanging_status_is_killed_within_the_timeout(legacy):
    legacy.node.inject("hang-status")
    run = legacy.agent("monitor", CRM_meta_timeout="3000", CRM_meta_interval="10000")
    assert run.rc == 1
    assert run.reasons() == ["vzctl status 101 did not answer within the operation timeout; "
                             "killed it"]
    pids = [p for p in pid_of_calls(legacy)]
    assert pids and not any(alive(pid) for pid in pids)


def pid_of_calls(site):
    import json
    with open(os.path.join(site.node.state, "calls.log")) as f:
        return [json.loads(line)["pid"] for line in f]


def test_a_hanging_checkpoint_still_stops_the_container(legacy):
    assert legacy.checkpointing("start").rc == 0
    legacy.node.inject("hang-chkpnt", 1)
    run = legacy.checkpointing("stop", CRM_meta_timeout="8000")
    assert run.rc == 0, run
    assert not legacy.node.running()
    assert [c for c in commands(legacy)][-3:] == ["chkpnt", "stop", "status"]
    assert not os.path.lexists(legacy.dumpfile)
    assert [n for n in os.listdir(os.path.dirname(legacy.dumpfile)) if ".tmp." in n] == []


def test_stop_falls_back_to_stop_fast(legacy):
    assert legacy.agent("start").rc == 0
    legacy.node.inject("stop-fail", 1)
    run = legacy.agent("stop")
    assert run.rc == 0, run
    assert not legacy.node.running()
    assert [argv for argv in legacy.node.calls() if argv[0] == "stop"] == [
        ["stop", "101"], ["stop", "101", "--fast"]]


def test_stop_fails_only_when_everything_failed(legacy):
    assert legacy.checkpointing("start").rc == 0
    for fault in ("chkpnt-fail", "stop-fail", "stop-fast-fail"):
        legacy.node.inject(fault)
    run = legacy.checkpointing("stop")
    assert run.rc == 1 and legacy.node.running()
    assert "still running after vzctl stop and vzctl stop --fast" in run.reasons()[-1]


def test_stop_and_start_are_idempotent(legacy):
    legacy.node.forget_calls()
    assert legacy.checkpointing("stop").rc == 0
    assert commands(legacy) == ["status"]
    assert legacy.checkpointing("start").rc == 0
    legacy.node.forget_calls()
    assert legacy.checkpointing("start").rc == 0
    assert commands(legacy) == ["status"]


@pytest.mark.parametrize("dialect, vzctl_rc, ocf", [
    ("legacy", 14, 5), ("legacy", 43, 5), ("legacy", 5, 5), ("legacy", 79, 1),
    ("vz7", 141, 5)])   # 141: OpenVZ 7's owner check, which exists only on GFS2, NFS and FUSE
def test_start_failures_map_to_ocf_codes(world, dialect, vzctl_rc, ocf):
    """Config or private area missing, another owner, no OpenVZ kernel: 5, so that Pacemaker
    tries the other node; anything else: 1."""
    (site,) = make_sites(world, dialect, names=("a",))
    site.node.create("101")
    site.node.inject("start-fail", vzctl_rc)
    run = site.agent("start")
    assert run.rc == ocf, run
    assert run.reasons()[-1].startswith("vzctl start 101 failed (exit %d)" % vzctl_rc)
    assert not site.node.running()


def test_logging_to_syslog_as_well(legacy):
    """HA_LOGFACILITY adds syslog; stderr keeps every line (no syslog daemon needed)."""
    run = legacy.agent("start", HA_LOGFACILITY="daemon")
    assert run.rc == 0 and run.lines == [l for l in run.lines if "ManageVE(ct101)[" in l]
    assert any("INFO: started container 101 cold" in line for line in run.lines)
    run = legacy.agent("validate-all", veid="x y", HA_LOGFACILITY="local7")
    assert run.rc == 6 and len(run.lines) == 1
