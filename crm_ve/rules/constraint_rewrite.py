"""Re-create a constraint with some ids, roles or actions changed, as ``crm configure ...`` and ``pcs ...`` commands.

The structure rules (CV201 a clone's child named instead of the clone, CV202 a group member instead of the
group, CV203 a role or action that can never apply, CV204 a misspelt id) fix a constraint by deleting it and
adding it again, changed, under the same id: the other attributes (kind, score, symmetrical, node-attribute,
loss-policy, resource-discovery, rules) are kept as written. Supported, in both tools' syntax:

* two-resource ``rsc_order``, ``rsc_colocation``, ``rsc_ticket``, ``rsc_location`` (``node`` and ``score``,
  or rules of node-attribute expressions and ``date gt|lt|in_range``);
* ``rsc_order`` and ``rsc_colocation`` resource sets (crmsh brackets: ``( ... sequential=true )`` keeps every
  set a set of its own, which matters for colocation sets, docs/pacemaker-semantics.md §4.3).

Anything else (nested rules, ``date_spec``, ``score-attribute``, ``rsc-pattern``, set-level ``kind`` or
``score``, ``influence``) is not rewritten: :func:`rewrite` returns None and the finding says what to change.
pcs writes both actions of an order (an omitted then-action defaults to the first-action in Pacemaker, so the
pcs form spells that default out).
"""
from typing import Dict, Optional

from crm_ve import command_words
from crm_ve.command_words import (crm_literal, crm_name, crm_node, pcs_arg, pcs_id, pcs_rule_value, pcs_ticket,
                                  pcs_value)
from crm_ve.findings import Fix
from crm_ve.model import Role
from crm_ve.model.values import format_score, format_score_xml, parse_score
from crm_ve.rules.chain_fixes import crm_delete, pcs_delete

#: attributes each two-resource constraint may carry that the renderers understand
_KNOWN = {
    "order": {"id", "first", "then", "first-action", "then-action", "kind", "score", "symmetrical"},
    "colocation": {"id", "rsc", "with-rsc", "rsc-role", "with-rsc-role", "score", "node-attribute"},
    "ticket": {"id", "ticket", "rsc", "rsc-role", "loss-policy"},
    "location": {"id", "rsc", "node", "score", "role", "resource-discovery"},
}
_KNOWN_SET = {"order": {"id", "sequential", "require-all", "action"},
              "colocation": {"id", "sequential", "role"}}


class Unsupported(Exception):
    """The constraint has a form the renderers do not write."""


def _role_text(role_text):
    """A role as written in the CIB, or None for "any role" (no role, ``Started``)."""
    if role_text is None or Role.parse(role_text) is Role.ANY:
        return None
    return role_text


def _pcs_role(role_text):
    role = Role.parse(role_text) if role_text else Role.ANY
    if role is Role.PROMOTED:
        return "promoted"
    if role is Role.UNPROMOTED:
        return "unpromoted"
    if role is Role.ANY:
        return None
    raise Unsupported(f"role {role_text}")


def _order_kind(attrs):
    kind = attrs.get("kind")
    if kind is not None:
        return kind[:1].upper() + kind[1:].lower()
    if attrs.get("score") is not None:
        return "Optional" if parse_score(attrs["score"]) == 0 else "Mandatory"
    return "Mandatory"


# -------------------------------------------------------------------------------------------- rules

class _Text(str):
    """A word of a rule taken from the CIB as it is (an attribute name, a value, a date), not syntax."""


_BINARY = {"lt", "gt", "lte", "gte", "eq", "ne"}
_TYPES = {"string", "number", "version", "integer"}


def _expression_words(expr):
    """(crm words, pcs words) of one expression element."""
    if expr.tag == "expression":
        attribute, operation = expr.get("attribute"), expr.get("operation")
        if attribute is None or operation is None or expr.get("value-source") not in (None, "literal"):
            raise Unsupported("expression")
        if operation in ("defined", "not_defined"):
            words = [operation, _Text(attribute)]
            return words, words
        if expr.get("value") is None or operation not in _BINARY or expr.get("type") not in _TYPES | {None}:
            raise Unsupported("expression")
        typed = [expr.get("type")] if expr.get("type") else []
        words = [_Text(attribute), operation] + typed + [_Text(expr.get("value"))]
        return words, words
    if expr.tag == "date_expression":
        operation = expr.get("operation")
        start, end = _Text(expr.get("start") or ""), _Text(expr.get("end") or "")
        if operation == "gt" and start:
            return ["date", "gt", start], ["date", "gt", start]
        if operation == "lt" and end:
            return ["date", "lt", end], ["date", "lt", end]
        if operation == "in_range" and start and end:
            return (["date", "in", _Text(f"start={start}"), _Text(f"end={end}")],
                    ["date", "in_range", start, "to", end])
    raise Unsupported(expr.tag)


def _rule_words(rule, index):
    """(crm words after the score, pcs words, role text, score) of one location ``<rule>``."""
    if rule.get("id-ref") is not None:
        rule = index.get(rule.get("id-ref"))
        if rule is None:
            raise Unsupported("dangling rule reference")
    if rule.get("score-attribute") is not None or rule.get("score") is None:
        raise Unsupported("rule without a score")
    joiner = (rule.get("boolean-op") or "and").lower()
    if joiner not in ("and", "or"):
        raise Unsupported(f"boolean-op {joiner}")
    crm, pcs = [], []
    for child in rule:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "rule":
            raise Unsupported("nested rule")
        c, p = _expression_words(child)
        if crm:
            crm.append(joiner)
            pcs.append(joiner)
        crm.extend(c)
        pcs.extend(p)
    if not crm:
        raise Unsupported("empty rule")
    return crm, pcs, _role_text(rule.get("role")), parse_score(rule.get("score"))


# ------------------------------------------------------------------------------------ two resources

def _check_two_resource(kind, attrs):
    unknown = set(attrs) - _KNOWN[kind]
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))


def _crm_option(attrs, name):
    """``[name=value]`` of an attribute kept as written, for crmsh."""
    return [f"{name}={crm_name(attrs[name], name)}"] if name in attrs else []


def _pcs_option(attrs, name):
    return [f"{name}={pcs_value(attrs[name], name)}"] if name in attrs else []


def _crm_ref(rid, suffix, what="resource"):
    return crm_name(rid, what) + (f":{crm_name(suffix, 'role or action')}" if suffix else "")


def _crm_two_resource(constraint, attrs, index):
    cid, kind = crm_name(attrs["id"], "constraint id"), constraint.type
    if kind == "order":
        crm_kind = crm_name(attrs["kind"], "kind") if attrs.get("kind") else (
            format_score(parse_score(attrs["score"])) if "score" in attrs else "Mandatory")
        return [["crm", "configure", "order", cid, f"{crm_kind}:",
                 _crm_ref(attrs["first"], attrs.get("first-action")), _crm_ref(attrs["then"], attrs.get("then-action"))]
                + _crm_option(attrs, "symmetrical")]
    if kind == "colocation":
        score = parse_score(attrs.get("score"))
        return [["crm", "configure", "colocation", cid, f"{format_score(score)}:",
                 _crm_ref(attrs["rsc"], _role_text(attrs.get("rsc-role"))),
                 _crm_ref(attrs["with-rsc"], _role_text(attrs.get("with-rsc-role")))]
                + _crm_option(attrs, "node-attribute")]
    if kind == "ticket":
        return [["crm", "configure", "rsc_ticket", cid, f"{crm_name(attrs['ticket'], 'ticket')}:",
                 _crm_ref(attrs["rsc"], _role_text(attrs.get("rsc-role")))] + _crm_option(attrs, "loss-policy")]
    return _crm_location(constraint, attrs, index)


def _pcs_two_resource(constraint, attrs, index):
    cid, kind = pcs_id(attrs["id"], "constraint id"), constraint.type
    if kind == "order":
        first_action = attrs.get("first-action") or "start"
        then_action = attrs.get("then-action") or first_action
        return [["pcs", "constraint", "order", pcs_arg(first_action, "action"), pcs_id(attrs["first"], "resource"),
                 "then", pcs_arg(then_action, "action"), pcs_id(attrs["then"], "resource"),
                 f"kind={pcs_value(_order_kind(attrs), 'kind')}"] + _pcs_option(attrs, "symmetrical") + [f"id={cid}"]]
    if kind == "colocation":
        score = parse_score(attrs.get("score"))
        dep_kw, pri_kw = _pcs_role(_role_text(attrs.get("rsc-role"))), _pcs_role(_role_text(attrs.get("with-rsc-role")))
        return [["pcs", "constraint", "colocation", "add"] + ([dep_kw] if dep_kw else [])
                + [pcs_id(attrs["rsc"], "resource"), "with"] + ([pri_kw] if pri_kw else [])
                + [pcs_id(attrs["with-rsc"], "resource"), format_score_xml(score)]
                + _pcs_option(attrs, "node-attribute") + [f"id={cid}"]]
    if kind == "ticket":
        keyword = _pcs_role(_role_text(attrs.get("rsc-role")))
        return [["pcs", "constraint", "ticket", "add", pcs_ticket(attrs["ticket"])] + ([keyword] if keyword else [])
                + [pcs_id(attrs["rsc"], "resource")] + _pcs_option(attrs, "loss-policy") + [f"id={cid}"]]
    return _pcs_location(constraint, attrs, index)


def _rules(constraint):
    return [c for c in constraint.element if isinstance(c.tag, str) and c.tag == "rule"]


def _crm_location(constraint, attrs, index):
    rules = _rules(constraint)
    role = _role_text(attrs.get("role"))
    head = (["crm", "configure", "location", crm_name(attrs["id"], "constraint id"), crm_name(attrs["rsc"], "resource")]
            + _crm_option(attrs, "resource-discovery"))
    if not rules:
        if attrs.get("node") is None or attrs.get("score") is None:
            raise Unsupported("location without node and score")
        return [head + ([f"role={crm_name(role, 'role')}"] if role else [])
                + [f"{format_score(parse_score(attrs['score']))}:", crm_node(attrs["node"])]]
    words = list(head)
    for rule in rules:
        crm_words, _, rule_role, score = _rule_words(rule, index)
        rule_role = rule_role or role
        words += (["rule"] + ([f"$role={crm_name(rule_role, 'role')}"] if rule_role else [])
                  + [f"{format_score(score)}:"] + [crm_literal(w, "rule word") for w in crm_words])
    return [words]


def _pcs_location(constraint, attrs, index):
    cid, rsc = pcs_id(attrs["id"], "constraint id"), pcs_id(attrs["rsc"], "resource")
    discovery = _pcs_option(attrs, "resource-discovery")
    rules = _rules(constraint)
    role = _role_text(attrs.get("role"))
    if not rules:
        if attrs.get("node") is None or attrs.get("score") is None:
            raise Unsupported("location without node and score")
        score = format_score_xml(parse_score(attrs["score"]))
        if role is None:
            return [["pcs", "constraint", "location", "add", cid, rsc, pcs_arg(attrs["node"], "node name"), score]
                    + discovery]
        return [["pcs", "constraint", "location", rsc, "rule", f"constraint-id={cid}"] + discovery
                + [f"role={_pcs_role(role)}", f"score={score}", "#uname", "eq",
                   pcs_rule_value(attrs["node"], "node name")]]
    commands = []
    for number, rule in enumerate(rules):
        _, pcs_words, rule_role, score = _rule_words(rule, index)
        rule_role = rule_role or role
        options = ([f"role={_pcs_role(rule_role)}"] if rule_role else []) + [f"score={format_score_xml(score)}"]
        expression = [pcs_rule_value(w, "rule word") if isinstance(w, _Text) else w for w in pcs_words]
        if number == 0:
            commands.append(["pcs", "constraint", "location", rsc, "rule", f"constraint-id={cid}"] + discovery
                            + options + expression)
        else:
            commands.append(["pcs", "constraint", "rule", "add", cid] + options + expression)
    return commands


# ------------------------------------------------------------------------------------------- sets

def _check_sets(kind, attrs, sets):
    if kind not in _KNOWN_SET:
        raise Unsupported(f"{kind} with resource sets")
    allowed = {"order": {"id", "kind", "score", "symmetrical"}, "colocation": {"id", "score"}}[kind]
    if set(attrs) - allowed:
        raise Unsupported(", ".join(sorted(set(attrs) - allowed)))
    for rset in sets:
        raw = set(rset["attrs"]) - _KNOWN_SET[kind]
        if raw:
            raise Unsupported(", ".join(sorted(raw)))
        if rset["require_all"] is False and rset["sequential"] is not False:
            raise Unsupported("require-all=false on a sequential set")


def _set_suffix(kind, rset):
    """The set's action (order) or role (colocation), or None."""
    if kind == "order":
        return rset["action"] or None
    return rset["role"] if _role_text(rset["role"]) else None


def _crm_sets(constraint, attrs, sets):
    cid, kind = crm_name(attrs["id"], "constraint id"), constraint.type
    words = []
    for rset in sets:
        suffix = _set_suffix(kind, rset)
        listed = [_crm_ref(m, suffix) for m in rset["members"]]
        if rset["require_all"] is False:
            words += ["["] + listed + ["]"]
        elif rset["sequential"] is False:
            words += ["("] + listed + [")"]
        else:
            words += ["("] + listed + ["sequential=true", ")"]
    if kind == "order":
        return [["crm", "configure", "order", cid, f"{crm_name(_order_kind(attrs), 'kind')}:"] + words
                + _crm_option(attrs, "symmetrical")]
    score = parse_score(attrs.get("score"))
    return [["crm", "configure", "colocation", cid, f"{format_score(score)}:"] + words]


def _pcs_sets(constraint, attrs, sets):
    cid, kind = pcs_id(attrs["id"], "constraint id"), constraint.type
    words = []
    for rset in sets:
        options = []
        suffix = _set_suffix(kind, rset)
        if suffix:
            options.append(f"action={pcs_value(suffix, 'action')}" if kind == "order"
                           else f"role={Role.parse(suffix).value}")
        if rset["require_all"] is False:
            options += ["sequential=false", "require-all=false"]
        elif rset["sequential"] is False:
            options.append("sequential=false")
        elif rset["sequential"] is True:
            options.append("sequential=true")
        words += ["set"] + [pcs_id(m, "resource") for m in rset["members"]] + options
    if kind == "order":
        options = [f"kind={pcs_value(_order_kind(attrs), 'kind')}"] + _pcs_option(attrs, "symmetrical")
    else:
        options = [f"score={format_score_xml(parse_score(attrs.get('score')))}"]
    return [["pcs", "constraint", kind] + words + ["setoptions"] + options + [f"id={cid}"]]


def rewrite(model, constraint, rename: Optional[Dict[str, str]] = None, attributes: Optional[Dict] = None,
            set_attributes: Optional[Dict[int, Dict]] = None, force: bool = False) -> Optional[Fix]:
    """Delete ``constraint`` and add it again with ``rename`` applied to the resources it names, and
    ``attributes`` (two-resource form; a value None removes the attribute) or ``set_attributes`` (set index ->
    {"role"|"action"|...: value}) changed. None when its form is not one :mod:`this module <.>` writes.

    ``force`` writes ``crm -F configure``: crmsh refuses to commit while crm_verify finds errors, which a CIB
    with the very problem being fixed has (a clone's child or a missing id named in a constraint)."""
    rename = rename or {}
    attrs = {k: v for k, v in constraint.element.attrib.items() if isinstance(k, str)}
    for key, value in (attributes or {}).items():
        if value is None:
            attrs.pop(key, None)
        else:
            attrs[key] = value
    if not attrs.get("id"):
        return None
    for key in ("first", "then", "rsc", "with-rsc"):
        if key in attrs:
            attrs[key] = rename.get(attrs[key], attrs[key])
    explicit_sets = [s for s in constraint.sets if s.converted_from is None]
    try:
        if explicit_sets:
            sets = []
            for number, rset in enumerate(explicit_sets):
                element_attrs = dict(rset.element.attrib) if rset.element is not None else {}
                values = {"members": list(dict.fromkeys(rename.get(m, m) for m in rset.members)),
                          "action": rset.action, "role": rset.role_text, "sequential": rset.sequential,
                          "require_all": rset.require_all, "attrs": element_attrs}
                for key, value in (set_attributes or {}).get(number, {}).items():
                    values[key] = value
                    element_attrs.pop(key, None)
                    if value is not None:
                        element_attrs[key] = value
                sets.append(values)
            _check_sets(constraint.type, attrs, sets)
            crm, pcs = (lambda: _crm_sets(constraint, attrs, sets)), (lambda: _pcs_sets(constraint, attrs, sets))
        else:
            _check_two_resource(constraint.type, attrs)
            crm = lambda: _crm_two_resource(constraint, attrs, model.index)  # noqa: E731
            pcs = lambda: _pcs_two_resource(constraint, attrs, model.index)  # noqa: E731
        cid = attrs["id"]
        # the builders run here: Unsupported (a form not written) from either means no fix at all
        return command_words.fix(crm=lambda: [_forced(words, force) for words in crm_delete([cid]) + crm()],
                                 pcs=lambda: pcs_delete([cid]) + pcs())
    except (Unsupported, KeyError):
        return None


def _forced(words, force):
    """``crm -F ...`` when ``force``."""
    return [words[0], "-F"] + list(words[1:]) if force else words
