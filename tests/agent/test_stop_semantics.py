"""stop succeeds when the container certainly does not run here, and only then (OCF: a failed
stop gets the node fenced); it leaves nothing mounted that would keep the Filesystem busy.

What vzctl cannot tell, the kernel's list of running containers (/proc/vz/veinfo) decides: the
stand-in keeps one per node (Node.veinfo) and the tests point the agent at it."""
import os

from support.agent_sites import make_sites


def calls(site, command):
    return [argv for argv in site.node.calls() if argv[0] == command]


def test_not_an_openvz_kernel_cannot_run_the_container(site):
    """vzctl status exits 5 on any kernel without OpenVZ (legacy vz_open, vz7 lib_init)."""
    site.node.inject("status-rc", 5)
    stop = site.agent("stop")
    assert stop.rc == 0 and stop.reasons() == [], stop
    assert calls(site, "stop") == [] and calls(site, "umount") == []
    assert site.agent("monitor", CRM_meta_interval="0").rc == 7
    assert site.agent("monitor", CRM_meta_interval="10000").rc == 7
    start = site.agent("start")   # not startable on this node: Pacemaker tries the peer
    assert start.rc == 5 and "exit 5" in start.reasons()[-1]


def test_unparsable_config_and_the_kernel_runs_nothing(site):
    site.node.inject("status-rc", 10)
    stop = site.agent("stop")
    assert stop.rc == 0, stop
    assert "not running here, according to the kernel's list" in stop.stderr
    assert calls(site, "stop") == []
    assert site.agent("monitor").rc == 5   # this node cannot manage it: banned here only


def test_unparsable_config_and_the_kernel_runs_it(site):
    """vzctl stop is tried; the kernel's list then says whether it worked."""
    assert site.agent("start").rc == 0
    site.node.inject("status-rc", 10)
    stop = site.agent("stop")
    assert stop.rc == 0, stop
    assert calls(site, "stop") == [["stop", "101"]] and not site.node.running()


def test_unparsable_config_everywhere_is_reported_honestly(site):
    """Every vzctl command exits 10 and the kernel still runs it: stop fails, it never lies."""
    assert site.agent("start").rc == 0
    os.unlink(site.node.vz_conf)
    stop = site.agent("stop")
    assert stop.rc == 1 and site.node.running()
    assert stop.reasons() == ["container 101 is still running after vzctl stop and vzctl stop "
                              "--fast"]
    assert calls(site, "stop") == [["stop", "101"], ["stop", "101", "--fast"]]


def test_unparsable_config_and_an_unreadable_kernel_list(site, world):
    """/proc/vz exists but its list cannot be read: not certainly stopped, so never 0."""
    site.node.inject("status-rc", 10)
    unreadable = os.path.join(world, "proc-vz")
    os.mkdir(unreadable)
    stop = site.agent("stop", MANAGEVE_TEST_VEINFO=os.path.join(unreadable, "veinfo"))
    assert stop.rc == 1 and "may still be running" in stop.reasons()[-1], stop


def test_unparsable_config_on_a_kernel_without_openvz(site, world):
    site.node.inject("status-rc", 10)
    stop = site.agent("stop", MANAGEVE_TEST_VEINFO=os.path.join(world, "no-proc-vz", "veinfo"))
    assert stop.rc == 0 and "this kernel has no OpenVZ" in stop.stderr, stop


def test_unparsable_config_with_a_container_name(world, dialect):
    """A name resolves through vzctl's names directory; one that does not resolve is decided by
    the kernel's list alone (empty: nothing runs), else vzctl stop is tried."""
    (a,) = make_sites(world, dialect, names=("a",))
    a.node.create("101", name="web")
    a.node.inject("status-rc", 10)
    assert a.agent("stop", veid="web").rc == 0 and calls(a, "stop") == []
    a.node.start_cold()
    stop = a.agent("stop", veid="web")
    assert stop.rc == 0 and calls(a, "stop") == [["stop", "web"]] and not a.node.running()


def test_no_vzctl_and_the_kernel_runs_nothing(site, world):
    stop = site.agent("stop", vzctl=os.path.join(world, "no", "vzctl"))
    assert stop.rc == 0 and "not running here, according to" in stop.stderr, stop


def test_a_stopped_but_mounted_container_is_unmounted(site):
    """`exist mounted down` (a crash, or vzctl mount): vzctl stop would leave the mount inside
    the replicated filesystem, and the Filesystem's stop would then fail."""
    assert site.agent("start").rc == 0
    site.node.crash()
    assert site.node.vz.mounted("101") and not site.node.running()
    assert site.agent("monitor").rc == 7
    stop = site.agent("stop")
    assert stop.rc == 0, stop
    assert calls(site, "umount") == [["umount", "101"]] and not site.node.vz.mounted("101")
    site.node.forget_calls()
    assert site.agent("stop").rc == 0 and calls(site, "umount") == []   # nothing mounted


def test_a_checkpointing_stop_of_a_mounted_container_unmounts_it(site):
    assert site.agent("start").rc == 0
    site.node.crash()
    stop = site.checkpointing("stop")
    assert stop.rc == 0 and not site.node.vz.mounted("101")
    assert calls(site, "chkpnt") == []   # nothing runs, nothing to checkpoint


def test_stop_after_a_checkpoint_leaves_nothing_mounted(site):
    assert site.agent("start").rc == 0
    assert site.checkpointing("stop").rc == 0
    assert not site.node.running() and not site.node.vz.mounted("101")
    assert os.path.exists(site.dumpfile)


def test_the_kernel_list_is_the_stand_in_s_truth(site):
    """The stand-in's veinfo follows its containers (what the tests above rely on)."""
    def listed():
        with open(site.node.veinfo) as f:
            return [line.split()[0] for line in f if line.strip()]
    assert listed() == ["0"]
    assert site.agent("start").rc == 0 and listed() == ["0", "101"]
    assert site.agent("stop").rc == 0 and listed() == ["0"]


def test_an_invalid_vzctl_fails_stop_only_while_the_kernel_may_run_it(site):
    assert site.agent("stop", vzctl="vzctl").rc == 0   # a relative path: nothing runs
    assert site.agent("start").rc == 0
    stop = site.agent("stop", vzctl="vzctl")
    assert stop.rc == 6 and site.node.running()
    assert stop.reasons() == ["vzctl='vzctl' is not an absolute path"]
