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
from crm_ve.model.values import SLOTS, Truth, parse_score


@dataclass(**SLOTS)
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
    for nvpair in block.iterchildren("nvpair"):
        get = nvpair.get
        ref_id = get("id-ref")
        ref = index.get(ref_id) if ref_id else None
        name = get("name") or (ref.get("name") if ref is not None else None)
        value = get("value")
        if value is None and ref is not None:
            value = ref.get("value")
        if name is None or value is None or value.lower() == "#default":
            continue
        if name not in values:  # within a block the first nvpair of a name wins
            values[name] = value
    return values


def read_blocks(elements, tag, index):
    """The ``tag`` blocks among ``elements`` (children of a resource, op or defaults section), in the order
    Pacemaker applies them: score descending, later blocks first on equal scores."""
    blocks = []
    position = 0
    for element in elements:
        if element.tag != tag:  # comments and processing instructions have a function for a tag
            continue
        resolved = element
        ref_id = element.get("id-ref")
        if ref_id is not None:
            resolved = index.get(ref_id)
            if resolved is None:
                position += 1
                continue
        get = resolved.get
        blocks.append(NvBlock(get("id"), resolved, parse_score(get("score")), _pairs(resolved, index),
                              next(resolved.iterchildren("rule"), None), position))
        position += 1
    if len(blocks) > 1:
        blocks.sort(key=_precedence)
    return blocks


def _precedence(block):
    return -block.score, -block.position


@dataclass(frozen=True, **SLOTS)
class Candidate:
    """A value a name may take, where it comes from, and whether its block certainly applies."""

    value: str
    source: str
    truth: Truth


@dataclass(frozen=True, **SLOTS)
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
        if not self.candidates:  # unset: the one outcome is the default (most resources, most names)
            return Truth.TRUE if predicate(default) else Truth.FALSE
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
