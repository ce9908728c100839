"""Which nodes are left for a resource together with everything it must be placed with, and the tickets it
needs: the queries behind the "no node" / "single node" / ticket checks of a storage stack.

Builds on :mod:`crm_ve.model.locations` (nodes, per-node bans of one constraint).
docs/pacemaker-semantics.md §3.2 and §8:

* INFINITY colocation makes the dependent run only where its primary can, and with a Promoted-role primary only
  where the primary may be promoted (:func:`placement_requirements` follows those edges, groups and clones);
* a location on a group or clone applies to its members and instances, so the bans of a resource are those
  naming it or any group or clone containing it;
* in an opt-in cluster (``symmetric-cluster=false``) a resource runs only where a location of score >= 0
  (directly, or on a group or clone containing it) enables it;
* an ``rsc_ticket`` on a resource, or on a group or clone containing it, stops it (``loss-policy=stop``, the
  default; ``demote`` for a Promoted-role ticket) while the ticket is not granted.

Only bans that certainly apply count: a rule testing the date or a node attribute other than ``#uname`` may
or may not ban, and such constraints are listed apart (``Allowed.conditional``).
"""
from collections import deque
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Set, Tuple

from crm_ve.model.conditions import resolve_rule
from crm_ve.model.locations import location_bans, rule_truth_on_node
from crm_ve.model.values import INFINITY, Role, Truth, parse_bool, parse_score


@dataclass
class Allowed:
    """The nodes left, per node the constraints that took it away, and constraints that may (rules on the
    date or run-time attributes)."""

    nodes: List[str]
    culprits: Dict[str, List[str]] = field(default_factory=dict)   # node -> constraint ids (banning it)
    not_enabled: Dict[str, List[str]] = field(default_factory=dict)  # node -> resources not enabled there
    conditional: List[str] = field(default_factory=list)

    def removed(self):
        return [n for n in list(self.culprits) + list(self.not_enabled) if n not in self.nodes]


@dataclass(frozen=True)
class TicketNeed:
    """``resource`` (in ``role``) needs ``ticket`` (rsc_ticket ``constraint``); what happens without it."""

    constraint: str
    ticket: str
    resource: str
    role: Role
    loss_policy: str


def covering(model, rid) -> List[str]:
    """``rid`` and the groups and clones containing it (their constraints apply to it)."""
    return [rid] + model.ancestors(rid) if rid in model.resources else [rid]


def _cache(model, name):
    return model.__dict__.setdefault(f"_stack_placement_{name}", {})


def placement_requirements(model, rid) -> List[Tuple[str, Role]]:
    """``(resource, role)`` that ``rid`` can only run with, itself first: primaries of INFINITY same-node
    colocations, transitively, through groups and clones (a Promoted-role edge asks for the promoted
    instance). Edges Pacemaker ignores, finite scores and edges that exist only if a rule applies are not
    followed; neither are dependents (they do not restrict ``rid``)."""
    cache = _cache(model, "requirements")
    if rid not in cache:
        cache[rid] = _placement_requirements(model, rid)
    return list(cache[rid])


def _placement_requirements(model, rid):
    successors = model.placement_graph.successors
    resources = model.resources
    start = (("r", rid), _ANY)
    seen = {start}
    queue = deque((start,))
    found: Dict[Tuple[str, Role], None] = {(rid, _ANY): None}
    while queue:
        for state in _steps(successors, *queue.popleft(), seen):
            queue.append(state)
            (kind, nxt), new_role = state
            if kind == "r" and nxt in resources:
                found.setdefault((nxt, new_role), None)
    return list(found)


def _steps(successors, node, role, seen):
    """The states ``(node, role)`` a requirement walk reaches in one step from ``node`` in ``role`` and has not
    reached before (they are added to ``seen``)."""
    states = []
    for edge, nxt in successors(node):
        new_role = _follow(edge, role)
        if new_role is None:
            continue
        state = (nxt, new_role)
        if state not in seen:
            seen.add(state)
            states.append(state)
    return states


_ANY, _PROMOTED = Role.ANY, Role.PROMOTED


def _follow(edge, role):
    """The role a requirement walk in ``role`` reaches through ``edge``; None when the edge is not followed
    (rule-dependent, ignored, finite, another node attribute, another dependent role, or the Unpromoted
    instance: no node restriction we can state)."""
    if edge.condition is not None:
        return None
    if edge.explicit:
        if edge.ignored is not None or edge.score < INFINITY or not edge.same_node:
            return None
        dependent_role = edge.dependent_role
        if dependent_role is not _ANY and dependent_role is not role:
            return None
        role = edge.primary_role
    return role if role is _ANY or role is _PROMOTED else None


def _locations_naming(model, rid):
    out, seen = [], set()
    for holder in covering(model, rid):
        for constraint in model.constraints_naming(holder, "location"):
            if constraint.ignored is None and id(constraint) not in seen:
                seen.add(id(constraint))
                out.append((holder, constraint))
    return out


def _enabled_nodes(model, rid):
    """Nodes where a location of score >= 0 (on ``rid``, a container of it, or a primitive in it) may enable
    ``rid`` in an opt-in cluster."""
    holders = covering(model, rid)
    resource = model.resources.get(rid)
    if resource is not None and not resource.is_primitive:
        holders += model.primitives_under(rid)
    enabled = set()
    for holder in holders:
        for constraint in model.constraints_naming(holder, "location"):
            if constraint.ignored is not None:
                continue
            rules = [c for c in constraint.element if isinstance(c.tag, str) and c.tag == "rule"]
            if not rules and constraint.get("node") is not None:
                if parse_score(constraint.get("score")) >= 0:
                    enabled.add(constraint.get("node"))
                continue
            for rule in rules:
                rule = resolve_rule(rule, model.index)
                if rule is None or (rule.get("score") is not None and parse_score(rule.get("score")) < 0):
                    continue
                for node in model.nodes:
                    if rule_truth_on_node(rule, node, model.index).possible:
                        enabled.add(node)
    return enabled


def opt_in(model) -> bool:
    """The cluster certainly runs resources only where a location enables them (``symmetric-cluster=false``)."""
    cache = _cache(model, "opt_in")
    if "value" not in cache:
        value = model.cluster_option("symmetric-cluster")
        cache["value"] = value.truth(lambda v: parse_bool(v, True) if isinstance(v, str) else v,
                                     default=True) is Truth.FALSE
    return cache["value"]


def _bans(model, rid, role):
    """(node -> constraint ids banning ``rid`` in ``role`` there, constraints that may) - cached."""
    cache = _cache(model, "bans")
    key = (rid, role)
    if key not in cache:
        culprits: Dict[str, List[str]] = {}
        conditional: List[str] = []
        for holder, constraint in _locations_naming(model, rid):
            bans = location_bans(constraint, holder, role, model.nodes, model.index)
            for node in model.nodes:
                truth = bans.get(node, Truth.FALSE)
                if truth is Truth.TRUE:
                    culprits.setdefault(node, []).append(constraint.id)
                elif truth is Truth.MAYBE and constraint.id not in conditional:
                    conditional.append(constraint.id)
        cache[key] = (culprits, conditional)
    return cache[key]


def allowed_nodes(model, requirements, exclude=lambda cid: False) -> Allowed:
    """The nodes of ``model.nodes`` where every ``(resource, role)`` of ``requirements`` may run, and why the
    others are not; ``exclude(constraint id)`` leaves a constraint out."""
    culprits: Dict[str, List[str]] = {}
    conditional: List[str] = []
    not_enabled: Dict[str, List[str]] = {}
    symmetric = not opt_in(model)
    for rid, role in requirements:
        banned, maybe = _bans(model, rid, role)
        for node, ids in banned.items():
            for cid in ids:
                if exclude(cid):
                    continue
                listed = culprits.setdefault(node, [])
                if cid not in listed:
                    listed.append(cid)
        conditional.extend(c for c in maybe if c not in conditional and not exclude(c))
        if not symmetric:
            cache = _cache(model, "enabled")
            if rid not in cache:
                cache[rid] = _enabled_nodes(model, rid)
            enabled = cache[rid]
            for node in model.nodes:
                if node not in enabled:
                    not_enabled.setdefault(node, []).append(rid)
    nodes = [n for n in model.nodes if n not in culprits and n not in not_enabled]
    return Allowed(nodes, culprits, not_enabled, conditional)


def tickets_needed(model, rid, role=Role.ANY) -> List[TicketNeed]:
    """The ``rsc_ticket`` constraints ``rid`` (in ``role``) depends on, directly or through a group or clone
    containing it."""
    cache = _cache(model, "tickets")
    if (rid, role) not in cache:
        cache[(rid, role)] = _tickets_needed(model, rid, role)
    return list(cache[(rid, role)])


def _tickets_needed(model, rid, role):
    out = []
    for holder in covering(model, rid):
        for constraint in model.constraints_naming(holder, "ticket"):
            if constraint.ignored is not None or not constraint.get("ticket"):
                continue
            if constraint.sets:
                roles = [s.role for s in constraint.sets if holder in s.members]
            else:
                roles = [Role.parse(constraint.get("rsc-role"))]
            for ticket_role in roles:
                if ticket_role is Role.PROMOTED and role is not Role.PROMOTED:
                    continue
                policy = constraint.get("loss-policy") or ("demote" if ticket_role is Role.PROMOTED else "stop")
                need = TicketNeed(constraint.id, constraint.get("ticket"), holder, ticket_role, policy)
                if need not in out:
                    out.append(need)
    return out


# ------------------------------------------------------------------------------------------------------
# the same answers as sets, for checking every container of a large CIB
#
# ``allowed_nodes(model, requirements).nodes`` is ``model.nodes`` less the union, over the requirements, of
# the nodes each one rules out; so only that union has to be known per resource, and the union for a
# resource is its own nodes plus those of every resource it reaches. A walk from a container stops at a
# resource whose union is already known (its Filesystem, worked out once per stack) instead of walking the
# Filesystem's and DRBD's colocations again for each of thousands of containers. And since a walk only adds
# up what resources have of their own, no resource's union exceeds the union of what every resource has of
# its own (``_Reach.bound``): where that is within what the Filesystem's stack already lost, no container of
# the stack needs a walk.

_NO_NODES: FrozenSet[str] = frozenset()
_NOTHING = (_NO_NODES, False)


class _Reach:
    """Per model: for each resource walked from (with any role), the nodes it and everything it must be
    placed with rule out, and whether any of them needs a ticket."""

    __slots__ = ("model", "successors", "resources", "naming", "symmetric", "constrained", "summaries", "own",
                 "_bound")

    def __init__(self, model):
        self.model = model
        self.successors = model.placement_graph.successors
        self.resources = model.resources
        self.naming = model.constraints_naming
        self.symmetric = not opt_in(model)
        self.constrained = _constrained(model)
        self.summaries: Dict[str, tuple] = {}
        self.own: Dict[Tuple[str, Role], tuple] = {}
        self._bound = None

    def bound(self):
        """(nodes, needs a ticket): at least what :meth:`summary` answers for any resource - the union of
        :meth:`own_of` over every resource and role a walk may add up (the walk follows ANY and Promoted)."""
        if self._bound is None:
            if not self.symmetric:  # every resource may be not enabled somewhere
                self._bound = (frozenset(self.model.nodes), True)
            else:  # only the resources a location or ticket applies to have anything of their own
                nodes, ticket = set(), False
                for rid in self.constrained:
                    if rid in self.resources:
                        for role in (_ANY, _PROMOTED):
                            own_nodes, needs = self.own_of(rid, role)
                            nodes |= own_nodes
                            ticket = ticket or needs
                self._bound = (frozenset(nodes), ticket)
        return self._bound

    def summary(self, rid):
        """(nodes ruled out, needs a ticket) for ``placement_requirements(model, rid)``."""
        known = self.summaries.get(rid)
        if known is None:
            known = self.summaries[rid] = self._walk(rid)
        return known

    def _walk(self, rid):
        # the walk of _placement_requirements, adding up instead of listing (in any order: a union)
        resources, successors, summaries, own = self.resources, self.successors, self.summaries, self.own_of
        out, ticket = own(rid, _ANY)
        start = (("r", rid), _ANY)
        seen = {start}
        todo = [start]
        while todo:
            node, role = todo.pop()
            for state in _steps(successors, node, role, seen):
                (kind, nxt), new_role = state
                if kind == "r" and nxt in resources:
                    known = summaries.get(nxt) if new_role is _ANY else None
                    if known is not None:  # everything reachable from there, already added up
                        if known is not _NOTHING:
                            out = out | known[0]
                            ticket = ticket or known[1]
                        continue
                    nodes, needs = own(nxt, new_role)
                    if nodes:
                        out = out | nodes
                    ticket = ticket or needs
                todo.append(state)
        return _NOTHING if not out and not ticket else (frozenset(out), ticket)

    def own_of(self, rid, role):
        """(nodes ``rid`` in ``role`` is banned from or not enabled on, needs a ticket): the set form of
        ``allowed_nodes(model, [(rid, role)])`` and of ``tickets_needed(model, rid, role)``."""
        if rid not in self.constrained and self.symmetric:
            return _NOTHING  # no location or ticket constraint applies to it
        naming, holders = self.naming, covering(self.model, rid)
        located = any(naming(holder, "location") for holder in holders)
        ticketed = any(naming(holder, "ticket") for holder in holders)
        if not located and not ticketed and self.symmetric:
            return _NOTHING
        key = (rid, role)
        known = self.own.get(key)
        if known is None:
            model = self.model
            nodes = set(_bans(model, rid, role)[0]) if located else set()
            if not self.symmetric:
                cache = _cache(model, "enabled")
                if rid not in cache:
                    cache[rid] = _enabled_nodes(model, rid)
                enabled = cache[rid]
                nodes.update(n for n in model.nodes if n not in enabled)
            ticket = ticketed and bool(tickets_needed(model, rid, role))
            known = self.own[key] = _NOTHING if not nodes and not ticket else (frozenset(nodes), ticket)
        return known


def _constrained(model) -> Set[str]:
    """The resources a location or ticket constraint may apply to: those one names (``constraints_naming``
    lists a constraint under each id of its ``resources``) and every resource inside them (``covering``)."""
    named = {rid for constraint in model.constraint_list if constraint.type in ("location", "ticket")
             for rid in constraint.resources}
    resources = model.resources
    out, todo = set(named), [rid for rid in named if rid in resources]
    while todo:
        children = resources[todo.pop()].children
        out.update(children)
        todo.extend(children)
    return out


def _reach(model) -> _Reach:
    reach = model.__dict__.get("_stack_placement_reach")
    if reach is None:
        reach = model.__dict__["_stack_placement_reach"] = _Reach(model)
    return reach


def excluded_nodes(model, rid, role=Role.ANY) -> FrozenSet[str]:
    """The nodes ``allowed_nodes(model, [(rid, role)])`` leaves out."""
    return _reach(model).own_of(rid, role)[0]


def excluded_with_requirements(model, rid) -> FrozenSet[str]:
    """The nodes ``allowed_nodes(model, placement_requirements(model, rid))`` leaves out."""
    return _reach(model).summary(rid)[0]


def requirement_summaries(model):
    """``rid -> (excluded_with_requirements(model, rid), may_need_tickets(model, rid))``: one function for a
    check that asks it for each of thousands of containers."""
    return _reach(model).summary


def excluded_anywhere(model) -> FrozenSet[str]:
    """Every node ``excluded_with_requirements`` may leave out for some resource (a superset of each answer)."""
    return _reach(model).bound()[0]


def any_may_need_tickets(model) -> bool:
    """Whether ``may_need_tickets`` may be true for any resource (false: it is false for every one)."""
    return _reach(model).bound()[1]


def may_need_tickets(model, rid) -> bool:
    """Whether ``tickets_needed`` is non-empty for any ``(resource, role)`` of ``placement_requirements(model,
    rid)``."""
    return _reach(model).summary(rid)[1]
