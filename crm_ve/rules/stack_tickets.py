"""CV404 stack-needs-ticket: a storage stack depends on rsc_ticket constraints.

``rsc_ticket`` (Pacemaker Explained, "Multi-Site Clusters and Tickets") stops a resource (``loss-policy=stop``,
the default) or demotes it (``demote``, for the Promoted role) while the ticket is not granted to this site;
through the INFINITY colocations of the stack the rest follows: a ticket on ``ms_drbd_r0:Master`` with
``loss-policy=demote`` leaves the Filesystem and the containers stopped (E-X5b). That is what a geo cluster
wants, so one ticket for the whole stack is not reported; different tickets on members of one stack are a
warning: the stack runs only on a site holding all of them, and booth grants each ticket separately.
"""
from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_name, pcs_id, pcs_ticket, pcs_value
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import Role
from crm_ve.model.stack_placement import (any_may_need_tickets, may_need_tickets, placement_requirements,
                                          requirement_summaries, tickets_needed)
from crm_ve.rules.stack_common import join, role_words, stacks_of

RULE = Rule(
    code="CV404",
    name="stack-needs-ticket",
    severity=Severity.WARNING,
    summary="a storage stack depends on several different tickets",
    covers=(),
    suppression_target="the Filesystem of the stack",
    doc=RuleDoc(
        what_it_does=(
            "Finds the rsc_ticket constraints a storage stack depends on: tickets on the DRBD clone (or its "
            "Promoted role), the Filesystem, the containers, their groups, and anything they are "
            "INFINITY-colocated with. Two or more different tickets on one stack are a warning; one ticket "
            "for the whole stack is what a multi-site cluster wants."
        ),
        why_is_this_bad=(
            "When the ticket is revoked (or never granted), the members that need it stop or are demoted, and "
            "through the colocations so does the rest of the stack: DRBD stays Secondary and the Filesystem and "
            "containers stay stopped. With different tickets the stack runs only while this site holds all of "
            "them; a ticket manager such as booth grants each ticket on its own, so the stack can stop while "
            "every site holds one of them."
        ),
        example=(
            "rsc_ticket t_drbd site-a: ms_drbd_r0:Master loss-policy=demote\n"
            "rsc_ticket t_ve site-b: p_ve"
        ),
        use_instead=(
            "rsc_ticket t_drbd site-a: ms_drbd_r0:Master loss-policy=demote\n"
            "rsc_ticket t_ve site-a: p_ve"
        ),
    ),
    check=None,
)


def _stack_requirements(model, stack):
    req = {}
    if stack.drbd is not None:
        req[(stack.drbd, Role.PROMOTED)] = None
    for tie in stack.containers:
        req.update(dict.fromkeys(placement_requirements(model, tie.lower)))
    req.update(dict.fromkeys(placement_requirements(model, stack.filesystem)))
    return list(req)


def _may_need_tickets(model, stack):
    """Whether any requirement of :func:`_stack_requirements` needs a ticket (without listing them in order
    for each of the stack's containers)."""
    if stack.drbd is not None and tickets_needed(model, stack.drbd, Role.PROMOTED):
        return True
    if not any_may_need_tickets(model):
        return False
    summary = requirement_summaries(model)  # (..., may_need_tickets) of each container
    return any(summary(tie.lower)[1] for tie in stack.containers) or may_need_tickets(model, stack.filesystem)


def _effect(model, need):
    who = role_words(model, need.resource, need.role)
    what = {"stop": "stops", "demote": "is demoted", "freeze": "is frozen (left as it is, unmanaged)",
            "fence": "gets its node fenced"}.get(need.loss_policy, f"loss-policy={need.loss_policy}")
    return f"{who} {what} ({need.constraint}, ticket {need.ticket})"


def _retarget_fix(model, needs, ticket):
    """Point the two-resource rsc_tickets that name another ticket at ``ticket``, keeping ids, roles and
    loss policies; None when one of them uses resource sets."""
    retargeted = []
    for need in needs:
        if need.ticket == ticket or need.constraint in (c.id for c in retargeted):
            continue
        constraint = model.constraints[need.constraint]
        if constraint.uses_sets:
            return None
        retargeted.append(constraint)

    def crm():
        commands = []
        for constraint in retargeted:
            cid = crm_name(constraint.id, "constraint id")
            role = model.vocabulary.role_name(Role.parse(constraint.get("rsc-role")))
            policy = constraint.get("loss-policy")
            commands.append(["crm", "configure", "delete", cid])
            commands.append(["crm", "configure", "rsc_ticket", cid, f"{crm_name(ticket, 'ticket')}:",
                             crm_name(constraint.get("rsc"), "resource") + (f":{role}" if role else "")]
                            + ([f"loss-policy={crm_name(policy, 'loss-policy')}"] if policy else []))
        return commands

    def pcs():
        commands = []
        for constraint in retargeted:
            cid = pcs_id(constraint.id, "constraint id")
            keyword = model.vocabulary.pcs_role_keyword(Role.parse(constraint.get("rsc-role")))
            policy = constraint.get("loss-policy")
            commands.append(["pcs", "constraint", "delete", cid])
            commands.append(["pcs", "constraint", "ticket", "add", pcs_ticket(ticket)] + ([keyword] if keyword else [])
                            + [pcs_id(constraint.get("rsc"), "resource")]
                            + ([f"loss-policy={pcs_value(policy, 'loss-policy')}"] if policy else [])
                            + [f"id={cid}"])
        return commands

    return command_words.fix(crm=crm, pcs=pcs)


def check(context):
    model = context.model
    for stack in stacks_of(context).stacks:
        if not _may_need_tickets(model, stack):
            continue
        needs = []
        for rid, role in _stack_requirements(model, stack):
            for need in tickets_needed(model, rid, role):
                if need not in needs:
                    needs.append(need)
        if not needs:
            continue
        tickets = list(dict.fromkeys(n.ticket for n in needs))
        if len(tickets) == 1:
            continue
        members = [stack.filesystem] + [t.lower for t in stack.containers]
        first = model.constraints.get(needs[0].constraint)
        line = first.line if first is not None else model.resources[stack.filesystem].line
        effects = "; ".join(_effect(model, n) for n in needs)
        message = (f"The stack of {join(members)} needs {len(tickets)} different tickets ({join(tickets)}): "
                   f"{effects}. It runs only on a site holding all of them, and they are granted one by one; "
                   f"make the stack depend on one ticket ({tickets[0]}).")
        yield Finding.of(RULE, message, line=line, resources=tuple(members),
                         constraints=tuple(dict.fromkeys(n.constraint for n in needs)),
                         fix=_retarget_fix(model, needs, tickets[0]) or Fix(), suppress_on=stack.filesystem)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
