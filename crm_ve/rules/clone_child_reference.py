"""CV201 constraint-on-clone-child: a constraint names the primitive inside a clone, ``<master>`` or bundle (C6, D6).

Pacemaker Explained, "Clone Contents": "You should never reference the name of a clone's child". 2.1.5
``pcmk__find_constraint_resource`` finds the child only through the status section's instance history, so the
constraint is dropped on a fresh cluster ("Ignoring constraint ... not a valid resource or tag") and applied
to the clone once history exists (docs/pacemaker-semantics.md §3.4, E-M5): its behaviour flips with cluster history.
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.rules.constraint_rewrite import rewrite

RULE = Rule(
    code="CV201",
    name="constraint-on-clone-child",
    severity=Severity.ERROR,
    summary="a constraint names the primitive inside a clone or master/slave resource instead of the clone",
    covers=("C6", "D6"),
    suppression_target="the constraint",
    doc=RuleDoc(
        what_it_does=(
            "Flags every order, colocation, location or ticket constraint (and every resource set) that names "
            "a resource inside a clone, a promotable clone (`ms`, `<master>`) or a bundle, such as the DRBD "
            "primitive instead of its promotable clone."
        ),
        why_is_this_bad=(
            "Pacemaker resolves such a name only through the instances it finds in the cluster's status "
            "history. On a fresh cluster, or after a cleanup, the constraint is ignored (\"Ignoring constraint: "
            "not a valid resource or tag\") and the Filesystem may be mounted before DRBD is promoted or on the "
            "Secondary; once history exists the same constraint is applied to the clone. The configuration "
            "behaves differently from one day to the next. crm_verify reports it only on a CIB without status; "
            "crmsh and pcs refuse it unless forced."
        ),
        example=(
            "colocation c_fs_on_drbd inf: p_fs p_drbd_r0:Master\n"
            "order o_drbd_before_fs inf: p_drbd_r0:promote p_fs:start"
        ),
        use_instead=(
            "colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master\n"
            "order o_drbd_before_fs inf: ms_drbd_r0:promote p_fs:start"
        ),
    ),
    check=None,
)


def check(context):
    model = context.model
    for constraint in model.constraint_list:
        if not constraint.via_child or constraint.ignored:
            continue
        named = ", ".join(f"{child} (inside {clone})" for child, clone in constraint.via_child.items())
        clones = ", ".join(dict.fromkeys(constraint.via_child.values()))
        fix = rewrite(model, constraint, rename=dict(constraint.via_child), force=True)
        message = (f"{constraint.type} {constraint.id} names {named}: Pacemaker ignores it on a cluster without "
                   f"status history for that child and applies it to the clone only once history exists; "
                   f"name {clones} instead")
        if fix is None:
            message += " (re-create the constraint with that id)"
        yield Finding.of(
            RULE, message + ".", line=constraint.line, constraints=(constraint.id,),
            resources=tuple(dict.fromkeys(list(constraint.via_child) + list(constraint.via_child.values()))),
            fix=fix or Fix(), suppress_on=constraint.id,
        )


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
