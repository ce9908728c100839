"""Resources as Pacemaker sees them: primitives (templates merged), groups, clones, ``<master>``, bundles.

Pacemaker Explained, "Reusing Parts of the Configuration": a primitive with ``template=`` takes the
template's class, provider, type, parameters, meta attributes and operations; its own win (on equal block
scores the later block wins, and the primitive's blocks come after the template's; operations are merged by
name and role, 2.1.5 ``unpack_template``).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from lxml import etree

from crm_ve.model.conditions import RuleContext
from crm_ve.model.nvsets import NvBlock, read_blocks
from crm_ve.model.primitive_shapes import op_fields_of
from crm_ve.model.values import Role, Truth, parse_interval_ms, parse_timeout_ms, remember

RESOURCE_TAGS = ("primitive", "group", "clone", "master", "bundle")
COLLECTIVE_KINDS = ("group", "clone", "master", "bundle")
CLONE_KINDS = ("clone", "master", "bundle")
_RESOURCE_TAG_SET = frozenset(RESOURCE_TAGS)
_GET = etree._Element.get
_UNKNOWN = object()


class Operation:
    """One ``<op>`` of a primitive (template ops merged in).

    ``element`` is the ``<op>`` element. A bare op of a primitive without template does not keep it
    (``_own_operations`` sets ``_primitive``, ``_index`` and ``_position``): it is found again on first use
    (the ``_position``-th of ``_resolved_ops``) - only fixes, ids and lines need it,
    and 60,000 element proxies kept alive at 20,000 containers cost memory and garbage-collector time.
    """

    __slots__ = ("name", "interval_ms", "role", "timeout", "meta_blocks", "_element", "_primitive", "_index",
                 "_position")

    def __init__(self, name, interval_ms, role, element=None, timeout=None, meta_blocks=()):
        self.name = name
        self.interval_ms = interval_ms
        self.role = role
        self._element = element
        self.timeout = timeout
        self.meta_blocks = meta_blocks
        self._primitive = None

    @property
    def element(self):
        element = self._element
        if element is None and self._primitive is not None:
            element = self._element = _resolved_ops(self._primitive, self._index)[self._position]
        return element

    @element.setter
    def element(self, value):
        self._element = value
        self._primitive = None

    @property
    def id(self):
        return self.element.get("id")

    @property
    def line(self):
        return self.element.sourceline

    def _fields(self):
        return self.name, self.interval_ms, self.role, self.element, self.timeout, self.meta_blocks

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # as the dataclass it was: compared by value, not hashable

    def __repr__(self):
        return (f"Operation(name={self.name!r}, interval_ms={self.interval_ms!r}, role={self.role!r}, "
                f"timeout={self.timeout!r}, meta_blocks={self.meta_blocks!r})")


class Resource:
    """A resource element: ``primitive``, ``group``, ``clone``, ``master`` or ``bundle``.

    ``params`` are the instance attributes as configured (blocks whose rule may apply included, the first
    such value kept); ``meta_blocks`` the resource's own meta blocks in precedence order; ``operations`` its
    ops. These three are read from the XML on first use (a CIB of 20,000 containers needs few of them).
    ``children`` are member ids in document order (a group's members, a clone's child, a bundle's primitive).
    ``agent`` is ``class:provider:type`` (or ``class:type``) of a primitive, None for anything else.
    """

    __slots__ = ("id", "kind", "element", "standard", "provider", "type", "parent", "children", "template",
                 "agent", "_ctx", "_template_element", "_index", "_params", "_meta_blocks", "_operations",
                 "_operation_blocks", "_meta_key", "_shapes")

    def __init__(self, id, kind, element, standard=None, provider=None, type=None, parent=None, children=(),
                 template=None, template_element=None, index=None, shapes=None):
        self.id = id
        self.kind = kind
        self.element = element
        self.parent = parent
        self.children = tuple(children)
        self.template = template
        self._template_element = template_element
        self._index = index if index is not None else {}
        self._params = None
        self._meta_blocks = None
        self._operations = None
        self._operation_blocks = None  # <operations> children seen while reading the meta blocks, not yet read
        self._meta_key = _UNKNOWN
        self._shapes = shapes  # the model's PrimitiveShapes, or None
        # the agent's strings and rule context are shared by every resource of that agent (20,000 containers
        # have one agent): less memory, and no RuleContext built on each meta() lookup
        self.standard, self.provider, self.type, self.agent, self._ctx = _agent_record(
            standard, provider, type, kind == "primitive")

    def __repr__(self):
        return f"Resource(id={self.id!r}, kind={self.kind!r}, agent={self.agent!r}, parent={self.parent!r})"

    @property
    def params(self) -> Dict[str, str]:
        if self._params is None:
            self._params = _params(_blocks(self.element, self._template_element, "instance_attributes",
                                           self._index), self._index, self._ctx) \
                if self.kind == "primitive" else {}
        return self._params

    @params.setter
    def params(self, value):
        self._params = dict(value)

    @property
    def meta_blocks(self) -> Tuple[NvBlock, ...]:
        blocks = self._meta_blocks
        if blocks is None:
            if self._template_element is None and self._operations is None and self.kind == "primitive":
                # one pass over the children finds the <operations> blocks too: ``operations`` (CV504 reads
                # the ops of every container after CV501 asked their meta) does not walk them again
                metas, op_blocks = [], []
                for child in self.element:
                    tag = child.tag  # comments: a function for a tag
                    if tag == "meta_attributes":
                        metas.append(child)
                    elif tag == "operations":
                        op_blocks.append(child)
                self._operation_blocks = op_blocks
                blocks = tuple(read_blocks(metas, "meta_attributes", self._index)) if metas else ()
            else:
                blocks = _blocks(self.element, self._template_element, "meta_attributes", self._index)
            self._meta_blocks = blocks
        return blocks

    @property
    def operations(self) -> Tuple[Operation, ...]:
        operations = self._operations
        if operations is None:
            if self.kind != "primitive":
                operations = ()
            elif self._template_element is not None:
                operations = _operations(self.element, self._template_element, self._index)
            elif self._operation_blocks is not None:
                operations = _own_operations(self.element, self._index, self._operation_blocks)[0]
                self._operation_blocks = None
            else:
                operations, has_meta = _own_operations(self.element, self._index)
                if not has_meta and self._meta_blocks is None:
                    self._meta_blocks = ()  # seen on the way: no meta_attributes child, no blocks to read
            self._operations = operations
        return operations

    def op_fields(self):
        """The ``(name, interval, role, timeout)`` attribute texts of each op, in order: what the fields of
        ``operations`` are made of, read without making them (a rule that compares them once per distinct
        tuple need not make 60,000 Operations at 20,000 containers). None where an op's fields are not its
        own attributes alone - a template, an ``id-ref`` (on an op or its block), an op with children (its
        timeout may come from its blocks) - and for anything but a primitive."""
        if self.kind != "primitive" or self._template_element is not None:
            return None
        shape = self._shape()
        if shape is not None:  # read in the background (primitive_shapes): the same texts
            return None if shape[1] is None else op_fields_of(shape[1])
        blocks = self._operation_blocks
        if blocks is None:
            blocks = [child for child in self.element if child.tag == "operations"]  # comments: a function
        fields = []
        append = fields.append
        get = _GET  # unbound: no bound method made per op
        for operations in blocks:
            if get(operations, "id-ref") is not None:
                return None
            for op in operations:
                if op.tag != "op":  # comments: a function for a tag
                    continue
                name = get(op, "name")
                if len(op) or (name is None and get(op, "id-ref") is not None):
                    return None
                append((name, get(op, "interval"), get(op, "role"), get(op, "timeout")))
        return tuple(fields)

    @property
    def line(self):
        return self.element.sourceline

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
        return self._ctx

    @property
    def meta_key(self):
        """A key shared by resources whose effective meta attributes (``CibModel.meta``) are provably the
        same, None for a resource with meta blocks of its own (its template's included). Without them, meta()
        reads only the ancestors' blocks and ``rsc_defaults`` - rules evaluated against the agent - and then
        the parent's effective value: it depends on the parent and the agent's rule context alone. Made once
        (three rules ask it of each container)."""
        key = self._meta_key
        if key is _UNKNOWN:
            shape = self._shape()
            # no meta_attributes child (as read in the background): no meta blocks, none to read
            has_blocks = bool(self.meta_blocks) if shape is None or shape[0] else False
            # the rule context's fields
            key = self._meta_key = None if has_blocks else (self.parent, self.standard, self.provider, self.type)
        return key

    def _shape(self):
        """``(has a meta_attributes child, op text or None)`` of a primitive without template as the model's
        :class:`~crm_ve.model.primitive_shapes.PrimitiveShapes` read it in the background, or None."""
        shapes = self._shapes
        if shapes is None or self._template_element is not None or self.kind != "primitive":
            return None
        return shapes.get(self.id)


_AGENT_RECORDS: dict = {}


def _agent_record(standard, provider, type_, primitive):
    """(standard, provider, type, agent, RuleContext), one shared tuple per distinct agent."""
    key = (standard, provider, type_, primitive)
    try:
        return _AGENT_RECORDS[key]
    except KeyError:
        pass
    agent = None
    if primitive and type_:
        agent = f"{standard}:{provider}:{type_}" if provider else f"{standard}:{type_}"
    return remember(_AGENT_RECORDS, key, (standard, provider, type_, agent, RuleContext(standard, provider, type_)))


def _children(element):
    return [c for c in element if isinstance(c.tag, str)]


def _blocks(element, template_element, tag, index):
    """The ``tag`` blocks of a resource, its template's first (the primitive's win ties); most have none."""
    elements = [child for child in element if child.tag == tag]  # comments: a function for a tag
    if template_element is not None:
        elements = [child for child in template_element if child.tag == tag] + elements
    if not elements:
        return ()
    return tuple(read_blocks(elements, tag, index))


def _params(blocks, index, ctx):
    values = {}
    for block in blocks:
        if block.rule is not None and not block.truth(ctx, index).possible:
            continue
        for name, value in block.pairs.items():
            if name not in values:
                values[name] = value
    return values


def _op_key(op):
    # 2.1.5 template_op_key: name and role, Started/Unpromoted/Slave/none counting as one
    role = op.get("role")
    if role is None or role.lower() in ("started", "unpromoted", "slave"):
        role = "Unknown"
    return f"{op.get('name')}-{role}"


def _operations(element, template_element, index):
    if template_element is None:
        return _own_operations(element, index)[0]
    ops = _resolved_ops(element, index)
    have = {_op_key(op) for op in ops}
    ops.extend(op for op in _resolved_ops(template_element, index) if _op_key(op) not in have)
    return tuple(_operation(op, op.get("name"), index) for op in ops)


def _op_elements(blocks, index):
    """(element, its ``get``, its ``name``) of each ``<op>`` of ``blocks`` (a primitive's or template's
    ``<operations>`` children), ``id-ref`` resolved on the blocks and on the ops (an op with a name is not a
    reference)."""
    for operations in blocks:
        ref = operations.get("id-ref")
        if ref is not None:
            operations = index.get(ref, operations)
        for op in operations:
            if op.tag != "op":  # comments: a function for a tag
                continue
            get = op.get
            name = get("name")
            if name is None:
                ref = get("id-ref")
                if ref is not None:
                    op = index.get(ref, op)
                    get = op.get
                    name = get("name")
            yield op, get, name


def _own_operations(primitive, index, blocks=None):
    """(operations, whether a ``meta_attributes`` child was seen) of a primitive without template:
    ``_resolved_ops`` and ``_operation`` in one pass, reading each ``<op>`` once. ``blocks``: the
    primitive's ``<operations>`` children when already found (then whether there is a meta block is not
    looked at: False)."""
    result = []
    append = result.append
    parse_role = Role.parse
    any_role = Role.ANY
    intervals = _OP_INTERVALS
    new = object.__new__
    has_meta = False
    if blocks is None:
        blocks = []
        for child in primitive:
            tag = child.tag  # comments have a function for a tag
            if tag == "operations":
                blocks.append(child)
            elif tag == "meta_attributes":
                has_meta = True
    for op, get, name in _op_elements(blocks, index):
        if len(op):  # most ops are a bare <op/>: no blocks to read
            append(_operation(op, name, index))
            continue
        interval = get("interval")
        try:
            interval_ms = intervals[interval]
        except KeyError:
            interval_ms = _op_interval(interval)
        role = get("role")
        # built in place, no call
        operation = new(Operation)
        operation.name = name or ""
        operation.interval_ms = interval_ms
        operation.role = any_role if role is None else parse_role(role)
        operation.timeout = get("timeout")
        operation.meta_blocks = ()
        operation._element = None
        operation._primitive = primitive
        operation._index = index
        operation._position = len(result)
        append(operation)
    return tuple(result), has_meta


_OP_INTERVALS: dict = {}


def _op_interval(text):
    return remember(_OP_INTERVALS, text, parse_interval_ms(text), 4096)


def _operation(op, name, index):
    """The :class:`Operation` of one (resolved) ``<op>`` element whose ``name`` attribute is ``name``."""
    timeout = op.get("timeout")
    meta_blocks = ()
    if len(op):  # most ops are a bare <op/>: no blocks to read
        op_children = list(op.iterchildren("meta_attributes", "instance_attributes"))
        if op_children:
            meta_blocks = tuple(read_blocks(op_children, "meta_attributes", index)
                                + read_blocks(op_children, "instance_attributes", index))
        if timeout is None:
            for block in meta_blocks:
                if "timeout" in block.pairs:
                    timeout = block.pairs["timeout"]
                    break
    return Operation(name or "", parse_interval_ms(op.get("interval")), Role.parse(op.get("role")), op,
                     timeout, meta_blocks)


def _resolved_ops(primitive, index):
    """The ``<op>`` elements of a primitive's (or template's) ``operations`` blocks, ``id-ref`` resolved."""
    return [op for op, _, _ in _op_elements([child for child in primitive if child.tag == "operations"], index)]


def own_op_timeout(operations, name, interval_ms=0, role=None):
    """(milliseconds, Operation) of the first of ``operations`` (a resource's) named ``name`` with that
    interval (and ``role`` unless None or ANY) that sets a ``timeout`` (read as ``unpack_timeout`` does: text
    it cannot read is 20 s, not op_defaults'); None when there is none: the first step of
    ``CibModel.op_timeout``, without building its source text (rules need it only when they report)."""
    interval_ms = interval_ms or 0
    check_role = role is not None and role is not Role.ANY
    for op in operations:
        if op.name != name or op.interval_ms != interval_ms:
            continue
        if check_role and op.role is not role:
            continue
        if op.timeout is not None:
            return parse_timeout_ms(op.timeout), op  # remembered there per spelling
    return None


_IDS_CONTAINING = etree.XPath("descendant-or-self::*/@id[contains(., $text)]", smart_strings=False)


def ids_containing(configuration, text):
    """The ids of ``configuration``'s elements that contain ``text``: for an id containing it, membership here
    is ``id in model.index`` without reading every id of the CIB (ElementIndex's first membership test hashes
    all of them: 40,000 at 5,000 containers)."""
    return set(_IDS_CONTAINING(configuration, text=text))


def read_resources(resources_section, index, shapes=None):
    """(resources by id, templates by id) from ``<resources>``; nested resources get ``parent``."""
    resources: Dict[str, Resource] = {}
    templates: Dict[str, object] = {}
    if resources_section is None:
        return resources, templates
    for child in resources_section.iterchildren("template"):
        tid = child.get("id")
        if tid:
            templates[tid] = child

    resource_tags = _RESOURCE_TAG_SET
    get = _GET

    def walk(parent_element, parent_id):
        ids = []
        for child in parent_element:  # a plain loop and a set test: faster than iterchildren(*tags)
            tag = child.tag  # comments: a function for a tag
            if tag not in resource_tags:
                continue
            rid = get(child, "id")
            if rid is None or rid in resources:
                # a repeated id is invalid (the schema's ids are unique); the first one stands, as in the
                # element index - taking the second would make a resource its own parent
                continue
            ids.append(rid)
            resources[rid] = resource = _resource(child, tag, rid, parent_id, templates, index, shapes)
            if tag != "primitive":
                resource.children = tuple(walk(child, rid))
        return ids

    walk(resources_section, None)
    return resources, templates


def _resource(element, tag, rid, parent_id, templates, index, shapes):
    if tag != "primitive":
        return Resource(rid, tag, element, None, None, None, parent_id, (), None, None, index)
    get = _GET  # unbound, as the attributes of 5,000 to 20,000 primitives are read
    template_id = get(element, "template")
    template = templates.get(template_id) if template_id else None
    agent = element if template is None else template
    # positional: 5,000 to 20,000 of them
    return Resource(rid, "primitive", element, get(agent, "class"), get(agent, "provider"), get(agent, "type"),
                    parent_id, (), template_id, template, index, shapes)


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


__all__ = ["Operation", "Resource", "Template", "read_resources", "read_tags", "truth_of_bool", "own_op_timeout",
           "ids_containing", "Truth",
           "COLLECTIVE_KINDS", "CLONE_KINDS", "RESOURCE_TAGS"]
