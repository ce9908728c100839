"""Helpers shared by the contradiction (CV4xx) and workload (CV5xx) rules: the stacks of a check, their
members in words, fresh constraint ids and fixes that delete constraints or set attributes.

Fix commands follow docs/rule-catalogue.md#fix-commands:
a wrong constraint is deleted before anything is added; meta attributes go
through ``crm resource meta`` / ``pcs resource meta``, instance attributes through ``crm resource param`` /
``pcs resource update``; roles are spelled in the CIB's vocabulary (``crm_ve.rules.chain_fixes``).
"""
import re
from typing import Iterable, List, Optional, Sequence

from crm_ve import command_words
from crm_ve.command_words import crm_name, crm_shell_value, pcs_id, pcs_value
from crm_ve.findings import Fix
from crm_ve.model import Role
from crm_ve.rules.chain_fixes import ColocationSpec, OrderSpec, render_fix


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
    """``base``, or ``base-2``... an id the CIB does not use yet (nor ``taken``). ``base`` is made an id both
    crmsh and pcs take first (a node name in it may hold any text): other characters than ASCII letters,
    digits and ``_ . -`` become ``_``."""
    taken = taken if taken is not None else set()
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", base)
    if not re.match(r"[A-Za-z_]", base):
        base = "_" + base
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
        return command_words.fix(
            crm=lambda: [["crm", "resource", "meta", crm_name(rid, "resource"), "delete",
                          crm_name(name, "meta attribute")]],
            pcs=lambda: [["pcs", "resource", "meta", pcs_id(rid, "resource"), f"{pcs_id(name, 'meta attribute')}="]])
    value = "false" if value is None else value
    return command_words.fix(
        crm=lambda: [["crm", "resource", "meta", crm_name(rid, "resource"), "set", crm_name(name, "meta attribute"),
                      crm_shell_value(value, "meta value")]],
        pcs=lambda: [["pcs", "resource", "meta", pcs_id(rid, "resource"),
                      f"{pcs_id(name, 'meta attribute')}={pcs_value(value, 'meta value')}"]])


def param_fix(rid, pairs) -> Fix:
    """Set instance attributes (``pairs``: (name, value)) of primitive ``rid``."""
    return command_words.fix(
        crm=lambda: [["crm", "resource", "param", crm_name(rid, "resource"), "set", crm_name(name, "parameter"),
                      crm_shell_value(value, f"{name} value")] for name, value in pairs],
        pcs=lambda: [["pcs", "resource", "update", pcs_id(rid, "resource")]
                     + [f"{pcs_id(n, 'parameter')}={pcs_value(v, f'{n} value')}" for n, v in pairs]])


def combine(*fixes: Optional[Fix]) -> Fix:
    return Fix.join(*fixes)


def tie_fix(model, container, filesystem) -> Fix:
    """Colocate ``container`` with ``filesystem`` (INFINITY) and order it after the mount (Mandatory)."""
    taken = set()
    dep, pri = model.top(container), model.top(filesystem)
    colocation = ColocationSpec(fresh_id(model, f"c_{dep}_with_{pri}", taken), dep, pri)
    order = OrderSpec(fresh_id(model, f"o_{pri}_before_{dep}", taken), pri, "start", dep, "start")
    return render_fix(model.vocabulary, [], [colocation, order])


__all__ = ["stacks_of", "role_words", "join", "fresh_id", "delete_fix", "preserved_colocations", "meta_fix",
           "param_fix", "combine", "tie_fix", "Role"]
