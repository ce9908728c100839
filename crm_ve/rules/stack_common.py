"""Helpers shared by the contradiction (CV4xx) and workload (CV5xx) rules: the stacks of a check, their
members in words, fresh constraint ids and fixes that delete constraints or set attributes.

Fix commands follow validator.md: a wrong constraint is deleted before anything is added; meta attributes go
through ``crm resource meta`` / ``pcs resource meta``, instance attributes through ``crm resource param`` /
``pcs resource update``; roles are spelled in the CIB's vocabulary (``crm_ve.rules.chain_fixes``).
"""
import shlex
from typing import Iterable, List, Optional, Sequence

from crm_ve.findings import Fix
from crm_ve.model import Role
from crm_ve.rules.chain_fixes import ColocationSpec, OrderSpec, crm_command, pcs_command, render_fix


def stacks_of(context):
    """Stack recognition for the check's workload agents (cached by the model)."""
    return context.model.stacks(context.workload_agents)


def role_words(model, rid, role):
    """``ms_drbd_r0:Master`` (the CIB's spelling) or ``p_fs``."""
    name = model.vocabulary.role_name(role) if role is not None else None
    return f"{rid}:{name}" if name else rid


def join(words: Iterable[str]) -> str:
    words = list(dict.fromkeys(words))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def fresh_id(model, base, taken=None):
    """``base``, or ``base-2``... an id the CIB does not use yet (nor ``taken``)."""
    taken = taken if taken is not None else set()
    cid, n = base, 1
    while cid in model.index or cid in taken:
        n += 1
        cid = f"{base}-{n}"
    taken.add(cid)
    return cid


def delete_fix(model, constraint_ids: Sequence[str], adds: Sequence[object] = ()) -> Fix:
    """Delete ``constraint_ids``, then add ``adds`` (chain_fixes specs, ids already allocated)."""
    return render_fix(model.vocabulary, list(dict.fromkeys(constraint_ids)), list(adds))


def preserved_colocations(model, constraint_id, dropped, taken) -> List[ColocationSpec]:
    """What a deleted colocation *set* also said about other pairs (every edge of ``constraint_id`` except
    those ``dropped(edge)`` accepts), as two-resource colocations with fresh ids."""
    constraint = model.constraints.get(constraint_id)
    if constraint is None or not constraint.uses_sets:
        return []
    specs = []
    for edge in model.colocation_edges:
        if edge.constraint != constraint_id or edge.ignored is not None or dropped(edge):
            continue
        cid = fresh_id(model, f"c_{edge.dependent}_with_{edge.primary}", taken)
        specs.append(ColocationSpec(cid, edge.dependent, edge.primary, edge.score, edge.dependent_role,
                                    edge.primary_role))
    return specs


def meta_fix(model, rid, name, value=None) -> Fix:
    """Set meta attribute ``name`` of ``rid`` to ``value``, or with None drop it: delete it where the resource
    sets it itself, else (a template, a group, rsc_defaults) override it with ``false``."""
    own = any(name in block.pairs for block in model.resources[rid].meta_blocks) and \
        model.resources[rid].template is None
    if value is None and own:
        return Fix(crm=(f"crm resource meta {rid} delete {name}",), pcs=(f"pcs resource meta {rid} {name}=",))
    value = "false" if value is None else value
    return Fix(crm=(f"crm resource meta {rid} set {name} {value}",),
               pcs=(f"pcs resource meta {rid} {name}={value}",))


def param_fix(rid, pairs) -> Fix:
    """Set instance attributes (``pairs``: (name, value)) of primitive ``rid``."""
    crm = tuple(f"crm resource param {rid} set {name} {shlex.quote(value)}" for name, value in pairs)
    pcs = ("pcs resource update " + rid + "".join(f" {shlex.quote(f'{n}={v}')}" for n, v in pairs),)
    return Fix(crm=crm, pcs=pcs)


def combine(*fixes: Optional[Fix]) -> Fix:
    crm, pcs = [], []
    for fix in fixes:
        if fix:
            crm.extend(fix.crm)
            pcs.extend(fix.pcs)
    return Fix(crm=tuple(crm), pcs=tuple(pcs))


def tie_fix(model, container, filesystem) -> Fix:
    """Colocate ``container`` with ``filesystem`` (INFINITY) and order it after the mount (Mandatory)."""
    taken = set()
    dep, pri = model.top(container), model.top(filesystem)
    colocation = ColocationSpec(fresh_id(model, f"c_{dep}_with_{pri}", taken), dep, pri)
    order = OrderSpec(fresh_id(model, f"o_{pri}_before_{dep}", taken), pri, "start", dep, "start")
    return render_fix(model.vocabulary, [], [colocation, order])


__all__ = ["stacks_of", "role_words", "join", "fresh_id", "delete_fix", "preserved_colocations", "meta_fix",
           "param_fix", "combine", "tie_fix", "crm_command", "pcs_command", "Role"]
