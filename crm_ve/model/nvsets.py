"""Name/value blocks (``meta_attributes``, ``instance_attributes``) and the values they may give a name.

Pacemaker Explained, "Rules" / "Using Rules to Control Resource Options": blocks are applied in descending
``score`` order and the first block setting a name wins. On equal scores the *later* block in the document
wins (2.1.5 ``make_pairs`` prepends, then sorts stably; checked with crm_simulate: two unscored blocks
``target-role=Stopped`` then ``Started`` start the resource). A block whose rule is false is skipped; a block
whose rule may apply (date, node) gives a *possible* value, and the search goes on for the other outcome.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from crm_ve.model.conditions import RuleContext, describe_rule, evaluate_rule
from crm_ve.model.values import Truth, parse_score


@dataclass
class NvBlock:
    """One ``meta_attributes``/``instance_attributes`` block, ``id-ref`` resolved."""

    id: Optional[str]
    element: object = field(repr=False)
    score: int
    pairs: Dict[str, str]
    rule: Optional[object] = field(default=None, repr=False)
    position: int = 0

    def truth(self, ctx, index):
        if self.rule is None:
            return Truth.TRUE
        return evaluate_rule(self.rule, ctx, index)

    def describe(self):
        what = f"{self.element.tag} {self.id}" if self.id else self.element.tag
        if self.rule is not None:
            what += f" ({describe_rule(self.rule)})"
        return what


def _pairs(block, index):
    values = {}
    for nvpair in block:
        if not isinstance(nvpair.tag, str) or nvpair.tag != "nvpair":
            continue
        ref = index.get(nvpair.get("id-ref")) if nvpair.get("id-ref") else None
        name = nvpair.get("name") or (ref.get("name") if ref is not None else None)
        value = nvpair.get("value")
        if value is None and ref is not None:
            value = ref.get("value")
        if name is None or value is None or value.lower() == "#default":
            continue
        values.setdefault(name, value)  # within a block the first nvpair of a name wins
    return values


def read_blocks(elements, tag, index):
    """The ``tag`` blocks among ``elements`` (children of a resource, op or defaults section), in the order
    Pacemaker applies them: score descending, later blocks first on equal scores."""
    blocks = []
    for position, element in enumerate(e for e in elements if isinstance(e.tag, str) and e.tag == tag):
        resolved = element
        if element.get("id-ref") is not None:
            resolved = index.get(element.get("id-ref"))
            if resolved is None:
                continue
        rule = next((c for c in resolved if isinstance(c.tag, str) and c.tag == "rule"), None)
        blocks.append(NvBlock(resolved.get("id"), resolved, parse_score(resolved.get("score")),
                              _pairs(resolved, index), rule, position))
    blocks.sort(key=lambda b: (-b.score, -b.position))
    return blocks


@dataclass(frozen=True)
class Candidate:
    """A value a name may take, where it comes from, and whether its block certainly applies."""

    value: str
    source: str
    truth: Truth


@dataclass(frozen=True)
class MetaValue:
    """The value(s) an attribute may have. ``candidates`` are in precedence order and end at the first one
    that certainly applies; if none does, the attribute may also be unset (Pacemaker's default applies).

    ``value`` is what applies when every rule that may apply does (the configured intent); ``possible`` is
    every outcome, ``None`` meaning unset.
    """

    name: str
    candidates: Tuple[Candidate, ...] = ()

    @property
    def value(self) -> Optional[str]:
        return self.candidates[0].value if self.candidates else None

    @property
    def source(self) -> Optional[str]:
        return self.candidates[0].source if self.candidates else None

    @property
    def certain(self) -> bool:
        """One outcome only (no rule that may or may not apply decides it)."""
        if not self.candidates:
            return True
        values = {c.value for c in self.candidates}
        return len(values) == 1 and self.candidates[-1].truth is Truth.TRUE

    @property
    def possible(self) -> Tuple[Optional[str], ...]:
        values = []
        for candidate in self.candidates:
            if candidate.value not in values:
                values.append(candidate.value)
        if not self.candidates or self.candidates[-1].truth is not Truth.TRUE:
            values.append(None)
        return tuple(values)

    def truth(self, predicate, default=None) -> Truth:
        """Truth of ``predicate(value)`` over every outcome (``default`` stands for unset)."""
        results = {bool(predicate(default if v is None else v)) for v in self.possible}
        if results == {True}:
            return Truth.TRUE
        if results == {False}:
            return Truth.FALSE
        return Truth.MAYBE

    @property
    def conditions(self) -> Tuple[str, ...]:
        """The sources whose rule may or may not apply (for messages)."""
        return tuple(c.source for c in self.candidates if c.truth is Truth.MAYBE)


def candidates_from(blocks, name, ctx: RuleContext, index, into: List[Candidate]):
    """Append ``name``'s candidates from ``blocks``; True when one certainly applied (search ends)."""
    for block in blocks:
        if name not in block.pairs:
            continue
        truth = block.truth(ctx, index)
        if truth is Truth.FALSE:
            continue
        into.append(Candidate(block.pairs[name], block.describe(), truth))
        if truth is Truth.TRUE:
            return True
    return False
