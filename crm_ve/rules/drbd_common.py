"""What the DRBD clone rules (CV302-CV307) share: which resources are DRBD, their clones, and meta fixes.

A DRBD resource is a primitive of type ``drbd`` (``ocf:linbit:drbd``, or the deprecated ``ocf:heartbeat:drbd``
that CV301 reports). Meta attributes of the promotable clone are changed with ``crm resource meta`` /
``pcs resource meta`` (docs/rule-catalogue.md#fix-commands), under the name the CIB already uses (``master-max`` or
``promoted-max``: when both are set ``promoted-max`` wins, docs/pacemaker-semantics.md §6.1), else the name of its era.
"""
from dataclasses import dataclass
from typing import List, Optional, Tuple

from crm_ve import command_words
from crm_ve.command_words import crm_name, crm_shell_value, pcs_id, pcs_value
from crm_ve.findings import Fix
from crm_ve.model.values import parse_count

DRBD_TYPE = "drbd"


@dataclass(frozen=True)
class DrbdClone:
    """A promotable clone (``<master>`` or ``<clone promotable=true>``) holding DRBD primitives."""

    id: str
    primitives: Tuple[str, ...]


def _memo(model, name, compute):
    """``compute(model)`` once per model (several DRBD rules ask the same)."""
    cache = model.__dict__.setdefault("_drbd_common", {})
    if name not in cache:
        cache[name] = tuple(compute(model))
    return list(cache[name])


def drbd_primitives(model) -> List[str]:
    """The DRBD primitives, in document order."""
    # the type first: a plain attribute, None for anything but a primitive (one test per resource of 20,000)
    return _memo(model, "primitives",
                 lambda m: [r.id for r in m.resources.values() if r.type == DRBD_TYPE and r.is_primitive])


def holds_drbd(model, rid) -> bool:
    """``rid`` is a DRBD primitive or a clone or group holding one."""
    return rid in model.resources and any(model.resources[p].type == DRBD_TYPE for p in model.primitives_under(rid))


def promotable_drbd_clones(model) -> List[DrbdClone]:
    """Clones whose promotion is possible (certainly or through a rule that may apply) holding DRBD."""
    return _memo(model, "promotable_clones", _promotable_drbd_clones)


def _promotable_drbd_clones(model):
    clones = {}
    for rid in drbd_primitives(model):
        top = model.top(rid)
        if top != rid and model.resources[top].is_clone and model.promotable(top).possible:
            clones.setdefault(top, []).append(rid)
    return [DrbdClone(cid, tuple(prims)) for cid, prims in clones.items()]


def own_meta_holder(model, rid, name) -> Optional[str]:
    """The resource (``rid`` or an ancestor) whose own meta attributes set ``name``; None when it comes from
    ``rsc_defaults`` or is unset."""
    for holder in [rid] + model.ancestors(rid):
        if any(name in block.pairs for block in model.resources[holder].meta_blocks):
            return holder
    return None


def meta_name(model, clone_id, new_name, old_name):
    """``promoted-max``/``master-max`` (and the ``-node-`` pair): the one in effect on the clone, else the
    one the CIB's era writes."""
    if model.meta(clone_id, new_name).value is not None:
        return new_name
    if model.meta(clone_id, old_name).value is not None:
        return old_name
    if model.resources[clone_id].kind == "master" or not model.vocabulary.new_role_names:
        return old_name
    return new_name


def meta_int(model, rid, *names) -> Tuple[Optional[int], Optional[str]]:
    """The first of ``names`` that is set on ``rid`` (effective), as the count Pacemaker reads from it, and
    the name; (None, None) when none is set. 2.1.5 ``clone_unpack`` reads ``clone-max``, ``promoted-max``...
    with ``pcmk__scan_min_int`` and minimum 0: text that is no integer counts 0 (``parse_count``)."""
    for name in names:
        value = model.meta(rid, name).value
        if value is not None:
            return parse_count(value), name
    return None, None


def as_written(model, rid, name, value):
    """``name=value`` for a message about the count ``value`` that :func:`meta_int` read, with the text as
    the CIB writes it when that is not the same (``clone-max='²' (read as 0)``)."""
    text = model.meta(rid, name).value
    if text is None or text == str(value):
        return f"{name}={value}"
    return f"{name}={text[:40]!r}{'...' if len(text) > 40 else ''} (read as {value})"


def set_meta(resource, name, value) -> Fix:
    return command_words.fix(
        crm=lambda: [["crm", "resource", "meta", crm_name(resource, "resource"), "set", name,
                      crm_shell_value(value, f"{name} value")]],
        pcs=lambda: [["pcs", "resource", "meta", pcs_id(resource, "resource"), f"{name}={pcs_value(value, name)}"]])


def delete_meta(resource, name) -> Fix:
    return command_words.fix(crm=lambda: [["crm", "resource", "meta", crm_name(resource, "resource"), "delete", name]],
                             pcs=lambda: [["pcs", "resource", "meta", pcs_id(resource, "resource"), f"{name}="]])


def join(*fixes) -> Fix:
    return Fix.join(*fixes)


def filesystems_on(context, clone_id) -> List[str]:
    """Filesystems recognised as sitting on ``clone_id``
    (docs/rule-catalogue.md#which-container-sits-on-which-storage)."""
    stacks = context.model.stacks(context.workload_agents)
    return [stack.filesystem for stack in stacks.stacks if stack.drbd == clone_id]
