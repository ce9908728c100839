"""CV304 drbd-promoted-max: more than one promoted DRBD instance in total or per node (D3).

The ``ocf:linbit:drbd`` agent refuses start and promote with OCF_ERR_CONFIGURED when ``master-max`` > 1 and the
DRBD resource does not ``allow-two-primaries`` (docs/pacemaker-semantics.md §10);
Pacemaker passes ``promoted-max`` to it as
``CRM_meta_master_max`` too. Dual-primary is only right under a cluster file system that is itself cloned;
a single (non-cloned) Filesystem on the clone means single-primary: error, because the agent refuses to
promote (an error in docs/rule-catalogue.md#severities: DRBD refusing to promote, as for C21).
Without a Filesystem, or
for ``promoted-node-max`` > 1 (one DRBD instance per node can be promoted at most once), a warning.
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.rules.drbd_common import as_written, filesystems_on, meta_int, promotable_drbd_clones, set_meta

RULE = Rule(
    code="CV304",
    name="drbd-promoted-max",
    severity=Severity.ERROR,
    summary="a DRBD clone allows more than one promoted instance (promoted-max / master-max > 1)",
    covers=("D3",),
    suppression_target="the DRBD clone",
    doc=RuleDoc(
        what_it_does=(
            "Flags promotable DRBD clones with `promoted-max` (`master-max`) above 1 when a Filesystem that is "
            "not itself cloned sits on them (error), or when no cloned cluster file system does (warning), and "
            "clones with `promoted-node-max` (`master-node-max`) above 1 (warning)."
        ),
        why_is_this_bad=(
            "Two promoted instances mean dual-primary DRBD. Unless the DRBD resource has "
            "`allow-two-primaries`, the agent refuses every start and promote (OCF_ERR_CONFIGURED) and the stack "
            "never runs; with it, an ordinary file system such as ext4 must still be mounted on one node only. "
            "Dual-primary belongs under a cloned cluster file system (GFS2, OCFS2)."
        ),
        example="ms ms_drbd_r0 p_drbd_r0 meta master-max=2 notify=true",
        use_instead=(
            "ms ms_drbd_r0 p_drbd_r0 \\\n"
            "  meta master-max=1 master-node-max=1 notify=true"
        ),
    ),
    check=None,
)


def check(context):
    model = context.model
    for clone in promotable_drbd_clones(model):
        line = model.resources[clone.id].line
        value, name = meta_int(model, clone.id, "promoted-max", "master-max")
        if value is not None and value > 1:
            setting = as_written(model, clone.id, name, value)
            filesystems = filesystems_on(context, clone.id)
            single = [fs for fs in filesystems if model.clone_of(fs) is None]
            if single:
                yield Finding.of(
                    RULE, f"{clone.id} has {setting} (dual-primary) but {', '.join(single)} on it is not "
                          f"cloned, i.e. single-primary: the DRBD agent refuses start and promote with "
                          f"OCF_ERR_CONFIGURED unless the DRBD resource allows two primaries, and a non-cluster "
                          f"file system must never be active on two nodes. Set {name}=1.",
                    line=line, resources=(clone.id,) + tuple(single), fix=set_meta(clone.id, name, "1"),
                    suppress_on=clone.id)
            elif not filesystems:
                yield Finding.of(
                    RULE, f"{clone.id} has {setting} (dual-primary): right only when the DRBD resource has "
                          f"allow-two-primaries (else the agent refuses to start) and a cloned cluster file "
                          f"system uses it; otherwise set {name}=1.",
                    severity=Severity.WARNING, line=line, resources=(clone.id,),
                    fix=set_meta(clone.id, name, "1"), suppress_on=clone.id)
        node_value, node_name = meta_int(model, clone.id, "promoted-node-max", "master-node-max")
        if node_value is not None and node_value > 1:
            setting = as_written(model, clone.id, node_name, node_value)
            yield Finding.of(
                RULE, f"{clone.id} has {setting}: DRBD runs one instance per node, which can be "
                      f"promoted once; set {node_name}=1.",
                severity=Severity.WARNING, line=line, resources=(clone.id,),
                fix=set_meta(clone.id, node_name, "1"), suppress_on=clone.id)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
