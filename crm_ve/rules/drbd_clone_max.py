"""CV305 drbd-clone-count: the DRBD clone's instance counts do not match a DRBD pair (D4).

One DRBD instance per node holding a replica: ``clone-max`` is the number of DRBD peers (2 for the classic
pair, LINBIT's User's Guide and Clusters from Scratch), ``clone-node-max=1`` (an anonymous clone runs at most
one instance per node; larger values are reset with a configuration error: docs/rule-catalogue.md D4).
Unset, clone-max is the number of nodes. Warnings: one instance means no failover, more than the peers means
instances on nodes without the DRBD resource (their start fails).
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.rules.drbd_common import as_written, meta_int, promotable_drbd_clones, set_meta

RULE = Rule(
    code="CV305",
    name="drbd-clone-count",
    severity=Severity.WARNING,
    summary="a DRBD clone's clone-max is not 2 or its clone-node-max is above 1",
    covers=("D4",),
    suppression_target="the DRBD clone",
    doc=RuleDoc(
        what_it_does=(
            "Flags promotable DRBD clones whose `clone-max` is not 2 (or is unset on a CIB with more than "
            "two nodes), and those with `clone-node-max` above 1."
        ),
        why_is_this_bad=(
            "DRBD runs one instance on each node that holds a replica. With clone-max=1 there is no Secondary "
            "to fail over to; with more instances than DRBD peers, Pacemaker starts instances on nodes that "
            "have no such DRBD resource and their start fails. clone-node-max above 1 is meaningless for "
            "DRBD. A DRBD 9 resource with three peers does want clone-max=3: suppress the warning there."
        ),
        example="ms ms_drbd_r0 p_drbd_r0 meta clone-max=3 notify=true",
        use_instead="ms ms_drbd_r0 p_drbd_r0 meta clone-max=2 clone-node-max=1 notify=true",
    ),
    check=None,
)


def check(context):
    model = context.model
    for clone in promotable_drbd_clones(model):
        line = model.resources[clone.id].line
        value, _ = meta_int(model, clone.id, "clone-max")
        if value is not None and value != 2:
            why = ("a single instance leaves no Secondary to fail over to" if value < 2 else
                   f"{value} instances are right only if the DRBD resource has {value} peers; otherwise "
                   f"instances start on nodes without it and fail")
            setting = as_written(model, clone.id, "clone-max", value)
            yield Finding.of(RULE, f"{clone.id} has {setting}: {why}. Set clone-max=2 for a DRBD pair.",
                             line=line, resources=(clone.id,), fix=set_meta(clone.id, "clone-max", "2"),
                             suppress_on=clone.id)
        elif value is None and len(model.nodes) > 2:
            yield Finding.of(RULE, f"{clone.id} sets no clone-max, so it runs one instance on each of the "
                                   f"{len(model.nodes)} nodes: right only if the DRBD resource has that many peers. "
                                   f"Set clone-max=2 for a DRBD pair.",
                             line=line, resources=(clone.id,), fix=set_meta(clone.id, "clone-max", "2"),
                             suppress_on=clone.id)
        node_value, _ = meta_int(model, clone.id, "clone-node-max")
        if node_value is not None and node_value > 1:
            setting = as_written(model, clone.id, "clone-node-max", node_value)
            yield Finding.of(RULE, f"{clone.id} has {setting}: DRBD runs one instance per node. "
                                   f"Set clone-node-max=1.",
                             line=line, resources=(clone.id,), fix=set_meta(clone.id, "clone-node-max", "1"),
                             suppress_on=clone.id)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
