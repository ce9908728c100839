"""Order edges and the action graph they form, with path queries.

Every ``rsc_order`` becomes edges ``(first, action) -> (then, action)`` exactly as Pacemaker 2.1.5 unpacks it
(Pacemaker Explained, "Specifying the Order in which Resources Should Start/Stop"; ``pcmk_sched_ordering.c``):

* two resources: ``first-action`` defaults to start, ``then-action`` to *first-action*; ``kind`` (Mandatory,
  Optional, Serialize; anything else Mandatory) or the legacy ``score`` (0 Optional, else Mandatory);
  ``symmetrical`` defaults to true except for Serialize, and adds the inverse edge (start<->stop,
  promote<->demote, endpoints swapped);
* resource sets ("Ordered Set"): a set's ``action`` defaults to start; inside a sequential set each member
  after the previous one with the set's ``kind`` (else the constraint's); between consecutive sets the
  constraint's kind, from the *last* member of the first set only if it says ``sequential="true"``
  explicitly (else every member), to the *first* member of the next set likewise; ``require-all="false"`` on
  the first set means "after any one of them" (not on the stop side);
* groups order their members (start and promote forwards, stop and demote backwards) unless ``ordered=false``.

Collective resources have a "begin" and a "done" node per action (Pacemaker's ``start``/``running``,
``promote``/``promoted`` pseudo-actions): an order *after* a group or clone waits for all its members; an
order *before* one precedes all its members. In a promotable clone every instance starts before it is
promoted and is demoted before it stops.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from crm_ve.model.constraints import SIMPLE_ATTRIBUTES
from crm_ve.model.values import INVERSE_ACTION, SLOTS, Truth, parse_bool, parse_score, remember

MANDATORY, OPTIONAL, SERIALIZE = "Mandatory", "Optional", "Serialize"
_KINDS = {"mandatory": MANDATORY, "optional": OPTIONAL, "serialize": SERIALIZE}


def ordering_kind(element_get, default=MANDATORY):
    """``get_ordering_type``: ``kind`` (case-insensitive, invalid -> Mandatory), else legacy ``score``."""
    kind = element_get("kind")
    if kind is None:
        score = element_get("score")
        if score is not None and parse_score(score) == 0:
            return OPTIONAL
        return default if score is None else MANDATORY
    return _KINDS.get(kind.lower(), MANDATORY)


def ordering_symmetrical(element_get, parent_kind, parent_symmetrical=None):
    """``get_ordering_symmetry``: explicit ``symmetrical`` (or the parent's), else true unless Serialize."""
    kind = parent_kind
    if element_get("kind") is not None or element_get("score") is not None:
        kind = ordering_kind(element_get)
    explicit = parse_bool(element_get("symmetrical"))
    if explicit is None and parent_symmetrical is not None:
        explicit = parse_bool(parent_symmetrical, False)
    if explicit is not None:
        return explicit and kind != SERIALIZE
    return kind != SERIALIZE


@dataclass(eq=False, **SLOTS)
class OrderEdge:
    """``then`` (``then_action``) waits for ``first`` (``first_action``).

    ``origin``: ``order`` (two-resource constraint), ``set`` (inside a resource set), ``between-sets``,
    ``group`` (a group's implicit member order), ``collective`` (a group/clone and its members),
    ``promotable`` (instance start before promote). ``inverse`` marks the edge a symmetrical order generated;
    ``require_all=False`` an edge of a ``require-all=false`` set (then waits for any one first);
    ``then_action_defaulted`` a two-resource order whose then-action was omitted (defaults to first-action);
    ``via_child`` an order naming a resource inside a clone; ``condition`` a rule the edge depends on.
    """

    first: str
    first_action: str
    then: str
    then_action: str
    kind: str = MANDATORY
    symmetrical: bool = True
    inverse: bool = False
    constraint: Optional[str] = None
    origin: str = "order"
    set_ids: Tuple[Optional[str], ...] = ()
    require_all: bool = True
    then_action_defaulted: bool = False
    first_action_defaulted: bool = False
    via_child: bool = False
    condition: Optional[str] = None
    element: object = field(default=None, repr=False)
    #: made by a constraint (not implied by a group or clone)
    explicit: bool = field(init=False, repr=False)

    @property
    def line(self):
        return self.element.sourceline if self.element is not None else None

    def __post_init__(self):
        self.explicit = self.constraint is not None

    def describe(self):
        text = f"{self.first}:{self.first_action} -> {self.then}:{self.then_action}"
        if self.kind != MANDATORY:
            text += f" ({self.kind})"
        if self.constraint:
            text += f" [{self.constraint}]"
        return text


def _action(text):
    return (text or "start").strip().lower()


def constraint_order_edges(constraint):
    """The order edges of one ``rsc_order`` (Pacemaker 2.1.5 ``pcmk__unpack_ordering``)."""
    if constraint.ignored:
        return []
    get = constraint.element.get
    if not constraint.sets:
        return two_resource_order_edges(constraint, tuple(get(name) for name in _ATTRIBUTES))
    via_child = constraint.via_child
    kind = ordering_kind(get)
    symmetrical = ordering_symmetrical(get, kind)
    edges: List[OrderEdge] = []

    def via(*ids):
        return any(rid in via_child.values() for rid in ids) and bool(via_child)

    parent_symmetrical = get("symmetrical")
    previous = None
    for rset in constraint.sets:
        edges.extend(_within_set(rset, kind, parent_symmetrical, constraint, via))
        if previous is not None:
            edges.extend(_between_sets(previous, rset, kind, False, symmetrical, constraint, via))
            if symmetrical:
                edges.extend(_between_sets(rset, previous, kind, True, symmetrical, constraint, via))
        previous = rset
    return edges


_ATTRIBUTES = SIMPLE_ATTRIBUTES["order"]
#: where the texts of kind, score, symmetrical, first-action and then-action are in _ATTRIBUTES
_SHAPE = slice(_ATTRIBUTES.index("kind"), _ATTRIBUTES.index("then-action") + 1)
assert _ATTRIBUTES[_SHAPE] == ("kind", "score", "symmetrical", "first-action", "then-action")

#: what those texts of a two-resource order say: a CIB spells its orders a handful of ways, so 20,000 orders
#: parse them once or twice
_TWO_RESOURCE_SHAPES: Dict[tuple, tuple] = {}


def _two_resource_shape(texts):
    """(kind, symmetrical, first action, then action, the inverse edge's first action (None: no inverse edge),
    its then action) of a two-resource order's (kind, score, symmetrical, first-action, then-action)
    ``texts``."""
    kind_text, score_text, symmetrical_text, first_text, then_text = texts
    attributes = {"kind": kind_text, "score": score_text, "symmetrical": symmetrical_text}
    kind = ordering_kind(attributes.get)
    symmetrical = ordering_symmetrical(attributes.get, kind)
    first_action = _action(first_text)
    then_action = _action(then_text) if then_text else first_action
    inverse = symmetrical and first_action in INVERSE_ACTION and then_action in INVERSE_ACTION
    return remember(_TWO_RESOURCE_SHAPES, texts, (
        kind, symmetrical, first_action, then_action,
        INVERSE_ACTION[then_action] if inverse else None, INVERSE_ACTION[first_action] if inverse else None))


def two_resource_order_edges(constraint, texts):
    """The edge (and its inverse when symmetrical) of a two-resource order, from its attribute ``texts``
    (``SIMPLE_ATTRIBUTES["order"]``)."""
    first, then = constraint.sides
    shape_texts = texts[_SHAPE]
    shape = _TWO_RESOURCE_SHAPES.get(shape_texts) or _two_resource_shape(shape_texts)  # (never empty)
    kind, symmetrical, first_action, then_action, inverse_first_action, inverse_then_action = shape
    via_child = constraint.via_child
    via = bool(via_child) and (first in via_child.values() or then in via_child.values())
    cid, element = constraint.id, constraint.element
    then_defaulted, first_defaulted = shape_texts[4] is None, shape_texts[3] is None
    forward = OrderEdge(first, first_action, then, then_action, kind, symmetrical, False, cid, "order", (),
                        True, then_defaulted, first_defaulted, via, None, element)
    if inverse_first_action is None:
        return [forward]
    return [forward, OrderEdge(then, inverse_first_action, first, inverse_then_action, kind, symmetrical, True,
                               cid, "order", (), True, then_defaulted, False, via, None, element)]


def _set_get(rset):
    element = rset.element
    overrides = {"action": rset.action, "kind": rset.kind}

    def get(name, default=None):
        if name in overrides:
            return overrides[name] if overrides[name] is not None else default
        if element is None:
            return default
        return element.get(name, default)
    return get


def _within_set(rset, parent_kind, parent_symmetrical, constraint, via):
    """``unpack_order_set``."""
    get = _set_get(rset)
    action = _action(rset.action)
    local_kind = ordering_kind(get, parent_kind) if rset.kind is not None else parent_kind
    if rset.element is not None:
        sequential_text = rset.element.get("sequential")
    else:  # a set converted from a tag (sequential="false") or a resource (no attribute)
        sequential_text = None if rset.sequential is None else str(rset.sequential).lower()
    sequential = True if sequential_text is None else bool(parse_bool(sequential_text, False))
    symmetrical = ordering_symmetrical(get, parent_kind, parent_symmetrical)
    members = rset.members
    if len(members) < 2:
        return []
    common = dict(constraint=constraint.id, element=constraint.element, origin="set", set_ids=(rset.id,))
    edges = []
    if local_kind == SERIALIZE:
        for i, first in enumerate(members):
            for then in members[i + 1:]:
                edges.append(OrderEdge(first, action, then, action, SERIALIZE, symmetrical,
                                       via_child=via(first, then), **common))
    elif sequential:
        for first, then in zip(members, members[1:]):
            edges.append(OrderEdge(first, action, then, action, local_kind, symmetrical,
                                   via_child=via(first, then), **common))
    if symmetrical and sequential and action in INVERSE_ACTION:
        inverse = INVERSE_ACTION[action]
        for first, then in zip(members, members[1:]):
            edges.append(OrderEdge(then, inverse, first, inverse, local_kind, symmetrical, inverse=True,
                                   via_child=via(first, then), **common))
    return edges


def _between_sets(set1, set2, kind, inverse, symmetrical, constraint, via):
    """``order_rsc_sets`` (``inverse``: the call Pacemaker makes with the sets swapped for symmetry)."""
    action_1, action_2 = _action(set1.action), _action(set2.action)
    if inverse:
        if action_1 not in INVERSE_ACTION or action_2 not in INVERSE_ACTION:
            return []
        action_1, action_2 = INVERSE_ACTION[action_1], INVERSE_ACTION[action_2]
    require_all = set1.require_all
    if action_1 in ("stop", "demote"):
        require_all = True  # "one or more" applies only while starting/promoting
    common = dict(constraint=constraint.id, element=constraint.element, origin="between-sets",
                  set_ids=(set1.id, set2.id), inverse=inverse)
    if not require_all:
        return [OrderEdge(a, action_1, b, action_2, kind, symmetrical, require_all=False,
                          via_child=via(a, b), **common)
                for a in set1.members for b in set2.members]
    # only an explicit sequential="true" narrows the endpoints (pcmk__xe_attr_is_true)
    if set1.sequential is True and set1.members:
        firsts = [set1.members[0] if inverse else set1.members[-1]]
    else:
        firsts = list(set1.members)
    if set2.sequential is True and set2.members:
        thens = [set2.members[-1] if inverse else set2.members[0]]
    else:
        thens = list(set2.members)
    return [OrderEdge(a, action_1, b, action_2, kind, symmetrical, via_child=via(a, b), **common)
            for a in firsts for b in thens]


# ------------------------------------------------------------------------------------------------------
# the action graph

Node = Tuple  # (rid, action) for a primitive, (rid, action, "begin"|"done") for a collective resource


class ActionGraph:
    """Order edges between action nodes, with the implicit edges of groups and clones, and path queries.

    Queries search from both ends at once, always widening the side that costs less, so a Filesystem
    ordered before 20,000 containers answers each container's query in constant time.
    """

    def __init__(self, resources, edges, group_ordered: Callable[[str], Tuple[Truth, Optional[str]]],
                 promotable: Callable[[str], Truth]):
        self.resources = resources
        # groups, clones and bundles in document order (the order their implicit edges are added in)
        collectives = [resource for resource in resources.values() if resource.kind != "primitive"]
        self._collective = {resource.id for resource in collectives}
        self.edges: List[OrderEdge] = []
        self._out: Dict[Node, List[Tuple[OrderEdge, Node]]] = defaultdict(list)
        self._in: Dict[Node, List[Tuple[OrderEdge, Node]]] = defaultdict(list)
        self._cache: Dict[tuple, Optional[List[OrderEdge]]] = {}
        collective, out, into = self._collective, self._out, self._in
        for edge in edges:  # _add, inlined: one call per explicit edge
            first, then = edge.first, edge.then
            a = (first, edge.first_action, "done") if first in collective else (first, edge.first_action)
            b = (then, edge.then_action, "begin") if then in collective else (then, edge.then_action)
            out[a].append((edge, b))
            into[b].append((edge, a))
        self.edges.extend(edges)
        self._structure(collectives, group_ordered, promotable)

    def begin(self, rid, action):
        return (rid, action, "begin") if rid in self._collective else (rid, action)

    def done(self, rid, action):
        return (rid, action, "done") if rid in self._collective else (rid, action)

    def _add(self, edge, a=None, b=None):
        self.edges.append(edge)
        a = a or self.done(edge.first, edge.first_action)
        b = b or self.begin(edge.then, edge.then_action)
        self._out[a].append((edge, b))
        self._in[b].append((edge, a))

    def _structure(self, collectives, group_ordered, promotable):
        for resource in collectives:
            if not resource.children:
                continue
            for member in resource.children:
                for action in INVERSE_ACTION:
                    # a collective's action contains its members': begin -> members -> done
                    self._add(OrderEdge(resource.id, action, member, action, origin="collective"),
                              self.begin(resource.id, action), self.begin(member, action))
                    self._add(OrderEdge(member, action, resource.id, action, origin="collective"),
                              self.done(member, action), self.done(resource.id, action))
            if resource.is_group:
                truth, condition = group_ordered(resource.id)
                if truth is Truth.FALSE:
                    continue
                cond = condition if truth is Truth.MAYBE else None
                members = resource.children
                for earlier, later in zip(members, members[1:]):
                    for action in ("start", "promote"):
                        self._add(OrderEdge(earlier, action, later, action, origin="group", condition=cond,
                                            constraint=None, set_ids=(resource.id,)))
                    for action in ("stop", "demote"):
                        self._add(OrderEdge(later, action, earlier, action, origin="group", condition=cond,
                                            constraint=None, set_ids=(resource.id,)))
            elif resource.is_clone and promotable(resource.id).possible:
                self._add(OrderEdge(resource.id, "start", resource.id, "promote", origin="promotable"))
                self._add(OrderEdge(resource.id, "demote", resource.id, "stop", origin="promotable"))
                for rid in self._primitives_under(resource.id):
                    self._add(OrderEdge(rid, "start", rid, "promote", origin="promotable"))
                    self._add(OrderEdge(rid, "demote", rid, "stop", origin="promotable"))

    def _primitives_under(self, rid):
        out, stack = [], [rid]
        while stack:
            current = self.resources[stack.pop()]
            if current.is_primitive:
                out.append(current.id)
            stack.extend(current.children)
        return out

    # -- queries

    def path(self, first: Tuple[str, str], then: Tuple[str, str], allowed: Callable[[OrderEdge], bool],
             key=None) -> Optional[List[OrderEdge]]:
        """Edges of a path from ``first`` (rid, action) having completed to ``then`` (rid, action) beginning,
        using only edges ``allowed`` accepts; None when there is none. ``key`` caches the answer."""
        cache_key = (first, then, key) if key is not None else None
        if cache_key is not None and cache_key in self._cache:
            return self._cache[cache_key]
        result = self._search(self.done(*first), self.begin(*then), allowed)
        if cache_key is not None:
            self._cache[cache_key] = result
        return result

    def search(self, first_rid, first_action, then_rid, then_action, allowed) -> Optional[List[OrderEdge]]:
        """:meth:`path` without a cache key, endpoints given apart (the model's per-container queries)."""
        return self._search(self.done(first_rid, first_action), self.begin(then_rid, then_action), allowed)

    def search_many(self, pairs, allowed) -> List[Optional[List[OrderEdge]]]:
        """:meth:`search` for each ``(first_rid, first_action, then_rid, then_action)`` of ``pairs``, in order
        (a stack's containers at once: when they share one end, that node's allowed direct edges are mapped once
        and a pair's direct edge is a lookup; anything else is searched)."""
        if not isinstance(pairs, (list, tuple)):
            pairs = list(pairs)
        collective, out_map, in_map, search = self._collective, self._out, self._in, self._search
        side, direct = self._shared_direct_edges(pairs, allowed)
        direct_get = direct.get
        results = []
        for pair in pairs:
            edge = direct_get(pair[side]) if direct else None
            if edge is not None:
                results.append([edge])
                continue
            first_rid, first_action, then_rid, then_action = pair
            source = (first_rid, first_action, "done") if first_rid in collective else (first_rid, first_action)
            target = (then_rid, then_action, "begin") if then_rid in collective else (then_rid, then_action)
            if source == target:
                results.append([])  # what _search answers, without the call
            elif not out_map.get(source) or not in_map.get(target):
                results.append(None)  # likewise
            else:
                results.append(search(source, target, allowed))
        return results

    def _shared_direct_edges(self, pairs, allowed):
        """(index of the other end's rid in a pair, {that rid: the first allowed edge between its node and the
        shared one}) when every pair of ``pairs`` has the same first node (then node) and the same then (first)
        action, and that node has about as many edges as there are pairs (else mapping them costs more than the
        lookups save); else ``(0, {})``.

        The first allowed edge is what :meth:`_search` answers first: the parallel edges of two nodes are in the
        same order in both adjacency lists."""
        if len(pairs) < 2:
            return 0, {}
        least, most = len(pairs) // 2, 2 * len(pairs) + 16
        first_rid, first_action, then_rid, then_action = pairs[0]
        source, target = self.done(first_rid, first_action), self.begin(then_rid, then_action)
        adjacency = self._out.get(source, ())
        if least <= len(adjacency) <= most and all(p[0] == first_rid and p[1] == first_action
                                                   and p[3] == then_action for p in pairs):
            side, shared, action, phase = 2, source, then_action, "begin"
        else:
            adjacency = self._in.get(target, ())
            if least <= len(adjacency) <= most and all(p[2] == then_rid and p[3] == then_action
                                                       and p[1] == first_action for p in pairs):
                side, shared, action, phase = 0, target, first_action, "done"
            else:
                return 0, {}
        direct = {}
        for edge, node in adjacency:
            rid = node[0]
            # the node a pair names: (rid, action) of a primitive, (rid, action, phase) of a collective resource
            # (only those have three parts); a pair whose ends are one node is left to the search (it answers [])
            if (rid not in direct and node[1] == action and (len(node) == 2 or node[2] == phase) and node != shared
                    and allowed(edge)):
                direct[rid] = edge
        return side, direct

    def _search(self, source, target, allowed):
        if source == target:
            return []
        outgoing, incoming = self._out.get(source), self._in.get(target)
        if not outgoing or not incoming:
            return None
        if len(outgoing) <= len(incoming):  # the common case: one direct edge (scan the shorter list)
            for edge, following in outgoing:
                if following == target and allowed(edge):
                    return [edge]
        else:
            for edge, previous in incoming:
                if previous == source and allowed(edge):
                    return [edge]
        forward = {source: None}
        backward = {target: None}
        f_front, b_front = [source], [target]

        def cost(front, adjacency):
            return sum(len(adjacency.get(node, ())) for node in front)

        while f_front and b_front:
            if cost(f_front, self._out) <= cost(b_front, self._in):
                next_front = []
                for node in f_front:
                    for edge, nxt in self._out.get(node, ()):
                        if nxt in forward or not allowed(edge):
                            continue
                        forward[nxt] = (node, edge)
                        if nxt in backward:
                            return self._join(forward, backward, nxt)
                        next_front.append(nxt)
                f_front = next_front
            else:
                next_front = []
                for node in b_front:
                    for edge, prev in self._in.get(node, ()):
                        if prev in backward or not allowed(edge):
                            continue
                        backward[prev] = (node, edge)
                        if prev in forward:
                            return self._join(forward, backward, prev)
                        next_front.append(prev)
                b_front = next_front
        return None

    @staticmethod
    def _join(forward, backward, meet):
        head, node = [], meet
        while forward[node] is not None:
            node, edge = forward[node]
            head.append(edge)
        head.reverse()
        node = meet
        while backward[node] is not None:
            node, edge = backward[node]
            head.append(edge)
        return head

    def edges_from(self, rid, action=None):
        """Order edges whose ``first`` is ``rid`` (any phase), optionally for one action."""
        out = []
        for phase_node in self._nodes_of(rid, action):
            out.extend(edge for edge, _ in self._out.get(phase_node, ()))
        return out

    def edges_to(self, rid, action=None):
        out = []
        for phase_node in self._nodes_of(rid, action):
            out.extend(edge for edge, _ in self._in.get(phase_node, ()))
        return out

    def _nodes_of(self, rid, action):
        actions = [action] if action else list(INVERSE_ACTION)
        nodes = []
        for act in actions:
            begin, done = self.begin(rid, act), self.done(rid, act)
            nodes.append(begin)
            if done != begin:
                nodes.append(done)
        return nodes
