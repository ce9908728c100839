"""Resources as Pacemaker sees them: primitives (templates merged), groups, clones, ``<master>``, bundles.

Pacemaker Explained, "Reusing Parts of the Configuration": a primitive with ``template=`` takes the
template's class, provider, type, parameters, meta attributes and operations; its own win (on equal block
scores the later block wins, and the primitive's blocks come after the template's; operations are merged by
name and role, 2.1.5 ``unpack_template``).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from crm_ve.model.conditions import RuleContext
from crm_ve.model.nvsets import NvBlock, read_blocks
from crm_ve.model.values import SLOTS, Role, Truth, parse_interval_ms

RESOURCE_TAGS = ("primitive", "group", "clone", "master", "bundle")
COLLECTIVE_KINDS = ("group", "clone", "master", "bundle")
CLONE_KINDS = ("clone", "master", "bundle")


@dataclass(**SLOTS)
class Operation:
    """One ``<op>`` of a primitive (template ops merged in)."""

    name: str
    interval_ms: int
    role: Role
    element: object = field(repr=False)
    timeout: Optional[str] = None
    meta_blocks: Tuple[NvBlock, ...] = ()

    @property
    def id(self):
        return self.element.get("id")

    @property
    def line(self):
        return self.element.sourceline


class Resource:
    """A resource element: ``primitive``, ``group``, ``clone``, ``master`` or ``bundle``.

    ``params`` are the instance attributes as configured (blocks whose rule may apply included, the first
    such value kept); ``meta_blocks`` the resource's own meta blocks in precedence order; ``operations`` its
    ops. These three are read from the XML on first use (a CIB of 20,000 containers needs few of them).
    ``children`` are member ids in document order (a group's members, a clone's child, a bundle's primitive).
    """

    __slots__ = ("id", "kind", "element", "standard", "provider", "type", "parent", "children", "template",
                 "_template_element", "_index", "_params", "_meta_blocks", "_operations")

    def __init__(self, id, kind, element, standard=None, provider=None, type=None, parent=None, children=(),
                 template=None, template_element=None, index=None):
        self.id = id
        self.kind = kind
        self.element = element
        self.standard = standard
        self.provider = provider
        self.type = type
        self.parent = parent
        self.children = tuple(children)
        self.template = template
        self._template_element = template_element
        self._index = index if index is not None else {}
        self._params = None
        self._meta_blocks = None
        self._operations = None

    def __repr__(self):
        return f"Resource(id={self.id!r}, kind={self.kind!r}, agent={self.agent!r}, parent={self.parent!r})"

    def _merged_children(self):
        own = _children(self.element)
        if self._template_element is None:
            return own
        return _children(self._template_element) + own  # the primitive's blocks last: they win ties

    @property
    def params(self) -> Dict[str, str]:
        if self._params is None:
            self._params = _params(self._merged_children(), self._index, self.rule_context) \
                if self.kind == "primitive" else {}
        return self._params

    @params.setter
    def params(self, value):
        self._params = dict(value)

    @property
    def meta_blocks(self) -> Tuple[NvBlock, ...]:
        if self._meta_blocks is None:
            self._meta_blocks = tuple(read_blocks(self._merged_children(), "meta_attributes", self._index))
        return self._meta_blocks

    @property
    def operations(self) -> Tuple[Operation, ...]:
        if self._operations is None:
            if self.kind != "primitive":
                self._operations = ()
            else:
                template_children = (_children(self._template_element)
                                     if self._template_element is not None else None)
                self._operations = _operations(_children(self.element), template_children, self._index)
        return self._operations

    @property
    def line(self):
        return self.element.sourceline

    @property
    def agent(self):
        """``class:provider:type`` (or ``class:type``) of a primitive; None for anything else."""
        if self.kind != "primitive" or not self.type:
            return None
        if self.provider:
            return f"{self.standard}:{self.provider}:{self.type}"
        return f"{self.standard}:{self.type}"

    @property
    def is_primitive(self):
        return self.kind == "primitive"

    @property
    def is_group(self):
        return self.kind == "group"

    @property
    def is_clone(self):
        """A clone, ``<master>`` or bundle: something with instances."""
        return self.kind in CLONE_KINDS

    @property
    def rule_context(self):
        return RuleContext(self.standard, self.provider, self.type)


def _children(element):
    return [c for c in element if isinstance(c.tag, str)]


def _params(children, index, ctx):
    values = {}
    for block in read_blocks(children, "instance_attributes", index):
        if not block.truth(ctx, index).possible:
            continue
        for name, value in block.pairs.items():
            values.setdefault(name, value)
    return values


def _op_key(op):
    # 2.1.5 template_op_key: name and role, Started/Unpromoted/Slave/none counting as one
    role = op.get("role")
    if role is None or role.lower() in ("started", "unpromoted", "slave"):
        role = "Unknown"
    return f"{op.get('name')}-{role}"


def _operations(children, template_children, index):
    own = [c for c in children if c.tag == "operations"]
    ops = [op for block in own for op in _resolved_ops(block, index)]
    if template_children is not None:
        have = {_op_key(op) for op in ops}
        for block in (c for c in template_children if c.tag == "operations"):
            ops.extend(op for op in _resolved_ops(block, index) if _op_key(op) not in have)
    result = []
    for op in ops:
        meta_blocks = ()
        if len(op):  # most ops are a bare <op/>: no blocks to read
            op_children = _children(op)
            meta_blocks = tuple(read_blocks(op_children, "meta_attributes", index)
                                + read_blocks(op_children, "instance_attributes", index))
        timeout = op.get("timeout")
        if timeout is None:
            for block in meta_blocks:
                if "timeout" in block.pairs:
                    timeout = block.pairs["timeout"]
                    break
        result.append(Operation(op.get("name") or "", parse_interval_ms(op.get("interval"), 0) or 0,
                                Role.parse(op.get("role")), op, timeout, meta_blocks))
    return tuple(result)


def _resolved_ops(operations, index):
    if operations.get("id-ref") is not None:
        operations = index.get(operations.get("id-ref"), operations)
    out = []
    for op in operations:
        if not isinstance(op.tag, str) or op.tag != "op":
            continue
        if op.get("id-ref") is not None and op.get("name") is None:
            op = index.get(op.get("id-ref"), op)
        out.append(op)
    return out


def read_resources(resources_section, index):
    """(resources by id, templates by id) from ``<resources>``; nested resources get ``parent``."""
    resources: Dict[str, Resource] = {}
    templates: Dict[str, object] = {}
    if resources_section is None:
        return resources, templates
    for child in resources_section:
        if isinstance(child.tag, str) and child.tag == "template" and child.get("id"):
            templates[child.get("id")] = child

    def walk(parent_element, parent_id):
        ids = []
        for child in parent_element:
            if not isinstance(child.tag, str) or child.tag not in RESOURCE_TAGS:
                continue
            rid = child.get("id")
            if rid is None or rid in resources:
                # a repeated id is invalid (the schema's ids are unique); the first one stands, as in the
                # element index - taking the second would make a resource its own parent
                continue
            ids.append(rid)
            resources[rid] = _resource(child, rid, parent_id, templates, index)
            if child.tag != "primitive":
                resources[rid].children = tuple(walk(child, rid))
        return ids

    walk(resources_section, None)
    return resources, templates


def _resource(element, rid, parent_id, templates, index):
    if element.tag != "primitive":
        return Resource(rid, element.tag, element, parent=parent_id, index=index)
    template_id = element.get("template")
    template = templates.get(template_id) if template_id else None
    source = template if template is not None else element
    return Resource(rid, "primitive", element, standard=source.get("class"), provider=source.get("provider"),
                    type=source.get("type"), parent=parent_id, template=template_id, template_element=template,
                    index=index)


@dataclass
class Template:
    """A ``<template>`` and the primitives derived from it."""

    id: str
    element: object = field(repr=False)
    primitives: List[str] = field(default_factory=list)


def read_tags(tags_section):
    """Tag id -> referenced ids (``obj_ref``), in document order."""
    tags = {}
    if tags_section is None:
        return tags
    for tag in tags_section:
        if isinstance(tag.tag, str) and tag.tag == "tag" and tag.get("id"):
            tags[tag.get("id")] = [ref.get("id") for ref in tag
                                   if isinstance(ref.tag, str) and ref.tag == "obj_ref" and ref.get("id")]
    return tags


def truth_of_bool(meta_value, default):
    """Truth that a boolean meta attribute is true, over every outcome (``default`` when unset)."""
    from crm_ve.model.values import parse_bool
    return meta_value.truth(lambda v: parse_bool(v, default) if isinstance(v, str) else v, default=default)


__all__ = ["Operation", "Resource", "Template", "read_resources", "read_tags", "truth_of_bool", "Truth",
           "COLLECTIVE_KINDS", "CLONE_KINDS", "RESOURCE_TAGS"]
