"""Constraints as Pacemaker unpacks them: ids resolved, tags and templates expanded, ``id-ref`` followed.

Pacemaker Explained, "Reusing Parts of the Configuration" / 2.1.5 ``unpack_order_tags``,
``unpack_colocation_tags``, ``pcmk__tag_to_set``: a tag or template named in a two-resource constraint turns
the constraint into resource sets: the tag side becomes a set of its members with ``sequential=false`` and the
constraint's ``first-action``/``rsc-role`` moved onto it as ``action``/``role``; the other side becomes a
one-member set. A tag inside a set is expanded in place. An unknown id (or a tag naming one) makes Pacemaker
ignore the whole constraint. A constraint naming the primitive inside a clone is applied to the clone only
when the cluster has history for it (docs/pacemaker-semantics.md §3.4); the model applies it to the clone and marks it.
"""
from dataclasses import dataclass, field
from operator import itemgetter
from types import MappingProxyType
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from crm_ve.model.values import SLOTS, Role, parse_bool, parse_score, remember
from crm_ve.posix_regex import InvalidPattern, Unchecked, extended_matches

CONSTRAINT_TAGS = {"rsc_order": "order", "rsc_colocation": "colocation", "rsc_location": "location",
                   "rsc_ticket": "ticket"}


@dataclass
class ResourceSet:
    """A ``resource_set`` with its members resolved to resource ids (tags and templates expanded).

    ``sequential`` is the explicit value or None (Pacemaker treats absence differently in different places);
    ``action`` the explicit ``action`` or None (defaults to start); ``converted_from`` names the attribute
    (``first``/``then``/``rsc``/``with-rsc``) a two-resource constraint's side was converted from.
    """

    id: Optional[str]
    element: object = field(repr=False)
    members: Tuple[str, ...]
    sequential: Optional[bool] = None
    require_all: bool = True
    action: Optional[str] = None
    role: Role = Role.ANY
    role_text: Optional[str] = None
    score: Optional[int] = None
    kind: Optional[str] = None
    ordering: str = "group"
    converted_from: Optional[str] = None
    from_tag: Optional[str] = None

    @property
    def line(self):
        return self.element.sourceline if self.element is not None else None


#: ``Constraint.via_child`` of the many constraints naming no clone child: one shared read-only empty mapping
_NO_CHILDREN: Mapping[str, str] = MappingProxyType({})


@dataclass(**SLOTS)
class Constraint:
    """One ``rsc_order``/``rsc_colocation``/``rsc_location``/``rsc_ticket``.

    ``ignored`` says why Pacemaker would drop it entirely (unknown id, two tags colocated...), else None;
    ``unchecked`` why the model does not know what it names (an ``rsc-pattern`` not matched), else None.
    ``via_child`` maps each id naming a resource *inside* a clone/bundle to the clone it stands for (C6).
    ``references`` are the ids the constraint names, as written.
    """

    id: Optional[str]
    type: str
    element: object = field(repr=False)
    sets: Tuple[ResourceSet, ...] = ()
    ignored: Optional[str] = None
    references: Tuple[str, ...] = ()
    via_child: Mapping[str, str] = field(default_factory=lambda: _NO_CHILDREN)  # a dict once it names one
    tags_expanded: bool = False
    resources: Tuple[str, ...] = ()  # every resource id it ends up naming (resolved)
    sides: Tuple[Optional[str], ...] = ()  # two-resource form: first/then or rsc/with-rsc, resolved
    unchecked: Optional[str] = None

    @property
    def line(self):
        return self.element.sourceline

    def get(self, attribute, default=None):
        return self.element.get(attribute, default)

    @property
    def uses_sets(self):
        return bool(self.sets)


class Resolver:
    """Resolves ids named in constraints the way ``pcmk__valid_resource_or_tag`` does."""

    def __init__(self, resources, templates, tags):
        self.resources = resources
        self.tags = tags
        self.template_members: Dict[str, List[str]] = {tid: [] for tid in templates}
        for resource in resources.values():
            if resource.template in self.template_members:
                self.template_members[resource.template].append(resource.id)
        #: every resource inside a clone/bundle -> its top parent (computed once, asked per constraint side)
        self._clone_top: Dict[str, str] = {}
        for rid in resources:
            if self.inside_clone(rid):
                self._clone_top[rid] = self.uber_parent(rid)
        self._top_ids: Optional[List[str]] = None
        #: rsc-pattern -> the ids it names, or the exception that says why not
        self._patterns: Dict[str, object] = {}

    def pattern_matches(self, pattern):
        """The top-level resources a location's ``rsc-pattern`` names, in document order (2.1.5
        ``unpack_simple_location``: a POSIX extended regular expression searched in each id; a leading ``!``
        names the ids it does not match); remembered per pattern.

        :raises InvalidPattern: the C library refuses the pattern (Pacemaker ignores the constraint).
        :raises Unchecked: the pattern is not matched here (see :mod:`crm_ve.posix_regex`).
        """
        known = self._patterns.get(pattern)
        if known is None:
            if self._top_ids is None:
                self._top_ids = [rid for rid, resource in self.resources.items() if resource.parent is None]
            try:
                inverted = pattern.startswith("!")
                matched = set(extended_matches(pattern[1:] if inverted else pattern, self._top_ids))
                known = [rid for rid in self._top_ids if (rid in matched) != inverted]
            except (InvalidPattern, Unchecked) as exc:
                known = exc
            self._patterns[pattern] = known
        if isinstance(known, Exception):
            raise known
        return list(known)

    def uber_parent(self, rid):
        top = rid
        while self.resources[top].parent is not None:
            top = self.resources[top].parent
        return top

    def inside_clone(self, rid):
        parent = self.resources[rid].parent
        while parent is not None:
            if self.resources[parent].is_clone:
                return True
            parent = self.resources[parent].parent
        return False

    def resource(self, rid, constraint):
        """The resource id ``rid`` stands for, or None. Children of clones map to the top parent."""
        if rid not in self.resources:
            return None
        top = self._clone_top.get(rid)
        if top is not None:
            if not constraint.via_child:  # the shared empty default: this constraint gets its own
                constraint.via_child = {}
            constraint.via_child[rid] = top
            return top
        return rid

    def tag_members(self, tid):
        """Members of a tag or template (ids as listed), or None when ``tid`` is neither."""
        if tid in self.tags:
            return list(self.tags[tid])
        if tid in self.template_members:
            return list(self.template_members[tid])
        return None


def _set_from(element, members, **overrides):
    sequential = parse_bool(element.get("sequential")) if element is not None else None
    values = dict(
        id=element.get("id") if element is not None else None,
        element=element,
        members=tuple(members),
        sequential=sequential,
        require_all=parse_bool(element.get("require-all"), True) if element is not None else True,
        action=element.get("action") if element is not None else None,
        role=Role.parse(element.get("role")) if element is not None else Role.ANY,
        role_text=element.get("role") if element is not None else None,
        score=parse_score(element.get("score")) if element is not None and element.get("score") else None,
        kind=element.get("kind") if element is not None else None,
        ordering=(element.get("ordering") or "group").lower() if element is not None else "group",
    )
    values.update(overrides)
    return ResourceSet(**values)


_SIDES = {"order": (("first", "first-action"), ("then", "then-action")),
          "colocation": (("rsc", "rsc-role"), ("with-rsc", "with-rsc-role")),
          "ticket": (("rsc", "rsc-role"),),
          "location": (("rsc", "role"),)}


#: the attributes the model reads from a two-resource order or colocation, in the order of the tuple
#: :func:`simple_attribute_texts` makes: the id, the two sides, their roles, then what the edges need
SIMPLE_ATTRIBUTES = {
    "order": ("id", "first", "then", "rsc-role", "with-rsc-role",
              "kind", "score", "symmetrical", "first-action", "then-action"),
    "colocation": ("id", "rsc", "with-rsc", "rsc-role", "with-rsc-role", "score", "node-attribute"),
}

#: where both types' texts have the rsc-role and with-rsc-role
RSC_ROLE, WITH_RSC_ROLE = 3, 4
assert all(names[RSC_ROLE:WITH_RSC_ROLE + 1] == ("rsc-role", "with-rsc-role") for names in SIMPLE_ATTRIBUTES.values())

#: (type, the element's attribute names in order) -> what picks SIMPLE_ATTRIBUTES[type] from its values
_PICKERS: Dict[tuple, Callable] = {}


def simple_attribute_texts(element, ctype):
    """The texts of ``SIMPLE_ATTRIBUTES[ctype]`` on ``element`` (None where absent), read with two lxml calls
    (its names, its values) instead of one per attribute; elements spelled alike (40,000 constraints of a
    few spellings) share the picker."""
    layout = (ctype, *element.keys())
    pick = _PICKERS.get(layout)
    if pick is None:
        names = layout[1:]
        pick = remember(_PICKERS, layout, itemgetter(*[names.index(name) if name in names else -1
                                                        for name in SIMPLE_ATTRIBUTES[ctype]]))
    values = element.values()
    values.append(None)  # what an absent attribute's position (-1) picks
    return pick(values)


def read_simple_constraint(element, ctype, texts, resolver):
    """The common two-resource order or colocation naming two resources, from its attribute ``texts`` (of
    :func:`simple_attribute_texts`); None when the constraint is anything else (no id, a tag, an unknown id:
    :func:`read_constraint` reads those). The caller checked that the element has no children (no sets)."""
    cid = texts[0]
    if cid is None:
        return None
    a, b = texts[1], texts[2]
    resources = resolver.resources
    if a not in resources or b not in resources:
        return None
    clone_top = resolver._clone_top
    if a not in clone_top and b not in clone_top:  # the usual case, built in one call
        sides = (a, b)
        return Constraint(cid, ctype, element, (), None, sides, _NO_CHILDREN, False,
                          sides if a != b else sides[:1], sides)
    constraint = Constraint(cid, ctype, element)
    sides = (resolver.resource(a, constraint) if a in clone_top else a,
             resolver.resource(b, constraint) if b in clone_top else b)
    constraint.references = (a, b)
    constraint.sides = sides
    constraint.resources = sides if sides[0] != sides[1] else sides[:1]
    return constraint


def read_constraint(element, resolver, index):
    """A :class:`Constraint` from its element."""
    ctype = CONSTRAINT_TAGS[element.tag]
    constraint = Constraint(element.get("id"), ctype, element)
    if constraint.id is None:
        constraint.ignored = "no id"  # Pacemaker ignores a constraint without an id
        return constraint
    if ctype in ("order", "colocation") and element.find("resource_set") is None:
        # the common two-resource form naming two resources (fast path)
        first_attr, then_attr = ("first", "then") if ctype == "order" else ("rsc", "with-rsc")
        a, b = element.get(first_attr), element.get(then_attr)
        if a in resolver.resources and b in resolver.resources:
            sides = (resolver.resource(a, constraint), resolver.resource(b, constraint))
            constraint.references = (a, b)
            constraint.sides = sides
            constraint.resources = sides if sides[0] != sides[1] else sides[:1]
            return constraint
    refs = []
    set_elements = [c for c in element if isinstance(c.tag, str) and c.tag == "resource_set"]
    resolved_ids = []

    if set_elements:
        sets = []
        for set_element in set_elements:
            if set_element.get("id-ref") is not None:
                target = index.get(set_element.get("id-ref"))
                if target is None or target.tag != "resource_set":
                    constraint.ignored = f"resource set reference {set_element.get('id-ref')!r} names no set"
                    break
                set_element = target
            members = []
            for ref in set_element:
                if not isinstance(ref.tag, str) or ref.tag != "resource_ref" or ref.get("id") is None:
                    continue
                rid = ref.get("id")
                refs.append(rid)
                expanded = _expand(rid, resolver, constraint)
                if expanded is None:
                    constraint.ignored = f"{rid!r} is not a valid resource or tag"
                    break
                if expanded != [rid] or rid not in resolver.resources:
                    constraint.tags_expanded = True
                members.extend(expanded)
            if constraint.ignored:
                break
            sets.append(_set_from(set_element, members))
        constraint.sets = tuple(sets)
        resolved_ids = [m for s in sets for m in s.members]
    elif ctype == "location" and element.get("rsc-pattern") is not None and element.get("rsc") is None:
        pattern = element.get("rsc-pattern")
        refs.append(pattern)
        try:
            resolved_ids = resolver.pattern_matches(pattern)
        except InvalidPattern:
            constraint.ignored = f"invalid rsc-pattern {pattern!r}"
        except Unchecked as exc:
            constraint.unchecked = f"rsc-pattern {pattern[:60]!r}{'...' if len(pattern) > 60 else ''}: {exc}"
    else:
        sides = _SIDES[ctype]
        named = [(attr, role_attr, element.get(attr)) for attr, role_attr in sides]
        for _, _, rid in named:
            if rid is not None:
                refs.append(rid)
        kinds = []
        for attr, role_attr, rid in named:
            if rid is None:
                constraint.ignored = f"no {attr}"
                kinds.append(None)
                continue
            if rid in resolver.resources:
                kinds.append("resource")
            elif resolver.tag_members(rid) is not None:
                kinds.append("tag")
            else:
                constraint.ignored = f"{rid!r} is not a valid resource or tag"
                kinds.append(None)
        if constraint.ignored is None:
            if ctype == "colocation" and kinds == ["tag", "tag"]:
                constraint.ignored = "two templates or tags cannot be colocated"
            elif "tag" in kinds:
                sets = []
                for (attr, role_attr, rid), kind in zip(named, kinds):
                    moved = element.get(role_attr)  # first-action / rsc-role move onto the set
                    if kind == "tag":
                        members = []
                        for member in resolver.tag_members(rid):
                            expanded = _expand(member, resolver, constraint)
                            if expanded is None:
                                constraint.ignored = f"tag {rid!r} names {member!r}, not a valid resource"
                                break
                            members.extend(expanded)
                        rset = _set_from(None, members, id=rid, sequential=False, converted_from=attr,
                                         from_tag=rid)
                    else:
                        rset = _set_from(None, [resolver.resource(rid, constraint)], id=rid, converted_from=attr)
                    if ctype == "order":
                        rset.action = moved
                    else:
                        rset.role, rset.role_text = Role.parse(moved), moved
                    sets.append(rset)
                constraint.sets = tuple(sets)
                constraint.tags_expanded = True
                resolved_ids = [m for s in sets for m in s.members]
            else:
                resolved_ids = [resolver.resource(rid, constraint) for _, _, rid in named]
                constraint.sides = tuple(resolved_ids)
    constraint.references = tuple(refs)
    if constraint.ignored is None:
        constraint.resources = tuple(dict.fromkeys(r for r in resolved_ids if r is not None))
    return constraint


def _expand(rid, resolver, constraint):
    """Resource ids for a ``resource_ref``: the resource itself, or a tag's/template's members; None if
    something named does not exist."""
    if rid in resolver.resources:
        return [resolver.resource(rid, constraint)]
    members = resolver.tag_members(rid)
    if members is None:
        return None
    out = []
    for member in members:
        if member not in resolver.resources:
            return None
        out.append(resolver.resource(member, constraint))
    return out
