"""CV505 container-without-storage: a container tied to no Filesystem
(docs/rule-catalogue.md#which-container-sits-on-which-storage).

A container is tied to a Filesystem by a group, an order, colocation or set relation, its dump file under the
Filesystem's directory, or by being the only DRBD-backed Filesystem in the CIB. A container tied by none of
them runs wherever Pacemaker likes, with no storage started before it: either its private area is on a node's
local disk (no failover with data) or on a Filesystem nothing relates it to.
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.rules.stack_common import join, stacks_of, tie_fix

RULE = Rule(
    code="CV505",
    name="container-without-storage",
    severity=Severity.WARNING,
    summary="a container is tied to no Filesystem (no group, order, colocation or dump file relates them)",
    covers=(),
    suppression_target="the container",
    doc=RuleDoc(
        what_it_does=(
            "Reports containers (resources of a workload agent such as ManageVE) that stack recognition ties "
            "to no Filesystem: no group, order, colocation or resource set relates them, their dump file is "
            "under no Filesystem's directory, and the CIB has no single DRBD-backed Filesystem to assume."
        ),
        why_is_this_bad=(
            "Nothing makes the container run where its private area is mounted, or start after the mount: "
            "it may start on a node without its data, or before the Filesystem is there, and none of the "
            "storage checks can be made for it. If its data is on a node's local disk, it cannot fail over "
            "with its data at all."
        ),
        example=(
            "primitive p_ve102 ocf:crm-ve:ManageVE params veid=102"
        ),
        use_instead=(
            "primitive p_ve102 ocf:crm-ve:ManageVE params veid=102\n"
            "colocation c_ve102_on_fs inf: p_ve102 p_fs\n"
            "order o_fs_before_ve102 Mandatory: p_fs:start p_ve102:start"
        ),
    ),
    check=None,
)


def check(context):
    model = context.model
    stacks = stacks_of(context)
    drbd_backed = [fs for fs in stacks.filesystems if fs in stacks.filesystem_ties]
    for container in stacks.untied_containers:
        resource = model.resources[container]
        agent = next((a for a in context.workload_agents if a.spec == resource.agent), None)
        dump = agent.dump_parameter if agent is not None else None
        reasons = ["no group, order or colocation relates it to a Filesystem"]
        if dump and resource.params.get(dump):
            reasons.append(f"its {dump} {resource.params[dump]} is under no Filesystem's directory")
        fix = Fix()
        if not stacks.filesystems:
            reasons.append("and the CIB has no Filesystem resource: its private area is on storage the "
                           "cluster does not manage")
        elif len(drbd_backed) > 1:
            reasons.append(f"and there are several DRBD-backed Filesystems ({join(drbd_backed)})")
        elif len(stacks.filesystems) == 1:
            only = stacks.filesystems[0]
            reasons.append(f"and {only}, the only Filesystem, is on no DRBD clone we know")
            fix = tie_fix(model, container, only)
        else:
            reasons.append(f"and none of the Filesystems ({join(stacks.filesystems)}) is DRBD-backed")
        message = (f"{container} ({resource.agent}) is tied to no storage: {'; '.join(reasons)}. Nothing makes "
                   f"it run where its data is mounted or start after the mount, and its storage cannot be "
                   f"checked. Put it in a group after its Filesystem, or colocate it with (INFINITY) and order "
                   f"it after (Mandatory) that Filesystem.")
        yield Finding.of(RULE, message, line=resource.line, resources=(container,), fix=fix,
                         suppress_on=container)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
