"""``crm-ve check --simulate`` on reference stacks built by the real crmsh and pcs: the chains the scheduler
actually has, and how they compare with the rules' verdict (agreement, a defect the rules missed, a note)."""
import os
import shutil
import stat
import subprocess
import sys

import pytest

from support.cib_build import build_reference_crm, build_reference_pcs, reference_crm
from support.tools import require_tools

SIMULATION_TOOLS = ("crm_simulate", "crm_attribute", "cibadmin")

def only_stack(report):
    """The single simulated stack of a JSON report."""
    stacks = [s for d in report["simulation"]["documents"] for s in d["stacks"]]
    assert len(stacks) == 1, stacks
    return stacks[0]


def chains(stack):
    return {scenario["scenario"]: scenario["chain"] for scenario in stack["scenarios"]}


GOOD = {
    "cold-start": "promote ms_drbd_r0 (node1) -> start p_fs (node1) -> start p_ve (node1)",
    "move": "stop p_ve (node1) -> stop p_fs (node1) -> demote ms_drbd_r0 (node1) -> "
            "promote ms_drbd_r0 (node2) -> start p_fs (node2) -> start p_ve (node2)",
    "drbd-recovery": "stop p_ve (node1) -> stop p_fs (node1) -> demote ms_drbd_r0 (node1) -> "
                     "promote ms_drbd_r0 (node1) -> start p_fs (node1) -> start p_ve (node1)",
}
#: C1 (catalogue, E-M1): the mount is ordered after DRBD's start, not its promote.
C1 = "order o_drbd_before_fs inf: ms_drbd_r0 p_fs"


@pytest.fixture
def good_crm(tmp_path, simulation_tools):
    require_tools("crm")
    return build_reference_crm(tmp_path / "good.xml")


@pytest.fixture
def c1_crm(tmp_path, simulation_tools):
    require_tools("crm")
    return build_reference_crm(tmp_path / "c1.xml", o_drbd_before_fs=C1)


def test_good_stack_shows_the_right_chains_and_agrees(good_crm, crm_ve, crm_ve_json):
    before = good_crm.read_bytes()
    listing = sorted(os.listdir(good_crm.parent))
    code, out, err = crm_ve("check", "--simulate", good_crm)
    assert code == 0, out + err
    assert f"{good_crm}: stack ms_drbd_r0 -> p_fs -> p_ve" in out
    assert f"    cold start: {GOOD['cold-start']}" in out
    assert f"    move (standby node1): {GOOD['move']}" in out
    assert f"    DRBD recovery (monitor failure of p_drbd_r0 on node1): {GOOD['drbd-recovery']}" in out
    assert "verdict: the scheduler agrees with the rules (clean)" in out
    assert "DISAGREEMENT" not in out
    # the section comes after the findings, before the summary line
    lines = out.splitlines()
    section = lines.index(next(line for line in lines if line.startswith("Simulation on the real scheduler")))
    assert not any(line.startswith(f"{good_crm}:") and "[" in line for line in lines[section:])
    assert lines[-2] == "Simulation: 1 stack simulated; the scheduler agrees with the rules."
    assert lines[-1].endswith("in 1 file.")

    code, report = crm_ve_json("check", "--simulate", good_crm)
    assert code == 0 and report["summary"]["exit_code"] == 0
    stack = only_stack(report)
    assert chains(stack) == GOOD
    assert stack["agreement"] == "agree"
    assert stack["rules"] == {"verdict": "clean", "errors": []}
    assert stack["scheduler"] == {"verdict": "clean", "problems": []}
    assert report["simulation"]["documents"][0]["status"] == "empty"
    assert report["simulation"]["exit_code"] == 0
    # the user's file is never touched, nothing is left beside it
    assert good_crm.read_bytes() == before
    assert sorted(os.listdir(good_crm.parent)) == listing


def test_pcs_promotable_clone_has_the_same_chains(tmp_path, simulation_tools, crm_ve_json):
    require_tools("pcs")
    cib = build_reference_pcs(tmp_path / "good-pcs.xml")
    code, report = crm_ve_json("check", "--simulate", cib)
    assert code == 0, report
    stack = only_stack(report)
    assert chains(stack) == GOOD
    assert stack["agreement"] == "agree"


def test_broken_stack_shows_the_misorder_and_agrees_with_the_rules(c1_crm, crm_ve, crm_ve_json):
    code, out, err = crm_ve("check", "--simulate", c1_crm)
    assert code == 1, out + err
    assert "CV102 filesystem-not-after-promote [error]" in out
    # the mount and the promote are not ordered: the mount may run on a DRBD Secondary
    assert "    cold start: promote ms_drbd_r0 (node1) || start p_fs (node1) -> start p_ve (node1)" in out
    assert "scheduler: cold start: mount does not wait for the DRBD promote on its node" in out
    assert ("scheduler: move (standby node1): DRBD demote does not wait for the unmount (Filesystem mounted)"
            in out)
    assert "verdict: the scheduler agrees with the rules (CV102" in out
    assert "DISAGREEMENT" not in out

    code, report = crm_ve_json("check", "--simulate", c1_crm)
    stack = only_stack(report)
    assert stack["agreement"] == "agree"
    assert stack["rules"]["verdict"] == "error" and "CV102" in [e["code"] for e in stack["rules"]["errors"]]
    assert stack["scheduler"]["verdict"] == "defect"
    cold = next(s for s in stack["scenarios"] if s["scenario"] == "cold-start")
    assert [(s["operation"], s["resource"], s["waits_for_previous"]) for s in cold["steps"]] == [
        ("promote", "ms_drbd_r0", None), ("start", "p_fs", False), ("start", "p_ve", True)]
    assert report["simulation"]["exit_code"] == 0 and report["summary"]["exit_code"] == 1


@pytest.mark.parametrize("disable", [("--ignore", "CV102"), ("-p", "no:crm_ve.rules.chain_fs_order")],
                         ids=["ignore-CV102", "plugin-off"])
def test_a_defect_the_rules_miss_is_a_disagreement_and_fails(c1_crm, crm_ve, crm_ve_json, disable):
    """The rule that catches C1 is switched off, so the static verdict is clean; the scheduler still misorders."""
    code, out, err = crm_ve("check", "--simulate", *disable, c1_crm)
    assert code == 1, out + err
    assert "[error]" not in out                          # the rules (what is left of them) see no error
    lines = [line for line in out.splitlines() if line.startswith(f"{c1_crm}: DISAGREEMENT: ")]
    assert len(lines) == 1, out
    assert lines[0].startswith(f"{c1_crm}: DISAGREEMENT: stack ms_drbd_r0 -> p_fs -> p_ve: the rules call it "
                               f"clean, but the scheduler shows: cold start: mount does not wait for the DRBD "
                               f"promote on its node")
    assert "1 disagreement (the scheduler shows a defect the rules missed)" in out

    code, report = crm_ve_json("check", "--simulate", *disable, c1_crm)
    assert code == 1
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    stack = only_stack(report)
    assert stack["agreement"] == "missed-by-rules"
    assert report["simulation"]["disagreements"] == [lines[0]]
    assert report["simulation"]["exit_code"] == 1 and report["summary"]["exit_code"] == 1


def test_rules_stricter_than_the_scenarios_is_a_note(tmp_path, simulation_tools, crm_ve, crm_ve_json):
    """C14: a finite colocation score keeps the Filesystem with the promoted DRBD in every scenario here (no
    competing preference), yet CV101 reports it: a note, not a failure of the simulation."""
    require_tools("crm")
    cib = build_reference_crm(tmp_path / "c14.xml",
                              c_fs_on_drbd="colocation c_fs_on_drbd 100: p_fs ms_drbd_r0:Master")
    code, out, err = crm_ve("check", "--simulate", cib)
    assert code == 1, out + err                           # from the CV101 error finding
    assert (f"{cib}: note: stack ms_drbd_r0 -> p_fs -> p_ve: the rules report CV101, which no simulated scenario "
            f"shows" in out)
    assert "DISAGREEMENT" not in out
    code, report = crm_ve_json("check", "--simulate", cib)
    stack = only_stack(report)
    assert chains(stack) == GOOD
    assert stack["agreement"] == "stricter-rules"
    assert report["simulation"]["exit_code"] == 0 and report["simulation"]["notes"]
    # with CV101 ignored, rules and scheduler agree (clean) and the check passes
    code, report = crm_ve_json("check", "--simulate", "--ignore", "CV101", cib)
    assert code == 0 and only_stack(report)["agreement"] == "agree"


def _logging_wrapper(bindir, tool, log):
    real = shutil.which(tool)
    script = bindir / tool
    script.write_text(f"#!/bin/sh\necho \"$*\" >> '{log}'\nexec '{real}' \"$@\"\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_all_stacks_of_a_document_share_one_simulation_per_scenario(tmp_path, simulation_tools, crm_ve_json,
                                                                    monkeypatch):
    """Two DRBD stacks (three containers), primaries on different nodes: prepare + cold start + one move per
    primary + one recovery run, whatever the number of stacks."""
    require_tools("crm")
    extra = [
        "primitive p_drbd_r1 ocf:linbit:drbd params drbd_resource=r1 "
        "op monitor interval=29s role=Master op monitor interval=31s role=Slave",
        "ms ms_drbd_r1 p_drbd_r1 meta master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 notify=true",
        "primitive p_fs1 ocf:heartbeat:Filesystem params device=/dev/drbd/by-res/r1 directory=/vz1 fstype=ext4",
        "primitive p_ve2 ocf:heartbeat:ManageVE params veid=102",
        "primitive p_ve3 ocf:heartbeat:ManageVE params veid=103",
        "colocation c_fs1 inf: p_fs1 ms_drbd_r1:Master", "order o_fs1 inf: ms_drbd_r1:promote p_fs1:start",
        "colocation c_ve2 inf: p_ve2 p_fs1", "order o_ve2 inf: p_fs1 p_ve2",
        "colocation c_ve3 inf: p_ve3 p_fs1", "order o_ve3 inf: p_fs1 p_ve3",
        "location l_r1_node2 ms_drbd_r1 role=Master 200: node2",
    ]
    cib = build_reference_crm(tmp_path / "two.xml", extra=extra,
                              p_fs="primitive p_fs ocf:heartbeat:Filesystem params device=/dev/drbd/by-res/r0 "
                                   "directory=/vz fstype=ext4")
    bindir, log = tmp_path / "bin", tmp_path / "crm_simulate.log"
    bindir.mkdir()
    _logging_wrapper(bindir, "crm_simulate", log)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    code, report = crm_ve_json("check", "--simulate", cib)
    assert code == 0, report
    stacks = {s["container"]: s for s in report["simulation"]["documents"][0]["stacks"]}
    assert sorted(stacks) == ["p_ve", "p_ve2", "p_ve3"]
    assert chains(stacks["p_ve"]) == GOOD
    assert chains(stacks["p_ve2"])["move"] == (
        "stop p_ve2 (node2) -> stop p_fs1 (node2) -> demote ms_drbd_r1 (node2) -> promote ms_drbd_r1 (node1) "
        "-> start p_fs1 (node1) -> start p_ve2 (node1)")
    assert all(s["agreement"] == "agree" and s["scheduler"]["verdict"] == "clean" for s in stacks.values())
    runs = [line for line in log.read_text().splitlines() if " -S " in f" {line} "]
    # cold start, a move from node1, a move from node2, one recovery with both monitor failures injected
    assert len(runs) == 4, runs
    recovery = [line for line in runs if " -i " in f" {line} "]
    assert len(recovery) == 1 and "p_drbd_r0_monitor_29000@node1=1" in recovery[0] \
        and "p_drbd_r1_monitor_29000@node2=1" in recovery[0]


def test_without_crm_simulate_one_line_and_exit_2(tmp_path, simulation_tools):
    """A PATH with the other Pacemaker tools but no crm_simulate."""
    cib = tmp_path / "any.xml"
    cib.write_text("<cib validate-with='pacemaker-3.9' admin_epoch='0' epoch='1' num_updates='0'><configuration><crm_config/><nodes/><resources/>"
                   "<constraints/></configuration><status/></cib>")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in SIMULATION_TOOLS:
        if tool != "crm_simulate":
            os.symlink(shutil.which(tool), bindir / tool)
    proc = subprocess.run([sys.executable, "-m", "crm_ve", "check", "--simulate", str(cib)],
                          env={"PATH": str(bindir), "CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "crm-ve: --simulate needs crm_simulate, which is not installed (install pacemaker-cli-utils)"]
    # without --simulate the same PATH checks fine
    proc = subprocess.run([sys.executable, "-m", "crm_ve", "check", str(cib)],
                          env={"PATH": str(bindir), "CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc


def test_a_cib_the_scheduler_refuses_is_one_line_and_exit_2(good_crm, crm_ve, crm_ve_json):
    """A CIB naming a schema newer than the installed Pacemaker: crm-ve says "schema not checked" and checks it,
    crm_simulate refuses the copy; the findings are still printed, the simulation says why it could not run,
    exit 2."""
    text = good_crm.read_text()
    newer = text.replace('validate-with="pacemaker-3.9"', 'validate-with="pacemaker-4.0"')
    assert "pacemaker-4.0" in newer, "the reference CIB changed shape"
    good_crm.write_text(newer)
    code, out, err = crm_ve("check", "--simulate", good_crm)
    assert code == 2, out + err
    failed = [line for line in out.splitlines() if line.startswith(f"{good_crm}: simulation failed: ")]
    assert len(failed) == 1, out
    assert "does not conform to its schema" in failed[0] and "validate-with" in failed[0]
    assert f"{good_crm}: schema not checked: " in out
    assert "/tmp/crm-ve-simulate-" not in out               # the private copy is not what the user gave
    code, report = crm_ve_json("check", "--simulate", good_crm)
    assert code == 2 and report["summary"]["exit_code"] == 2
    document, = report["simulation"]["documents"]
    assert document["error"] == failed[0].split(": simulation failed: ", 1)[1]
    assert document["stacks"] == []
