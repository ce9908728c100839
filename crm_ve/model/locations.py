"""Cluster nodes and the nodes a location constraint bans a resource (or one of its roles) from.

Pacemaker Explained, "Deciding Which Nodes a Resource Can Run On" and "Rules": an ``rsc_location`` gives a
score on a ``node`` or, through ``rule`` elements, on every node where the rule passes; ``-INFINITY`` wins
over any other score, so one certain ``-INFINITY`` bans the node. ``role`` (on the constraint, the set or the
rule) limits it to that role; ``Started``/``Unpromoted`` locations affect every instance of a promotable clone,
``Promoted`` only which instance is promoted (docs/pacemaker-semantics.md §8). In a rule only ``#uname`` (and ``#id``,
the same on nodes made by the tools) is known from the configuration; every other node attribute, the date
and parameter references "may apply" (MAYBE).
"""
from typing import Dict, List, Optional, Tuple

from crm_ve.model.conditions import resolve_rule, walk_rule
from crm_ve.model.values import INFINITY, Role, Truth, parse_score


def read_nodes(nodes_section) -> Tuple[str, ...]:
    """The ``uname`` of every ``<node>`` (its ``id`` when it has none), in document order."""
    if nodes_section is None:
        return ()
    names = []
    for node in nodes_section:
        if isinstance(node.tag, str) and node.tag == "node":
            name = node.get("uname") or node.get("id")
            if name and name not in names:
                names.append(name)
    return tuple(names)


_NODE_NAME_ATTRIBUTES = ("#uname", "#id")


def _expression(expr, node) -> Truth:
    attribute, operation = expr.get("attribute"), (expr.get("operation") or "").lower()
    if attribute not in _NODE_NAME_ATTRIBUTES or expr.get("value-source") not in (None, "literal"):
        return Truth.MAYBE
    if operation == "defined":
        return Truth.TRUE          # every node has a name
    if operation == "not_defined":
        return Truth.FALSE
    if node is None or operation not in ("eq", "ne"):
        return Truth.MAYBE
    equal = node == expr.get("value")
    return Truth.of(equal if operation == "eq" else not equal)


def rule_truth_on_node(rule, node, index) -> Truth:
    """Truth of a location ``<rule>`` on ``node`` (None: a node we do not know)."""
    return walk_rule(rule, index, lambda child, tag: _leaf(child, tag, node))


def _leaf(child, tag, node):
    if tag == "expression":
        return _expression(child, node)
    if tag == "date_expression":
        return Truth.MAYBE
    return None


def _role_matches(location_role: Role, role: Role) -> bool:
    """Does a location with ``location_role`` keep ``rid`` out of ``role``? A ban of every instance (no role,
    Started, Unpromoted) keeps it out of every role; a Promoted ban only out of Promoted."""
    if location_role in (Role.ANY, Role.UNPROMOTED, Role.UNKNOWN):
        return True
    return location_role is role


def location_bans(constraint, rid, role: Role, nodes, index) -> Dict[Optional[str], Truth]:
    """For each of ``nodes`` (and None, "a node not listed"): the truth that ``constraint`` (an
    ``rsc_location`` naming ``rid``) bans ``rid`` there in ``role`` (-INFINITY)."""
    out: Dict[Optional[str], Truth] = {node: Truth.FALSE for node in tuple(nodes) + (None,)}
    if constraint.type != "location" or constraint.ignored:
        return out
    get = constraint.get
    if constraint.sets:
        roles = [s.role for s in constraint.sets if rid in s.members]
        if not roles:
            return out
    else:
        if rid not in constraint.resources:
            return out
        roles = [Role.parse(get("role"))]
    rules = [c for c in constraint.element if isinstance(c.tag, str) and c.tag == "rule"]
    for base_role in roles:
        if rules:
            for rule in rules:
                rule = resolve_rule(rule, index)
                if rule is None:  # 2.1.5 generate_location_rule: a reference to no rule adds nothing
                    continue
                rule_role = Role.parse(rule.get("role")) if rule.get("role") else base_role
                if not _role_matches(rule_role, role):
                    continue
                if rule.get("score-attribute") is not None or parse_score(rule.get("score")) > -INFINITY:
                    continue
                for node in out:
                    out[node] = out[node] | rule_truth_on_node(rule, node, index)
        elif get("node") is not None and parse_score(get("score")) <= -INFINITY and _role_matches(base_role, role):
            if get("node") in out:
                out[get("node")] = Truth.TRUE
    return out


def banned_everywhere(per_node: Dict[Optional[str], Truth], nodes) -> Truth:
    """Truth that every node is banned: every listed node, or (no nodes listed) any node at all."""
    keys: List[Optional[str]] = list(nodes) if nodes else [None]
    result = Truth.TRUE
    for node in keys:
        result = result & per_node.get(node, Truth.FALSE)
    return result
