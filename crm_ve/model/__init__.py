"""The model of a CIB: resources, constraints and the relations Pacemaker derives from them.

``build_model(document)`` is the one entry point; it follows docs/pacemaker-semantics.md §12 (resolve objects,
derive primitive relations). Rules ask the model the questions below. The records keep their XML element
(``.element``), and some rules still read it for what the model does not offer: the op's ``enabled`` flag (CV306),
the op and resource elements for the timeout fix (CV504), a constraint's attributes, ``rule`` children and sets
when it is rewritten or reported void (constraint_rewrite.py, CV203). The queries:

* ``model.resources[id]`` (:class:`Resource`: ``.id .kind .agent .params .line .parent .children .element``),
  ``model.top(id)``, ``model.ancestors(id)``, ``model.primitives_under(id)``, ``model.group_of(id)``;
* ``model.meta(id, name)`` -> :class:`MetaValue` (effective, every outcome of rules that may apply),
  ``model.meta_truth(id, name, default)``, ``model.promotable(id)`` -> :class:`Truth`,
  ``model.op_timeout(id, op_name, interval_ms=0, role=None)`` -> (milliseconds, where from);
* ``model.constraints`` (by id), ``model.constraints_naming(id, type=None)`` (indexed), ``model.order_edges``,
  ``model.colocation_edges`` (every edge, ignored ones flagged), ``model.orders_from/orders_to(id, action)``,
  ``model.colocations_of(dependent)``, ``model.colocations_with(primary)``;
* ``model.order_path((A, action), (B, action), ...)``, ``model.has_mandatory_order_path(...)``,
  ``model.colocation_path(dependent, primary, role, ...)``;
* ``model.nodes``, ``model.banned_nodes(id, role)`` (location bans per node), ``model.cluster_option(name)``;
* ``model.stacks(workload_agents)`` -> :class:`Stacks` (which container sits on which Filesystem on which
  DRBD clone, and why); ``model.vocabulary`` (role names and spellings the CIB's schema accepts).
"""
import array
import bisect
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

from lxml import etree

from crm_ve.model.colocations import (SAME_NODE_ATTRIBUTES, ColocationEdge, PlacementGraph,
                                      constraint_colocation_edges, two_resource_colocation_edge)
from crm_ve.errors import InputError
from crm_ve.model.conditions import RuleContext, rule_reference_cycle
from crm_ve.model.constraints import (CONSTRAINT_TAGS, RSC_ROLE, SIMPLE_ATTRIBUTES, WITH_RSC_ROLE, Constraint,
                                      Resolver, ResourceSet, read_constraint, read_simple_constraint,
                                      simple_attribute_texts)
from crm_ve.model.locations import banned_everywhere, location_bans, read_nodes
from crm_ve.model.nvsets import Candidate, MetaValue, candidates_from, read_blocks
from crm_ve.model.orders import (MANDATORY, OPTIONAL, SERIALIZE, ActionGraph, OrderEdge, constraint_order_edges,
                                 two_resource_order_edges)
from crm_ve.model.primitive_shapes import PrimitiveShapes
from crm_ve.model.resources import Operation, Resource, own_op_timeout, read_resources, read_tags
from crm_ve.model.stacks import Stack, Stacks, Tie, recognise
from crm_ve.model.values import DEFAULT_OP_TIMEOUT_MS, INFINITY, Role, Truth, parse_bool, parse_count, parse_timeout_ms
from crm_ve.model.vocabulary import Vocabulary

__all__ = [
    "build_model", "CibModel", "Resource", "Operation", "Constraint", "ResourceSet", "OrderEdge",
    "ColocationEdge", "MetaValue", "Candidate", "Role", "Truth", "INFINITY", "MANDATORY", "OPTIONAL",
    "SERIALIZE", "Stack", "Stacks", "Tie", "Vocabulary",
]


_COLOCATION_SCORE = SIMPLE_ATTRIBUTES["colocation"].index("score")

#: the constraint types :class:`CibModel` indexes by resource while it reads them (the others on first use)
_EAGERLY_INDEXED_TYPES = ("location", "ticket")

_ALL_IDS = etree.XPath("descendant-or-self::*/@id", smart_strings=False)
_HAS_ID = etree.XPath("boolean(descendant-or-self::*[@id = $key])")


class ElementIndex:
    """Every element of the configuration with an ``id``, by id (first one wins), built on first use: only
    ``id-ref`` resolution and new-id allocation need it."""

    def __init__(self, configuration):
        self._configuration = configuration
        self._map = None
        self._ids = None

    def _build(self):
        if self._map is None:
            self._map = {}
            for element in self._configuration.iter():
                if isinstance(element.tag, str):
                    eid = element.get("id")
                    if eid is not None and eid not in self._map:
                        self._map[eid] = element
        return self._map

    def get(self, key, default=None):
        return self._build().get(key, default)

    def __getitem__(self, key):
        return self._build()[key]

    def __contains__(self, key):
        # new-id allocation only asks whether an id is taken: a sorted array of the ids' hashes (8 bytes an id,
        # from one XPath) answers "no" without the element map; a matching hash is confirmed on the tree
        if self._map is not None:
            return key in self._map
        if not isinstance(key, str):
            return False
        if self._ids is None:
            self._ids = array.array("q", sorted(hash(eid) for eid in _ALL_IDS(self._configuration)))
        digest = hash(key)
        position = bisect.bisect_left(self._ids, digest)
        if position == len(self._ids) or self._ids[position] != digest:
            return False
        return bool(_HAS_ID(self._configuration, key=key))

    def __iter__(self):
        return iter(self._build())

    def __len__(self):
        return len(self._build())


class CibModel:
    """Everything rules need to know about one CIB, indexed by id. Relations are derived once; path
    closures are computed on demand and cached."""

    def __init__(self, document):
        self.document = document
        configuration = document.configuration
        self.index = ElementIndex(configuration)
        _refuse_rule_cycles(document, self.index)
        resources_section = configuration.find("resources")
        #: primitives' meta and op shapes read in the background once a rule starts it (CV504's prepare); only
        #: for an input without character references (see primitive_shapes)
        self.primitive_shapes = PrimitiveShapes(document if document.character_references is False
                                                and resources_section is not None else None)
        self.resources, self._template_elements = read_resources(resources_section, self.index,
                                                                 self.primitive_shapes)
        self.tags = read_tags(configuration.find("tags"))
        self.templates = {tid: [r.id for r in self.resources.values() if r.template == tid]
                          for tid in self._template_elements}
        self._rsc_defaults = read_blocks(_children(configuration.find("rsc_defaults")), "meta_attributes",
                                         self.index)
        self._op_defaults = read_blocks(_children(configuration.find("op_defaults")), "meta_attributes",
                                        self.index)
        self._meta_cache: Dict[Tuple[str, str], MetaValue] = {}
        self._promotable: Dict[str, Truth] = {}
        self._crm_config = read_blocks(_children(configuration.find("crm_config")), "cluster_property_set",
                                       self.index)
        self.nodes: Tuple[str, ...] = read_nodes(configuration.find("nodes"))

        resolver = Resolver(self.resources, self._template_elements, self.tags)
        constraint_list: List[Constraint] = []
        constraints: Dict[str, Constraint] = {}
        naming: Dict[str, List[Constraint]] = defaultdict(list)
        # type -> resource id -> constraints (no (id, type) tuple to build and hash per entry); the few
        # locations and tickets are indexed here, the many orders and colocations when first asked for
        naming_by_type: Dict[str, Dict[str, List[Constraint]]] = {t: defaultdict(list)
                                                                 for t in _EAGERLY_INDEXED_TYPES}
        order_edges: List[OrderEdge] = []
        colocation_edges: List[ColocationEdge] = []
        uses_new = False
        anti_colocation: Dict[int, bool] = {}
        constraints_section = configuration.find("constraints")
        promotable, index, tag_types = self.promotable, self.index, CONSTRAINT_TAGS
        new_roles = ("Promoted", "Unpromoted")
        # one pass: each element's attributes are read once (every lxml .get() makes proxies), and its edges
        # and index entries are derived from them right away
        for element in (constraints_section if constraints_section is not None else ()):
            ctype = tag_types.get(element.tag)  # comments and processing instructions are in no map
            if ctype is None:
                continue
            constraint = texts = None
            if (ctype == "order" or ctype == "colocation") and not len(element):  # no resource sets
                texts = simple_attribute_texts(element, ctype)
                constraint = read_simple_constraint(element, ctype, texts, resolver)
            if constraint is None:
                constraint = read_constraint(element, resolver, index)
                texts = None
            constraint_list.append(constraint)
            cid = constraint.id
            if cid is not None and cid not in constraints:
                constraints[cid] = constraint
            for rid in constraint.resources:
                naming[rid].append(constraint)
            if texts is not None:  # a two-resource order or colocation (SIMPLE_ATTRIBUTES texts)
                if ctype == "order":
                    order_edges.extend(two_resource_order_edges(constraint, texts))
                else:
                    edge = two_resource_colocation_edge(constraint, promotable, texts)
                    colocation_edges.append(edge)
                    # stacks._anti_colocation of a two-resource colocation, from the score its edge parsed
                    anti_colocation[id(constraint)] = texts[_COLOCATION_SCORE] is not None and edge.score < 0
                if not uses_new:
                    uses_new = texts[WITH_RSC_ROLE] in new_roles or texts[RSC_ROLE] in new_roles
                continue
            get = element.get
            if ctype == "order":
                order_edges.extend(constraint_order_edges(constraint))
            elif ctype == "colocation":
                edges = constraint_colocation_edges(constraint, promotable)
                colocation_edges.extend(edges)
                if edges and not constraint.sets:
                    anti_colocation[id(constraint)] = get("score") is not None and edges[0].score < 0
            else:
                of_type = naming_by_type[ctype]
                for rid in constraint.resources:
                    of_type[rid].append(constraint)
            if not uses_new:
                uses_new = get("with-rsc-role") in new_roles or get("rsc-role") in new_roles
        self.constraint_list = constraint_list
        self.constraints = constraints
        self._naming = naming
        self._naming_by_type = naming_by_type
        self.order_edges = order_edges
        self.colocation_edges = colocation_edges
        #: id(constraint) -> the two-resource colocation keeps its resources apart (negative score)
        self._anti_colocation = anti_colocation
        self._action_graph: Optional[ActionGraph] = None
        self._placement_graph: Optional[PlacementGraph] = None
        self._stacks: Dict[tuple, Stacks] = {}
        self._order_filters: Dict[tuple, object] = {}
        self._colocation_filters: Dict[tuple, object] = {}
        self._colocations_with: Optional[Dict[str, List[ColocationEdge]]] = None
        self.vocabulary = Vocabulary(document.validate_with, uses_new)

    # -- resources

    def resource(self, rid) -> Optional[Resource]:
        return self.resources.get(rid)

    def ancestors(self, rid) -> List[str]:
        """The groups/clones containing ``rid``, innermost first."""
        out = []
        parent = self.resources[rid].parent
        while parent is not None:
            out.append(parent)
            parent = self.resources[parent].parent
        return out

    def top(self, rid) -> str:
        """The outermost resource containing ``rid`` (itself when top-level): what constraints should name."""
        chain = self.ancestors(rid)
        return chain[-1] if chain else rid

    def group_of(self, rid) -> Optional[str]:
        parent = self.resources[rid].parent
        return parent if parent is not None and self.resources[parent].is_group else None

    def clone_of(self, rid) -> Optional[str]:
        for ancestor in self.ancestors(rid):
            if self.resources[ancestor].is_clone:
                return ancestor
        return None

    def primitives_under(self, rid) -> List[str]:
        """Primitives in ``rid`` (itself for a primitive), in document order."""
        resource = self.resources[rid]
        if resource.is_primitive:
            return [rid]
        return [p for child in resource.children for p in self.primitives_under(child)]

    def is_agent(self, rid, type_name) -> bool:
        resource = self.resources.get(rid)
        return resource is not None and resource.is_primitive and resource.type == type_name

    # -- meta attributes (docs/pacemaker-semantics.md §7.2; 2.1.5 get_meta_attributes)

    def meta(self, rid, name) -> MetaValue:
        """The effective meta attribute: own blocks, then every ancestor's own blocks (innermost first), then
        ``rsc_defaults`` (rules evaluated for this resource), then the parent's effective value."""
        key = (rid, name)
        if key in self._meta_cache:
            return self._meta_cache[key]
        candidates: List[Candidate] = []
        resource = self.resources[rid]
        ctx = resource.rule_context
        done = candidates_from(resource.meta_blocks, name, ctx, self.index, candidates)
        for ancestor in ([] if done else self.ancestors(rid)):
            if candidates_from(self.resources[ancestor].meta_blocks, name, ctx, self.index, candidates):
                done = True
                break
        if not done:
            done = candidates_from(self._rsc_defaults, name, ctx, self.index, candidates)
        if not done and resource.parent is not None:
            for candidate in self.meta(resource.parent, name).candidates:
                if candidate not in candidates:
                    candidates.append(candidate)
        value = MetaValue(name, tuple(candidates))
        self._meta_cache[key] = value
        return value

    def meta_truth(self, rid, name, default) -> Truth:
        """Truth that boolean meta ``name`` is true, over every outcome (``default`` when unset)."""
        value = self.meta(rid, name)
        return value.truth(lambda v: parse_bool(v, default) if isinstance(v, str) else v, default=default)

    def promotable(self, rid) -> Truth:
        """Can ``rid`` have a Promoted role: a ``<master>``, a clone with effective ``promotable=true``, a
        bundle with ``promoted-max``/``master-max`` > 0, or anything inside one of them (asked per colocation
        role and per stack: remembered, as the meta values it derives from are)."""
        known = self._promotable.get(rid)
        if known is None:
            known = self._promotable[rid] = self._promotable_of(rid)
        return known

    def _promotable_of(self, rid) -> Truth:
        resource = self.resources.get(rid)
        if resource is None:
            return Truth.FALSE
        for current in [rid] + self.ancestors(rid):
            kind = self.resources[current].kind
            if kind == "master":
                return Truth.TRUE
            if kind == "clone":
                return self.meta_truth(current, "promotable", False)
            if kind == "bundle":
                bundle = self.resources[current].element
                # 2.1.5 pe__unpack_bundle: promoted-max, else the deprecated masters, as pcmk__scan_min_int
                counts = [parse_count(c.get("promoted-max") if c.get("promoted-max") is not None else c.get("masters"))
                          for c in bundle if isinstance(c.tag, str) and c.tag in ("docker", "podman", "rkt")]
                if any(count > 0 for count in counts):
                    return Truth.TRUE
                # meta promotable=true on the bundle is passed to its implicit clone (regression test
                # bundle-interleave-promote)
                return self.meta_truth(current, "promotable", False)
        return Truth.FALSE

    def _bool_meta_condition(self, rid, name, default):
        truth = self.meta_truth(rid, name, default)
        value = self.meta(rid, name)
        condition = None
        if truth is Truth.MAYBE:
            condition = f"{name} depends on " + (", ".join(value.conditions) or "a rule")
        return truth, condition

    def group_ordered(self, gid):
        """(Truth, condition text) that group ``gid`` orders its members (meta ``ordered``, default true)."""
        return self._bool_meta_condition(gid, "ordered", True)

    def group_collocated(self, gid):
        return self._bool_meta_condition(gid, "collocated", True)

    def cluster_option(self, name) -> MetaValue:
        """A cluster option from ``crm_config`` (``maintenance-mode``, ``stonith-enabled``...), every outcome of
        rules that may apply; unset when no ``cluster_property_set`` names it (Pacemaker's default applies)."""
        candidates: List[Candidate] = []
        candidates_from(self._crm_config, name, RuleContext(), self.index, candidates)
        return MetaValue(name, tuple(candidates))

    # -- operations

    def operations(self, rid) -> Tuple[Operation, ...]:
        return self.resources[rid].operations

    def op_timeout(self, rid, name, interval_ms=0, role=None):
        """(timeout in ms, where it comes from) of operation ``name``: the op's own timeout, then
        ``op_defaults`` (rules with op/rsc expressions evaluated; one that may apply counts), then 20 s."""
        role = Role.parse(role) if isinstance(role, str) else role
        own = own_op_timeout(self.resources[rid].operations, name, interval_ms, role)
        if own is not None:
            return own[0], f"op {own[1].id or name}"
        return self.default_op_timeout(rid, name, interval_ms)

    def default_op_timeout(self, rid, name, interval_ms=0):
        """(timeout in ms, where it comes from) of operation ``name`` when the op sets none itself:
        ``op_defaults`` (rules evaluated for this resource and op), else Pacemaker's 20 s."""
        resource = self.resources[rid]
        ctx = RuleContext(resource.standard, resource.provider, resource.type, name, interval_ms or 0)
        candidates: List[Candidate] = []
        candidates_from(self._op_defaults, "timeout", ctx, self.index, candidates)
        if candidates:
            return parse_timeout_ms(candidates[0].value), f"op_defaults ({candidates[0].source})"
        return DEFAULT_OP_TIMEOUT_MS, "Pacemaker's default (20s)"

    # -- constraints and edges

    def constraints_naming(self, rid, type=None) -> List[Constraint]:
        """Constraints (not ignored) that name ``rid`` after resolution (tags expanded, clone children
        mapped to their clone); only those of ``type`` (``order``, ``colocation``, ``location``, ``ticket``)
        when given - indexed, so asking for a Filesystem's locations does not walk its 20,000 colocations."""
        if type is not None:
            of_type = self._naming_by_type.get(type)
            if of_type is None:
                if type not in CONSTRAINT_TAGS.values():
                    return []
                of_type = self._naming_by_type[type] = self._index_naming(type)
            return of_type.get(rid, [])
        return self._naming.get(rid, [])

    def _index_naming(self, type) -> Dict[str, List[Constraint]]:
        """Resource id -> the constraints of ``type`` naming it, in document order."""
        of_type: Dict[str, List[Constraint]] = defaultdict(list)
        for constraint in self.constraint_list:
            if constraint.type == type:
                for rid in constraint.resources:
                    of_type[rid].append(constraint)
        return of_type

    @property
    def action_graph(self) -> ActionGraph:
        if self._action_graph is None:
            self._action_graph = ActionGraph(self.resources, self.order_edges, self.group_ordered,
                                             self.promotable)
        return self._action_graph

    @property
    def placement_graph(self) -> PlacementGraph:
        if self._placement_graph is None:
            self._placement_graph = PlacementGraph(self.resources, self.colocation_edges, self.group_collocated)
        return self._placement_graph

    def orders_from(self, rid, action=None) -> List[OrderEdge]:
        return [e for e in self.action_graph.edges_from(rid, action) if e.explicit]

    def orders_to(self, rid, action=None) -> List[OrderEdge]:
        return [e for e in self.action_graph.edges_to(rid, action) if e.explicit]

    def colocations_of(self, dependent) -> List[ColocationEdge]:
        """Explicit colocation edges whose dependent is ``dependent``."""
        return self.placement_graph.edges_of(dependent)

    def colocations_with(self, primary) -> List[ColocationEdge]:
        if self._colocations_with is None:
            index = defaultdict(list)
            for edge in self.colocation_edges:
                index[edge.primary].append(edge)
            self._colocations_with = index
        return self._colocations_with.get(primary, [])

    def order_path(self, first, then, kinds=(MANDATORY,), allow_or=False, conditional=False,
                   inverse=True) -> Optional[List[OrderEdge]]:
        """The edges of a path by which ``then`` = (rid, action) waits for ``first`` = (rid, action), through
        chains, groups and clones; None when there is none.

        :param kinds: order kinds an explicit edge may have (Mandatory only: the default).
        :param allow_or: accept edges out of a ``require-all=false`` set (then waits for any one member).
        :param conditional: accept edges that exist only if a rule that may apply does (default: no, the
            worse outcome for a required order).
        :param inverse: accept edges generated by symmetrical orders.
        """
        allowed, graph = self._order_query(kinds, allow_or, conditional, inverse)
        return graph.search(first[0], first[1], then[0], then[1], allowed)

    def order_paths(self, pairs, kinds=(MANDATORY,), allow_or=False, conditional=False,
                    inverse=True) -> List[Optional[List[OrderEdge]]]:
        """:meth:`order_path` for each ``(first_rid, first_action, then_rid, then_action)`` of ``pairs``, in
        order: the same answers, asked at once (one call for a stack's containers)."""
        allowed, graph = self._order_query(kinds, allow_or, conditional, inverse)
        return graph.search_many(pairs, allowed)

    def _order_query(self, kinds, allow_or, conditional, inverse):
        """(edge filter, action graph) of an order query."""
        key = (kinds if type(kinds) is tuple else tuple(kinds), allow_or, conditional, inverse)
        allowed = self._order_filters.get(key)
        if allowed is None:
            allowed = self._order_filters[key] = _order_filter(*key)
        graph = self._action_graph if self._action_graph is not None else self.action_graph
        return allowed, graph

    def has_mandatory_order_path(self, first, then) -> bool:
        """``then`` (rid, action) can never run before ``first`` (rid, action) completed: a path of Mandatory
        edges (DRBD -> LVM -> Filesystem -> container is as good as direct; an order before a group's start
        applies to all its members, after it waits for all of them)."""
        return self.order_path(first, then) is not None

    def colocation_path(self, dependent, primary, role=None, min_score=INFINITY, include_ignored=False,
                        conditional=False, dependent_role=Role.ANY,
                        same_node=True) -> Optional[List[ColocationEdge]]:
        """The edges by which ``dependent`` is placed with ``primary`` (in ``role``: a :class:`Role`, its name,
        or None for any role), dependent -> primary only (``B with A`` does not place A with B); None when
        there is none.

        :param min_score: the least score every explicit edge must have (INFINITY: mandatory placement).
        :param include_ignored: accept edges Pacemaker ignores (score 0, void role) - for diagnosis.
        :param conditional: accept edges that exist only if a rule that may apply does.
        :param same_node: require edges to mean the same node (no ``node-attribute`` other than ``#uname``).
        """
        role, allowed, key, graph = self._colocation_query(role, min_score, include_ignored, conditional, same_node)
        return graph.path(dependent, primary, role, allowed, dependent_role, key=key)

    def colocation_paths(self, pairs, role=None, min_score=INFINITY, include_ignored=False, conditional=False,
                         dependent_role=Role.ANY, same_node=True) -> List[Optional[List[ColocationEdge]]]:
        """:meth:`colocation_path` for each ``(dependent, primary)`` of ``pairs``, in order: the same answers,
        asked at once (one call for a stack's containers)."""
        role, allowed, key, graph = self._colocation_query(role, min_score, include_ignored, conditional, same_node)
        return graph.paths(pairs, role, allowed, dependent_role, key=key)

    def _colocation_query(self, role, min_score, include_ignored, conditional, same_node):
        """(primary role or None for any, edge filter, cache key, placement graph) of a colocation query."""
        if isinstance(role, str):
            role = Role.parse(role)
        if role is Role.ANY:
            role = None
        key = (min_score, include_ignored, conditional, same_node)
        allowed = self._colocation_filters.get(key)
        if allowed is None:
            allowed = self._colocation_filters[key] = _colocation_filter(*key)
        graph = self._placement_graph if self._placement_graph is not None else self.placement_graph
        return role, allowed, key, graph

    def banned_nodes(self, rid, role=Role.ANY):
        """Where location constraints keep ``rid`` out of ``role`` (-INFINITY; a ban of every instance counts
        for every role): ``({node: Truth}, Truth banned on every node, constraint ids)``; the node None stands
        for a node the CIB does not list (decides when it lists none)."""
        role = Role.parse(role) if isinstance(role, str) else role
        per_node = {node: Truth.FALSE for node in self.nodes + (None,)}
        responsible = []
        for constraint in self.constraints_naming(rid, "location"):
            bans = location_bans(constraint, rid, role, self.nodes, self.index)
            if any(truth.possible for truth in bans.values()):
                responsible.append(constraint.id)
            for node, truth in bans.items():
                per_node[node] = per_node[node] | truth
        return per_node, banned_everywhere(per_node, self.nodes), tuple(responsible)

    # -- stacks

    def stacks(self, workload_agents=()) -> Stacks:
        """Stack recognition (docs/rule-catalogue.md#which-container-sits-on-which-storage) for these workload
        agents (records with ``.spec`` and ``.dump_parameter``, or ``class:provider:type`` strings); cached per set
        of agents."""
        key = tuple(sorted(a if isinstance(a, str) else f"{a.spec}|{getattr(a, 'dump_parameter', None)}"
                           for a in workload_agents))
        if key not in self._stacks:
            self._stacks[key] = recognise(self, workload_agents)
        return self._stacks[key]


def _order_filter(kinds, allow_or, conditional, inverse):
    def allowed(edge):
        if edge.explicit and edge.kind not in kinds:
            return False
        if not edge.require_all and not allow_or:
            return False
        if edge.condition is not None and not conditional:
            return False
        return inverse or not edge.inverse
    return allowed


def _colocation_filter(min_score, include_ignored, conditional, same_node):
    def allowed(edge):
        if edge.condition is not None and not conditional:
            return False
        if not edge.explicit:
            return True
        if edge.ignored is not None:
            return include_ignored and edge.score >= 0
        if edge.score < min_score or edge.score <= 0:
            return False
        return not same_node or edge.node_attribute in SAME_NODE_ATTRIBUTES  # edge.same_node, without the call
    return allowed


def _refuse_rule_cycles(document, index):
    """Raise InputError (exit 2, one line) when rules refer to each other in a cycle: Pacemaker cannot load
    such a configuration (it recurses until it crashes), so nothing about it can be checked."""
    cycle = rule_reference_cycle(document.configuration, index)
    if cycle is not None:
        reference, ids = cycle
        shown = [repr(rid if len(rid) <= 60 else rid[:60] + "...") for rid in ids]
        line = document.source_line(reference.sourceline) or reference.sourceline
        raise InputError(
            f"{document.name}:{line}: rule {shown[0]} refers to itself through id-ref ({' -> '.join(shown)}): "
            "Pacemaker follows such references without end and crashes (crm_verify: segmentation fault)")


def _children(element):
    return [] if element is None else [c for c in element if isinstance(c.tag, str)]


def build_model(document) -> CibModel:
    """The model of one parsed CIB (:class:`crm_ve.reader.CibDocument`)."""
    return CibModel(document)
