"""Colocation edges ("dependent with primary") and the placement graph they form, with path queries.

Pacemaker Explained, "Placing Resources Relative to other Resources" and "Colocating Sets of Resources";
2.1.5 ``pcmk_sched_colocation.c``:

* two resources: ``rsc`` is the dependent, ``with-rsc`` the primary (placed first); no ``score`` or 0 means
  the constraint is ignored; scores are clamped to +/-INFINITY; ``Started``/no role means any role;
* inside a sequential set (``ordering="group"``, positive score) each member is placed *with the previous
  one*: the listed order is the placement order, the reverse of "A with B" (``ordering="listed"`` flips it);
  a negative score anti-colocates each member with every earlier one; ``sequential="false"`` relates none;
* between consecutive sets S1, S2: S1 *with* S2, from S1's first member (every member if S1 is
  ``sequential="false"``) to S2's last member (every member likewise), with S1's and S2's roles; the set's own
  ``score`` applies inside it, the constraint's between sets;
* a group places each member with the previous one unless ``collocated=false``; a group's or clone's own
  colocations apply through its first member (every member if not collocated) or its instances;
* a role of Promoted on a resource that cannot be promoted makes the edge a silent no-op
  (docs/pacemaker-semantics.md §3.3, E-R4).
"""
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from crm_ve.model.constraints import SIMPLE_ATTRIBUTES
from crm_ve.model.values import INFINITY, SLOTS, Role, Truth, parse_score, remember

#: ``node-attribute`` values meaning "on the same node" (none: ``#uname``)
SAME_NODE_ATTRIBUTES = (None, "#uname")


@dataclass(eq=False, **SLOTS)
class ColocationEdge:
    """``dependent`` (in ``dependent_role``) is placed with ``primary`` (in ``primary_role``).

    ``origin``: ``colocation`` (two-resource), ``set`` (inside a set), ``between-sets``, ``group`` (implied by a
    group), ``member`` (a member inherits its group's or clone's colocations). ``ignored`` says why Pacemaker
    drops it (score 0, void role), else None. ``set_ids`` name the set(s) it came from.
    """

    dependent: str
    primary: str
    score: int
    dependent_role: Role = Role.ANY
    primary_role: Role = Role.ANY
    constraint: Optional[str] = None
    origin: str = "colocation"
    set_ids: Tuple[Optional[str], ...] = ()
    ignored: Optional[str] = None
    node_attribute: Optional[str] = None
    via_child: bool = False
    condition: Optional[str] = None
    element: object = field(default=None, repr=False)
    #: made by a constraint (not implied by a group or clone)
    explicit: bool = field(init=False, repr=False)

    @property
    def line(self):
        return self.element.sourceline if self.element is not None else None

    @property
    def mandatory(self):
        return self.score >= INFINITY

    @property
    def same_node(self):
        return self.node_attribute in SAME_NODE_ATTRIBUTES

    def __post_init__(self):
        self.explicit = self.constraint is not None

    def describe(self):
        dep = self.dependent + (f":{self.dependent_role.value}" if not self.dependent_role.is_any else "")
        pri = self.primary + (f":{self.primary_role.value}" if not self.primary_role.is_any else "")
        return f"{dep} with {pri} ({self.score})" + (f" [{self.constraint}]" if self.constraint else "")


def constraint_colocation_edges(constraint, promotable: Callable[[str], Truth]):
    """The colocation edges of one ``rsc_colocation`` (``pcmk__unpack_colocation``); edges Pacemaker drops
    are kept with ``ignored`` set so rules can name them."""
    if constraint.ignored:
        return []
    get = constraint.element.get
    if not constraint.sets:
        return [two_resource_colocation_edge(constraint, promotable, tuple(get(name) for name in _ATTRIBUTES))]
    score_text = get("score")
    score = parse_score(score_text)
    node_attribute = get("node-attribute")
    common = dict(constraint=constraint.id, element=constraint.element, node_attribute=node_attribute)
    edges: List[ColocationEdge] = []

    def make(dependent, primary, score_, dep_role, pri_role, origin, set_ids, missing_score=False):
        ignored = None
        if score_ == 0:
            ignored = "no score (defaults to 0)" if missing_score else "score 0"
        for rid, role, side in ((dependent, dep_role, "rsc"), (primary, pri_role, "with-rsc")):
            if role is Role.PROMOTED and not promotable(rid).possible:
                ignored = ignored or f"role {role.value} on {rid}, which cannot be promoted"
        via = bool(constraint.via_child) and (dependent in constraint.via_child.values()
                                             or primary in constraint.via_child.values())
        edges.append(ColocationEdge(dependent, primary, score_, _role(dep_role), _role(pri_role),
                                    origin=origin, set_ids=set_ids, ignored=ignored, via_child=via, **common))

    previous = None
    for rset in constraint.sets:
        local = rset.score if rset.score is not None else score
        members = rset.members
        if rset.sequential is not False and len(members) > 1:
            if local > 0 and rset.ordering != "listed":
                for earlier, later in zip(members, members[1:]):
                    make(later, earlier, local, rset.role, rset.role, "set", (rset.id,))
            elif local > 0:
                for earlier, later in zip(members, members[1:]):
                    make(earlier, later, local, rset.role, rset.role, "set", (rset.id,))
            elif local < 0:
                for i, later in enumerate(members):
                    for earlier in members[:i]:
                        make(later, earlier, local, rset.role, rset.role, "set", (rset.id,))
            else:
                for earlier, later in zip(members, members[1:]):
                    make(later, earlier, 0, rset.role, rset.role, "set", (rset.id,),
                         missing_score=get("score") is None)
        if previous is not None and previous.members and rset.members:
            dependents = [previous.members[0]] if previous.sequential is not False else list(previous.members)
            primaries = [rset.members[-1]] if rset.sequential is not False else list(rset.members)
            for dependent in dependents:
                for primary in primaries:
                    make(dependent, primary, score, previous.role, rset.role, "between-sets",
                         (previous.id, rset.id), missing_score=get("score") is None)
        previous = rset
    return edges


_PROMOTED = Role.PROMOTED
_ATTRIBUTES = SIMPLE_ATTRIBUTES["colocation"]
#: where the texts of rsc-role, with-rsc-role and score are in _ATTRIBUTES; node-attribute's
_SHAPE, _NODE_ATTRIBUTE = slice(_ATTRIBUTES.index("rsc-role"), _ATTRIBUTES.index("score") + 1), \
    _ATTRIBUTES.index("node-attribute")
assert _ATTRIBUTES[_SHAPE] == ("rsc-role", "with-rsc-role", "score")

#: what those texts of a two-resource colocation say: a CIB spells its colocations a handful of ways, so
#: 20,000 colocations parse them once or twice
_TWO_RESOURCE_SHAPES: Dict[tuple, tuple] = {}


def _two_resource_shape(texts):
    """(score, why the score makes Pacemaker ignore it or None, dependent role, primary role, the edge's
    dependent role, its primary role) of a two-resource colocation's (rsc-role, with-rsc-role, score)
    ``texts``."""
    dep_text, pri_text, score_text = texts
    score = parse_score(score_text)
    ignored = None
    if score == 0:
        ignored = "no score (defaults to 0)" if score_text is None else "score 0"
    dep_role, pri_role = Role.parse(dep_text), Role.parse(pri_text)
    return remember(_TWO_RESOURCE_SHAPES, texts, (score, ignored, dep_role, pri_role, _role(dep_role),
                                                  _role(pri_role)))


def two_resource_colocation_edge(constraint, promotable, texts):
    """The edge of a two-resource colocation, from its attribute ``texts`` (``SIMPLE_ATTRIBUTES["colocation"]``)."""
    dependent, primary = constraint.sides
    shape_texts = texts[_SHAPE]
    shape = _TWO_RESOURCE_SHAPES.get(shape_texts) or _two_resource_shape(shape_texts)  # (never empty)
    score, ignored, dep_role, pri_role, edge_dep_role, edge_pri_role = shape
    if dep_role is _PROMOTED and not promotable(dependent).possible:
        ignored = ignored or f"role {dep_role.value} on {dependent}, which cannot be promoted"
    if pri_role is _PROMOTED and not promotable(primary).possible:
        ignored = ignored or f"role {pri_role.value} on {primary}, which cannot be promoted"
    via_child = constraint.via_child
    via = bool(via_child) and (dependent in via_child.values() or primary in via_child.values())
    return ColocationEdge(dependent, primary, score, edge_dep_role, edge_pri_role, constraint.id, "colocation", (),
                          ignored, texts[_NODE_ATTRIBUTE], via, None, constraint.element)


def _role(role):
    # an unrecognised role text reads as "any role" (text2role), Stopped never matches a placement
    return Role.ANY if role is Role.UNKNOWN else role


# ------------------------------------------------------------------------------------------------------
# the placement graph

class PlacementGraph:
    """Colocation edges between resources, with what groups and clones imply, and path queries.

    Nodes are ``("r", id)`` (being placed with the resource) and ``("up", id)`` (a group's or clone's own
    colocations, which its members inherit). A group as primary leads to its last member (each member is
    with the previous one), and a member to the previous member, the first one to the group's own
    colocations; a clone leads to its child and the child to the clone's own colocations.
    """

    def __init__(self, resources, edges, group_collocated: Callable[[str], Tuple[Truth, Optional[str]]]):
        self.resources = resources
        self.edges = list(edges)
        self._out: Dict[tuple, List[Tuple[ColocationEdge, tuple]]] = {}
        self._group_collocated = group_collocated
        out, node_as_dependent = self._out, self.node_as_dependent
        for edge in self.edges:
            source = node_as_dependent(edge.dependent)
            adjacency = out.get(source)
            if adjacency is None:
                adjacency = out[source] = []
            adjacency.append((edge, ("r", edge.primary)))
        #: dependent id -> its list in ``_out`` (an id has one node as a dependent): batched queries look a
        #: dependent's explicit edges up without making its node
        self._out_by_rid: Dict[str, List[Tuple[ColocationEdge, tuple]]] = {node[1]: adjacency
                                                                          for node, adjacency in out.items()}
        self._structural_cache: Dict[tuple, list] = {}
        #: (dependent, dependent role name, filter key) -> (search tree, the resource nodes it reaches)
        self._trees: Dict[tuple, tuple] = {}

    def node_as_dependent(self, rid):
        resource = self.resources.get(rid)
        if resource is not None and resource.kind != "primitive":
            return ("up", rid)
        return ("r", rid)

    def _structural(self, node):
        known = self._structural_cache.get(node)
        if known is not None:
            return known
        kind, rid = node
        out = []
        resource = self.resources.get(rid)
        # a top-level primitive (most nodes of a large CIB) implies nothing
        if resource is not None and (resource.parent is not None or resource.kind != "primitive"):
            if kind == "r" and not resource.is_primitive:
                # being with a group or clone is being with its members, and with what they are with
                out.append((ColocationEdge(rid, rid, INFINITY, origin="member"), ("up", rid)))
                if resource.is_group and resource.children:
                    truth, cond = self._group_collocated(rid)
                    c = cond if truth is Truth.MAYBE else None
                    if truth.possible:  # collocated: the last member is with all the others
                        out.append((ColocationEdge(rid, resource.children[-1], INFINITY, origin="group",
                                                   set_ids=(rid,), condition=c), ("r", resource.children[-1])))
                    if truth is not Truth.TRUE:  # not collocated: with every member
                        for member in resource.children:
                            out.append((ColocationEdge(rid, member, INFINITY, origin="group", set_ids=(rid,),
                                                       condition=c), ("r", member)))
                elif resource.is_clone:
                    for child in resource.children:
                        out.append((ColocationEdge(rid, child, INFINITY, origin="member"), ("r", child)))
            parent = self.resources.get(resource.parent) if resource.parent else None
            if parent is not None:
                if parent.is_group:
                    truth, cond = self._group_collocated(parent.id)
                    c = cond if truth is Truth.MAYBE else None
                    index = parent.children.index(rid)
                    if index > 0 and truth.possible:  # a member is placed with the previous one
                        previous = parent.children[index - 1]
                        out.append((ColocationEdge(rid, previous, INFINITY, origin="group", set_ids=(parent.id,),
                                                   condition=c), ("r", previous)))
                    if index == 0 or truth is not Truth.TRUE:  # ...and the first with the group's colocations
                        out.append((ColocationEdge(rid, parent.id, INFINITY, origin="member",
                                                   set_ids=(parent.id,), condition=c if index else None),
                                    ("up", parent.id)))
                else:  # instances follow their clone's (bundle's) colocations
                    out.append((ColocationEdge(rid, parent.id, INFINITY, origin="member"), ("up", parent.id)))
        self._structural_cache[node] = out
        return out

    def successors(self, node):
        explicit, structural = self._out.get(node), self._structural(node)
        # a new list each time, as callers may keep it; the common node has only one kind of edge
        if not explicit:
            return list(structural)
        return explicit + structural

    def path(self, dependent, primary, role: Optional[Role], allowed: Callable[[ColocationEdge], bool],
             dependent_role: Role = Role.ANY, key=None) -> Optional[List[ColocationEdge]]:
        """Edges of a placement path: ``dependent`` (in ``dependent_role``) is, through allowed edges, placed
        with ``primary`` in ``role`` (None: any role, the last edge may name one). None when there is none.

        A hop is followed only when it constrains the instances the path is about: an edge whose dependent
        role is Promoted does not constrain "any instance". ``key`` names ``allowed`` so that everything
        reachable from ``dependent`` is explored once and every later query from it is a lookup.
        """
        target = ("r", primary)
        if dependent_role is Role.ANY:  # the common case: one direct edge
            for edge, nxt in self._out.get(self.node_as_dependent(dependent), ()):
                if (nxt == target and edge.dependent_role is Role.ANY
                        and (role is None or edge.primary_role is role) and allowed(edge)):
                    return [edge]
        start = (("r", dependent), dependent_role)
        # trees are keyed by the role's name: an enum member hashes in Python code, a string in C
        tree_key = (dependent, dependent_role._value_, key) if key is not None else None
        cached = self._trees.get(tree_key) if tree_key is not None else None
        if cached is None:
            tree = self._explore(start, allowed)
            cached = (tree, {state[0] for state in tree if state != start})
            if tree_key is not None:
                self._trees[tree_key] = cached
        tree, reached = cached
        if target not in reached:  # the common answer, without looking up a (node, role) state per role
            return None
        roles = (role,) if role is not None else (Role.ANY, Role.PROMOTED, Role.UNPROMOTED, Role.STOPPED)
        for candidate_role in roles:
            state = (target, candidate_role)
            if state in tree and state != start:
                return self._unwind(tree, state)
        return None

    def paths(self, pairs, role, allowed, dependent_role=Role.ANY, key=None):
        """:meth:`path` for each ``(dependent, primary)`` of ``pairs``, in order (a stack's containers at
        once)."""
        path, out_by_rid, any_role = self.path, self._out_by_rid, Role.ANY
        trees, role_name = self._trees, dependent_role._value_
        results = []
        previous = reached = None  # the last dependent asked and the resources its explored tree reaches
        for dependent, primary in pairs:
            if dependent_role is any_role:  # the direct edge of :meth:`path`, looked for inline
                found = None
                for edge, nxt in out_by_rid.get(dependent, ()):
                    if (nxt[1] == primary and nxt[0] == "r" and edge.dependent_role is any_role
                            and (role is None or edge.primary_role is role) and allowed(edge)):
                        found = [edge]
                        break
                if found is not None:
                    results.append(found)
                    continue
            if key is not None:  # :meth:`path`'s answer from an explored tree that does not reach primary
                if dependent != previous:
                    cached = trees.get((dependent, role_name, key))
                    previous, reached = dependent, (cached[1] if cached is not None else None)
                if reached is not None and ("r", primary) not in reached:
                    results.append(None)
                    continue
            results.append(path(dependent, primary, role, allowed, dependent_role, key))
            previous = None  # path may have explored (and cached) the dependent's tree
        return results

    def _explore(self, start, allowed):
        seen = {start: None}
        queue = deque([start])
        while queue:
            state = queue.popleft()
            current_role = state[1]
            for edge, nxt in self.successors(state[0]):
                if not allowed(edge):
                    continue
                if edge.constraint is None:  # implied by a group or clone: same instances, same role
                    new_role = current_role
                else:
                    if (not edge.dependent_role.is_any and edge.dependent_role is not current_role
                            and edge.ignored is None):  # an ignored edge (diagnosis) is followed whatever its role
                        continue
                    new_role = edge.primary_role
                new_state = (nxt, new_role)
                if new_state in seen:
                    continue
                seen[new_state] = (state, edge)
                queue.append(new_state)
        return seen

    @staticmethod
    def _unwind(seen, state):
        path = []
        while seen[state] is not None:
            state, edge = seen[state]
            path.append(edge)
        path.reverse()
        return path

    def edges_of(self, rid):
        """Explicit edges where ``rid`` is the dependent."""
        return [edge for edge, _ in self._out.get(self.node_as_dependent(rid), ())]
