"""Evaluate ``<rule>`` elements as far as a CIB alone allows: three-valued.

Pacemaker Explained, "Rules": a rule in ``meta_attributes``, ``rsc_defaults`` or ``op_defaults`` may test the
resource's agent (``rsc_expression``), the operation (``op_expression``), the date (``date_expression``) or a
node attribute (``expression``). The agent and operation are known from the CIB; the date and the node are not
(and node expressions do not even work for resource meta-attributes in 2.1.5), so those "may apply": MAYBE.
A rule depending on them is reported with both outcomes by whoever reads it.
"""
from dataclasses import dataclass
from typing import Optional

from crm_ve.model.values import Truth, parse_interval_ms


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
    if expr.get("name") is not None and expr.get("name") != ctx.op_name:
        return Truth.FALSE
    if expr.get("interval") is not None:
        if parse_interval_ms(expr.get("interval"), -1) != (ctx.op_interval_ms or 0):
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


def walk_rule(rule, index, leaf, depth=0):
    """Truth of a ``<rule>``: ``id-ref`` resolved through ``index`` (a missing or self reference is FALSE),
    nested rules combined by ``boolean-op`` (``and`` unless ``or``), deeper than 20 levels MAYBE;
    ``leaf(child, tag)`` gives the truth of any other child element, or None to leave it out."""
    if depth > 20:
        return Truth.MAYBE
    ref = rule.get("id-ref")
    if ref is not None:
        target = index.get(ref)
        if target is None or target is rule:
            return Truth.FALSE
        rule = target
    combine_or = (rule.get("boolean-op") or "and").lower() == "or"
    result = None
    for child in rule:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag == "rule":
            value = walk_rule(child, index, leaf, depth + 1)
        else:
            value = leaf(child, tag)
            if value is None:
                continue
        result = value if result is None else (result | value if combine_or else result & value)
    # Pacemaker: a rule without expressions passes (and logs a configuration error)
    return Truth.TRUE if result is None else result


def describe_rule(rule):
    """A short phrase naming a rule for messages (``rule r1 (date)``)."""
    kinds = sorted({child.tag.replace("_expression", "").replace("expression", "node attribute")
                    for child in rule.iter() if isinstance(child.tag, str) and child.tag.endswith("expression")})
    what = ", ".join(kinds) or "empty"
    return f"rule {rule.get('id') or rule.get('id-ref') or '?'} ({what})"
