"""CV307 drbd-never-promoted: a promotable DRBD clone that can never be promoted
(docs/rule-catalogue.md#severities).

docs/pacemaker-semantics.md §7.2 (E-X1, E-X1c):
effective ``target-role=Stopped`` (nothing runs) or ``Unpromoted``/``Slave``
(DRBD starts, never promotes) on the clone or its primitive - own meta, a parent's, or ``rsc_defaults``;
``promoted-max``/``master-max`` 0; ``clone-max`` 0; and §8: ``rsc_location`` with role Promoted (or
without a role) and ``-INFINITY`` on every node, by node or by a rule that certainly applies (``#uname``,
``defined #uname``; rules on other node attributes such as ping connectivity are how a working cluster steers
the Primary and are not reported). The Filesystem and containers on it never
start. A warning (an availability loss, nothing misordered); a rule that may apply is reported with its
condition.
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.model import Role, Truth
from crm_ve.rules.chain_fixes import delete_constraints
from crm_ve.rules.drbd_common import (as_written, delete_meta, join, meta_int, own_meta_holder,
                                      promotable_drbd_clones, set_meta)

RULE = Rule(
    code="CV307",
    name="drbd-never-promoted",
    severity=Severity.WARNING,
    summary="a promotable DRBD clone can never be promoted (target-role, promoted-max 0, Promoted banned)",
    covers=(),
    suppression_target="the DRBD clone",
    doc=RuleDoc(
        what_it_does=(
            "Flags promotable DRBD clones that can never be promoted: effective target-role Stopped or "
            "Unpromoted/Slave (on the clone, its primitive, or from rsc_defaults), promoted-max (master-max) or "
            "clone-max 0, or location constraints that ban the Promoted role (or every instance) from every node."
        ),
        why_is_this_bad=(
            "Without a DRBD Primary the Filesystem colocated with the Promoted role and ordered after the "
            "promote never starts, and neither does any container on it. Leftovers of maintenance (`crm "
            "resource demote`, `crm resource ban --master` on each node) cause it; crm_verify is silent."
        ),
        example=(
            "ms ms_drbd_r0 p_drbd_r0 meta notify=true target-role=Slave\n"
            "location l_no_primary ms_drbd_r0 \\\n"
            "  rule $role=Master -inf: defined #uname"
        ),
        use_instead="ms ms_drbd_r0 p_drbd_r0 meta notify=true",
    ),
    check=None,
)

_NO_PROMOTION = {Role.STOPPED: "nothing runs", Role.UNPROMOTED: "DRBD starts but is never promoted"}


def _target_role(model, clone):
    """Problems and fixes from target-role on the clone or its primitives."""
    reasons, fixes, sources = [], [], set()
    for rid in (clone.id,) + clone.primitives:
        value = model.meta(rid, "target-role")
        if value.candidates and value.candidates[0].source in sources:
            continue  # the primitive inherits the clone's value: reported once
        sources.update(c.source for c in value.candidates)
        truth = value.truth(lambda v: Role.parse(v) in _NO_PROMOTION if isinstance(v, str) else False)
        if truth is Truth.FALSE:
            continue
        bad = next(v for v in value.possible if v is not None and Role.parse(v) in _NO_PROMOTION)
        where = next(c.source for c in value.candidates if c.value == bad)
        when = f" while {', '.join(value.conditions) or 'a rule'} applies" if truth is Truth.MAYBE else ""
        holder = own_meta_holder(model, rid, "target-role")
        where = where if holder else f"rsc_defaults, {where}"
        reasons.append(f"{rid} has target-role={bad} ({where}){when}: {_NO_PROMOTION[Role.parse(bad)]}")
        fixes.append(delete_meta(holder, "target-role") if holder else set_meta(rid, "target-role", "Started"))
    return reasons, fixes


def check(context):
    model = context.model
    for clone in promotable_drbd_clones(model):
        reasons, fixes = _target_role(model, clone)
        value, name = meta_int(model, clone.id, "promoted-max", "master-max")
        if value == 0:
            reasons.append(f"{clone.id} has {as_written(model, clone.id, name, value)}: no instance may be promoted")
            fixes.append(set_meta(clone.id, name, "1"))
        count, _ = meta_int(model, clone.id, "clone-max")
        if count == 0:
            reasons.append(f"{clone.id} has {as_written(model, clone.id, 'clone-max', count)}: no instance runs")
            fixes.append(set_meta(clone.id, "clone-max", "2"))
        per_node, everywhere, responsible = model.banned_nodes(clone.id, Role.PROMOTED)
        # only certain bans: a rule on node attributes (ping connectivity) or the date is how a working
        # cluster keeps the Primary off bad nodes, not a mistake
        if everywhere is Truth.TRUE:
            nodes = ", ".join(model.nodes) if model.nodes else "any node"
            reasons.append(f"location constraints {', '.join(responsible)} ban its Promoted role from every node "
                           f"({nodes})")
            fixes.append(delete_constraints(responsible))
        if not reasons:
            continue
        yield Finding.of(
            RULE, f"{clone.id} can never be promoted: {'; '.join(reasons)}. The Filesystem and containers on it "
                  f"never start.", line=model.resources[clone.id].line,
            resources=(clone.id,) + clone.primitives, constraints=tuple(responsible) if everywhere is Truth.TRUE else (),
            fix=join(*fixes), suppress_on=clone.id)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
