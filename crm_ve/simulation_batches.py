"""Which stacks ``check --simulate`` can prove in separate, smaller crm_simulate runs.

``crm_simulate -S`` executes the transition it computes, and its cost grows with the square of the actions in
it (50 DRBD stacks in one CIB: over a minute of CPU for the cold start alone, where five take a third of a
second). Stacks that no constraint joins cannot influence each other's order or placement, so they are
simulated in batches of a few stacks, each in a copy of the CIB that holds only the batch's resources: the
top-level resources of its stacks and everything any constraint joins to them, with the constraints among
them, and every other section (properties, defaults, nodes, templates, tags) as it is.

Stacks joined by any constraint (directly, through other resources, or by sharing a group or clone) are always
in the same batch. Where the joins cannot be read plainly -- a constraint naming resources by ``rsc-pattern``,
through a tag or a template, or naming what is not a resource -- or the input keeps its status (``--live``,
``--shadow``: the status would name resources the copy lacks), the whole CIB is one batch.
"""
from typing import Dict, List, Optional, Sequence, Tuple

#: Primitives per batch: a batch grows by whole components until it has at least this many.
BATCH_PRIMITIVES = 6
_REFERENCE_ATTRIBUTES = ("rsc", "with-rsc", "first", "then")


class _Joins:
    """Union-find over the top-level resources of a CIB."""

    def __init__(self):
        self.parent: Dict[str, str] = {}

    def find(self, item):
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, items):
        items = list(items)
        for other in items[1:]:
            self.parent[self.find(other)] = self.find(items[0])


def _tops(resources):
    """Every id inside ``<resources>`` -> the id of the top-level resource holding it."""
    top_of = {}
    for top in resources.iterchildren("*"):
        top_id = top.get("id")
        for element in top.iter("*"):
            if element.get("id") is not None:
                top_of[element.get("id")] = top_id
    return top_of


def _named(constraint):
    """The ids a constraint names, or None when it names resources in a way not read here."""
    if constraint.get("rsc-pattern") is not None:
        return None
    names = [constraint.get(a) for a in _REFERENCE_ATTRIBUTES if constraint.get(a) is not None]
    names += [ref.get("id") for ref in constraint.iter("resource_ref")]
    return names


def _joined(root):
    """``(top_of, joins)`` over the CIB's top-level resources, or None when the joins cannot be read plainly."""
    resources = root.find("configuration/resources")
    if resources is None:
        return None
    top_of = _tops(resources)
    joins = _Joins()
    for top_id in set(top_of.values()):
        joins.find(top_id)
    constraints = root.find("configuration/constraints")
    for constraint in (constraints.iterchildren("*") if constraints is not None else ()):
        names = _named(constraint)
        if names is None or any(name not in top_of for name in names):
            return None
        joins.join(top_of[name] for name in names)
    for primitive in resources.iter("primitive"):  # its template, and a resource it names as its container
        named = [nv.get("value") for nv in primitive.xpath("meta_attributes/nvpair[@name='container']")]
        named += [primitive.get("template")] if primitive.get("template") is not None else []
        if any(name not in top_of for name in named):
            return None
        joins.join([top_of[primitive.get("id")]] + [top_of[name] for name in named])
    return top_of, joins


def batches(root, stack_resources: Sequence[Sequence[str]], keep_status) -> List[Tuple[List[int], Optional[set]]]:
    """The stacks (given by the resource ids of each) in batches, as ``[(stack indexes, top-level resource ids
    the batch's copy keeps)]``: joined stacks share a batch; one batch keeping everything (None) when the CIB
    must be simulated at once."""
    everything = [(list(range(len(stack_resources))), None)]
    joined = None if keep_status else _joined(root)
    if joined is None:
        return everything
    top_of, joins = joined
    by_component: Dict[str, List[int]] = {}
    for index, members in enumerate(stack_resources):
        tops = [top_of[rid] for rid in members if rid in top_of]
        if len(tops) != len(members):
            return everything
        joins.join(tops)
    for index, members in enumerate(stack_resources):
        by_component.setdefault(joins.find(top_of[members[0]]), []).append(index)
    if len(by_component) < 2:
        return everything
    resources = root.find("configuration/resources")
    tops_of: Dict[str, set] = {}
    primitives: Dict[str, int] = {}
    for top in resources.iterchildren("*"):
        tops_of.setdefault(joins.find(top.get("id")), set()).add(top.get("id"))
        primitives[top.get("id")] = max(1, sum(1 for _ in top.iter("primitive")))
    out, indexes, tops = [], [], set()
    for component, members in by_component.items():
        indexes += members
        tops |= tops_of[component]
        if sum(primitives[t] for t in tops) >= BATCH_PRIMITIVES:
            out.append((indexes, tops))
            indexes, tops = [], set()
    if indexes:
        out.append((indexes, tops))
    return out


def keep_only(root, tops):
    """Remove from the CIB ``root`` (in place) every top-level resource not in ``tops`` and every constraint
    naming one of them."""
    resources = root.find("configuration/resources")
    for top in list(resources.iterchildren("*")):
        if top.get("id") not in tops:
            resources.remove(top)
    kept = set(_tops(resources))
    constraints = root.find("configuration/constraints")
    for constraint in list(constraints.iterchildren("*") if constraints is not None else ()):
        if not set(_named(constraint) or ()) <= kept:
            constraints.remove(constraint)
    return root
