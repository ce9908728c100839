"""Fixes for the storage-chain rules, as ordered ``crm configure ...`` and ``pcs ...`` command lists.

A wrong constraint is deleted before its replacement is added. Orders always spell both actions (an omitted
then-action defaults to the first-action, docs/pacemaker-semantics.md §2.2), roles are written in the vocabulary the
CIB's schema accepts (``Promoted`` from pacemaker-3.7, else ``Master``), pcs uses its 0.11 keywords
(``promoted``). Group and clone meta go through ``crm resource meta`` / ``pcs resource meta``.
"""
from dataclasses import dataclass
from typing import Optional, Sequence

from crm_ve import command_words
from crm_ve.command_words import crm_name, crm_shell_value, pcs_id, pcs_value
from crm_ve.findings import Fix
from crm_ve.model import INFINITY, MANDATORY, Role
from crm_ve.model.values import format_score, format_score_xml


@dataclass(frozen=True)
class OrderSpec:
    """An order to add: ``then`` (``then_action``) after ``first`` (``first_action``)."""

    id: str
    first: str
    first_action: str
    then: str
    then_action: str
    kind: str = MANDATORY
    symmetrical: bool = True

    @property
    def key(self):
        return ("order", self.first, self.first_action, self.then, self.then_action, self.kind, self.symmetrical)


@dataclass(frozen=True)
class ColocationSpec:
    """A colocation to add: ``dependent`` (``dependent_role``) with ``primary`` (``primary_role``)."""

    id: str
    dependent: str
    primary: str
    score: int = INFINITY
    dependent_role: Role = Role.ANY
    primary_role: Role = Role.ANY

    @property
    def key(self):
        return ("colocation", self.dependent, self.primary, self.score, self.dependent_role, self.primary_role)


@dataclass(frozen=True)
class MetaSpec:
    """Set (or with ``value`` None, delete) a meta attribute of a resource."""

    resource: str
    name: str
    value: Optional[str] = None

    @property
    def key(self):
        return ("meta", self.resource, self.name, self.value)


@dataclass(frozen=True)
class GroupMoveSpec:
    """Move ``member`` of ``group`` right after ``after``."""

    group: str
    member: str
    after: str

    @property
    def key(self):
        return ("move", self.group, self.member, self.after)


def _crm_ref(rid, role, vocabulary, what):
    name = vocabulary.role_name(role)
    rid = crm_name(rid, what)
    return f"{rid}:{name}" if name else rid


def _crm_commands(spec, vocabulary):
    """The ``crm ...`` argv lists applying ``spec``."""
    if isinstance(spec, OrderSpec):
        words = ["crm", "configure", "order", crm_name(spec.id, "constraint id"), f"{spec.kind}:",
                 f"{crm_name(spec.first, 'resource')}:{spec.first_action}",
                 f"{crm_name(spec.then, 'resource')}:{spec.then_action}"]
        return [words + ([] if spec.symmetrical else ["symmetrical=false"])]
    if isinstance(spec, ColocationSpec):
        return [["crm", "configure", "colocation", crm_name(spec.id, "constraint id"),
                 f"{format_score(spec.score)}:", _crm_ref(spec.dependent, spec.dependent_role, vocabulary, "resource"),
                 _crm_ref(spec.primary, spec.primary_role, vocabulary, "resource")]]
    if isinstance(spec, MetaSpec):
        head = ["crm", "resource", "meta", crm_name(spec.resource, "resource")]
        if spec.value is None:
            return [head + ["delete", crm_name(spec.name, "meta attribute")]]
        return [head + ["set", crm_name(spec.name, "meta attribute"), crm_shell_value(spec.value, "meta value")]]
    if isinstance(spec, GroupMoveSpec):
        group, member = crm_name(spec.group, "group"), crm_name(spec.member, "resource")
        return [["crm", "configure", "modgroup", group, "remove", member],
                ["crm", "configure", "modgroup", group, "add", member, "after", crm_name(spec.after, "resource")]]
    raise TypeError(spec)


def _pcs_command(spec, vocabulary):
    """The ``pcs ...`` argv applying ``spec``."""
    if isinstance(spec, OrderSpec):
        words = ["pcs", "constraint", "order", spec.first_action, pcs_id(spec.first, "resource"), "then",
                 spec.then_action, pcs_id(spec.then, "resource"), f"kind={spec.kind}"]
        if not spec.symmetrical:
            words.append("symmetrical=false")
        return words + [f"id={pcs_id(spec.id, 'constraint id')}"]
    if isinstance(spec, ColocationSpec):
        dep_role = vocabulary.pcs_role_keyword(spec.dependent_role)
        pri_role = vocabulary.pcs_role_keyword(spec.primary_role)
        return (["pcs", "constraint", "colocation", "add"] + ([dep_role] if dep_role else [])
                + [pcs_id(spec.dependent, "resource"), "with"] + ([pri_role] if pri_role else [])
                + [pcs_id(spec.primary, "resource"), format_score_xml(spec.score),
                   f"id={pcs_id(spec.id, 'constraint id')}"])
    if isinstance(spec, MetaSpec):
        return ["pcs", "resource", "meta", pcs_id(spec.resource, "resource"),
                f"{pcs_id(spec.name, 'meta attribute')}={pcs_value(spec.value or '', 'meta value')}"]
    if isinstance(spec, GroupMoveSpec):
        return ["pcs", "resource", "group", "add", pcs_id(spec.group, "group"), pcs_id(spec.member, "resource"),
                "--after", pcs_id(spec.after, "resource")]
    raise TypeError(spec)


def crm_delete(cids, force=False):
    """``crm [-F] configure delete CID`` argv lists."""
    return [["crm"] + (["-F"] if force else []) + ["configure", "delete", crm_name(cid, "constraint id")]
            for cid in cids]


def pcs_delete(cids):
    """``pcs constraint delete CID`` argv lists."""
    return [["pcs", "constraint", "delete", pcs_id(cid, "constraint id")] for cid in cids]


def delete_constraints(cids, force=False) -> Fix:
    """Delete the constraints ``cids`` (``force``: ``crm -F``)."""
    return command_words.fix(crm=lambda: crm_delete(cids, force), pcs=lambda: pcs_delete(cids))


def render_fix(vocabulary, deletes: Sequence[str], adds: Sequence[object]) -> Fix:
    """Delete ``deletes`` (constraint ids), then apply ``adds`` (specs) in order."""
    return command_words.fix(
        crm=lambda: crm_delete(deletes) + [w for spec in adds for w in _crm_commands(spec, vocabulary)],
        pcs=lambda: pcs_delete(deletes) + [_pcs_command(spec, vocabulary) for spec in adds])
