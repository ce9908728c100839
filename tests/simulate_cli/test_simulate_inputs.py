"""``check --simulate`` on every kind of input: crm shell text, a crm_shadow CIB and the live CIB.

Files are simulated from an empty status (a cold start); ``--live`` and ``--shadow`` from their own status, so
the first scenario is the cluster's next transition and the move starts where the stack really runs.
"""
import shutil

import pytest

from crm_ve.simulate import Simulator, set_standby
from support.cib_build import build_reference_crm, reference_crm
from support.tools import require_tools

COLD_START = "promote ms_drbd_r0 (node1) -> start p_fs (node1) -> start p_ve (node1)"
#: the stack runs on node2: a standby of node2 moves it to node1
MOVE_FROM_NODE2 = ("stop p_ve (node2) -> stop p_fs (node2) -> demote ms_drbd_r0 (node2) -> "
                   "promote ms_drbd_r0 (node1) -> start p_fs (node1) -> start p_ve (node1)")


def _stacks(report):
    return [s for d in report["simulation"]["documents"] for s in d["stacks"]]


def _chains(stack):
    return {scenario["scenario"]: scenario["chain"] for scenario in stack["scenarios"]}


@pytest.fixture
def running_on_node2(tmp_path):
    """A CIB whose status has the reference stack running on node2 (after a move), both nodes online: made
    by crm_simulate itself (the simulation helper's standby scenario, then node1 back online)."""
    require_tools("crm", "crm_simulate", "crm_attribute", "cibadmin")
    good = build_reference_crm(tmp_path / "good.xml")
    state = tmp_path / "state.xml"
    with Simulator(good) as sim:
        shutil.copyfile(sim.standby_primary().cib_out, state)
    set_standby(state, "node1", on=False)
    return state


def test_crm_text_is_simulated_with_findings_on_its_lines(tmp_path, crm_ve_json):
    require_tools("crm", "crm_simulate", "crm_attribute", "cibadmin")
    source = tmp_path / "c1.crm"
    source.write_text(reference_crm(o_drbd_before_fs="order o_drbd_before_fs inf: ms_drbd_r0 p_fs"))
    before = source.read_bytes()
    code, report = crm_ve_json("check", "--simulate", source)
    assert code == 1
    finding, = [f for f in report["findings"] if f["severity"] == "error"]
    assert finding["code"] == "CV102" and finding["file"] == str(source) and finding["line"] == 6
    stack, = _stacks(report)
    assert _chains(stack)["cold-start"] == \
        "promote ms_drbd_r0 (node1) || start p_fs (node1) -> start p_ve (node1)"
    assert stack["agreement"] == "agree" and stack["scheduler"]["verdict"] == "defect"
    assert report["simulation"]["documents"][0]["file"] == str(source)
    assert source.read_bytes() == before


def test_live_cib_is_simulated_from_its_own_status(running_on_node2, crm_ve, crm_ve_json, monkeypatch):
    before = running_on_node2.read_bytes()
    monkeypatch.setenv("CIB_file", str(running_on_node2))   # Pacemaker's tools (and --live) read it as the CIB
    code, out, err = crm_ve("check", "--simulate", "--live")
    assert code == 0, out + err
    name = f"live(CIB_file={running_on_node2})"
    assert (f"{name}: simulated from its own status (nodes online: node1, node2): the first scenario is the "
            f"cluster's next transition") in out
    assert "    next transition: nothing to do for this stack" in out
    assert f"    move (standby node2): {MOVE_FROM_NODE2}" in out
    code, report = crm_ve_json("check", "--simulate", "--live")
    document, = report["simulation"]["documents"]
    assert document["status"] == "kept"
    stack, = document["stacks"]
    assert _chains(stack)["next-transition"] == "nothing to do for this stack"
    assert _chains(stack)["move"] == MOVE_FROM_NODE2
    assert "node2" in [s for s in stack["scenarios"] if s["scenario"] == "drbd-recovery"][0]["title"]
    assert running_on_node2.read_bytes() == before


def test_live_cib_with_a_node_down_has_no_move(running_on_node2, crm_ve_json, monkeypatch):
    """node1 offline in the status: the simulation does not bring it online, so there is nowhere to move to:
    the stack is not proven (exit 4), never "agrees"."""
    text = running_on_node2.read_text()
    down = text.replace('<node_state id="node1" uname="node1" in_ccm="true" crmd="online" join="member" '
                        'expected="member"',
                        '<node_state id="node1" uname="node1" in_ccm="false" crmd="offline" join="down" '
                        'expected="down"')
    assert down != text
    running_on_node2.write_text(down)
    monkeypatch.setenv("CIB_file", str(running_on_node2))
    code, report = crm_ve_json("check", "--simulate", "--live")
    assert code == 4, report
    document, = report["simulation"]["documents"]
    assert document["nodes"] == ["node2"]
    stack, = document["stacks"]
    assert "move" not in _chains(stack)
    assert stack["skipped"] == {"move": "a move needs another online node than node2"}
    assert stack["agreement"] == "not-proven"
    assert stack["not_proven"] == ["move: not simulated: a move needs another online node than node2"]
    assert report["simulation"]["exit_code"] == report["summary"]["exit_code"] == 4


def test_shadow_is_simulated_from_its_status(running_on_node2, tmp_path, crm_ve_json, monkeypatch):
    require_tools("crm_shadow")
    shadows = tmp_path / "shadows"
    shadows.mkdir()
    shadow = shadows / "shadow.sim"
    shutil.copyfile(running_on_node2, shadow)
    before = shadow.read_bytes()
    monkeypatch.setenv("CIB_shadow_dir", str(shadows))
    code, report = crm_ve_json("check", "--simulate", "--shadow", "sim")
    assert code == 0, report
    document, = report["simulation"]["documents"]
    assert document["file"] == "shadow:sim" and document["status"] == "kept"
    assert _chains(document["stacks"][0])["move"] == MOVE_FROM_NODE2
    assert shadow.read_bytes() == before


def test_a_file_with_a_status_is_simulated_from_a_cold_start(running_on_node2, crm_ve_json):
    """The same CIB as a file: its status is left out, the configuration is proven from a cold start."""
    code, report = crm_ve_json("check", "--simulate", running_on_node2)
    assert code == 0, report
    document, = report["simulation"]["documents"]
    assert document["status"] == "empty"
    chains = _chains(document["stacks"][0])
    assert chains["cold-start"] == COLD_START
    assert chains["move"].startswith("stop p_ve (node1) -> ")
