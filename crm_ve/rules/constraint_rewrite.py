"""Re-create a constraint with some ids, roles or actions changed, as ``crm configure ...`` and ``pcs ...`` commands.

The structure rules (CV201 a clone's child named instead of the clone, CV202 a group member instead of the
group, CV203 a role or action that can never apply, CV204 a misspelt id) fix a constraint by deleting it and
adding it again, changed, under the same id: the other attributes (kind, score, symmetrical, node-attribute,
loss-policy, resource-discovery, rules) are kept as written. Supported, in both tools' syntax:

* two-resource ``rsc_order``, ``rsc_colocation``, ``rsc_ticket``, ``rsc_location`` (``node`` and ``score``,
  or rules of node-attribute expressions and ``date gt|lt|in_range``);
* ``rsc_order`` and ``rsc_colocation`` resource sets (crmsh brackets: ``( ... sequential=true )`` keeps every
  set a set of its own, which matters for colocation sets, reference section 4.3).

Anything else (nested rules, ``date_spec``, ``score-attribute``, ``rsc-pattern``, set-level ``kind`` or
``score``, ``influence``) is not rewritten: :func:`rewrite` returns None and the finding says what to change.
pcs writes both actions of an order (an omitted then-action defaults to the first-action in Pacemaker, so the
pcs form spells that default out).
"""
import shlex
from typing import Dict, Optional

from crm_ve.findings import Fix
from crm_ve.model import Role
from crm_ve.model.values import format_score, format_score_xml, parse_score

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


def _q(text):
    return shlex.quote(str(text))


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

def _expression_words(expr):
    """(crm words, pcs words) of one expression element."""
    if expr.tag == "expression":
        attribute, operation = expr.get("attribute"), expr.get("operation")
        if attribute is None or operation is None or expr.get("value-source") not in (None, "literal"):
            raise Unsupported("expression")
        if operation in ("defined", "not_defined"):
            words = [operation, attribute]
            return words, words
        if expr.get("value") is None:
            raise Unsupported("expression without value")
        typed = [expr.get("type")] if expr.get("type") else []
        words = [attribute, operation] + typed + [expr.get("value")]
        return words, words
    if expr.tag == "date_expression":
        operation = expr.get("operation")
        if operation == "gt" and expr.get("start"):
            return ["date", "gt", expr.get("start")], ["date", "gt", expr.get("start")]
        if operation == "lt" and expr.get("end"):
            return ["date", "lt", expr.get("end")], ["date", "lt", expr.get("end")]
        if operation == "in_range" and expr.get("start") and expr.get("end"):
            return (["date", "in", f"start={expr.get('start')}", f"end={expr.get('end')}"],
                    ["date", "in_range", expr.get("start"), "to", expr.get("end")])
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

def _two_resource(constraint, attrs, index):
    cid, kind = attrs["id"], constraint.type
    unknown = set(attrs) - _KNOWN[kind]
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    if kind == "order":
        first_action, then_action = attrs.get("first-action"), attrs.get("then-action")
        crm_kind = attrs.get("kind") or (format_score(parse_score(attrs["score"])) if "score" in attrs
                                         else "Mandatory")
        crm = (f"crm configure order {cid} {crm_kind}: {attrs['first']}"
               + (f":{first_action}" if first_action else "") + f" {attrs['then']}"
               + (f":{then_action}" if then_action else ""))
        pcs_first = first_action or "start"
        pcs_then = then_action or pcs_first
        pcs = (f"pcs constraint order {pcs_first} {attrs['first']} then {pcs_then} {attrs['then']} "
               f"kind={_order_kind(attrs)}")
        if "symmetrical" in attrs:
            crm += f" symmetrical={attrs['symmetrical']}"
            pcs += f" symmetrical={attrs['symmetrical']}"
        return [crm], [pcs + f" id={cid}"]
    if kind == "colocation":
        score = parse_score(attrs.get("score"))
        dep_role, pri_role = _role_text(attrs.get("rsc-role")), _role_text(attrs.get("with-rsc-role"))
        crm = (f"crm configure colocation {cid} {format_score(score)}: {attrs['rsc']}"
               + (f":{dep_role}" if dep_role else "") + f" {attrs['with-rsc']}" + (f":{pri_role}" if pri_role else ""))
        dep_kw, pri_kw = _pcs_role(dep_role), _pcs_role(pri_role)
        pcs = ("pcs constraint colocation add " + (f"{dep_kw} " if dep_kw else "") + f"{attrs['rsc']} with "
               + (f"{pri_kw} " if pri_kw else "") + f"{attrs['with-rsc']} {format_score_xml(score)}")
        if "node-attribute" in attrs:
            crm += f" node-attribute={attrs['node-attribute']}"
            pcs += f" node-attribute={attrs['node-attribute']}"
        return [crm], [pcs + f" id={cid}"]
    if kind == "ticket":
        role = _role_text(attrs.get("rsc-role"))
        crm = f"crm configure rsc_ticket {cid} {attrs['ticket']}: {attrs['rsc']}" + (f":{role}" if role else "")
        keyword = _pcs_role(role)
        pcs = f"pcs constraint ticket add {attrs['ticket']} " + (f"{keyword} " if keyword else "") + attrs["rsc"]
        if "loss-policy" in attrs:
            crm += f" loss-policy={attrs['loss-policy']}"
            pcs += f" loss-policy={attrs['loss-policy']}"
        return [crm], [pcs + f" id={cid}"]
    return _location(constraint, attrs, index)


def _location(constraint, attrs, index):
    cid, rsc = attrs["id"], attrs["rsc"]
    discovery = attrs.get("resource-discovery")
    rules = [c for c in constraint.element if isinstance(c.tag, str) and c.tag == "rule"]
    role = _role_text(attrs.get("role"))
    head = f"crm configure location {cid} {rsc}" + (f" resource-discovery={discovery}" if discovery else "")
    if not rules:
        if attrs.get("node") is None or attrs.get("score") is None:
            raise Unsupported("location without node and score")
        score = parse_score(attrs["score"])
        crm = head + (f" role={role}" if role else "") + f" {format_score(score)}: {attrs['node']}"
        if role is None:
            pcs = f"pcs constraint location add {cid} {rsc} {attrs['node']} {format_score_xml(score)}"
            if discovery:
                pcs += f" resource-discovery={discovery}"
            return [crm], [pcs]
        pcs = (f"pcs constraint location {rsc} rule constraint-id={cid}"
               + (f" resource-discovery={discovery}" if discovery else "")
               + f" role={_pcs_role(role)} score={format_score_xml(score)} '#uname' eq {_q(attrs['node'])}")
        return [crm], [pcs]
    crm_rules, pcs_commands = [], []
    for number, rule in enumerate(rules):
        crm_words, pcs_words, rule_role, score = _rule_words(rule, index)
        rule_role = rule_role or role
        crm_rules.append("rule " + (f"$role={rule_role} " if rule_role else "") + f"{format_score(score)}: "
                         + " ".join(_q(w) for w in crm_words))
        options = ([f"role={_pcs_role(rule_role)}"] if rule_role else []) + [f"score={format_score_xml(score)}"]
        expression = " ".join(_q(w) for w in pcs_words)
        if number == 0:
            pcs_commands.append(f"pcs constraint location {rsc} rule constraint-id={cid}"
                                + (f" resource-discovery={discovery}" if discovery else "")
                                + f" {' '.join(options)} {expression}")
        else:
            pcs_commands.append(f"pcs constraint rule add {cid} {' '.join(options)} {expression}")
    return [head + " " + " ".join(crm_rules)], pcs_commands


# ------------------------------------------------------------------------------------------- sets

def _sets(constraint, attrs, sets):
    cid, kind = attrs["id"], constraint.type
    if kind not in _KNOWN_SET:
        raise Unsupported(f"{kind} with resource sets")
    allowed = {"order": {"id", "kind", "score", "symmetrical"}, "colocation": {"id", "score"}}[kind]
    if set(attrs) - allowed:
        raise Unsupported(", ".join(sorted(set(attrs) - allowed)))
    crm_sets, pcs_sets = [], []
    for rset in sets:
        raw = {k for k in (rset["attrs"])} - _KNOWN_SET[kind]
        if raw:
            raise Unsupported(", ".join(sorted(raw)))
        members = rset["members"]
        suffix = ""
        pcs_options = []
        if kind == "order" and rset["action"]:
            suffix = f":{rset['action']}"
            pcs_options.append(f"action={rset['action']}")
        if kind == "colocation" and _role_text(rset["role"]):
            suffix = f":{rset['role']}"
            pcs_options.append(f"role={Role.parse(rset['role']).value}")
        listed = " ".join(m + suffix for m in members)
        if rset["require_all"] is False:
            if rset["sequential"] is not False:
                raise Unsupported("require-all=false on a sequential set")
            crm_sets.append(f"[ {listed} ]")
            pcs_options += ["sequential=false", "require-all=false"]
        elif rset["sequential"] is False:
            crm_sets.append(f"( {listed} )")
            pcs_options.append("sequential=false")
        else:
            crm_sets.append(f"( {listed} sequential=true )")
            if rset["sequential"] is True:
                pcs_options.append("sequential=true")
        pcs_sets.append("set " + " ".join(members + pcs_options))
    if kind == "order":
        crm = f"crm configure order {cid} {_order_kind(attrs)}: " + " ".join(crm_sets)
        options = [f"kind={_order_kind(attrs)}"]
        if "symmetrical" in attrs:
            crm += f" symmetrical={attrs['symmetrical']}"
            options.append(f"symmetrical={attrs['symmetrical']}")
    else:
        score = parse_score(attrs.get("score"))
        crm = f"crm configure colocation {cid} {format_score(score)}: " + " ".join(crm_sets)
        options = [f"score={format_score_xml(score)}"]
    pcs = f"pcs constraint {kind} " + " ".join(pcs_sets) + " setoptions " + " ".join(options) + f" id={cid}"
    return [crm], [pcs]


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
            crm, pcs = _sets(constraint, attrs, sets)
        else:
            crm, pcs = _two_resource(constraint, attrs, model.index)
    except (Unsupported, KeyError):
        return None
    cid = attrs["id"]
    crm = (f"crm configure delete {cid}",) + tuple(crm)
    if force:
        crm = tuple(c.replace("crm configure ", "crm -F configure ", 1) for c in crm)
    return Fix(crm=crm, pcs=(f"pcs constraint delete {cid}",) + tuple(pcs))
