"""CV202 constraint-on-group-member: a constraint names one member of a group where the group is meant (C7).

Pacemaker Explained, "Groups": "it is usually preferable to reference the group itself"; a constraint on a
member applies to that member only. On the first member it happens to cover the group (the later members follow
it), on a later member the members before it are left out (docs/pacemaker-semantics.md §5, E-G2/E-G3). Where that breaks
a storage chain the chain rules (CV101-CV104) report an error and this rule stays silent about the constraint.

A warning, except for DRBD's order or colocation naming a member of group G1 while another group G2 is ordered
after G1: on a DRBD failure Pacemaker 2.1.5 restarts G1 without stopping G2 (crm_simulate with a failed monitor
of the Promoted instance: "restart p_lvm ... due to required ms_drbd_r0 notified", no stop of G2's members), so
the containers of G2 keep running while their filesystem is unmounted and mounted again. That is an error.
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import Truth
from crm_ve.rules.chain_analysis import analyse
from crm_ve.rules.constraint_rewrite import rewrite
from crm_ve.rules.drbd_common import holds_drbd

RULE = Rule(
    code="CV202",
    name="constraint-on-group-member",
    severity=Severity.ERROR,
    summary="a constraint names a member of a group instead of the group",
    covers=("C7",),
    suppression_target="the constraint",
    doc=RuleDoc(
        what_it_does=(
            "Flags constraints that relate one member of a group (of two or more members) to something outside "
            "the group, or place it with a location or ticket, instead of naming the group."
        ),
        why_is_this_bad=(
            "A constraint on a member applies to that member only. On a later member (the container of a "
            "Filesystem+container group) the members before it are not covered: the Filesystem is not ordered "
            "after the DRBD promote and DRBD may be demoted under it. On the first member it covers the group "
            "only as long as nobody reorders the group. crmsh warns \"resource is grouped, constraints should "
            "apply to the group\"; crm_verify accepts it. Findings are warnings, except DRBD's order or "
            "colocation naming a member of group G1 while a group G2 is ordered after G1: on a DRBD failure "
            "Pacemaker 2.1.x restarts G1 without stopping G2, whose containers keep running while their "
            "filesystem is unmounted and mounted again (an error)."
        ),
        example=(
            "group g_vz p_fs p_ve\n"
            "order o_drbd_before_vz inf: ms_drbd_r0:promote p_ve:start\n"
            "colocation c_vz_on_drbd inf: p_ve ms_drbd_r0:Master"
        ),
        use_instead=(
            "group g_vz p_fs p_ve\n"
            "order o_drbd_before_vz inf: ms_drbd_r0:promote g_vz:start\n"
            "colocation c_vz_on_drbd inf: g_vz ms_drbd_r0:Master"
        ),
    ),
    check=None,
)


def _chain_culprits(context):
    return {cid for problem in analyse(context) for cid in problem.culprits}


def _grouped(model):
    """Ids of the members of groups of two or more members: a constraint naming none of them is not flagged."""
    resources = model.resources
    return {rid for rid, resource in resources.items() if resource.parent is not None
            and resources[resource.parent].kind == "group" and len(resources[resource.parent].children) >= 2}


def _groups_ordered_after(model):
    """{group: [(group, order id)...]}: the other groups an order starts after each group (one pass over the
    order edges)."""
    after = {}
    for edge in model.order_edges:
        if (edge.constraint is not None and not edge.inverse and edge.first != edge.then
                and getattr(model.resources.get(edge.first), "kind", None) == "group"
                and getattr(model.resources.get(edge.then), "kind", None) == "group"):
            pairs = after.setdefault(edge.first, [])
            if (edge.then, edge.constraint) not in pairs:
                pairs.append((edge.then, edge.constraint))
    return after


def _left_running(model, constraint, members, followers):
    """For DRBD's order or colocation on group members: what a DRBD failure leaves running, in words.
    ``followers()`` gives :func:`_groups_ordered_after`."""
    if constraint.type not in ("order", "colocation"):
        return []
    if not any(holds_drbd(model, rid) for rid in constraint.resources if rid not in members):
        return []
    details = []
    for group in dict.fromkeys(members.values()):
        for follower, order in followers().get(group, ()):
            details.append(f"group {follower} is ordered after {group} ({order}), and on a DRBD failure Pacemaker "
                           f"2.1.x restarts {group} without stopping {follower}: {follower} keeps running while "
                           f"{group} is stopped and started again")
    return details


def check(context):
    model = context.model
    culprits = None
    grouped = _grouped(model)
    ordered_after = []

    def followers():
        if not ordered_after:
            ordered_after.append(_groups_ordered_after(model))
        return ordered_after[0]

    for constraint in model.constraint_list:
        if constraint.ignored or constraint.id is None or grouped.isdisjoint(constraint.references):
            continue
        direct = [rid for rid in dict.fromkeys(constraint.references) if rid in model.resources
                  and rid not in constraint.via_child]
        members = {}
        for rid in direct:
            group = model.group_of(rid)
            if group is None or len(model.resources[group].children) < 2:
                continue
            if model.group_ordered(group)[0] is Truth.FALSE and model.group_collocated(group)[0] is Truth.FALSE:
                continue  # a group that neither orders nor colocates is a bag of independent members
            members[rid] = group
        if not members:
            continue
        groups = set(members.values())
        outside = [rid for rid in constraint.resources if rid not in members and rid not in groups
                   and model.group_of(rid) not in groups]
        if constraint.type in ("order", "colocation") and not outside:
            continue  # relations inside one group
        if culprits is None:
            culprits = _chain_culprits(context)
        if constraint.id in culprits:
            continue
        left_running = _left_running(model, constraint, members, followers)
        details = []
        for member, group in members.items():
            children = model.resources[group].children
            index = children.index(member)
            if index == 0 and left_running:
                details.append(f"{member} is the first member of group {group}")
            elif index == 0:
                details.append(f"{member} is the first member of group {group}: the constraint covers the group "
                               f"only while {member} stays first")
            else:
                before = ", ".join(children[:index])
                details.append(f"{member} is member {index + 1} of group {group}: {before} "
                               f"{'is' if index == 1 else 'are'} not covered by it")
        details.extend(left_running)
        fix = rewrite(model, constraint, rename=members)
        names = ", ".join(dict.fromkeys(members.values()))
        yield Finding.of(
            RULE, f"{constraint.type} {constraint.id} names a group member instead of the group: "
                  f"{'; '.join(details)}. Name {names}" + ("" if fix else " (re-create the constraint so)") + ".",
            line=constraint.line, constraints=(constraint.id,),
            resources=tuple(members) + tuple(dict.fromkeys(members.values())),
            fix=fix or Fix(), suppress_on=constraint.id,
            severity=Severity.ERROR if left_running else Severity.WARNING,
        )


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
