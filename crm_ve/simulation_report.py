"""``crm-ve check --simulate``: prove each recognised stack on the real scheduler, and compare with the rules.

For every input the stacks are split into batches (:mod:`crm_ve.simulation_batches`: stacks joined by any
constraint share one), and for each batch one :class:`~crm_ve.simulate.Simulator` runs on a copy of the CIB
in a private temporary directory (the user's file, shadow or cluster is never touched); every DRBD clone ->
Filesystem -> container stack of the batch is read from the same runs:

* ``cold-start``: all nodes online, nothing running (the first transition); ``next-transition`` instead for
  inputs simulated from their own status (below);
* ``move``: after the cold start, the node where DRBD is promoted goes to standby (one run per distinct
  primary node, usually one) and the peer gets the promotion score the DRBD agent would give it;
* ``drbd-recovery``: after the cold start, the recurring monitor of each promoted DRBD instance fails
  (``crm_simulate -i``, all stacks in one run): the in-place recovery demotes and promotes it again.

Per stack and scenario the order in which the container stop, unmount, demote, promote, mount and container
start actually happen is read from the transition graph's synapse inputs (never from print order) and shown as
one chain: ``A -> B`` when B waits for A, ``A || B`` when nothing orders them. The scheduler's verdict is
:meth:`crm_ve.simulate.StackFacts.problems` over the scenarios; the rules' verdict is the error findings that
name the stack's resources. Where they differ:

* the rules call the stack clean but the scheduler misorders or misplaces it: a disagreement that fails the
  check (exit 1): the rules missed a defect;
* the rules report an error that no scenario shows: a note (the rules can see defects that these scenarios
  do not trigger, such as a competing location preference);
* a scenario did not run for the stack (no second node, no monitor to fail, crm_simulate failed or did not
  finish within the overall time limit) or never acted on its chain (the container was never started): the
  stack is not proven, never "agrees", and with no error that is exit 4.

``--live`` and ``--shadow`` keep their status section (the nodes online there, the promotion scores the
agents set, what runs where): the first scenario is then the cluster's *next transition* rather than a cold
start, and the move and the recovery start from where the resources really are, so the output predicts what
the cluster would do. Files and standard input are simulated from an empty status: a configuration in a
repository is proven from a cold start, whatever status an export left in it.
"""
import os
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from lxml import etree

from crm_ve.errors import EXIT_CANNOT_RUN, EXIT_CLEAN, EXIT_FINDINGS, EXIT_NOT_PROVEN
from crm_ve.findings import Severity
from crm_ve.model import build_model
from crm_ve.simulate import (PRIMARY_SCORE, PromotableClone, SimulationError,
                             SimulationTimeout, Simulator, SimulatorMissingError, facts_for, monitor_interval,
                             set_node_attributes)
from crm_ve.simulation_batches import batches, keep_only

#: The Pacemaker tools a simulation runs.
TOOLS = ("crm_simulate", "crm_attribute", "cibadmin")
#: Input kinds simulated from their own status section (what the cluster would do next).
STATUS_KINDS = ("live", "shadow")
#: Scenario names, in the order they are printed (next-transition instead of cold-start when the status is kept).
SCENARIOS = ("cold-start", "next-transition", "move", "drbd-recovery")
_TITLES = {"cold-start": "cold start", "next-transition": "next transition", "move": "move",
           "drbd-recovery": "DRBD recovery"}
LEGEND = "A -> B: B waits for A in the transition graph; A || B: nothing orders them"

# The actions a chain shows, in the order a correct move has them: (layer, operation).
_CHAIN_ORDER = (("container", "stop"), ("filesystem", "stop"), ("drbd", "demote"),
                ("drbd", "promote"), ("filesystem", "start"), ("container", "start"))
_RANK = {step: i for i, step in enumerate(_CHAIN_ORDER)}
_NO_RESOURCE = "\0"  # stands for "no container" in graph look-ups: matches no action


def require_simulator():
    """One line and exit 2 (before any input is read) when a tool the simulation needs is missing."""
    for tool in TOOLS:
        if shutil.which(tool) is None:
            raise SimulatorMissingError(f"--simulate needs {tool}, which is not installed "
                                        f"(install pacemaker-cli-utils)")


def pacemaker_version():
    """``Pacemaker 2.1.5`` from ``crm_simulate --version`` (None when it does not say)."""
    try:
        proc = subprocess.run([shutil.which("crm_simulate") or "crm_simulate", "--version"], capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    first = (proc.stdout or "").strip().splitlines()[:1]
    return first[0].strip() if first else None


# --------------------------------------------------------------------------------------------------------
# what the scheduler did, per stack and scenario

@dataclass
class Step:
    """One action of a chain; ``waits`` says whether it waits for the step before it (None for the first)."""

    operation: str
    resource: str
    node: Optional[str]
    waits: Optional[bool] = None

    def __str__(self):
        return f"{self.operation} {self.resource}" + (f" ({self.node})" if self.node else "")

    def as_dict(self):
        return {"operation": self.operation, "resource": self.resource, "node": self.node,
                "waits_for_previous": self.waits}


@dataclass
class Trace:
    """One stack in one scenario: the chain of actions the transition graph has, and what is wrong with it."""

    scenario: str             # one of SCENARIOS
    title: str                # "cold start", "move (standby node1)", ...
    steps: List[Step]
    problems: List[str]       # StackFacts.problems() without the scenario prefix
    #: the chain's actions the scenario should have had and did not (what it then does not prove)
    missing: List[str] = field(default_factory=list)

    @property
    def chain(self):
        if not self.steps:
            return "nothing to do for this stack"
        text = str(self.steps[0])
        for step in self.steps[1:]:
            text += (" -> " if step.waits else " || ") + str(step)
        return text

    def line(self):
        return f"{self.title}: {self.chain}"

    def as_dict(self):
        return {"scenario": self.scenario, "title": self.title, "chain": self.chain,
                "steps": [s.as_dict() for s in self.steps], "problems": list(self.problems),
                "missing": list(self.missing)}


#: The actions a scenario must show for a stack to prove it, as (operation, layer): the cold start brings the
#: stack up; a move and a DRBD recovery take it down and up again. The next transition of a running cluster may
#: rightly do nothing, so it proves nothing by itself and is not required.
_EXPECTED = {
    "cold-start": (("promote", "drbd"), ("start", "filesystem"), ("start", "container")),
    "move": (("stop", "container"), ("stop", "filesystem"), ("demote", "drbd"), ("promote", "drbd"),
             ("start", "filesystem"), ("start", "container")),
}
_EXPECTED["drbd-recovery"] = _EXPECTED["move"]


def missing_actions(scenario, steps, drbd_clone, filesystem, container):
    """The chain's actions ``scenario`` should have had for this stack and did not (``stop p_fs``...)."""
    names = {"drbd": drbd_clone, "filesystem": filesystem, "container": container}
    done = {(step.operation, step.resource) for step in steps}
    return [f"{operation} {names[layer]}" for operation, layer in _EXPECTED.get(scenario, ())
            if names[layer] is not None and (operation, names[layer]) not in done]


def chain_steps(graph, drbd_primitive, drbd_clone, filesystem, container) -> List[Step]:
    """The stack's demote/promote, mount/unmount and container start/stop in the order the graph imposes.

    A topological order of "waits for" (transitive synapse inputs); actions nothing orders are listed in the
    order a correct move has them."""
    layers = {drbd_primitive: "drbd", filesystem: "filesystem", container: "container"}
    shown = {drbd_primitive: drbd_clone, filesystem: filesystem, container: container}
    actions = [a for a in graph if a.kind == "rsc_op" and not a.interval and a.primitive in layers
               and (layers[a.primitive], a.operation) in _RANK]
    after = {a.id: {b.id for b in actions if b.id != a.id and graph.waits_for(a, b)} for a in actions}
    placed, order = set(), []
    while len(order) < len(actions):
        ready = [a for a in actions if a.id not in placed and after[a.id] <= placed]
        nxt = min(ready, key=lambda a: (_RANK[(layers[a.primitive], a.operation)], a.node or "", a.id))
        placed.add(nxt.id)
        order.append(nxt)
    steps = []
    for i, act in enumerate(order):
        waits = None if i == 0 else order[i - 1].id in after[act.id]
        steps.append(Step(act.operation, shown[act.primitive], act.node, waits))
    return steps


# --------------------------------------------------------------------------------------------------------
# per stack: the scheduler against the rules

AGREE = "agree"
MISSED = "missed-by-rules"        # the scheduler shows a defect, the rules call the stack clean: exit 1
STRICTER = "stricter-rules"       # the rules report an error no scenario shows: a note
NOT_PROVEN = "not-proven"         # a scenario did not run, timed out or did not act on the stack: exit 4


@dataclass
class StackSimulation:
    """One DRBD clone -> Filesystem -> container stack of one document, simulated."""

    document: str
    drbd: str
    drbd_primitive: str
    filesystem: str
    container: Optional[str]
    traces: List[Trace] = field(default_factory=list)
    #: error findings of the rules that name this stack's resources: (code, message)
    rule_errors: List[Tuple[str, str]] = field(default_factory=list)
    #: scenarios that could not run for this stack, with the reason
    skipped: Dict[str, str] = field(default_factory=dict)

    @property
    def name(self):
        return " -> ".join(x for x in (self.drbd, self.filesystem, self.container) if x)

    @property
    def scheduler_problems(self):
        return [f"{t.title}: {p}" for t in self.traces for p in t.problems]

    @property
    def not_proven(self):
        """Why the scenarios do not prove this stack: those that did not run or did not act on it."""
        reasons = [f"{_TITLES[scenario]}: not simulated: {why}" for scenario, why in self.skipped.items()]
        reasons += [f"{t.title}: the scheduler did not {', '.join(t.missing)}" for t in self.traces if t.missing]
        return reasons

    @property
    def agreement(self):
        defect, errors = bool(self.scheduler_problems), bool(self.rule_errors)
        if defect:
            return AGREE if errors else MISSED
        if self.not_proven:
            return NOT_PROVEN
        return STRICTER if errors else AGREE

    @property
    def codes(self):
        return list(dict.fromkeys(code for code, _ in self.rule_errors))

    @property
    def verdict(self):
        """The comparison in words, without the document and stack names."""
        agreement = self.agreement
        if agreement == MISSED:
            return "DISAGREEMENT: the rules call it clean, but the scheduler shows a defect"
        if agreement == NOT_PROVEN:
            return f"not proven: {'; '.join(self.not_proven)}"
        if agreement == STRICTER:
            return f"the rules report {', '.join(self.codes)}, which no simulated scenario shows"
        return f"the scheduler agrees with the rules ({', '.join(self.codes) if self.rule_errors else 'clean'})"

    def verdict_line(self):
        agreement = self.agreement
        if agreement == MISSED:
            return (f"{self.document}: DISAGREEMENT: stack {self.name}: the rules call it clean, but the scheduler "
                    f"shows: {'; '.join(self.scheduler_problems)}")
        if agreement == NOT_PROVEN:
            return f"{self.document}: stack {self.name}: not proven: {'; '.join(self.not_proven)}"
        if agreement == STRICTER:
            return (f"{self.document}: note: stack {self.name}: the rules report {', '.join(self.codes)}, which no "
                    f"simulated scenario shows (the rules can see defects these scenarios do not trigger)")
        if self.rule_errors:
            return f"{self.document}: stack {self.name}: the scheduler agrees with the rules ({', '.join(self.codes)})"
        return f"{self.document}: stack {self.name}: the scheduler agrees with the rules (clean)"

    def as_dict(self):
        return {
            "drbd": self.drbd, "drbd_primitive": self.drbd_primitive, "filesystem": self.filesystem,
            "container": self.container,
            "scenarios": [t.as_dict() for t in self.traces],
            "skipped": dict(self.skipped),
            "not_proven": self.not_proven,
            "rules": {"verdict": "error" if self.rule_errors else "clean",
                      "errors": [{"code": c, "message": m} for c, m in self.rule_errors]},
            "scheduler": {"verdict": "defect" if self.scheduler_problems else "clean",
                          "problems": self.scheduler_problems},
            "agreement": self.agreement,
            "message": self.verdict_line(),
        }


@dataclass
class DocumentSimulation:
    """The simulation of one input."""

    name: str
    status_kept: bool = False
    nodes: List[str] = field(default_factory=list)
    stacks: List[StackSimulation] = field(default_factory=list)
    #: what was not simulated and why (a Filesystem on no DRBD clone, a container tied to no Filesystem)
    not_simulated: List[str] = field(default_factory=list)
    #: what the harness had to adapt (a CIB from a newer Pacemaker)
    notes: List[str] = field(default_factory=list)
    #: why the simulation could not run at all (exit 2)
    error: Optional[str] = None
    #: how many crm_simulate batches the stacks were proven in (simulation_batches)
    batches: int = 0

    def as_dict(self):
        return {"file": self.name, "status": "kept" if self.status_kept else "empty", "nodes": list(self.nodes),
                "stacks": [s.as_dict() for s in self.stacks], "not_simulated": list(self.not_simulated),
                "notes": list(self.notes), "error": self.error, "batches": self.batches}


@dataclass
class SimulationReport:
    """Everything ``--simulate`` found; rendered by the text and json formats, counted in the exit code."""

    documents: List[DocumentSimulation] = field(default_factory=list)
    pacemaker: Optional[str] = None
    #: the overall time limit, in seconds (``--simulate-timeout``)
    time_limit: Optional[float] = None

    @property
    def stacks(self):
        return [s for d in self.documents for s in d.stacks]

    @property
    def disagreements(self):
        return [s for s in self.stacks if s.agreement == MISSED]

    @property
    def stricter(self):
        return [s for s in self.stacks if s.agreement == STRICTER]

    @property
    def unproven(self):
        return [s for s in self.stacks if s.agreement == NOT_PROVEN]

    @property
    def exit_code(self):
        if any(d.error for d in self.documents):
            return EXIT_CANNOT_RUN
        if self.disagreements:
            return EXIT_FINDINGS
        return EXIT_NOT_PROVEN if self.unproven else EXIT_CLEAN

    def summary(self):
        n, d, s, u = len(self.stacks), len(self.disagreements), len(self.stricter), len(self.unproven)
        parts = [f"{n} stack{'' if n == 1 else 's'} simulated"]
        if d:
            parts.append(f"{d} disagreement{'' if d == 1 else 's'} (the scheduler shows a defect the rules missed)")
        if u:
            parts.append(f"{u} not proven (a scenario did not run, timed out or did not act on the stack)")
        if s:
            parts.append(f"{s} note{'' if s == 1 else 's'} (the rules are stricter than the scenarios)")
        if not d and not s and not u and n:
            parts.append("the scheduler agrees with the rules")
        failed = sum(1 for doc in self.documents if doc.error)
        if failed:
            parts.append(f"{failed} input{'' if failed == 1 else 's'} could not be simulated")
        return "Simulation: " + "; ".join(parts) + "."

    def text_lines(self):
        """The text report's section (after the findings)."""
        out = [f"Simulation on the real scheduler ({self.pacemaker or 'crm_simulate'}; {LEGEND}):"]
        for doc in self.documents:
            if doc.error:
                out.append(f"{doc.name}: simulation failed: {doc.error}")
                continue
            if doc.status_kept:
                out.append(f"{doc.name}: simulated from its own status (nodes online: {', '.join(doc.nodes)}): "
                           f"the first scenario is the cluster's next transition")
            out.extend(f"{doc.name}: {note}" for note in doc.notes)
            out.extend(f"{doc.name}: not simulated: {what}" for what in doc.not_simulated)
            if not doc.stacks and not doc.not_simulated:
                out.append(f"{doc.name}: no DRBD -> Filesystem -> container stack recognised; nothing to simulate")
            for stack in doc.stacks:
                out.append(f"{doc.name}: stack {stack.name}")
                for scenario in SCENARIOS:
                    out.extend(f"    {trace.line()}" for trace in stack.traces if trace.scenario == scenario)
                    if scenario in stack.skipped:
                        out.append(f"    {_TITLES[scenario]}: not simulated: {stack.skipped[scenario]}")
                out.extend(f"    scheduler: {problem}" for problem in stack.scheduler_problems)
                out.append(f"    verdict: {stack.verdict}")
        out.extend(s.verdict_line() for s in self.disagreements + self.unproven + self.stricter)
        out.append(self.summary())
        return out

    def as_dict(self):
        return {
            "pacemaker": self.pacemaker,
            "time_limit": self.time_limit,
            "documents": [d.as_dict() for d in self.documents],
            "disagreements": [s.verdict_line() for s in self.disagreements],
            "not_proven": [s.verdict_line() for s in self.unproven],
            "notes": [s.verdict_line() for s in self.stricter],
            "exit_code": self.exit_code,
        }


# --------------------------------------------------------------------------------------------------------
# running the scenarios on one document

def _copy_for_simulation(document, path, keep_status, tops=None):
    """Serialise the parsed document (for crm text: the XML crmsh made) to ``path``, status emptied unless
    ``keep_status``; with ``tops``, only those top-level resources (:func:`simulation_batches.keep_only`)."""
    root = etree.fromstring(etree.tostring(document.root))
    if tops is not None and root.find("configuration/resources") is not None:
        keep_only(root, tops)
    status = root.find("status")
    if status is not None and not keep_status:
        for child in list(status):
            status.remove(child)
    tmp = f"{path}.tmp"
    etree.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=False)
    os.replace(tmp, path)


def _online(value):
    # node_state in_ccm/crmd hold "true"/"online" (Pacemaker 2.1) or a timestamp (2.1.7+); offline is
    # "false"/"offline"/"0"
    return value is not None and value not in ("false", "offline", "0", "")


def live_state(root):
    """(online nodes, promotion scores {(primitive, node): score}) from a CIB's status section."""
    nodes, scores = [], {}
    for state in root.xpath("status/node_state"):
        name = state.get("uname") or state.get("id")
        if _online(state.get("in_ccm")) and _online(state.get("crmd")) and state.get("join") in (None, "member"):
            nodes.append(name)
        for nv in state.xpath("transient_attributes/instance_attributes/nvpair"):
            attr = nv.get("name") or ""
            if attr.startswith("master-") and nv.get("value") is not None:
                scores[(attr[len("master-"):], name)] = nv.get("value")
    return nodes, scores


def _rule_errors(findings, document, stack_members, layers):
    """Error findings about one stack: they name one of its resources, and in each layer (DRBD clones,
    Filesystems, containers) they name, they name this stack's member."""
    out = []
    for finding in findings:
        if finding.file != document or finding.severity != Severity.ERROR:
            continue
        named = set(finding.resources)
        if not named & stack_members:
            continue
        if all(not (named & layer) or (named & layer & stack_members) for layer in layers):
            out.append((finding.code, finding.message))
    return out


def _scenario_failed(exc):
    # A scheduler that cannot compute one scenario (Pacemaker 2.1.5 hits a fatal assertion on some
    # dual-primary CIBs with an injected failure) leaves the others standing: the scenario is reported as not
    # simulated, with crm_simulate's reason. Only a failing first transition makes the input unsimulatable.
    if isinstance(exc, SimulationTimeout):
        return f"it did not finish in time ({exc})"
    return f"crm_simulate could not compute it: {exc}"


class _Scenarios:
    """The three scenarios on one simulator, each run once for all stacks."""

    def __init__(self, sim, clones, status_kept, progress):
        self.sim = sim
        self.clones = clones                  # DrbdClone records of the stacks, by id
        self.cold_name = "next-transition" if status_kept else "cold-start"
        self.cold_title = self.cold_name.replace("-", " ")
        progress(self.cold_title)
        self.cold = sim.cold_start()
        self.moves = {}                       # primary node -> result
        self.recovery = None
        self.recovery_nodes = {}              # clone id -> node whose monitor failed
        self.skipped = {}                     # (scenario, clone id) -> reason
        progress("move")
        self._run_moves()
        progress("DRBD recovery")
        self._run_recovery()

    def primary(self, clone):
        promoted = self.cold.after.promoted(clone)
        return promoted[0] if promoted else None

    def _copy(self, name):
        path = os.path.join(self.sim.workdir, f"{name}.in.xml")
        shutil.copyfile(self.cold.cib_out, path)
        return path

    def _run_moves(self):
        by_primary = {}
        for clone in self.clones.values():
            primary = self.primary(clone.id)
            if primary is None:
                self.skipped[("move", clone.id)] = f"{clone.id} is promoted nowhere after the {self.cold_title}"
                continue
            by_primary.setdefault(primary, []).append(clone)
        for i, (primary, clones) in enumerate(sorted(by_primary.items())):
            peers = [n for n in self.sim.nodes if n != primary]
            if not peers:
                for clone in clones:
                    self.skipped[("move", clone.id)] = f"a move needs another online node than {primary}"
                continue
            try:
                cib = self._copy(f"move-{i}")
                # what the DRBD agent sets on the peer once it is UpToDate
                set_node_attributes(cib, standby=[primary], promotion_scores={
                    (prim, peers[0]): PRIMARY_SCORE for clone in clones for prim in clone.primitives})
                self.moves[primary] = self.sim.run(f"move-{i}", cib, description=f"standby of {primary}")
            except SimulationError as exc:
                for clone in clones:
                    self.skipped[("move", clone.id)] = _scenario_failed(exc)

    def _run_recovery(self):
        specs = []
        for clone in self.clones.values():
            primary = self.primary(clone.id)
            if primary is None:
                self.skipped[("drbd-recovery", clone.id)] = (f"{clone.id} is promoted nowhere after the "
                                                             f"{self.cold_title}")
                continue
            prim = clone.primitives[0]
            role = self.cold.after.roles.get(prim, {}).get(primary)
            interval = monitor_interval(self.sim.cib_root, prim, None if role in (None, "Started") else role)
            if interval is None:
                self.skipped[("drbd-recovery", clone.id)] = f"{prim} has no recurring monitor operation to fail"
                continue
            specs.append(f"{prim}_monitor_{interval}@{primary}=1")
            self.recovery_nodes[clone.id] = primary
        if specs:
            try:
                self.recovery = self.sim.run("drbd-recovery", self._copy("drbd-recovery"), inject=specs,
                                             description="monitor failure " + ", ".join(specs))
            except SimulationError as exc:
                for cid in self.recovery_nodes:
                    self.skipped[("drbd-recovery", cid)] = _scenario_failed(exc)

    def results_for(self, clone):
        """[(scenario, title, result)] for one DRBD clone; scenarios that did not apply are in skipped."""
        out = [(self.cold_name, self.cold_title, self.cold)]
        primary = self.primary(clone.id)
        if primary in self.moves:
            out.append(("move", f"move (standby {primary})", self.moves[primary]))
        if self.recovery is not None and clone.id in self.recovery_nodes:
            node = self.recovery_nodes[clone.id]
            out.append(("drbd-recovery", f"DRBD recovery (monitor failure of {clone.primitives[0]} on {node})",
                        self.recovery))
        return out


def _stack_triples(recognised, result):
    """``[(DrbdClone, Filesystem, container or None)]`` to simulate; what cannot be is noted in ``result``."""
    triples = []
    for stack in recognised.stacks:
        if stack.drbd is None:
            result.not_simulated.append(f"{stack.filesystem} is on no recognised DRBD clone")
            continue
        for tie in stack.containers or [None]:
            triples.append((recognised.drbd_clones[stack.drbd], stack.filesystem, tie.lower if tie else None))
    result.not_simulated.extend(f"container {c} is tied to no Filesystem" for c in recognised.untied_containers)
    return triples


class _Progress:
    """``stack i of n: scenario`` lines on a terminal (standard error), or nothing."""

    def __init__(self, stream, total):
        self.stream, self.total, self.lock = stream, total, threading.Lock()

    def batch(self, name, numbers):
        def say(scenario):
            if self.stream is not None:
                stacks = f"stack{'' if len(numbers) == 1 else 's'} {', '.join(map(str, numbers))}"
                with self.lock:
                    self.stream.write(f"crm-ve: simulating {name}: {stacks} of {self.total}: {scenario}\n")
                    self.stream.flush()
        return say


def _simulate_batch(document, triples, tops, status_kept, deadline, say):
    """Simulate ``triples`` (their batch's copy keeps the top-level resources ``tops``, or everything):
    ``(stacks, nodes, notes)``; raises SimulationError when the first transition cannot be computed."""
    with tempfile.TemporaryDirectory(prefix="crm-ve-simulate-") as tmp:
        source = os.path.join(tmp, "input.xml")
        _copy_for_simulation(document, source, status_kept, tops)
        nodes, scores = live_state(document.root) if status_kept else ([], {})
        clones = {clone.id: clone for clone, _, _ in triples}
        promotable = [PromotableClone(c.id, c.primitives, ()) for c in clones.values()]
        try:
            sim = Simulator(source, nodes=nodes or None, promotion_scores=scores or None,
                            workdir=os.path.join(tmp, "work"), clones=promotable, deadline=deadline)
            scenarios = _Scenarios(sim, clones, status_kept, say)
        except SimulationError as exc:
            raise type(exc)(" ".join(str(exc).replace(source, document.name).split())) from None
        notes = [note.replace(source, "the copy") for note in sim.notes]
        stacks = []
        for clone, fs, container in triples:
            simulated = StackSimulation(document.name, clone.id, clone.primitives[0], fs, container)
            for scenario, title, run in scenarios.results_for(clone):
                facts = facts_for(run, clone.primitives[0], clone.id, fs, container or _NO_RESOURCE)
                problems = [p.split(": ", 1)[1] for p in facts.problems()]
                steps = chain_steps(run.graph, clone.primitives[0], clone.id, fs, container or _NO_RESOURCE)
                missing = missing_actions(scenario, steps, clone.id, fs, container)
                simulated.traces.append(Trace(scenario, title, steps, problems, missing))
            for (scenario, cid), why in scenarios.skipped.items():
                if cid == clone.id:
                    simulated.skipped[scenario] = " ".join(why.replace(source, document.name).split())
            stacks.append(simulated)
        return stacks, list(sim.nodes), notes


def simulate_document(document, findings, workload_agents, deadline=None, progress=None) -> DocumentSimulation:
    """Simulate one parsed input's stacks and compare them with ``findings`` (the rules' verdict).

    The stacks are simulated in batches (:mod:`crm_ve.simulation_batches`), two at a time on two cores, each
    tool run bounded by ``deadline`` (:func:`time.monotonic`); the stacks of a batch that did not finish in
    time are not proven. ``progress`` is a stream for progress lines, or None."""
    result = DocumentSimulation(document.name)
    model = build_model(document)
    recognised = model.stacks(workload_agents)
    triples = _stack_triples(recognised, result)
    if not triples:
        return result
    layers = [set(recognised.drbd_clones) | {p for c in recognised.drbd_clones.values() for p in c.primitives},
              set(recognised.filesystems), set(recognised.container_ties) | set(recognised.untied_containers)]
    result.status_kept = document.source_kind in STATUS_KINDS
    planned = batches(document.root, [[clone.id, fs] + ([container] if container else [])
                                      for clone, fs, container in triples], result.status_kept)
    result.batches = len(planned)
    report = _Progress(progress, len(triples))

    def run(batch):
        indexes, tops = batch
        return _simulate_batch(document, [triples[i] for i in indexes], tops, result.status_kept, deadline,
                               report.batch(document.name, [i + 1 for i in indexes]))

    simulated = {}
    with ThreadPoolExecutor(max_workers=max(1, min(len(planned), os.cpu_count() or 1))) as pool:
        futures = [pool.submit(run, batch) for batch in planned]
        for future, (indexes, _) in zip(futures, planned):
            chosen = [triples[i] for i in indexes]
            try:
                stacks, nodes, notes = future.result()
            except SimulationTimeout as exc:
                stacks = [StackSimulation(document.name, clone.id, clone.primitives[0], fs, container,
                                          skipped={scenario: f"it did not finish in time ({exc})"
                                                   for scenario in _required(result.status_kept)})
                          for clone, fs, container in chosen]
                nodes, notes = [], []
            except SimulationError as exc:
                result.error = result.error or str(exc)
                continue
            for index, stack in zip(indexes, stacks):
                simulated[index] = stack
            result.nodes = result.nodes or nodes
            result.notes.extend(n for n in notes if n not in result.notes)
    for index in sorted(simulated):
        stack = simulated[index]
        clone, fs, container = triples[index]
        members = {clone.id, *clone.primitives, fs} | ({container} if container else set())
        stack.rule_errors = _rule_errors(findings, document.name, members, layers)
        result.stacks.append(stack)
    return result


def _required(status_kept):
    """The scenarios every stack needs."""
    return ("next-transition" if status_kept else "cold-start", "move", "drbd-recovery")


#: The overall time limit of ``--simulate`` in seconds (``--simulate-timeout``).
DEFAULT_TIME_LIMIT = 300


def simulate_documents(documents, report, workload_agents, time_limit=DEFAULT_TIME_LIMIT,
                       progress=None) -> SimulationReport:
    """``check --simulate`` on every input; the report's findings give the rules' verdict per stack. Every
    crm_simulate run ends within ``time_limit`` seconds of the start; what did not finish is not proven."""
    require_simulator()
    deadline = time.monotonic() + time_limit
    simulation = SimulationReport(pacemaker=pacemaker_version(), time_limit=time_limit)
    for document in documents:
        simulation.documents.append(simulate_document(document, report.rule_findings, workload_agents,
                                                      deadline=deadline, progress=progress))
    return simulation
