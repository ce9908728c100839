"""``check --simulate`` never calls a stack proven that it did not simulate.

A scenario that did not run, did not finish within the overall time limit (``--simulate-timeout``), or in which
the stack's chain of actions never happened leaves the stack "not proven" -- per stack, in the summary and in
JSON -- and, when nothing is an error, exit 4. A clone made promotable by ``rsc_defaults`` is simulated like any
promotable clone. Stacks joined by a constraint are simulated in the same run. CIBs built by the real crmsh.
"""
import os
import pty
import subprocess
import sys

import pytest
from lxml import etree

from support.cib_build import build_reference_crm
from support.tools import require_tools

GOOD_COLD = "promote ms_drbd_r0 (node1) -> start p_fs (node1) -> start p_ve (node1)"
SECOND_STACK = [
    "primitive p_drbd_r1 ocf:linbit:drbd params drbd_resource=r1 "
    "op monitor interval=29s role=Master op monitor interval=31s role=Slave",
    "ms ms_drbd_r1 p_drbd_r1 meta master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 notify=true",
    "primitive p_fs1 ocf:heartbeat:Filesystem params device=/dev/drbd/by-res/r1 directory=/vz1 fstype=ext4",
    "primitive p_ve1 ocf:heartbeat:ManageVE params veid=102",
    "colocation c_fs1 inf: p_fs1 ms_drbd_r1:Master", "order o_fs1 inf: ms_drbd_r1:promote p_fs1:start",
    "colocation c_ve1 inf: p_ve1 p_fs1", "order o_ve1 inf: p_fs1 p_ve1",
]
BY_RES = "primitive p_fs ocf:heartbeat:Filesystem params device=/dev/drbd/by-res/r0 directory=/vz fstype=ext4"


def stacks(report):
    return {s["container"]: s for d in report["simulation"]["documents"] for s in d["stacks"]}


def chains(stack):
    return {scenario["scenario"]: scenario["chain"] for scenario in stack["scenarios"]}


@pytest.fixture
def crm_tools(simulation_tools):
    require_tools("crm")


def test_promotable_from_rsc_defaults_is_simulated(tmp_path, crm_tools, crm_ve_json):
    """``promotable=true`` in rsc_defaults (crm_verify accepts it, the rules recognise the stack): the clone
    gets promotion scores, so the scheduler promotes it and the chain is proven."""
    cib = build_reference_crm(
        tmp_path / "defaults.xml", extra=["rsc_defaults rsc-options: promotable=true"],
        ms_drbd_r0="clone ms_drbd_r0 p_drbd_r0 meta clone-max=2 clone-node-max=1 notify=true",
        c_fs_on_drbd="colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Promoted")
    assert b"promotable" not in etree.tostring(etree.parse(str(cib)).find(".//clone"))
    code, report = crm_ve_json("check", "--simulate", cib)
    assert code == 0, report
    (stack,) = stacks(report).values()
    assert chains(stack)["cold-start"] == GOOD_COLD
    assert stack["agreement"] == "agree" and stack["not_proven"] == []
    assert report["simulation"]["time_limit"] == 300   # the documented default overall limit


def test_a_chain_that_never_happens_is_not_proven_and_exit_4(tmp_path, crm_tools, crm_ve, crm_ve_json):
    """The container is target-role=Stopped: no scenario starts it, so nothing proves its order; no rule
    reports an error, and the verdict is "not proven", never "agrees"."""
    cib = build_reference_crm(tmp_path / "stopped.xml",
                              p_ve="primitive p_ve ocf:heartbeat:ManageVE params veid=101 meta target-role=Stopped")
    code, out, err = crm_ve("check", "--simulate", cib)
    assert code == 4, out + err
    assert "[error]" not in out
    assert "    verdict: not proven: cold start: the scheduler did not start p_ve" in out
    assert f"{cib}: stack ms_drbd_r0 -> p_fs -> p_ve: not proven: " in out
    assert "agrees" not in out
    assert "Simulation: 1 stack simulated; 1 not proven" in out
    code, report = crm_ve_json("check", "--simulate", cib)
    (stack,) = stacks(report).values()
    assert stack["agreement"] == "not-proven"
    cold = next(s for s in stack["scenarios"] if s["scenario"] == "cold-start")
    assert cold["missing"] == ["start p_ve"]
    assert report["simulation"]["not_proven"] == [stack["message"]]
    assert report["simulation"]["exit_code"] == report["summary"]["exit_code"] == 4


def test_an_error_finding_keeps_exit_1_when_something_is_not_proven(tmp_path, crm_tools, crm_ve_json):
    cib = build_reference_crm(tmp_path / "both.xml", o_drbd_before_fs="order o_drbd_before_fs inf: ms_drbd_r0 p_fs",
                              p_ve="primitive p_ve ocf:heartbeat:ManageVE params veid=101 meta target-role=Stopped")
    code, report = crm_ve_json("check", "--simulate", cib)
    assert code == 1 and report["summary"]["exit_code"] == 1


def test_the_time_limit_leaves_every_stack_not_proven(tmp_path, crm_tools, crm_ve, crm_ve_json):
    """A limit that has passed before the first crm_simulate run: nothing is simulated, nothing agrees."""
    cib = build_reference_crm(tmp_path / "two.xml", extra=SECOND_STACK, p_fs=BY_RES)
    code, report = crm_ve_json("check", "--simulate", "--simulate-timeout", "0.000001", cib)
    assert code == 4, report
    assert report["simulation"]["time_limit"] == 0.000001
    for stack in stacks(report).values():
        assert stack["agreement"] == "not-proven" and stack["scenarios"] == []
        assert all("did not finish in time" in why for why in stack["skipped"].values())
        assert set(stack["skipped"]) == {"cold-start", "move", "drbd-recovery"}
    code, out, err = crm_ve("check", "--simulate", "--simulate-timeout", "0.000001", cib)
    assert code == 4 and "2 not proven" in out and "agrees" not in out


@pytest.mark.parametrize("value", ["0", "-5", "soon", "inf", "nan"])
def test_a_bad_time_limit_is_one_line_and_exit_2(value, crm_ve, tmp_path):
    code, out, err = crm_ve("check", "--simulate", f"--simulate-timeout={value}", tmp_path / "x.xml")
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("crm-ve: ")


def test_joined_stacks_are_simulated_together(tmp_path, crm_tools, crm_ve_json):
    """Two stacks kept apart by ``colocation -inf`` between their Filesystems, both promoted on node1 by
    default: simulated in one run, the second Filesystem cannot start next to the first (simulated apart, it
    would), so that stack is not proven; a third, independent stack is simulated in a batch of its own."""
    third = [line.replace("r1", "r2").replace("p_fs1", "p_fs2").replace("p_ve1", "p_ve2")
             .replace("veid=102", "veid=103").replace("/vz1", "/vz2").replace("c_fs1", "c_fs2")
             .replace("o_fs1", "o_fs2").replace("c_ve1", "c_ve2").replace("o_ve1", "o_ve2") for line in SECOND_STACK]
    extra = SECOND_STACK + third + ["colocation c_apart -inf: p_fs1 p_fs"]
    cib = build_reference_crm(tmp_path / "joined.xml", extra=extra, p_fs=BY_RES)
    code, report = crm_ve_json("check", "--simulate", cib)
    assert code == 4, report
    (document,) = report["simulation"]["documents"]
    assert document["batches"] == 2
    found = stacks(report)
    assert chains(found["p_ve"])["cold-start"] == GOOD_COLD and found["p_ve"]["agreement"] == "agree"
    assert found["p_ve2"]["agreement"] == "agree"
    assert found["p_ve1"]["agreement"] == "not-proven"
    cold = next(s for s in found["p_ve1"]["scenarios"] if s["scenario"] == "cold-start")
    assert cold["missing"] == ["start p_fs1", "start p_ve1"]


def test_progress_goes_to_a_terminal_only(tmp_path, crm_tools):
    cib = build_reference_crm(tmp_path / "good.xml")
    env = dict(os.environ, CRM_VE_DISABLE_PLUGIN_AUTOLOAD="1")
    argv = [sys.executable, "-m", "crm_ve", "check", "--simulate", "--format", "json", str(cib)]
    piped = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    assert piped.returncode == 0 and piped.stderr == ""
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=slave, env=env, timeout=600)
        os.close(slave)
        slave = None
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    assert proc.returncode == 0
    lines = shown.decode().splitlines()
    assert f"crm-ve: simulating {cib}: stack 1 of 1: cold start" in lines, lines
    assert f"crm-ve: simulating {cib}: stack 1 of 1: DRBD recovery" in lines


@pytest.mark.parametrize("join, together", [
    ("", False),
    ("order o_any Optional: p_ve2 p_ve1", True),
    ("colocation c_set 10: p_ve1 p_ve2", True),
    ("location l_pattern /p_ve.*/ 10: node1", None),
    ("tag t_both p_ve1 p_ve2\nlocation l_tag t_both 10: node1", None),
], ids=["apart", "order", "set", "rsc-pattern", "tag"])
def test_batches_keep_joined_stacks_together(tmp_path, crm_tools, join, together):
    """Any constraint between two stacks puts them in one batch; a join the batching cannot read plainly (a
    pattern, a tag) makes the whole CIB one batch (None below)."""
    from crm_ve.simulation_batches import batches
    third = [line.replace("r1", "r2").replace("p_fs1", "p_fs2").replace("p_ve1", "p_ve2")
             .replace("veid=102", "veid=103").replace("/vz1", "/vz2").replace("c_fs1", "c_fs2")
             .replace("o_fs1", "o_fs2").replace("c_ve1", "c_ve2").replace("o_ve1", "o_ve2") for line in SECOND_STACK]
    cib = build_reference_crm(tmp_path / "three.xml", extra=SECOND_STACK + third + ([join] if join else []),
                              p_fs=BY_RES)
    root = etree.parse(str(cib)).getroot()
    stacks_ = [["ms_drbd_r0", "p_fs", "p_ve"], ["ms_drbd_r1", "p_fs1", "p_ve1"], ["ms_drbd_r2", "p_fs2", "p_ve2"]]
    planned = batches(root, stacks_, keep_status=False)
    assert batches(root, stacks_, keep_status=True) == [([0, 1, 2], None)]
    if together is None:
        assert planned == [([0, 1, 2], None)]
        return
    batch_of = {index: n for n, (indexes, _) in enumerate(planned) for index in indexes}
    if together:
        assert batch_of[1] == batch_of[2]
    else:
        assert len(planned) == 2
    for indexes, tops in planned:   # each copy keeps exactly its stacks' resources
        assert tops == {top for i in indexes for top in stacks_[i]}
