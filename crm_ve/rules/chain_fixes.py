"""Fixes for the storage-chain rules, as ordered ``crm configure ...`` and ``pcs ...`` command lists.

A wrong constraint is deleted before its replacement is added. Orders always spell both actions (an omitted
then-action defaults to the first-action, reference section 2.2), roles are written in the vocabulary the
CIB's schema accepts (``Promoted`` from pacemaker-3.7, else ``Master``), pcs uses its 0.11 keywords
(``promoted``). Group and clone meta go through ``crm resource meta`` / ``pcs resource meta``.
"""
from dataclasses import dataclass
from typing import Optional, Sequence

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


def _crm_ref(rid, role, vocabulary):
    name = vocabulary.role_name(role)
    return f"{rid}:{name}" if name else rid


def crm_command(spec, vocabulary):
    if isinstance(spec, OrderSpec):
        text = (f"crm configure order {spec.id} {spec.kind}: {spec.first}:{spec.first_action} "
                f"{spec.then}:{spec.then_action}")
        return text + ("" if spec.symmetrical else " symmetrical=false")
    if isinstance(spec, ColocationSpec):
        return (f"crm configure colocation {spec.id} {format_score(spec.score)}: "
                f"{_crm_ref(spec.dependent, spec.dependent_role, vocabulary)} "
                f"{_crm_ref(spec.primary, spec.primary_role, vocabulary)}")
    if isinstance(spec, MetaSpec):
        if spec.value is None:
            return f"crm resource meta {spec.resource} delete {spec.name}"
        return f"crm resource meta {spec.resource} set {spec.name} {spec.value}"
    if isinstance(spec, GroupMoveSpec):
        return None  # two commands: see crm_commands
    raise TypeError(spec)


def _crm_commands(spec, vocabulary):
    if isinstance(spec, GroupMoveSpec):
        return [f"crm configure modgroup {spec.group} remove {spec.member}",
                f"crm configure modgroup {spec.group} add {spec.member} after {spec.after}"]
    return [crm_command(spec, vocabulary)]


def pcs_command(spec, vocabulary):
    if isinstance(spec, OrderSpec):
        text = (f"pcs constraint order {spec.first_action} {spec.first} then {spec.then_action} {spec.then} "
                f"kind={spec.kind}")
        if not spec.symmetrical:
            text += " symmetrical=false"
        return text + f" id={spec.id}"
    if isinstance(spec, ColocationSpec):
        dep_role = vocabulary.pcs_role_keyword(spec.dependent_role)
        pri_role = vocabulary.pcs_role_keyword(spec.primary_role)
        return ("pcs constraint colocation add " + (f"{dep_role} " if dep_role else "") + f"{spec.dependent} with "
                + (f"{pri_role} " if pri_role else "") + f"{spec.primary} {format_score_xml(spec.score)} "
                f"id={spec.id}")
    if isinstance(spec, MetaSpec):
        return f"pcs resource meta {spec.resource} {spec.name}={spec.value or ''}"
    if isinstance(spec, GroupMoveSpec):
        return f"pcs resource group add {spec.group} {spec.member} --after {spec.after}"
    raise TypeError(spec)


def render_fix(vocabulary, deletes: Sequence[str], adds: Sequence[object]) -> Fix:
    """Delete ``deletes`` (constraint ids), then apply ``adds`` (specs) in order."""
    crm = [f"crm configure delete {cid}" for cid in deletes]
    pcs = [f"pcs constraint delete {cid}" for cid in deletes]
    for spec in adds:
        crm.extend(_crm_commands(spec, vocabulary))
        pcs.append(pcs_command(spec, vocabulary))
    return Fix(crm=tuple(crm), pcs=tuple(pcs))
