"""The storage-chain analysis shared by rules CV101-CV104 (one pass per CIB, cached on the model).

For each recognised stack (DRBD clone M -> Filesystem F -> containers VE) the four required relations of the
docs/pacemaker-semantics.md §12, step C:

* CV101 (P1): F is placed with M's Promoted role, INFINITY (``colocation_path(F, M, Promoted)``);
* CV102 (P2): F's start waits for M's promote, and M's demote for F's stop, Mandatory;
* CV103 (P3): VE is placed with F, INFINITY, dependent -> primary (``F with VE`` does not count);
* CV104 (P4): VE's start waits for F's start, F's stop for VE's stop, Mandatory.

A relation that does not hold is diagnosed in the form the user wrote it (docs/rule-catalogue.md rows C1-C17), and a
relation that holds *backwards* (an inverted dependency) is an error even if the right one also exists. Each
problem names the constraint(s) responsible and is its rule's finding, with a fix that repairs it alone;
problems that one fix must repair together (the same constraint deleted, the same relation added) share a
:class:`~crm_ve.findings.Merge`, so reports show them as one finding with one fix. A fix that deletes a
constraint re-adds every required relation that constraint also provided.
"""
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import Dict, List, Optional, Tuple

from crm_ve.findings import Finding, Merge, Severity
from crm_ve.model import INFINITY, MANDATORY, OPTIONAL, SERIALIZE, Role, Truth
from crm_ve.model.values import SLOTS
from crm_ve.rules.chain_fixes import ColocationSpec, GroupMoveSpec, MetaSpec, OrderSpec, render_fix

FS_COLOCATION, FS_ORDER, CONTAINER_COLOCATION, CONTAINER_ORDER = "CV101", "CV102", "CV103", "CV104"


@dataclass(**SLOTS)
class Requirement:
    """One required relation of one stack."""

    code: str
    lower: str            # the dependent side: Filesystem (CV101/102) or container (CV103/104)
    upper: str            # DRBD clone (CV101/102) or Filesystem (CV103/104)
    tie_reason: str
    paths: Tuple[Optional[list], ...] = ()  # satisfying paths (colocation; order start, stop)

    @property
    def satisfied(self):
        return all(p is not None for p in self.paths)


class _HeldStack:
    """The container requirements of one stack whose relations all hold, kept as the query answers they come
    from: a fix deleting a constraint needs them (ChainAnalysis._collateral), most CIBs never ask."""

    __slots__ = ("filesystem", "ties", "with_fs", "starts", "stops")

    def __init__(self, filesystem, ties, with_fs, starts, stops):
        self.filesystem, self.ties, self.with_fs, self.starts, self.stops = filesystem, ties, with_fs, starts, stops

    def requirements(self):
        """Each container's CV103 and CV104 requirement, as the per-container analysis records them."""
        fs = self.filesystem
        for tie, path, start, stop in zip(self.ties, self.with_fs, self.starts, self.stops):
            yield Requirement(CONTAINER_COLOCATION, tie.lower, fs, tie.reason, (path,))
            yield Requirement(CONTAINER_ORDER, tie.lower, fs, tie.reason, (start, stop))


@dataclass
class Problem:
    """What one finding will say and how to fix it."""

    code: str
    form: str
    message: str
    line: Optional[int]
    resources: Tuple[str, ...]
    suppress_on: str
    culprits: List[str] = field(default_factory=list)        # constraint ids to delete
    adds: List[object] = field(default_factory=list)         # specs (ids filled in at the end)
    reuse: Dict[tuple, str] = field(default_factory=dict)    # spec key -> culprit id whose id it takes
    requirement: Optional[Requirement] = None
    fix: object = None
    group_key: Optional[str] = None                          # a group whose member order the fix changes
    merge: Optional[Merge] = None                            # the problems one fix repairs with this one
    severity: Optional[Severity] = None                      # lower than the rule's (None: the rule's)

    @property
    def constraints(self):
        return tuple(dict.fromkeys(self.culprits))


class ChainAnalysis:
    """Runs the analysis for one model and one set of workload agents."""

    def __init__(self, model, workload_agents):
        self.model = model
        self.vocabulary = model.vocabulary
        self.stacks = model.stacks(workload_agents)
        self.requirements: List[object] = []  # Requirement, or _HeldStack for a stack's satisfied containers
        self.problems: List[Problem] = []
        self._chain_resources = None
        self._ids: Dict[tuple, str] = {}        # spec key -> the id of the constraint a fix adds
        self._taken = None                      # ids in use (the CIB's and the fixes'), made when first needed
        self._void_roles = None                 # whether any colocation has a void Promoted role (when asked)

    # -- helpers

    def ref(self, rid):
        """What a new constraint should name for ``rid``: the group or clone containing it."""
        return rid if self.model.resources[rid].parent is None else self.model.top(rid)

    def role(self, role):
        return self.vocabulary.role_name(role) or "any role"

    def words(self, cid):
        constraint = self.model.constraints.get(cid)
        if constraint is None:
            return cid
        noun = "colocation" if constraint.type == "colocation" else "order"
        return f"{noun} set {cid}" if constraint.uses_sets else f"{noun} {cid}"

    def meta_reset(self, rid, name):
        """Delete ``name`` from the resource's own meta (back to Pacemaker's default, true), or, when the
        value comes from elsewhere (``rsc_defaults``), set it to true on the resource."""
        own = any(name in block.pairs for block in self.model.resources[rid].meta_blocks)
        return MetaSpec(rid, name, None if own else "true")

    def edge_words(self, edge):
        """``dependent[:Role] with primary[:Role]`` in the CIB's role names."""
        def side(rid, role):
            name = self.vocabulary.role_name(role)
            return f"{rid}:{name}" if name else rid
        return f"{side(edge.dependent, edge.dependent_role)} with {side(edge.primary, edge.primary_role)}"

    def line_of(self, cid, fallback):
        constraint = self.model.constraints.get(cid)
        if constraint is not None:
            return constraint.line
        resource = self.model.resources.get(fallback)
        return resource.line if resource is not None else None

    @staticmethod
    def first_explicit(path):
        return next((edge for edge in path if edge.explicit), None) if path else None

    def group_problem(self, path):
        """The group whose implied relation a path uses and whose meta may switch it off."""
        for edge in path or ():
            if edge.condition is not None and edge.set_ids:
                return edge.set_ids[0], edge.condition
        return None, None

    # -- the run

    def run(self):
        model = self.model
        for stack in self.stacks.stacks:
            fs = stack.filesystem
            if stack.drbd is not None and model.promotable(stack.drbd).possible:
                reason = stack.filesystem_tie.reason
                self._fs_colocation(Requirement(FS_COLOCATION, fs, stack.drbd, reason))
                self._fs_order(Requirement(FS_ORDER, fs, stack.drbd, reason))
            ties = stack.containers
            if not ties:
                continue
            # the stack's containers asked at once (the same queries, answered in one call each)
            ves = [tie.lower for tie in ties]
            with_fs = model.colocation_paths(zip(ves, repeat(fs)))
            fs_with = model.colocation_paths(zip(repeat(fs), ves), min_score=1, conditional=True)
            starts = model.order_paths(zip(repeat(fs), repeat("start"), ves, repeat("start")))
            stops = model.order_paths(zip(ves, repeat("stop"), repeat(fs), repeat("stop")))
            reverses = model.order_paths(zip(ves, repeat("start"), repeat(fs), repeat("start")),
                                         kinds=(MANDATORY, OPTIONAL), conditional=True)
            if (None not in with_fs and None not in starts and None not in stops
                    and fs_with.count(None) == len(ves) and reverses.count(None) == len(ves)):
                # every relation holds and none is reversed (the common case): nothing to diagnose, and the
                # requirements are made only if a fix needs them (see _all_requirements)
                self.requirements.append(_HeldStack(fs, ties, with_fs, starts, stops))
                continue
            for i, tie in enumerate(ties):
                ve, reason = tie.lower, tie.reason
                self._container_colocation(Requirement(CONTAINER_COLOCATION, ve, fs, reason),
                                           (with_fs[i], fs_with[i]))
                self._container_order(Requirement(CONTAINER_ORDER, ve, fs, reason),
                                      (starts[i], stops[i], reverses[i]))
        self._collateral()
        groups = self._groups()
        self._allocate_ids(groups)
        for members in groups:
            merge = Merge(group=members, part=None, combine=self.fix_of)
            for problem in members:
                problem.fix = self.fix_of([problem])
                problem.merge = replace(merge, part=problem)
        self.problems.sort(key=lambda p: (p.line or 0, p.code))
        return self.problems

    def _all_requirements(self):
        """Every requirement, in the order the stacks and containers were analysed."""
        for item in self.requirements:
            if type(item) is _HeldStack:
                yield from item.requirements()
            else:
                yield item

    @property
    def chain_resources(self):
        """What new constraints name for the members of every stack (computed when first needed)."""
        if self._chain_resources is None:
            refs = set()
            for stack in self.stacks.stacks:
                refs.add(self.ref(stack.filesystem))
                if stack.drbd is not None:
                    refs.add(stack.drbd)
                refs.update(self.ref(tie.lower) for tie in stack.containers)
            self._chain_resources = refs
        return self._chain_resources

    # -- canonical relations

    def canonical(self, requirement):
        lower, upper = requirement.lower, requirement.upper
        if requirement.code == FS_COLOCATION:
            return [ColocationSpec("", self.ref(lower), upper, INFINITY, Role.ANY, Role.PROMOTED)]
        if requirement.code == FS_ORDER:
            return [OrderSpec("", upper, "promote", self.ref(lower), "start")]
        if self.ref(lower) == self.ref(upper):
            return []  # same group: the group provides it (fixed through the group, see _same_group)
        if requirement.code == CONTAINER_COLOCATION:
            return [ColocationSpec("", self.ref(lower), self.ref(upper))]
        return [OrderSpec("", self.ref(upper), "start", self.ref(lower), "start")]

    def problem(self, requirement, form, message, culprits=(), adds=None, suppress_on=None, reuse=True):
        adds = list(self.canonical(requirement) if adds is None else adds)
        culprits = [c for c in dict.fromkeys(culprits) if c]
        problem = Problem(requirement.code, form, message,
                          self.line_of(culprits[0] if culprits else None, requirement.lower),
                          (requirement.lower, requirement.upper), suppress_on or requirement.lower,
                          culprits, adds, requirement=requirement)
        if reuse:
            # the replacement of a wrong two-resource constraint keeps its id
            for cid in culprits:
                constraint = self.model.constraints.get(cid)
                if constraint is None or constraint.uses_sets:
                    continue
                for spec in adds:
                    kind = "colocation" if isinstance(spec, ColocationSpec) else "order"
                    if constraint.type == kind and spec.key not in problem.reuse and cid not in problem.reuse.values():
                        problem.reuse[spec.key] = cid
                        break
        self._preserve(problem)
        self.problems.append(problem)
        return problem

    def _preserve(self, problem):
        """Re-create what a deleted *set* constraint also said about resources outside the chains."""
        for cid in problem.culprits:
            constraint = self.model.constraints.get(cid)
            if constraint is None or not constraint.uses_sets:
                continue
            if constraint.type == "colocation":
                for edge in self.model.colocation_edges:
                    if edge.constraint != cid or edge.ignored is not None:
                        continue
                    if {edge.dependent, edge.primary} <= self.chain_resources:
                        continue
                    problem.adds.append(ColocationSpec("", edge.dependent, edge.primary, edge.score,
                                                       edge.dependent_role, edge.primary_role))
            else:
                for edge in self.model.order_edges:
                    if edge.constraint != cid or edge.inverse or not edge.require_all or edge.kind == SERIALIZE:
                        continue
                    if {edge.first, edge.then} <= self.chain_resources:
                        continue
                    problem.adds.append(OrderSpec("", edge.first, edge.first_action, edge.then, edge.then_action,
                                                  edge.kind, edge.symmetrical))

    # -- CV101: Filesystem with the Promoted role of its DRBD clone

    def _fs_colocation(self, req):
        model, fs, drbd = self.model, req.lower, req.upper
        promoted = self.vocabulary.promoted
        path = model.colocation_path(fs, drbd, Role.PROMOTED)
        req.paths = (path,)
        self.requirements.append(req)
        reverse = (model.colocation_path(drbd, fs, None, min_score=1, dependent_role=Role.PROMOTED,
                                         conditional=True)
                   or model.colocation_path(drbd, fs, None, min_score=1, conditional=True))
        if reverse:
            self._reversed_colocation(req, reverse, f"{drbd}:{promoted}", fs, already=path is not None,
                                      consequence=f"{fs}'s placement decides where DRBD is promoted, overriding "
                                                  f"DRBD's own promotion scores", loop=True)
            return
        reverse = self._reversed_with_void_role(drbd, fs)
        if reverse:
            obeyed = f"Pacemaker does not drop it: it weighs {drbd}'s node scores when it places {self.ref(fs)}"
            if path is None:
                obeyed += (f", and nothing places {fs} with DRBD's Promoted role, so on a promotion change {fs} "
                           f"stays on the demoted node")
            self._reversed_colocation(req, reverse, f"{drbd}:{promoted}", fs, already=path is not None,
                                      consequence=obeyed, loop=True)
            return
        if path is not None:
            return
        wrong_role = model.colocation_path(fs, drbd, None)
        if wrong_role:
            last = wrong_role[-1]
            severity = None
            if last.primary_role is Role.UNPROMOTED:
                what = f"with the {self.role(Role.UNPROMOTED)} role of {drbd}: it is mounted where DRBD is Secondary"
            elif self._interleaved_after_promote(fs, drbd):
                clone = self.ref(fs)
                what = (f"with {drbd} without a role; {clone} is a clone with interleave=true ordered after "
                        f"{drbd}'s promote, so each instance waits for the promote on its own node and is not "
                        f"mounted where DRBD is Secondary, but only that order keeps it so")
                severity = Severity.WARNING
            else:
                what = (f"with {drbd} without a role: it may be mounted on a node where DRBD is Secondary "
                        f"(any node with an instance)")
            problem = self.problem(req, "C3", f"{fs} is colocated {what}; it must be colocated with "
                                              f"{drbd}:{promoted} ({self.words(last.constraint)}).", [last.constraint])
            problem.severity = severity
            return
        finite = model.colocation_path(fs, drbd, Role.PROMOTED, min_score=1)
        if finite:
            weak = [e for e in finite if e.explicit and e.score < INFINITY]
            self.problem(req, "C14", f"{fs} is colocated with {drbd}:{promoted} with a finite score "
                                     f"({', '.join(f'{e.score} in {e.constraint}' for e in weak)}): a stronger "
                                     f"preference can mount it away from the Promoted node; use INFINITY.",
                         [e.constraint for e in weak])
            return
        self._ignored_or_missing_colocation(req, Role.PROMOTED, f"{drbd}:{promoted}",
                                            "it may be mounted where DRBD is Secondary")

    def _reversed_with_void_role(self, drbd, fs):
        """A colocation placing ``drbd`` with ``fs`` (or its group) in a Promoted role they cannot have
        (``ms with g, with-rsc-role=Master``): the path through it, else None. The role is void, the colocation
        is not: Pacemaker 2.1.5 still weighs DRBD's node scores when it places the group."""
        if self._void_roles is None:  # one pass over the edges instead of one more path query per stack
            self._void_roles = any(e.ignored is not None and e.ignored.startswith("role")
                                   for e in self.model.colocation_edges)
        if not self._void_roles:
            return None
        path = self.model.colocation_path(drbd, fs, None, min_score=1, include_ignored=True, conditional=True)
        if path and any(e.explicit and e.ignored is not None and e.ignored.startswith("role")
                        and e.primary_role is Role.PROMOTED for e in path):
            return path
        return None

    def _interleaved_after_promote(self, fs, drbd):
        """``fs`` is inside a clone with interleave=true whose start waits for ``drbd``'s promote: each instance
        waits for the promote on its own node (a dual-primary cluster filesystem), so it is never mounted
        where DRBD is Secondary even without the Promoted role in its colocation."""
        clone = self.ref(fs)
        resource = self.model.resources[clone]
        return (resource.is_clone and not self.model.promotable(clone).possible
                and self.model.meta_truth(clone, "interleave", False) is Truth.TRUE
                and self.model.order_path((drbd, "promote"), (fs, "start")) is not None)

    def _ignored_or_missing_colocation(self, req, role, target_words, consequence):
        model, lower, upper = self.model, req.lower, req.upper
        ignored = model.colocation_path(lower, upper, None, min_score=1, include_ignored=True)
        if ignored:
            dropped = [e for e in ignored if e.explicit and e.ignored is not None]
            void = [e for e in dropped if e.ignored.startswith("role")]
            form = "C5" if void else "C13"
            details = "; ".join(f"{self.words(e.constraint)}: {e.ignored}" for e in dropped)
            self.problem(req, form, f"{lower} is not placed with {target_words}: Pacemaker ignores "
                                    f"{details}; {consequence}.", [e.constraint for e in dropped])
            return
        attribute = model.colocation_path(lower, upper, role, same_node=False)
        if attribute:
            odd = [e for e in attribute if e.explicit and not e.same_node]
            self.problem(req, "C14", f"{lower} is placed with {target_words} only by node attribute "
                                     f"{odd[0].node_attribute} ({self.words(odd[0].constraint)}), not on the same "
                                     f"node; {consequence}.", [e.constraint for e in odd])
            return
        conditional = model.colocation_path(lower, upper, role, conditional=True)
        if conditional:
            group, condition = self.group_problem(conditional)
            self.problem(req, "C15", f"{lower} is placed with {target_words} only while group {group} is "
                                     f"collocated, and {condition}; {consequence} when it is not.",
                         [], adds=self._explicit_adds(req))
            return
        member = self._group_member_path(req, lambda m: model.colocation_path(m, upper, role))
        if member:
            other, path = member
            edge = self.first_explicit(path)
            group = model.group_of(lower)
            self.problem(req, "C7", f"{self.words(edge.constraint)} places {other}, a later member of group "
                                    f"{group}, with {target_words}, not the group: {lower}, placed before it, is "
                                    f"not; {consequence}. Name the group.", [edge.constraint])
            return
        form = "C15" if req.code == CONTAINER_COLOCATION else "C3"
        self.problem(req, form, f"{lower} is not colocated with {target_words} ({lower} sits on {upper}: "
                                f"{req.tie_reason}); {consequence}.")

    def _explicit_adds(self, req):
        """Constraints on the primitives themselves (for when the group they share is unreliable)."""
        lower, upper = req.lower, req.upper
        if req.code == FS_COLOCATION:
            return [ColocationSpec("", lower, upper, INFINITY, Role.ANY, Role.PROMOTED)]
        if req.code == FS_ORDER:
            return [OrderSpec("", upper, "promote", lower, "start")]
        if req.code == CONTAINER_COLOCATION:
            return [ColocationSpec("", lower, upper)]
        return [OrderSpec("", upper, "start", lower, "start")]

    def _group_member_path(self, req, query):
        """(member, path) for a later member of ``req.lower``'s group that has the relation instead."""
        group = self.model.group_of(req.lower)
        if group is None:
            return None
        members = self.model.resources[group].children
        for member in members[members.index(req.lower) + 1:]:
            path = query(member)
            if path and self.first_explicit(path) is not None:
                return member, path
        return None

    def _reversed_colocation(self, req, reverse, upper_words, lower, already, consequence, loop=False):
        edge = self.first_explicit(reverse)
        if edge is None:  # implied by a group listing them the wrong way round
            group = next((e.set_ids[0] for e in reverse if e.origin == "group" and e.set_ids), None)
            self._reversed_group(req, group)
            return
        constraint = self.model.constraints.get(edge.constraint)
        if constraint is not None and constraint.uses_sets:
            form = "C9" if edge.origin == "between-sets" and not edge.dependent_role.is_any else "C8"
            how = (f"{self.words(edge.constraint)} is read as a chain the wrong way round: in a resource set each "
                   f"member is placed with the one before it, and a set with the set after it, so it places "
                   f"{self.edge_words(edge)}")
        else:
            form = "C4"
            how = (f"{self.words(edge.constraint)} is reversed: it places {self.edge_words(edge)} "
                   f"(rsc={edge.dependent} with-rsc={edge.primary})")
        adds = None if not already else []
        if already:
            tail = (f"; {lower} is also colocated the right way, so the two INFINITY colocations form a loop: "
                    f"delete it" if loop else f"; {lower} is also colocated the right way, so delete it")
        else:
            tail = f"; {lower} must be the dependent"
        self.problem(req, form, f"Inverted dependency: {how}: {consequence}{tail}.", [edge.constraint],
                     adds=adds, reuse=not already)

    def _reversed_group(self, req, group):
        lower, upper = req.lower, req.upper
        if group is None:
            self.problem(req, "C17", f"Inverted dependency: {upper} depends on {lower} (through groups or "
                                     f"clones), the reverse of what is needed.", [], adds=[])
            return
        problem = self.problem(req, "C17", f"Inverted dependency: group {group} lists {lower} before {upper}, so "
                                           f"{upper} is placed with {lower} and starts after it; {lower} must "
                                           f"come after {upper}.", [], adds=[GroupMoveSpec(group, lower, upper)])
        problem.line = self.model.resources[group].line
        problem.group_key = group

    # -- CV102: Filesystem start after promote, stop before demote

    def _fs_order(self, req):
        model, fs, drbd = self.model, req.lower, req.upper
        start = model.order_path((drbd, "promote"), (fs, "start"))
        stop = model.order_path((fs, "stop"), (drbd, "demote"))
        req.paths = (start, stop)
        self.requirements.append(req)
        reverse = model.order_path((fs, "start"), (drbd, "promote"), kinds=(MANDATORY, OPTIONAL), conditional=True)
        if reverse:
            self._reversed_order(req, reverse, (fs, "start"), (drbd, "promote"), already=start is not None,
                                 consequence=f"{fs} is mounted before DRBD is promoted")
            return
        if start is None:
            self._fs_order_start(req)
        elif stop is None:
            self._order_stop(req, start, (fs, "stop"), (drbd, "demote"),
                             f"DRBD may be demoted while {fs} is still mounted")

    def _fs_order_start(self, req):
        model, fs, drbd = self.model, req.lower, req.upper
        consequence = "the mount can run before DRBD is promoted (\"wrong medium type\"), and DRBD be demoted " \
                      "under the mounted Filesystem"
        fs_side = [fs] + model.ancestors(fs)
        for edge in model.orders_from(drbd, "promote"):
            if edge.then in fs_side and edge.then_action == "promote" and not edge.inverse and edge.explicit:
                if edge.then_action_defaulted:
                    message = (f"{self.words(edge.constraint)} omits then-action, which defaults to first-action "
                               f"(promote), not start: it orders {edge.then}'s promote, which never happens, so "
                               f"{consequence}.")
                else:
                    message = (f"{self.words(edge.constraint)} orders {edge.then}:promote after {drbd}:promote; "
                               f"{edge.then} is never promoted, so {consequence}.")
                self.problem(req, "C2", message, [edge.constraint])
                return
        after_start = model.order_path((drbd, "start"), (fs, "start"))
        if after_start:
            edge = self.first_explicit(after_start)
            self.problem(req, "C1", f"{self.words(edge.constraint)} orders {fs} after {drbd} start, not promote: "
                                    f"{consequence}.", [edge.constraint])
            return
        self._weak_or_missing_order(req, (drbd, "promote"), (fs, "start"), consequence)

    def _weak_or_missing_order(self, req, first, then, consequence):
        model = self.model
        optional = model.order_path(first, then, kinds=(MANDATORY, OPTIONAL))
        if optional:
            weak = [e for e in optional if e.explicit and e.kind == OPTIONAL]
            self.problem(req, "C12", f"{', '.join(self.words(c) for c in dict.fromkeys(e.constraint for e in weak))} "
                                     f"is Optional (kind=Optional, or score 0): it orders {then[0]}:{then[1]} after "
                                     f"{first[0]}:{first[1]} only when both happen in the same transition; "
                                     f"{consequence}. Make it Mandatory.", [e.constraint for e in weak])
            return
        any_one = model.order_path(first, then, allow_or=True)
        if any_one:
            loose = [e for e in any_one if not e.require_all]
            self.problem(req, "C16", f"{self.words(loose[0].constraint)} orders {then[0]} after any one member of "
                                     f"a require-all=false set, not necessarily after {first[0]}:{first[1]}; "
                                     f"{consequence}.", [loose[0].constraint])
            return
        conditional = model.order_path(first, then, conditional=True)
        if conditional:
            group, condition = self.group_problem(conditional)
            self.problem(req, "C16", f"{then[0]}:{then[1]} waits for {first[0]}:{first[1]} only while group "
                                     f"{group} is ordered, and {condition}; {consequence} when it is not.",
                         [], adds=self._explicit_adds(req))
            return
        serialized = [e for e in model.orders_from(first[0]) + model.orders_to(first[0])
                      if e.kind == SERIALIZE and {e.first, e.then} & ({then[0]} | set(model.ancestors(then[0])))]
        if serialized:
            self.problem(req, "C12", f"{self.words(serialized[0].constraint)} is kind=Serialize: it only keeps "
                                     f"the actions apart, in either order; {consequence}.",
                         [serialized[0].constraint])
            return
        member = self._group_member_path(req, lambda m: model.order_path(first, (m, then[1])))
        if member:
            other, path = member
            edge = self.first_explicit(path)
            group = model.group_of(req.lower)
            self.problem(req, "C7", f"{self.words(edge.constraint)} orders {other}, a later member of group {group},"
                                    f" after {first[0]}:{first[1]}, not the group: {req.lower}, started before it, "
                                    f"is not; {consequence}. Name the group.", [edge.constraint])
            return
        form = "C16" if req.code == CONTAINER_ORDER else "C1"
        self.problem(req, form, f"{then[0]} is not ordered after {first[0]}:{first[1]} ({req.lower} sits on "
                                f"{req.upper}: {req.tie_reason}); {consequence}.")

    def _order_stop(self, req, start_path, first, then, consequence):
        asymmetric = [e for e in start_path if e.explicit and not e.symmetrical]
        if asymmetric:
            cids = list(dict.fromkeys(e.constraint for e in asymmetric))
            self.problem(req, "C11", f"{', '.join(self.words(c) for c in cids)} has symmetrical=false: "
                                     f"{first[0]} stop is not ordered before {then[0]}:{then[1]}; {consequence}.",
                         cids)
            return
        optional = self.model.order_path(first, then, kinds=(MANDATORY, OPTIONAL))
        if optional:
            weak = [e for e in optional if e.explicit and e.kind == OPTIONAL]
            self.problem(req, "C12", f"{self.words(weak[0].constraint)} orders {first[0]} stop before "
                                     f"{then[0]}:{then[1]} only as Optional; {consequence}.", [weak[0].constraint])
            return
        self.problem(req, "C11", f"{first[0]}:{first[1]} is not ordered before {then[0]}:{then[1]}; "
                                 f"{consequence}.")

    def _reversed_order(self, req, reverse, first, then, already, consequence):
        edge = self.first_explicit(reverse)
        if edge is None:
            group = next((e.set_ids[0] for e in reverse if e.origin == "group" and e.set_ids), None)
            self._reversed_group(req, group)
            return
        loop = " (together with the right order this is a loop: neither can start)" if already else ""
        self.problem(req, "C17", f"Inverted dependency: {self.words(edge.constraint)} orders "
                                 f"{edge.then}:{edge.then_action} after {edge.first}:{edge.first_action}, so "
                                 f"{then[0]}:{then[1]} waits for {first[0]}:{first[1]}, the reverse of what is "
                                 f"needed: {consequence}{loop}.",
                     [edge.constraint], adds=[] if already else None, reuse=not already)

    # -- CV103: container with its Filesystem

    def _container_colocation(self, req, asked=None):
        """``asked``: (path, reverse) when :meth:`run` asked them already for the whole stack."""
        model, ve, fs = self.model, req.lower, req.upper
        if asked is None:
            asked = (model.colocation_path(ve, fs, None),
                     model.colocation_path(fs, ve, None, min_score=1, conditional=True))
        path, reverse = asked
        req.paths = (path,)
        self.requirements.append(req)
        if reverse:
            self._reversed_colocation(req, reverse, fs, ve, already=path is not None,
                                      consequence=f"{fs} depends on {ve}: if {ve} cannot run (stopped, banned, "
                                                  f"failed), {fs} is stopped too")
            return
        if path is not None:
            return
        consequence = f"{ve} can be started on another node than {fs}"
        group = model.group_of(ve)
        if group is not None and group == model.group_of(fs) and model.group_collocated(group)[0] is Truth.FALSE:
            self.problem(req, "C15", f"group {group} has collocated=false: {ve} is not placed with {fs}; "
                                     f"{consequence}.", [], adds=[self.meta_reset(group, "collocated")])
            self.problems[-1].line = model.resources[group].line
            return
        finite = model.colocation_path(ve, fs, None, min_score=1)
        if finite:
            weak = [e for e in finite if e.explicit and e.score < INFINITY]
            self.problem(req, "C14", f"{ve} is colocated with {fs} with a finite score "
                                     f"({', '.join(f'{e.score} in {e.constraint}' for e in weak)}): a stronger "
                                     f"preference places it away from its Filesystem; use INFINITY.",
                         [e.constraint for e in weak])
            return
        self._ignored_or_missing_colocation(req, None, fs, consequence)

    # -- CV104: container after its Filesystem

    def _container_order(self, req, asked=None):
        """``asked``: (start, stop, reverse) when :meth:`run` asked them already for the whole stack."""
        model, ve, fs = self.model, req.lower, req.upper
        if asked is None:
            asked = (model.order_path((fs, "start"), (ve, "start")), model.order_path((ve, "stop"), (fs, "stop")),
                     model.order_path((ve, "start"), (fs, "start"), kinds=(MANDATORY, OPTIONAL), conditional=True))
        start, stop, reverse = asked
        req.paths = (start, stop)
        self.requirements.append(req)
        if reverse:
            self._reversed_order(req, reverse, (ve, "start"), (fs, "start"), already=start is not None,
                                 consequence=f"{ve} starts before its Filesystem {fs} is mounted")
            return
        consequence = f"{ve} can start before {fs} is mounted and keep running while it is unmounted"
        if start is None:
            group = model.group_of(ve)
            if group is not None and group == model.group_of(fs) and model.group_ordered(group)[0] is Truth.FALSE:
                self.problem(req, "C16", f"group {group} has ordered=false: {ve} is not ordered after {fs}; "
                                         f"{consequence}.", [], adds=[self.meta_reset(group, "ordered")])
                self.problems[-1].line = model.resources[group].line
                return
            self._weak_or_missing_order(req, (fs, "start"), (ve, "start"), consequence)
        elif stop is None:
            self._order_stop(req, start, (ve, "stop"), (fs, "stop"),
                             f"{fs} may be unmounted while {ve} still runs on it")

    # -- merging and fixes

    def _collateral(self):
        """A fix deleting a constraint re-adds every required relation that constraint provided."""
        requirements = None
        for problem in self.problems:
            deleted = set(problem.culprits)
            if not deleted:
                continue
            if requirements is None:
                requirements = list(self._all_requirements())
            for req in requirements:
                if req is problem.requirement or not req.satisfied:
                    continue
                used = {e.constraint for path in req.paths for e in path if e.explicit}
                if used & deleted:
                    problem.adds.extend(self.canonical(req))

    def _groups(self):
        """The problems one fix must repair together: those deleting the same constraint, adding the same
        relation or reordering the same group (union-find over those keys), each group in code order."""
        parent = list(range(len(self.problems)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        owner: Dict[tuple, int] = {}
        for i, problem in enumerate(self.problems):
            keys = [("delete", c) for c in problem.culprits] + [("add", s.key) for s in problem.adds]
            if problem.group_key:
                keys.append(("group", problem.group_key))
            for key in keys:
                if key in owner:
                    parent[find(i)] = find(owner[key])
                else:
                    owner[key] = i
        groups: Dict[int, List[Problem]] = {}
        for i, problem in enumerate(self.problems):
            groups.setdefault(find(i), []).append(problem)
        return [sorted(members, key=lambda p: p.code) for members in groups.values()]

    def _allocate_ids(self, groups):
        """One id per new constraint of each group, as the group's merged fix has it: the id of a deleted
        two-resource constraint it replaces (:attr:`Problem.reuse`), else a fresh one."""
        for members in groups:
            reuse: Dict[tuple, str] = {}
            for problem in members:
                for key, cid in problem.reuse.items():
                    if cid not in reuse.values():
                        reuse.setdefault(key, cid)
            for problem in members:
                for spec in problem.adds:
                    if isinstance(spec, (ColocationSpec, OrderSpec)) and spec.key not in self._ids:
                        self._ids[spec.key] = reuse.get(spec.key) or self._fresh_id(spec)

    def _fresh_id(self, spec):
        base = (f"c_{spec.dependent}_with_{spec.primary}" if isinstance(spec, ColocationSpec)
                else f"o_{spec.first}_before_{spec.then}")
        if self._taken is None:
            self._taken = set(self.model.index)
        cid, n = base, 1
        while cid in self._taken:
            n += 1
            cid = f"{base}-{n}"
        self._taken.add(cid)
        return cid

    def fix_of(self, problems):
        """The fix that repairs ``problems`` (one, or several of one group) together: their constraints
        deleted once, then meta and group changes, then the constraints to add, each added once. A replacement
        keeps the id of a constraint it replaces only when this fix deletes that constraint."""
        culprits = list(dict.fromkeys(c for problem in problems for c in problem.culprits))
        adds, seen = [], set()
        for spec in (spec for problem in problems for spec in problem.adds):
            if spec.key in seen:
                continue
            seen.add(spec.key)
            if isinstance(spec, (ColocationSpec, OrderSpec)):
                cid = self._ids[spec.key]
                if cid in self.model.index and cid not in culprits:  # the fix of the problem it replaces
                    alone = ("standalone", spec.key)
                    if alone not in self._ids:
                        self._ids[alone] = self._fresh_id(spec)
                    cid = self._ids[alone]
                spec = type(spec)(cid, *[getattr(spec, f) for f in spec.__dataclass_fields__ if f != "id"])
            adds.append(spec)
        adds.sort(key=lambda s: 0 if isinstance(s, (MetaSpec, GroupMoveSpec)) else 1)
        return render_fix(self.vocabulary, culprits, adds)


def analyse(context) -> List[Problem]:
    """The problems of ``context``'s CIB (computed once per model and set of workload agents)."""
    model = context.model
    key = tuple(sorted(agent.spec if hasattr(agent, "spec") else str(agent) for agent in context.workload_agents))
    cache = model.__dict__.setdefault("_chain_analysis", {})
    if key not in cache:
        cache[key] = ChainAnalysis(model, context.workload_agents).run()
    return cache[key]


def findings_for(rule, context):
    """The findings of one chain rule: its own problems, each with the fix that repairs it alone; problems of
    other rules that one fix repairs together are merged when the report shows them (:func:`present`)."""
    for problem in analyse(context):
        if problem.code != rule.code:
            continue
        yield Finding.of(rule, problem.message, line=problem.line, resources=problem.resources,
                         constraints=problem.constraints, fix=problem.fix, suppress_on=problem.suppress_on,
                         merge=problem.merge, severity=problem.severity or rule.severity)
