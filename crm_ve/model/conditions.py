"""Evaluate ``<rule>`` elements as far as a CIB alone allows: three-valued.

Pacemaker Explained, "Rules": a rule in ``meta_attributes``, ``rsc_defaults`` or ``op_defaults`` may test the
resource's agent (``rsc_expression``), the operation (``op_expression``), the date (``date_expression``) or a
node attribute (``expression``). The agent and operation are known from the CIB; the date and the node are not
(and node expressions do not even work for resource meta-attributes in 2.1.5), so those "may apply": MAYBE.
A rule depending on them is reported with both outcomes by whoever reads it.
"""
from dataclasses import dataclass
from typing import Optional

from crm_ve.model.values import Truth, parse_interval_spec


@dataclass(frozen=True)
class RuleContext:
    """What a rule may be evaluated against: the resource's agent and (for op_defaults) the operation."""

    standard: Optional[str] = None
    provider: Optional[str] = None
    type: Optional[str] = None
    op_name: Optional[str] = None
    op_interval_ms: Optional[int] = None


def _rsc_expression(expr, ctx):
    for attribute, value in (("class", ctx.standard), ("provider", ctx.provider), ("type", ctx.type)):
        wanted = expr.get(attribute)
        if wanted is not None and wanted != value:
            return Truth.FALSE
    if expr.get("provider") is None and ctx.provider is not None:
        # 2.1.5 pe__eval_rsc_expr: no provider matches only agents without one (checked with crm_simulate);
        # 3.0 matches any provider. Which one runs the cluster is not in the CIB.
        return Truth.MAYBE
    return Truth.TRUE


def _op_expression(expr, ctx):
    if ctx.op_name is None:
        return Truth.FALSE  # op expressions only ever match in op_defaults
    # 2.1.5 pe__eval_op_expr: an interval it cannot read never matches
    interval = expr.get("interval")
    if interval is not None and parse_interval_spec(interval) != (ctx.op_interval_ms or 0):
        return Truth.FALSE
    if expr.get("name") is not None and expr.get("name") != ctx.op_name:
        return Truth.FALSE
    return Truth.TRUE


def evaluate_rule(rule, ctx, index):
    """Truth of a ``<rule>`` element (``id-ref`` resolved through ``index``, the id -> element map)."""
    return walk_rule(rule, index, lambda child, tag: _leaf(child, tag, ctx))


def _leaf(child, tag, ctx):
    if tag == "rsc_expression":
        return _rsc_expression(child, ctx)
    if tag == "op_expression":
        return _op_expression(child, ctx)
    if tag in ("expression", "date_expression"):
        return Truth.MAYBE  # node attributes and the clock are not in the configuration
    return None


def resolve_rule(rule, index):
    """The ``<rule>`` element ``rule`` stands for: itself, or for ``<rule id-ref>`` the rule with that id
    (2.1.5 ``expand_idref``: one level, a ``rule`` element only); None when the reference names no rule."""
    ref = rule.get("id-ref")
    if ref is None:
        return rule
    target = index.get(ref)
    return target if target is not None and target.tag == "rule" else None


def walk_rule(rule, index, leaf):
    """Truth of a ``<rule>`` as 2.1.5 ``pe_eval_expr`` decides it, three-valued: ``id-ref`` resolved
    (:func:`resolve_rule`; a reference to no rule is TRUE, as Pacemaker evaluates it: an empty rule), nested
    rules and ``leaf(child, tag)`` (the truth of any other child element, or None to leave it out) combined
    by ``boolean-op`` (``and`` unless ``or``); a rule without children passes under ``and``, fails under ``or``.

    Each rule is evaluated once per walk, however often it is referenced (a 2 KB graph of references can
    stand for billions of paths). A rule reached again while it is being evaluated, a cycle (which the model
    refuses before any rule is walked: :func:`rule_reference_cycle`), is MAYBE."""
    return _rule_truth(rule, index, leaf, {})


_IN_PROGRESS = object()


def _rule_truth(rule, index, leaf, memo):
    rule = resolve_rule(rule, index)
    if rule is None:
        return Truth.TRUE
    known = memo.get(rule)
    if known is not None:
        return Truth.MAYBE if known is _IN_PROGRESS else known
    memo[rule] = _IN_PROGRESS
    combine_or = (rule.get("boolean-op") or "and").lower() == "or"
    result = None
    empty = True
    for child in rule:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        empty = False
        if tag == "rule":
            value = _rule_truth(child, index, leaf, memo)
        else:
            value = leaf(child, tag)
            if value is None:
                continue
        result = value if result is None else (result | value if combine_or else result & value)
    if result is None:  # Pacemaker logs a configuration error for a rule without expressions
        result = Truth.FALSE if empty and combine_or else Truth.TRUE
    memo[rule] = result
    return result


def rule_reference_cycle(configuration, index):
    """The first cycle of ``<rule>`` references in ``configuration``: the ``<rule id-ref>`` element that
    closes it and the ids along it (``r, r`` for a rule referring to itself), or None.

    2.1.5 follows a nested rule's reference each time it evaluates it, without a bound: on a cycle the
    scheduler recurses until it crashes (crm_verify ends with a segmentation fault), whatever the rule says.
    """
    rules = list(configuration.iter("rule"))
    if not any(rule.get("id-ref") is not None and rule.getparent().tag == "rule" for rule in rules):
        return None  # a cycle needs a nested reference
    done = set()
    for start in rules:
        if start in done or start.get("id-ref") is not None:
            continue
        on_path = {start}
        stack = [(start, _nested_rules(start))]
        while stack:
            element, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(element)
                done.add(element)
                continue
            target = resolve_rule(child, index)
            if target is None or target in done:
                continue
            if target in on_path:
                path = [e for e, _ in stack]
                ids = [e.get("id") or "?" for e in path[path.index(target):]] + [target.get("id") or "?"]
                return child, ids
            on_path.add(target)
            stack.append((target, _nested_rules(target)))
    return None


def _nested_rules(rule):
    return (child for child in rule if child.tag == "rule")


def describe_rule(rule):
    """A short phrase naming a rule for messages (``rule r1 (date)``)."""
    kinds = sorted({child.tag.replace("_expression", "").replace("expression", "node attribute")
                    for child in rule.iter() if isinstance(child.tag, str) and child.tag.endswith("expression")})
    what = ", ".join(kinds) or "empty"
    return f"rule {rule.get('id') or rule.get('id-ref') or '?'} ({what})"
