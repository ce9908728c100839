"""Ask the real Pacemaker scheduler what it would do with a CIB: the ``crm_simulate`` harness.

Follows docs/pacemaker-semantics.md §13: a copy of the CIB gets quorum, online nodes,
injected promotion scores (nothing sets ``master-<primitive>`` offline, so nothing would be promoted) and
``stonith-enabled=false``; then ``crm_simulate -S -G`` runs the scenarios that expose misordering and
misplacement of a storage stack (cold start, standby of the primary, swapped promotion scores, an injected
monitor failure).

Dependencies are read from the transition graph's synapse inputs, never from the order in which crm_simulate
prints actions: "A waits for B" means B is a transitive input of A.

Example::

    with Simulator("cib.xml") as sim:
        cold = sim.cold_start()
        cold.graph.waits_for(("p_fs", "start"), ("p_drbd_r0", "promote"))      # True on a good stack
        cold.after.nodes("p_fs")                                                # ['node1']
        for facts in stack_facts(sim, "ms_drbd_r0", "p_fs", "p_ve"):
            print(facts.scenario, facts.problems())

Only lxml, :mod:`crm_ve.errors` and the Pacemaker command-line tools are needed (``crm_simulate``,
``crm_attribute``, ``cibadmin``: Debian package pacemaker-cli-utils).
"""
import functools
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple, Union

from lxml import etree

from crm_ve.errors import CrmVeError, ToolMissingError
from crm_ve.model.values import decimal_up_to, parse_interval_ms


class SimulationError(CrmVeError):
    """crm_simulate (or crm_attribute) could not be run on a CIB, or its output could not be read."""


class SimulatorMissingError(SimulationError, ToolMissingError):
    """A Pacemaker command-line tool that simulation needs is not installed."""


class SimulationTimeout(SimulationError):
    """A tool run did not finish in time: within :data:`TOOL_TIMEOUT`, or before the caller's deadline."""


class ScenarioNotApplicable(SimulationError):
    """The CIB has nothing a scenario could act on (no second node, no monitor, DRBD running nowhere)."""


class ActionNotFound(LookupError):
    """A name given to :meth:`TransitionGraph.waits_for` matches no action of the graph."""


#: Promotion score injected for the first node (the intended primary) and for every other node.
PRIMARY_SCORE = 100
SECONDARY_SCORE = 10
#: Nodes used when the CIB's ``<nodes>`` section is empty.
DEFAULT_NODES = ("node1", "node2")
#: Seconds any single tool run may take.
TOOL_TIMEOUT = 120

_PROMOTED_ROLES = ("Master", "Promoted")
_UNPROMOTED_ROLES = ("Slave", "Unpromoted")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --------------------------------------------------------------------------------------------------------
# running the tools

def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise SimulatorMissingError(
            f"{name} not found on PATH: install pacemaker-cli-utils (Debian) to simulate the scheduler")
    return path


def _run(argv, what, *, env_cib=None, ok_codes=(0,), deadline=None):
    """Run a Pacemaker tool; return (stdout, stderr); raise SimulationError with its first error line, and
    SimulationTimeout when it does not finish before ``deadline`` (a :func:`time.monotonic` value)."""
    proc = _run_raw(argv, what, env_cib=env_cib, deadline=deadline)
    _refuse_schema_errors(argv[0], what, proc.stderr)
    if proc.returncode not in ok_codes:
        raise SimulationError(f"{argv[0]} failed on {what} (exit {proc.returncode}): "
                              f"{_first_error(proc.stderr)}")
    return proc.stdout, proc.stderr


def _run_raw(argv, what, *, env_cib=None, deadline=None):
    env = dict(os.environ)
    if env_cib is not None:
        env["CIB_file"] = str(env_cib)
    timeout = TOOL_TIMEOUT
    if deadline is not None:
        timeout = min(timeout, deadline - time.monotonic())
        if timeout <= 0:
            raise SimulationTimeout(f"the time limit ran out before {argv[0]} could run on {what}")
    try:
        return subprocess.run([_tool(argv[0])] + [str(a) for a in argv[1:]], env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SimulationTimeout(f"{argv[0]} did not finish within {timeout:.0f}s on {what}") from None


def _first_error(text):
    lines = [_ANSI.sub("", line).strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower():
            return line
    return "no error message"


_RNG_ERROR = re.compile(r"(?P<where>element [^:]*): Relax-NG validity error : (?P<what>.*)$")


def _refuse_schema_errors(tool, what, stderr):
    # crm_simulate exits 0 on a CIB that fails its schema: it disables validation and schedules nothing.
    for line in (stderr or "").splitlines():
        m = _RNG_ERROR.search(line)
        if m:
            raise SimulationError(f"{tool} cannot use {what}: the CIB does not conform to its schema "
                                  f"({m.group('where')}: {m.group('what')})")
    for line in (stderr or "").splitlines():
        if "fatal assertion" in line:
            raise SimulationError(f"{tool} failed on {what}: {_ANSI.sub('', line).strip()}")


def _parse_xml(path_or_text, what, *, is_text=False):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)
    try:
        if is_text:
            return etree.fromstring(path_or_text.encode() if isinstance(path_or_text, str) else path_or_text,
                                    parser)
        return etree.parse(str(path_or_text), parser).getroot()
    except OSError as exc:
        raise SimulationError(f"cannot read {what}: {exc}") from None
    except etree.XMLSyntaxError as exc:
        raise SimulationError(f"{what} is not well-formed XML: {exc}") from None


def _write_atomically(root, path):
    tmp = f"{path}.tmp"
    etree.ElementTree(root).write(tmp, xml_declaration=False, encoding="utf-8", pretty_print=True)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------------------
# the transition graph

_KEY = re.compile(r"^(?P<prefix>.+)_(?P<interval>\d+)$")
_KNOWN_TASK = re.compile(r"^(?P<rsc>.+?)_(?P<task>(?:confirmed-)?(?:pre|post)_notify_[a-z]+|"
                         r"start|stop|promote|demote|promoted|demoted|running|stopped|"
                         r"monitor|notify|notified|migrate_to|migrate_from|clear_failcount)$")
_ANY_TASK = re.compile(r"^(?P<rsc>.+)_(?P<task>[a-z]+)$")


@dataclass(frozen=True)
class Action:
    """One action of a transition graph.

    ``resource`` keeps a clone instance suffix (``p_drbd_r0:0``); clone-level pseudo actions carry the clone
    id (``ms_drbd_r0`` for ``ms_drbd_r0_promoted_0``). ``operation`` is the graph's operation attribute
    (``start``, ``promote``, ``notify``, ``promoted``, ``notified``...); ``task`` is the middle part of the
    operation key (``post_notify_promote`` for a notify, ``confirmed-post_notify_promoted`` for a pseudo).
    """
    id: int
    kind: str                 # rsc_op | pseudo_event | crm_event
    operation: str
    key: str
    task: str
    resource: Optional[str]
    node: Optional[str]
    interval: int = 0         # milliseconds, 0 for one-shot actions

    @property
    def primitive(self):
        """The resource id without a clone instance suffix."""
        return self.resource.split(":", 1)[0] if self.resource else None

    @property
    def pseudo(self):
        return self.kind == "pseudo_event"

    def __str__(self):
        op = self.operation if not self.interval else f"{self.operation}_{self.interval}"
        if self.pseudo:
            return f"{self.key} (pseudo)"
        return " ".join(x for x in (self.resource or self.key, op, self.node and f"on {self.node}") if x)


#: How an action is named in :meth:`TransitionGraph.find`: an Action, ``(resource, operation)``,
#: ``(resource, operation, node)`` or the string ``"resource operation [node]"``.
ActionName = Union[Action, Tuple[str, str], Tuple[str, str, Optional[str]], str]


@dataclass
class Synapse:
    id: int
    priority: int
    actions: List[Action]
    inputs: List[Action]


class TransitionGraph:
    """A parsed ``crm_simulate -G`` transition graph.

    Naming actions (see :meth:`find`): ``("p_fs", "start")``, ``("p_drbd_r0", "promote", "node1")`` (a
    primitive id matches every clone instance), ``("p_drbd_r0:0", "promote")`` (one instance),
    ``("ms_drbd_r0", "promoted")`` (the clone's pseudo action), ``("p_drbd_r0", "monitor_29000")``,
    ``"p_fs stop node1"``.
    """

    def __init__(self, root, resource_ids=()):
        if root.tag != "transition_graph":
            raise SimulationError(f"not a transition graph: root element <{root.tag}>")
        self._resource_ids = sorted(set(resource_ids), key=len, reverse=True)
        self.actions: Dict[int, Action] = {}
        self.synapses: List[Synapse] = []
        self._inputs: Dict[int, set] = {}
        synapses = list(root.iterchildren("synapse"))
        for syn in synapses:  # definitions first: a trigger only repeats id, operation and key
            for el in syn.xpath("action_set/*"):
                self._action(el)
        for syn in synapses:
            acts = [self._action(el) for el in syn.xpath("action_set/*")]
            ins = [self._action(el) for el in syn.xpath("inputs/trigger/*")]
            self.synapses.append(Synapse(int(syn.get("id")), int(syn.get("priority", "0")), acts, ins))
            for act in acts:
                self._inputs.setdefault(act.id, set()).update(i.id for i in ins)
        for act in self.actions.values():
            self._inputs.setdefault(act.id, set())
        self._closure: Dict[int, FrozenSet[int]] = {}

    @classmethod
    def from_file(cls, path, resource_ids=()):
        return cls(_parse_xml(path, f"transition graph {path}"), resource_ids)

    @classmethod
    def from_string(cls, text, resource_ids=()):
        return cls(_parse_xml(text, "transition graph", is_text=True), resource_ids)

    # -- parsing

    def _action(self, el):
        aid = int(el.get("id"))
        if aid in self.actions:
            return self.actions[aid]
        key = el.get("operation_key", "")
        operation = el.get("operation", "")
        prim = el.find("primitive")
        resource = None
        if prim is not None:
            resource = prim.get("long-id") or prim.get("id")
        interval = 0
        m = _KEY.match(el.get("internal_operation_key") or key)
        prefix = m.group("prefix") if m else key
        if m:
            interval = int(m.group("interval"))
        task = operation
        if resource and prefix.startswith(resource + "_"):
            task = prefix[len(resource) + 1:]
        elif resource is None and el.tag != "crm_event":
            resource, task = self._split_pseudo(prefix, operation)
        elif resource is None:
            task = operation
        act = Action(aid, el.tag, operation, key, task, resource, el.get("on_node"), interval)
        self.actions[aid] = act
        return act

    def _split_pseudo(self, prefix, operation):
        for rid in self._resource_ids:  # longest known id first
            if prefix.startswith(rid + "_"):
                return rid, prefix[len(rid) + 1:]
        m = _KNOWN_TASK.match(prefix) or _ANY_TASK.match(prefix)
        if m:
            return m.group("rsc"), m.group("task")
        return None, operation

    # -- naming

    def find(self, name: ActionName) -> List[Action]:
        """Every action matching ``name`` (see the class docstring), in id order."""
        if isinstance(name, Action):
            return [name] if name.id in self.actions else []
        rsc, op, node = _split_name(name)
        found = []
        for act in self.actions.values():
            if node is not None and act.node != node:
                continue
            if rsc != act.resource and (":" in rsc or rsc != act.primitive):
                continue
            if op not in (act.operation, act.task) and op != f"{act.operation}_{act.interval}":
                continue
            found.append(act)
        return sorted(found, key=lambda a: a.id)

    def has(self, name: ActionName) -> bool:
        return bool(self.find(name))

    def action(self, name: ActionName) -> Action:
        """The single action matching ``name``; ActionNotFound / LookupError if none or several."""
        found = self.find(name)
        if len(found) != 1:
            raise ActionNotFound(f"{len(found)} actions match {name!r}: {', '.join(map(str, found)) or '-'}")
        return found[0]

    # -- dependencies

    def inputs_of(self, name: ActionName) -> List[Action]:
        """Direct inputs (synapse triggers) of the single action ``name``."""
        return [self.actions[i] for i in sorted(self._inputs[self.action(name).id])]

    def dependencies(self, name: ActionName) -> List[Action]:
        """Every action that the single action ``name`` transitively waits for."""
        return [self.actions[i] for i in sorted(self._ancestors(self.action(name).id))]

    def _ancestors(self, aid):
        if aid not in self._closure:
            seen, stack = set(), list(self._inputs[aid])
            while stack:
                cur = stack.pop()
                if cur not in seen:
                    seen.add(cur)
                    stack.extend(self._inputs.get(cur, ()))
            self._closure[aid] = frozenset(seen)
        return self._closure[aid]

    def waits_for(self, a: ActionName, b: ActionName) -> bool:
        """True iff every action named ``a`` transitively depends on at least one action named ``b``.

        Raises ActionNotFound when either name matches no action: an absent action is not an answer.
        """
        firsts = self.find(b)
        thens = self.find(a)
        for label, found, nm in (("a", thens, a), ("b", firsts, b)):
            if not found:
                raise ActionNotFound(f"no action {nm!r} ({label}) in the transition graph")
        wanted = {f.id for f in firsts}
        return all(self._ancestors(t.id) & wanted for t in thens)

    def __iter__(self):
        return iter(sorted(self.actions.values(), key=lambda a: a.id))

    def __len__(self):
        return len(self.actions)


def _split_name(name):
    if isinstance(name, str):
        parts = name.split()
        if len(parts) not in (2, 3):
            raise ValueError(f"action name {name!r}: expected 'resource operation [node]'")
        name = tuple(parts)
    if len(name) == 2:
        return name[0], name[1], None
    if len(name) == 3:
        return name[0], name[1], name[2]
    raise ValueError(f"action name {name!r}: expected (resource, operation[, node])")


# --------------------------------------------------------------------------------------------------------
# what the scheduler decided: summary and placement

@dataclass(frozen=True)
class Change:
    """One line of crm_simulate's Transition Summary (``<actions>/<rsc_action>`` of its XML output)."""
    action: str                # start, stop, move, promote, demote, restart, recover, ...
    resource: str              # as printed, with instance suffix: p_drbd_r0:0
    node: Optional[str] = None
    source: Optional[str] = None
    dest: Optional[str] = None
    role: Optional[str] = None
    next_role: Optional[str] = None
    reason: Optional[str] = None
    blocked: bool = False      # the scheduler wants it but cannot do it ("unrunnable ... promote")

    @property
    def primitive(self):
        return self.resource.split(":", 1)[0]

    @property
    def where(self):
        """The node the change ends on (for a move: its destination)."""
        return self.dest or self.node or self.source

    def __str__(self):
        if self.action == "move" or (self.source and self.dest and self.source != self.dest):
            text = f"{self.action} {self.resource} {self.source} -> {self.dest}"
        else:
            text = f"{self.action} {self.resource} on {self.where}"
        if self.role and self.next_role:
            text += f" ({self.role} -> {self.next_role})"
        if self.reason:
            text += f" due to {self.reason}"
        return text + (" (blocked)" if self.blocked else "")


@dataclass
class Placement:
    """Where each resource runs: ``roles[resource id][node] = role``, as crm_simulate lists them (anonymous
    clone instances under the primitive id, merged), and ``members[clone, group or bundle id]``."""
    roles: Dict[str, Dict[str, str]] = field(default_factory=dict)
    members: Dict[str, List[str]] = field(default_factory=dict)

    def nodes(self, resource, role=None) -> List[str]:
        """Nodes where ``resource`` (a primitive, instance ``p:0``, clone, group or bundle id) is active,
        optionally in ``role`` (``Promoted`` also matches the legacy ``Master``, and so on)."""
        wanted = _role_aliases(role)
        ids = self.members.get(resource) or [rid for rid in self.roles
                                             if resource in (rid, rid.split(":", 1)[0])]
        return sorted({node for rid in ids for node, r in self.roles.get(rid, {}).items()
                       if wanted is None or r in wanted})

    def promoted(self, resource) -> List[str]:
        return self.nodes(resource, "Promoted")


def _role_aliases(role):
    if role is None:
        return None
    for group in (_PROMOTED_ROLES, _UNPROMOTED_ROLES):
        if role in group:
            return set(group)
    return {role}


def _placement(status_el):
    """Read ``<cluster_status>``/``<revised_cluster_status>`` of crm_simulate's XML output.

    Clone instances are listed there under the primitive id without instance suffix, so their nodes merge.
    """
    place = Placement()
    if status_el is None:
        return place
    resources = status_el.find("resources")
    for rsc in (resources.iter("resource") if resources is not None else ()):
        rid = rsc.get("id")
        roles = place.roles.setdefault(rid, {})
        if rsc.get("active") == "true":
            for node in rsc.iterchildren("node"):
                roles[node.get("name")] = rsc.get("role")
        for parent in rsc.iterancestors("clone", "group", "bundle"):
            members = place.members.setdefault(parent.get("id"), [])
            if rid not in members:
                members.append(rid)
    return place


@dataclass
class SimulationResult:
    """One crm_simulate run: its transition graph, summary, placements before and after, and files."""
    scenario: str
    graph: TransitionGraph
    changes: List[Change]
    before: Placement
    after: Placement
    promotion_scores: Dict[Tuple[str, str], str]
    cib_in: str
    cib_out: str
    graph_file: str
    output: str                # crm_simulate's XML output (--output-as=xml)
    description: str = ""
    #: crm_simulate's errors when the simulated transition stopped early (blocked actions)
    transition_errors: List[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """False when some action could not run and crm_simulate stopped the transition."""
        return not self.transition_errors

    @property
    def summary(self) -> List[str]:
        """The Transition Summary as readable lines: ``promote p_drbd_r0:0 on node1 (Stopped -> Promoted)``."""
        return [str(c) for c in self.changes]

    def did(self, action, resource, node=None) -> bool:
        """Whether the summary has ``action`` (start, stop, move, promote, demote, restart, recover...) for
        ``resource`` (primitive id matches instances) ending on ``node`` when given; blocked changes do not
        count."""
        for c in self.changes:
            if not c.blocked and c.action == action and resource in (c.resource, c.primitive) and node in (None, c.where):
                return True
        return False

    def __str__(self):
        return f"{self.scenario}: " + ("; ".join(self.summary) or "nothing to do")


# --------------------------------------------------------------------------------------------------------
# reading what the CIB holds (only what simulation needs)

@dataclass(frozen=True)
class PromotableClone:
    id: str
    primitives: Tuple[str, ...]     # primitive ids inside (a cloned group has several)
    agents: Tuple[str, ...]         # class:provider:type of each primitive


def _meta(el, name):
    for nv in el.xpath("meta_attributes/nvpair[@name=$n]", n=name):
        return nv.get("value")
    return None


def _agent(prim):
    return ":".join(x for x in (prim.get("class"), prim.get("provider"), prim.get("type")) if x)


def promotable_clones(cib_root) -> List[PromotableClone]:
    """Every ``<master>`` and ``<clone>`` with meta ``promotable=true`` (Pacemaker Explained, "Promotable
    clones"), with the primitives it contains."""
    found = []
    for el in cib_root.xpath("//configuration/resources//*[self::master or self::clone]"):
        if el.tag == "clone" and (_meta(el, "promotable") or "false").lower() not in ("true", "yes", "1", "on",
                                                                                       "y"):
            continue
        prims = el.xpath("primitive | group/primitive")
        found.append(PromotableClone(el.get("id"), tuple(p.get("id") for p in prims),
                                     tuple(_agent(p) for p in prims)))
    return found


def _resource_ids(cib_root):
    return [el.get("id") for el in cib_root.xpath(
        "//configuration/resources//*[self::primitive or self::group or self::clone or self::master "
        "or self::bundle]") if el.get("id")]


def _cib_nodes(cib_root):
    return [n.get("uname") or n.get("id") for n in cib_root.xpath("configuration/nodes/node")
            if (n.get("type") or "member") == "member"]


def monitor_interval(cib_root, primitive, role=None) -> Optional[int]:
    """Interval (ms) of ``primitive``'s recurring monitor for ``role`` (Promoted/Unpromoted/None = no role).

    Falls back to any recurring monitor when none is declared for that role.
    """
    ops = cib_root.xpath("//configuration/resources//primitive[@id=$p]/operations/op[@name='monitor']",
                         p=primitive)
    wanted = _role_aliases(role) or {None, "Started"}
    ranked = [op for op in ops if op.get("role") in wanted] + ops
    for op in ranked:
        ms = parse_interval_ms(op.get("interval"))
        if ms > 0:
            return ms
    return None


# --------------------------------------------------------------------------------------------------------
# preparing a CIB

def _version(text):
    return tuple(decimal_up_to(x, 10 ** 9) for x in re.findall(r"[0-9]+", text or "0"))


@functools.lru_cache(maxsize=None)
def our_feature_set() -> str:
    """The CIB feature set of the installed Pacemaker (from ``cibadmin --empty``)."""
    stdout, _ = _run(["cibadmin", "--empty"], "an empty CIB")
    return _parse_xml(stdout, "cibadmin --empty output", is_text=True).get("crm_feature_set") or "0"


def prepare_cib(src, dest, *, nodes=None, promotion_scores=None, notes=None, clones=None,
                deadline=None) -> List[str]:
    """Copy ``src`` to ``dest`` ready for simulation; return the node names.

    * ``have-quorum="1"`` and ``stonith-enabled=false`` (Pacemaker Explained, "Cluster Options");
    * nodes online (``crm_simulate -u``, which creates their ``node_state``); nodes are ``nodes`` if given, else
      the CIB's ``<nodes>``, else node1 and node2;
    * promotion scores ``master-<primitive>`` for every primitive of every promotable clone
      (``promotion_scores`` maps ``(primitive, node)`` to a score; default 100 on the first node, 10 elsewhere).
    A ``<configuration>`` fragment is wrapped into a CIB first. What had to be adapted (a CIB from a newer
    Pacemaker) is appended to ``notes`` when given. ``clones`` are the promotable clones
    (:class:`PromotableClone`) when the caller knows them better than :func:`promotable_clones` (a clone made
    promotable by ``rsc_defaults``); ``deadline`` bounds the tool runs (:func:`_run`).
    """
    root = _parse_xml(src, f"CIB {src}")
    if root.tag == "configuration":
        root = _wrap_configuration(root)
    if root.tag != "cib":
        raise SimulationError(f"{src} is not a CIB: root element <{root.tag}>, expected <cib>")
    if root.find("configuration") is None:
        raise SimulationError(f"{src} is not a CIB: no <configuration> element")
    root.set("have-quorum", "1")
    _disable_stonith(root)
    theirs, ours = root.get("crm_feature_set"), our_feature_set()
    if theirs and _version(theirs) > _version(ours):
        # The tools discard every change to a CIB written by a newer Pacemaker ("Discarding update with
        # feature set ..."). The feature set guards the format of status entries, which the simulation
        # rebuilds; the copy is simulated at this Pacemaker's feature set, and we say so.
        root.set("crm_feature_set", ours)
        if notes is not None:
            notes.append(f"{src}: written by a newer Pacemaker (feature set {theirs}); simulated as "
                         f"feature set {ours}")
    if nodes is None:
        nodes = _cib_nodes(root) or list(DEFAULT_NODES)
    nodes = list(nodes)
    _write_atomically(root, dest)
    argv = ["crm_simulate", "-x", dest, "-O", dest]
    for n in nodes:
        argv += ["-u", n]
    _run(argv, f"{src} (validate-with {root.get('validate-with')}; bringing nodes online)", deadline=deadline)
    scores = _default_scores(clones if clones is not None else promotable_clones(root), nodes)
    scores.update(promotion_scores or {})
    set_node_attributes(dest, promotion_scores=scores)
    return nodes


def _wrap_configuration(conf):
    cib = etree.Element("cib", {"validate-with": "pacemaker-3.9", "epoch": "1", "num_updates": "0",
                                "admin_epoch": "0"})
    cib.append(conf)
    etree.SubElement(cib, "status")
    for section in ("crm_config", "nodes", "resources", "constraints"):
        if conf.find(section) is None:
            conf.append(etree.Element(section))
    return cib


def _disable_stonith(root):
    crm_config = root.find("configuration/crm_config")
    if crm_config is None:
        crm_config = etree.Element("crm_config")
        root.find("configuration").insert(0, crm_config)
    pairs = crm_config.xpath("cluster_property_set/nvpair[@name='stonith-enabled']")
    for nv in pairs:
        nv.set("value", "false")
    if not pairs:
        props = crm_config.find("cluster_property_set")
        if props is None:
            props = etree.SubElement(crm_config, "cluster_property_set", id="crm-ve-simulate-options")
        etree.SubElement(props, "nvpair", id="crm-ve-simulate-stonith-enabled", name="stonith-enabled",
                         value="false")


def _default_scores(clones, nodes):
    scores = {}
    for clone in clones:
        for prim in clone.primitives:
            for i, node in enumerate(nodes):
                scores[(prim, node)] = PRIMARY_SCORE if i == 0 else SECONDARY_SCORE
    return scores


def set_promotion_score(cib, primitive, node, score):
    """``CIB_file=cib crm_attribute -l reboot -N node -n master-<primitive> -v score``: what the agent's
    ``crm_master`` would set (transient node attribute, needs the node's ``node_state``)."""
    _run(["crm_attribute", "-l", "reboot", "-N", node, "-n", f"master-{primitive}", "-v", str(score)],
         f"{cib} (promotion score of {primitive} on {node})", env_cib=cib)


def set_node_attributes(cib, promotion_scores=None, standby=()):
    """Write, in one pass over the CIB file, what :func:`set_promotion_score` (``promotion_scores``:
    ``{(primitive, node): score}``) and :func:`set_standby` (``standby``: node names) would, as crm_attribute
    writes them: a transient attribute in the node's ``node_state``, a permanent one in its ``<node>``."""
    root = _parse_xml(cib, f"CIB {cib}")
    for (primitive, node), score in sorted((promotion_scores or {}).items()):
        state = next(iter(root.xpath("status/node_state[@uname=$n or (not(@uname) and @id=$n)]", n=node)), None)
        if state is None:
            raise SimulationError(f"{cib}: node {node} has no status entry (is it online?)")
        _set_nvpair(state, "transient_attributes", f"status-{state.get('id')}", f"master-{primitive}", str(score))
    for node in standby:
        entry = next(iter(root.xpath("configuration/nodes/node[@uname=$n or (not(@uname) and @id=$n)]", n=node)),
                      None)
        if entry is None:  # a node only the status knows (the CIB listed none): listed as crm_attribute would
            state = next(iter(root.xpath("status/node_state[@uname=$n]", n=node)), None)
            entry = etree.SubElement(root.find("configuration/nodes"), "node",
                                     id=state.get("id") if state is not None else node, uname=node)
        _set_nvpair(entry, None, f"nodes-{entry.get('id')}", "standby", "on")
    _write_atomically(root, cib)


def _set_nvpair(owner, wrapper, set_id, name, value):
    if wrapper is not None:
        holder = owner.find(wrapper)
        if holder is None:
            holder = etree.SubElement(owner, wrapper, id=owner.get("id"))
        owner = holder
    attributes = owner.find("instance_attributes")
    if attributes is None:
        attributes = etree.SubElement(owner, "instance_attributes", id=set_id)
    for nv in attributes.xpath("nvpair[@name=$n]", n=name):
        nv.set("value", value)
        return
    etree.SubElement(attributes, "nvpair", id=f"{attributes.get('id')}-{name}", name=name, value=value)


def set_standby(cib, node, on=True):
    """``CIB_file=cib crm_attribute -l forever -N node -n standby -v on``."""
    _run(["crm_attribute", "-l", "forever", "-N", node, "-n", "standby", "-v", "on" if on else "off"],
         f"{cib} (standby of {node})", env_cib=cib)


# --------------------------------------------------------------------------------------------------------
# running crm_simulate

_TRANSITION_STOPPED = re.compile(r"invalid transition was produced|Transition failed")


def simulate(cib, workdir, scenario="run", *, inject=(), description="", label=None,
             deadline=None) -> SimulationResult:
    """``crm_simulate -x cib -S -G graph -O out --output-as=xml [-i spec]...`` on a prepared CIB.

    ``label`` names the CIB in error messages (default: its path); ``deadline`` bounds the run (:func:`_run`)."""
    cib = str(cib)
    label = label or cib
    graph_file = os.path.join(workdir, f"{scenario}.graph.xml")
    out = os.path.join(workdir, f"{scenario}.out.xml")
    argv = ["crm_simulate", "-x", cib, "-S", "-s", "-G", graph_file, "-O", out, "--output-as=xml"]
    for spec in inject:
        argv += ["-i", spec]
    # Exit 1 with "An invalid transition was produced" is a scheduler answer (an action is blocked, so the
    # simulated execution stops), not a failure of the harness: keep the graph and say so.
    stdout, _ = _run(argv, label, ok_codes=(0, 1), deadline=deadline)
    result = _parse_xml(stdout, f"crm_simulate output for {label}", is_text=True)
    status = result.find("status")
    errors = [e.text or "" for e in result.xpath("status/errors/error")]
    if status is not None and status.get("code") not in (None, "0"):
        if not errors or not all(_TRANSITION_STOPPED.search(e) for e in errors):
            raise SimulationError(f"crm_simulate failed on {label}: "
                                  f"{(errors or [status.get('message')])[0]}")
    if not os.path.exists(graph_file):
        raise SimulationError(f"crm_simulate wrote no transition graph for {label}")
    cib_root = _parse_xml(cib, f"CIB {cib}")
    graph = TransitionGraph.from_file(graph_file, _resource_ids(cib_root))
    changes = [Change(el.get("action"), el.get("resource"), el.get("node"), el.get("source"), el.get("dest"),
                      el.get("role"), el.get("next-role"), el.get("reason"), el.get("blocked") == "true")
               for el in result.xpath("actions/rsc_action")]
    scores = {(el.get("id"), el.get("node")): el.get("score")
              for el in result.xpath("allocations/promotion_score")}
    return SimulationResult(scenario, graph, changes, _placement(result.find("cluster_status")),
                            _placement(result.find("revised_cluster_status")), scores, cib, out, graph_file,
                            stdout, description, errors)


class Simulator:
    """The section-13 scenarios on one CIB, in a private temporary directory (removed by :meth:`close`).

    ``drbd_clone`` picks the promotable clone the scenarios act on (default: the first one holding an
    ``ocf:linbit:drbd`` primitive, else the first promotable clone).
    """

    def __init__(self, cib, *, nodes=None, promotion_scores=None, drbd_clone=None, workdir=None, clones=None,
                 deadline=None):
        for tool in ("crm_simulate", "crm_attribute", "cibadmin"):
            _tool(tool)
        self.source = str(cib)
        self._own_dir = workdir is None
        self.workdir = str(workdir) if workdir else tempfile.mkdtemp(prefix="crm-ve-sim-")
        os.makedirs(self.workdir, exist_ok=True)
        self.prepared = os.path.join(self.workdir, "prepared.xml")
        #: what had to be adapted to simulate this CIB, one sentence each
        self.notes: List[str] = []
        #: scenarios :meth:`scenarios` could not run on this CIB, with the reason
        self.skipped: Dict[str, str] = {}
        #: when every tool run must have finished (:func:`time.monotonic`), or None
        self.deadline = deadline
        try:
            self.nodes = prepare_cib(self.source, self.prepared, nodes=nodes, promotion_scores=promotion_scores,
                                     notes=self.notes, clones=clones, deadline=deadline)
            self.cib_root = _parse_xml(self.prepared, f"CIB {self.prepared}")
            self.clone = self._pick_clone(drbd_clone)
        except BaseException:
            self.close()
            raise
        self._cold = None

    def _pick_clone(self, wanted):
        clones = promotable_clones(self.cib_root)
        if wanted is not None:
            for c in clones:
                if c.id == wanted:
                    return c
            raise SimulationError(f"{self.source}: no promotable clone (<master> or <clone promotable=true>) "
                                  f"with id {wanted!r}")
        for c in clones:
            if "ocf:linbit:drbd" in c.agents:
                return c
        return clones[0] if clones else None

    def close(self):
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- helpers

    def _copy_of(self, result, name):
        path = os.path.join(self.workdir, f"{name}.in.xml")
        shutil.copyfile(result.cib_out, path)
        return path

    def _need_clone(self, scenario):
        if self.clone is None:
            raise ScenarioNotApplicable(f"{self.source}: scenario {scenario!r} needs a promotable clone; "
                                        f"there is none")
        return self.clone

    @property
    def primitive(self):
        """The (first) primitive inside the chosen promotable clone."""
        return self.clone.primitives[0] if self.clone and self.clone.primitives else None

    def primary(self, result=None) -> Optional[str]:
        """The node where the chosen clone is promoted after ``result`` (default: the cold start)."""
        result = result or self.cold_start()
        promoted = result.after.promoted(self.clone.id) if self.clone else []
        return promoted[0] if promoted else None

    def _secondary(self, primary):
        others = [n for n in self.nodes if n != primary]
        if not others:
            raise ScenarioNotApplicable(f"{self.source}: a move needs a second node, the CIB has only {primary}")
        return others[0]

    # -- scenarios

    def run(self, name, cib=None, *, inject=(), description=""):
        """Simulate ``cib`` (default: the prepared CIB) as scenario ``name``."""
        return simulate(cib or self.prepared, self.workdir, name, inject=inject, description=description,
                        label=f"{self.source} (scenario {name})", deadline=self.deadline)

    def cold_start(self) -> SimulationResult:
        """Everything stopped, all nodes online: the first transition."""
        if self._cold is None:
            self._cold = self.run("cold-start", description="cold start: all nodes online, nothing running")
        return self._cold

    def standby_primary(self) -> SimulationResult:
        """After the cold start, the node where DRBD is promoted goes to standby (a move of the stack);
        the other node's promotion score becomes 100, as the agent would set it."""
        clone = self._need_clone("standby-primary")
        cold = self.cold_start()
        primary = self.primary(cold) or self.nodes[0]
        secondary = self._secondary(primary)
        cib = self._copy_of(cold, "standby-primary")
        set_standby(cib, primary)
        for prim in clone.primitives:
            set_promotion_score(cib, prim, secondary, PRIMARY_SCORE)
        return self.run("standby-primary", cib, description=f"standby of the primary {primary}")

    def swap_promotion(self) -> SimulationResult:
        """After the cold start, the promotion scores of the primary and the secondary are swapped
        (a competing preference: DRBD wants to be promoted on the other node)."""
        clone = self._need_clone("swap-promotion")
        cold = self.cold_start()
        primary = self.primary(cold) or self.nodes[0]
        secondary = self._secondary(primary)
        cib = self._copy_of(cold, "swap-promotion")
        for prim in clone.primitives:
            set_promotion_score(cib, prim, primary, SECONDARY_SCORE)
            set_promotion_score(cib, prim, secondary, PRIMARY_SCORE)
        return self.run("swap-promotion", cib,
                        description=f"promotion scores swapped: {secondary} {PRIMARY_SCORE}, "
                                    f"{primary} {SECONDARY_SCORE}")

    def monitor_failure(self, resource=None, node=None, rc=1) -> SimulationResult:
        """After the cold start, a recurring monitor of ``resource`` (default: the DRBD primitive) fails on
        ``node`` (default: where it runs, the primary for a promotable clone) with OCF ``rc``:
        ``crm_simulate -i <resource>_monitor_<interval>@<node>=<rc>``, the interval read from the CIB's
        monitor op for the role the resource has there."""
        cold = self.cold_start()
        if resource is None:
            self._need_clone("monitor-failure")
            resource = self.primitive
        if node is None:
            running = cold.after.promoted(resource) or cold.after.nodes(resource)
            if not running:
                raise ScenarioNotApplicable(f"{self.source}: {resource} runs nowhere after a cold start; "
                                            f"no monitor to fail")
            node = running[0]
        role = cold.after.roles.get(resource, {}).get(node)
        interval = monitor_interval(self.cib_root, resource, None if role == "Started" else role)
        if interval is None:
            raise ScenarioNotApplicable(f"{self.source}: {resource} has no recurring monitor operation to fail")
        spec = f"{resource}_monitor_{interval}@{node}={rc}"
        cib = self._copy_of(cold, f"monitor-failure-{resource}")
        return self.run(f"monitor-failure-{resource}", cib, inject=[spec],
                        description=f"monitor failure {spec}")

    def scenarios(self) -> List[SimulationResult]:
        """Cold start, then (with a promotable clone) standby of the primary, swapped promotion scores and
        a monitor failure of the DRBD primitive. Scenarios that do not apply (no promotable clone, one node,
        no monitor, DRBD running nowhere) are left out and listed in :attr:`skipped` with the reason."""
        results = [self.cold_start()]
        wanted = (("standby-primary", self.standby_primary), ("swap-promotion", self.swap_promotion),
                  ("monitor-failure", self.monitor_failure))
        for name, scenario in wanted:
            if self.clone is None:
                self.skipped[name] = "no promotable clone"
                continue
            try:
                results.append(scenario())
            except ScenarioNotApplicable as exc:
                self.skipped[name] = str(exc)
        return results


# --------------------------------------------------------------------------------------------------------
# storage stacks: DRBD clone -> Filesystem -> container

@dataclass
class StackFacts:
    """Order and placement facts for one DRBD -> Filesystem -> container stack in one scenario.

    Order facts are node-aware: a mount on node N must wait for the promote of DRBD *on N* (unless DRBD was
    already promoted there and stays so); a demote of DRBD on N must wait for the unmount *on N* whenever the
    Filesystem was mounted on N before the transition (no unmount at all is False: DRBD demoted under a
    mounted Filesystem); likewise container start after mount, unmount after container stop. A fact is None
    when the transition has nothing it applies to. Placement facts are read from the resulting status.
    """
    scenario: str
    promote_before_mount: Optional[bool]
    mount_before_container_start: Optional[bool]
    container_stop_before_unmount: Optional[bool]
    unmount_before_demote: Optional[bool]
    promoted_nodes: List[str]
    fs_nodes: List[str]
    container_nodes: List[str]
    stopped: List[str]                 # primitives with a stop action in this transition (incl. restarts)
    result: SimulationResult = field(repr=False)

    @property
    def fs_on_promoted_node(self) -> Optional[bool]:
        if not self.fs_nodes:
            return None
        return set(self.fs_nodes) <= set(self.promoted_nodes)

    @property
    def container_on_fs_node(self) -> Optional[bool]:
        if not self.container_nodes:
            return None
        return set(self.container_nodes) <= set(self.fs_nodes)

    ORDER_FACTS = (("promote_before_mount", "mount does not wait for the DRBD promote on its node"),
                   ("mount_before_container_start", "container start does not wait for the mount on its node"),
                   ("container_stop_before_unmount", "unmount does not wait for the container stop"),
                   ("unmount_before_demote", "DRBD demote does not wait for the unmount (Filesystem mounted)"))

    def problems(self) -> List[str]:
        """One sentence per False fact."""
        out = [f"{self.scenario}: {text}" for name, text in self.ORDER_FACTS if getattr(self, name) is False]
        if self.fs_on_promoted_node is False:
            out.append(f"{self.scenario}: Filesystem on {','.join(self.fs_nodes)}, DRBD promoted on "
                       f"{','.join(self.promoted_nodes) or 'no node'}")
        if self.container_on_fs_node is False:
            out.append(f"{self.scenario}: container on {','.join(self.container_nodes)}, Filesystem on "
                       f"{','.join(self.fs_nodes) or 'no node'}")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems()


def _waits_on_same_node(graph, thens, firsts, exempt):
    """Every action in ``thens`` waits for an action in ``firsts`` on the same node, except on nodes where
    ``exempt(node)`` says nothing needs to happen first. None when no action is concerned."""
    verdicts = []
    for then in thens:
        local = [f for f in firsts if f.node == then.node]
        if local:
            verdicts.append(any(graph.waits_for(then, f) for f in local))
        elif not exempt(then.node):
            verdicts.append(False)
    return all(verdicts) if verdicts else None


def facts_for(result: SimulationResult, drbd_primitive, drbd_clone, filesystem, container) -> StackFacts:
    """The :class:`StackFacts` of one simulation result."""
    g, before = result.graph, result.before
    promotes, demotes = g.find((drbd_primitive, "promote")), g.find((drbd_primitive, "demote"))
    mounts, unmounts = g.find((filesystem, "start")), g.find((filesystem, "stop"))
    ve_starts, ve_stops = g.find((container, "start")), g.find((container, "stop"))
    stopped = sorted({a.primitive for a in g if a.operation == "stop" and not a.pseudo and a.primitive})

    def stays(actions_off, node, was_on):
        return node in was_on and not any(a.node == node for a in actions_off)

    return StackFacts(
        result.scenario,
        _waits_on_same_node(g, mounts, promotes,
                            lambda n: stays(demotes, n, before.promoted(drbd_clone))),
        _waits_on_same_node(g, ve_starts, mounts, lambda n: stays(unmounts, n, before.nodes(filesystem))),
        _waits_on_same_node(g, unmounts, ve_stops, lambda n: n not in before.nodes(container)),
        _waits_on_same_node(g, demotes, unmounts, lambda n: n not in before.nodes(filesystem)),
        result.after.promoted(drbd_clone),
        result.after.nodes(filesystem),
        result.after.nodes(container),
        stopped,
        result)


def stack_facts(cib_or_simulator, drbd_clone, filesystem, container) -> List[StackFacts]:
    """Order and placement facts of the stack ``drbd_clone`` -> ``filesystem`` -> ``container`` in every
    scenario of :meth:`Simulator.scenarios`, plus a monitor failure of the Filesystem (its in-place
    recovery) when it has a recurring monitor. Accepts a CIB path or a :class:`Simulator` acting on
    ``drbd_clone``; scenarios that do not apply are listed in the simulator's ``skipped``."""
    own = not isinstance(cib_or_simulator, Simulator)
    sim = Simulator(cib_or_simulator, drbd_clone=drbd_clone) if own else cib_or_simulator
    try:
        clone = sim._pick_clone(drbd_clone)
        if sim.clone is None or sim.clone.id != clone.id:
            raise SimulationError(f"{sim.source}: the simulator acts on {sim.clone and sim.clone.id}, "
                                  f"not on {drbd_clone}")
        results = sim.scenarios()
        try:
            results.append(sim.monitor_failure(filesystem))
        except ScenarioNotApplicable as exc:
            sim.skipped[f"monitor-failure-{filesystem}"] = str(exc)
        return [facts_for(r, clone.primitives[0], clone.id, filesystem, container) for r in results]
    finally:
        if own:
            sim.close()
