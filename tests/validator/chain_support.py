"""Helpers for the storage-chain tests: build CIBs with the real tools, check them, apply a finding's fix with
the real tools, and ask crm_simulate whether the defect shows.

Every CIB starts from the reference configuration (docs/pacemaker-semantics.md §1) built once per tool
(crmsh: ``ms``, Master/Slave; pcs: promotable clone, Promoted); a form removes the constraints it replaces
with ``cibadmin -D`` and adds its own with the same tool that built the base.
"""
import shutil
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lxml import etree

from crm_ve.checker import check_document
from crm_ve.findings import present
from crm_ve.plugins import PluginHost
from crm_ve.reader import read_cib
from crm_ve.simulate import Simulator, stack_facts
from support.fix_commands import apply_fix, run_tool  # noqa: F401 (re-exported to the tests)
from support.cib_build import cibadmin, cibadmin_create, crm_load, pcs_run

STACK = ("ms_drbd_r0", "p_fs", "p_ve")
CHAIN_CODES = ("CV101", "CV102", "CV103", "CV104")
TIMEOUT = 120

_HOST = None


def host():
    global _HOST
    if _HOST is None:
        _HOST = PluginHost(autoload=False)
    return _HOST


def check(path):
    """Findings of every built-in rule on ``path`` (in process, as ``crm-ve check`` runs them), as reports show
    them: the findings one fix repairs together merged into one (:func:`crm_ve.findings.present`), so that each
    finding's fix can be applied on its own."""
    document = read_cib(str(path))
    findings, failures = check_document(document, host().rules, host().workload_agents)
    assert not failures, failures
    return present(findings)


def chain_findings(path):
    return [f for f in check(path) if f.code in CHAIN_CODES]


def errors(path):
    return [f for f in check(path) if f.severity.label == "error"]


def fix_all(path, tool, max_rounds=3):
    """Apply the fixes of every error finding (one round per check) until the CIB is clean; returns the
    findings that were fixed."""
    fixed = []
    for _ in range(max_rounds):
        found = [f for f in check(path) if f.severity.label == "error"]
        if not found:
            return fixed
        for finding in found:
            apply_fix(path, finding, tool)
            fixed.append(finding)
    return fixed


def delete_constraint(path, cid):
    root = etree.parse(str(path)).getroot()
    element = root.find(f".//constraints/*[@id='{cid}']")
    assert element is not None, f"no constraint {cid} in {path}"
    cibadmin(path, "-D", "-X", f'<{element.tag} id="{cid}"/>')


def set_meta(path, resource, name, value):
    run_tool(["crm_resource", "--resource", resource, "--meta", "--set-parameter", name,
              "--parameter-value", value], path)


# ------------------------------------------------------------------------------------------------ forms

@dataclass
class Form:
    """One way of writing (or getting wrong) the stack, in crmsh and in pcs.

    :param drop: constraint ids of the reference removed first.
    :param crm: crm shell lines loaded (``crm configure load update``) after the drop.
    :param pcs: pcs argv lists run after the drop.
    :param raw: (section, XML) added with cibadmin for both tools (forms no front end writes).
    :param setup_crm, setup_pcs: a competing preference that exposes the defect (kept in the fixed CIB).
    :param codes: the rule codes expected (one finding each); empty for a correct form.
    :param text: a phrase each finding's message must contain (the diagnosed form).
    :param exposure: ``exposure(path) -> str or None``: the defect crm_simulate shows, None when it does not.
    """

    name: str
    codes: Tuple[str, ...]
    exposure: Callable[[str], Optional[str]]
    text: str = ""
    drop: Tuple[str, ...] = ()
    crm: Tuple[str, ...] = ()
    pcs: Tuple[Sequence[str], ...] = ()
    raw: Tuple[Tuple[str, str], ...] = ()
    setup_crm: Tuple[str, ...] = ()
    setup_pcs: Tuple[Sequence[str], ...] = ()
    crm_force: bool = False
    pcs_force: bool = False
    tools: Tuple[str, ...] = ("crm", "pcs")


def build_form(base, path, form, tool):
    shutil.copyfile(base, path)
    for cid in form.drop:
        delete_constraint(path, cid)
    if tool == "crm":
        lines = list(form.setup_crm) + list(form.crm)
        if lines:
            crm_load(str(path), "\n".join(lines), force=form.crm_force)
    else:
        for argv in list(form.setup_pcs) + list(form.pcs):
            pcs_run(str(path), *argv, force=form.pcs_force)
    for section, xml in form.raw:
        cibadmin_create(str(path), section, xml)
    return path


# ------------------------------------------------------------------------------------------ exposures

def _facts(path, scenario):
    for facts in stack_facts(str(path), *STACK):
        if facts.scenario == scenario:
            return facts
    raise AssertionError(f"no scenario {scenario}")


def order_defect(scenario):
    """A False order fact in ``scenario`` (cold-start, standby-primary, monitor-failure-p_drbd_r0)."""
    def exposure(path):
        facts = _facts(path, scenario)
        problems = [p for p in facts.problems() if "waits" in p or "wait" in p]
        return "; ".join(problems) or None
    exposure.__name__ = f"order_defect_{scenario}"
    return exposure


def placement_defect(path):
    """After a cold start: the Filesystem is not on the promoted node, or the container not on the FS's node."""
    facts = _facts(path, "cold-start")
    problems = [p for p in facts.problems() if " on " in p]
    if not facts.fs_nodes:
        problems.append("Filesystem not started")
    if not facts.container_nodes:
        problems.append("container not started")
    return "; ".join(problems) or None


def promotion_hijack(path):
    """The Filesystem's preference for node2 (5) decides promotion over DRBD's scores (node1 100)."""
    facts = _facts(path, "cold-start")
    if facts.promoted_nodes != ["node1"]:
        return f"DRBD promoted on {facts.promoted_nodes} though its promotion score prefers node1"
    return None


def drbd_recovery_under_mount(path):
    """A DRBD monitor failure on the primary: a Mandatory order restarts the Filesystem (and container) around
    the recovery (E-OPT); an Optional one recovers DRBD under the mounted Filesystem."""
    facts = _facts(path, "monitor-failure-p_drbd_r0")
    if "p_fs" not in facts.stopped:
        return "DRBD recovered while p_fs stayed mounted"
    return "; ".join(facts.problems()) or None


def _with_monitor(path, resource, interval="20s"):
    """A copy of the CIB where ``resource`` has a recurring monitor (so a monitor failure can be injected)."""
    copy = str(path) + f".{resource}-monitor.xml"
    tree = etree.parse(str(path))
    primitive = tree.getroot().find(f".//primitive[@id='{resource}']")
    operations = primitive.find("operations")
    if operations is None:
        operations = etree.SubElement(primitive, "operations")
    etree.SubElement(operations, "op", id=f"{resource}-monitor-{interval}", name="monitor", interval=interval)
    tree.write(copy)
    return copy


def fs_recovery_under_container(path):
    """A Filesystem monitor failure: the container must be stopped before the Filesystem is recovered."""
    with Simulator(_with_monitor(path, "p_fs")) as sim:
        result = sim.monitor_failure(resource="p_fs")
        stopped = {a.primitive for a in result.graph if a.operation == "stop" and not a.pseudo}
        if "p_fs" not in stopped:
            return None if "p_ve" in stopped else "p_fs not recovered"
        if "p_ve" not in stopped:
            return "p_fs recovered (stopped) while p_ve kept running on it"
        if not result.graph.waits_for(("p_fs", "stop"), ("p_ve", "stop")):
            return "p_fs stop does not wait for p_ve stop"
    return None


def container_stopped_defect(path):
    """With the container disabled (target-role=Stopped) the Filesystem must still be mounted on the
    promoted node: nothing below may depend on the container (E-CS2)."""
    copy = str(path) + ".ve-stopped.xml"
    shutil.copyfile(str(path), copy)
    set_meta(copy, "p_ve", "target-role", "Stopped")
    with Simulator(copy) as sim:
        after = sim.cold_start().after
        promoted, fs = after.promoted("ms_drbd_r0"), after.nodes("p_fs")
    if not promoted:
        return "DRBD never promoted once the container is stopped"
    if not fs or not set(fs) <= set(promoted):
        return f"p_fs on {fs or 'no node'} once the container is stopped (DRBD promoted on {promoted})"
    return None


def no_defect(path):
    """Every scenario of the harness orders and places the stack right."""
    problems = [p for facts in stack_facts(str(path), *STACK) for p in facts.problems()]
    return "; ".join(problems) or None
