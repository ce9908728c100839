"""Which container sits on which Filesystem, and which Filesystem on which DRBD clone
(docs/rule-catalogue.md#which-container-sits-on-which-storage).

The CIB does not say it: ManageVE names no Filesystem, ``/dev/drbdN`` names no DRBD resource. Decided in
this order, and the reason is kept so findings can say it:

1. Filesystem to DRBD clone: ``device=/dev/drbd/by-res/RES[/VOL]`` and the clone's ``drbd_resource=RES``;
   else any order, colocation or set relation between them (directly, or through resources that are neither
   Filesystems nor workloads, such as LVM); else ``/dev/drbdN`` when the CIB has exactly one DRBD clone.
2. Container to Filesystem: the same group; else any order, colocation or set relation; else the container's
   dump file under the Filesystem's ``directory``; else the only DRBD-backed Filesystem in the CIB.
"""
import posixpath
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from crm_ve.model.values import SLOTS, parse_score

DRBD_TYPES = ("drbd",)
FILESYSTEM_TYPES = ("Filesystem",)
_BY_RES = re.compile(r"^/dev/drbd/by-res/([^/]+)(?:/([0-9]+))?/*$")
_MINOR = re.compile(r"^/dev/drbd([0-9]+)$")


@dataclass
class DrbdClone:
    """A clone (or ``<master>``) holding an ``ocf:*:drbd`` primitive."""

    id: str
    primitives: Tuple[str, ...]
    drbd_resources: Tuple[str, ...]


@dataclass(**SLOTS)
class Tie:
    """Why a lower resource (Filesystem, container) sits on an upper one (DRBD clone, Filesystem).

    ``kind`` is one of ``device``, ``relation``, ``through``, ``only-drbd`` (Filesystem to DRBD) or ``group``,
    ``relation``, ``dumpfile``, ``only-filesystem`` (container to Filesystem); ``reason`` says it in words;
    ``constraints`` are the constraint ids that relate them (for ``relation``/``through``).
    """

    lower: str
    upper: str
    kind: str
    reason: str
    constraints: Tuple[str, ...] = ()


@dataclass
class Stack:
    """A DRBD clone (None when the Filesystem is on no DRBD clone we know), a Filesystem and its containers."""

    filesystem: str
    drbd: Optional[str]
    filesystem_tie: Optional[Tie]
    containers: List[Tie] = field(default_factory=list)


@dataclass
class Stacks:
    """Everything stack recognition found for one set of workload agents."""

    drbd_clones: Dict[str, DrbdClone]
    filesystems: List[str]
    filesystem_ties: Dict[str, Tie]
    container_ties: Dict[str, List[Tie]]
    untied_containers: List[str]
    stacks: List[Stack]

    def stack_of(self, filesystem):
        return next((s for s in self.stacks if s.filesystem == filesystem), None)


def _spec_and_dump(agent):
    if isinstance(agent, str):
        return agent, None
    return agent.spec, getattr(agent, "dump_parameter", None)


def recognise(model, workload_agents) -> Stacks:
    """Stack recognition for ``workload_agents`` (``WorkloadAgent`` records or ``class:provider:type``)."""
    specs = {}
    for agent in workload_agents:
        spec, dump = _spec_and_dump(agent)
        specs.setdefault(spec, dump)
    resources = model.resources
    primitives = [r for r in resources.values() if r.kind == "primitive"]
    containers = [r for r in primitives if r.agent in specs]
    filesystems = [r.id for r in primitives if r.type in FILESYSTEM_TYPES]
    fs_set = set(filesystems)
    container_set = {c.id for c in containers}

    drbd_clones: Dict[str, DrbdClone] = {}
    for resource in primitives:
        if resource.type in DRBD_TYPES:
            top = model.top(resource.id)
            if top == resource.id or not resources[top].is_clone:
                continue
            clone = drbd_clones.setdefault(top, DrbdClone(top, (), ()))
            clone.primitives += (resource.id,)
            name = resource.params.get("drbd_resource")
            if name and name not in clone.drbd_resources:
                clone.drbd_resources += (name,)
    by_drbd_name = {}
    for clone in drbd_clones.values():
        for name in clone.drbd_resources:
            by_drbd_name.setdefault(name, clone.id)

    fs_ties: Dict[str, Tie] = {}
    for fs in filesystems:
        tie = _tie_filesystem(model, fs, drbd_clones, by_drbd_name, fs_set, container_set)
        if tie is not None:
            fs_ties[fs] = tie

    drbd_backed = [fs for fs in filesystems if fs in fs_ties]
    directories = {}
    for fs in drbd_backed + [f for f in filesystems if f not in fs_ties]:
        directory = resources[fs].params.get("directory")
        if directory:
            directories.setdefault(posixpath.normpath(directory), fs)

    container_ties: Dict[str, List[Tie]] = {}
    untied = []
    # id(constraint) -> is an anti-colocation, asked once per constraint (two-resource ones known from the model)
    anti = dict(getattr(model, "_anti_colocation", ()))
    filesystems_below = {}  # resource -> the Filesystems at or below it (_related's ``below``)
    for container in containers:
        ties = _tie_container(model, container, fs_set, specs.get(container.agent), directories,
                              drbd_backed, anti, filesystems_below)
        if ties:
            container_ties[container.id] = ties
        else:
            untied.append(container.id)

    stacks: Dict[str, Stack] = {}
    for fs in filesystems:
        tie = fs_ties.get(fs)
        stacks[fs] = Stack(fs, tie.upper if tie else None, tie)
    for ties in container_ties.values():
        for tie in ties:
            stacks[tie.upper].containers.append(tie)
    ordered = [s for s in stacks.values() if s.drbd is not None or s.containers]
    return Stacks(drbd_clones, filesystems, fs_ties, container_ties, untied, ordered)


def _tie_filesystem(model, fs, drbd_clones, by_drbd_name, fs_set, container_set):
    device = (model.resources[fs].params.get("device") or "").strip()
    match = _BY_RES.match(device)
    if match and match.group(1) in by_drbd_name:
        clone = by_drbd_name[match.group(1)]
        return Tie(fs, clone, "device", f"its device {device} is DRBD resource {match.group(1)}, "
                                        f"the drbd_resource of {clone}")
    related = _related(model, fs, lambda rid: rid in drbd_clones)
    if related:
        clone, constraints = related[0]
        return Tie(fs, clone, "relation", f"constraint {', '.join(constraints)} relates it to {clone}",
                   tuple(constraints))
    blocked = fs_set | container_set
    through = _related_through(model, fs, drbd_clones, blocked)
    if through:
        clone, middle, constraints = through
        return Tie(fs, clone, "through", f"it is related to {clone} through {middle} "
                                         f"(constraints {', '.join(constraints)})", constraints)
    if _MINOR.match(device) and len(drbd_clones) == 1:
        clone = next(iter(drbd_clones))
        return Tie(fs, clone, "only-drbd", f"its device {device} is a DRBD device and {clone} is the only "
                                           f"DRBD clone")
    return None


def _covering(model, rid):
    """``rid`` and the groups/clones containing it: constraints naming any of them concern ``rid``."""
    chain = [rid]
    parent = model.resources[rid].parent
    while parent is not None:
        chain.append(parent)
        parent = model.resources[parent].parent
    return chain


def _related(model, rid, wanted, anti=None, below=None):
    """[(other, constraint ids)] for resources ``wanted`` accepts that share a constraint with ``rid`` (or a
    group/clone containing it, or one contained in the other), in document order. ``anti`` memoizes
    :func:`_anti_colocation` by ``id(constraint)`` across calls; ``below`` the resources ``wanted`` accepts at
    or below a resource (across calls with the same ``wanted``: the Filesystem thousands of containers name
    is looked at once)."""
    found: Dict[str, List[str]] = {}
    resources = model.resources
    own = set(_covering(model, rid)) if resources[rid].parent is not None else (rid,)
    if anti is None:
        anti = {}
    if below is None:
        below = {}
    naming = model._naming  # model.constraints_naming(holder) without the call (5,000 containers ask)
    for holder in own:
        for constraint in naming.get(holder, ()):
            ctype = constraint.type
            if ctype == "colocation":
                key = id(constraint)
                negative = anti.get(key)
                if negative is None:
                    negative = anti[key] = _anti_colocation(constraint)
                if negative:
                    continue
            elif ctype != "order":
                continue
            cid = constraint.id
            for other in constraint.resources:
                if other in own:
                    continue
                candidates = below.get(other)
                if candidates is None:
                    candidates = below[other] = [c for c in _self_and_below(model, other) if wanted(c)]
                for candidate in candidates:
                    ids = found.get(candidate)
                    if ids is None:
                        found[candidate] = [cid]
                    elif cid not in ids:
                        ids.append(cid)
    if len(found) < 2:
        return list(found.items())
    return sorted(found.items(), key=lambda item: resources[item[0]].line or 0)


def _anti_colocation(constraint):
    """A colocation keeping resources apart says nothing about one sitting on the other."""
    if constraint.type != "colocation":
        return False
    if not constraint.sets:  # the two-resource form: its own score only
        score = constraint.get("score")
        return score is not None and parse_score(score) < 0
    scores = [constraint.get("score")] + [s.element.get("score") for s in constraint.sets if s.element is not None]
    values = [parse_score(v) for v in scores if v is not None]
    return bool(values) and all(v < 0 for v in values)


def _self_and_below(model, rid):
    if not model.resources[rid].children:
        return (rid,)
    out, stack = [], [rid]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(model.resources[current].children)
    return out


def _related_through(model, fs, drbd_clones, blocked, depth=3):
    """A DRBD clone related to ``fs`` through a chain of other resources (LVM...), breadth first."""
    covering = _covering(model, fs)
    seen = set(covering)
    frontier = [(rid, [], []) for rid in covering]
    for _ in range(depth):
        next_frontier = []
        for rid, middle, constraints in frontier:
            for constraint in model.constraints_naming(rid):
                if constraint.type not in ("order", "colocation"):
                    continue
                for other in constraint.resources:
                    if other in seen:
                        continue
                    seen.add(other)
                    if other in drbd_clones and middle:
                        return other, ", ".join(middle), tuple(dict.fromkeys(constraints + [constraint.id]))
                    if other in drbd_clones:
                        continue
                    below = _self_and_below(model, other)
                    if any(b in blocked for b in below):
                        continue
                    next_frontier.append((other, middle + [other], constraints + [constraint.id]))
        frontier = next_frontier
    return None


def _tie_container(model, container, fs_set, dump_parameter, directories, drbd_backed, anti=None, below=None):
    ties = []
    parent = model.resources[container.parent] if container.parent else None
    if parent is not None and parent.is_group:
        for member in parent.children:
            if member in fs_set:
                ties.append(Tie(container.id, member, "group", f"both are members of group {parent.id}"))
        if ties:
            return ties
    for fs, constraints in _related(model, container.id, fs_set.__contains__, anti, below):
        ties.append(Tie(container.id, fs, "relation",
                        f"constraint {', '.join(constraints)} relates them", tuple(constraints)))
    if ties:
        return ties
    if dump_parameter and container.params.get(dump_parameter):
        path = posixpath.normpath(container.params[dump_parameter])
        probe = posixpath.dirname(path)
        while probe and probe != "/":
            if probe in directories:
                fs = directories[probe]
                return [Tie(container.id, fs, "dumpfile",
                            f"its {dump_parameter} {container.params[dump_parameter]} is under {probe}, "
                            f"the directory of {fs}")]
            probe = posixpath.dirname(probe)
    if len(drbd_backed) == 1:
        fs = drbd_backed[0]
        return [Tie(container.id, fs, "only-filesystem", f"{fs} is the only DRBD-backed Filesystem")]
    return []
