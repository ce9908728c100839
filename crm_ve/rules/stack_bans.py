"""CV402 stack-banned-everywhere and CV403 stack-on-single-node: location bans that leave no node, or a
single node, for a whole storage stack.

A container runs only where its Filesystem is mounted, which is only where DRBD is promoted (INFINITY
colocation, docs/pacemaker-semantics.md §3.2 and §8), so the nodes left for the stack are the nodes no ban (on the
container, the Filesystem, the DRBD clone's promotion, their groups, anything else they are INFINITY-colocated
with) takes away. Each member may keep some node while together they keep none: ``p_fs -inf: node1`` with
``ms_drbd_r0`` Promoted banned from node2 makes crm_simulate promote DRBD on node1 and leave p_fs and p_ve
stopped (E-X4). One node left means no failover: put it in standby and the stack stops.

Only bans that certainly apply count (``#uname`` rules included; a rule on the date or a run-time attribute
such as pingd may not). A DRBD clone that alone can never be promoted is a rule of its own (a clone that can
never promote); the single-node check leaves out DRBD's own fencing constraints (CV405).
"""
from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_name, crm_node, pcs_arg, pcs_id
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import Role
from crm_ve.model.stack_placement import (allowed_nodes, excluded_anywhere, excluded_nodes,
                                          excluded_with_requirements, placement_requirements, requirement_summaries)
from crm_ve.rules.stack_common import combine, delete_fix, fresh_id, join, role_words, stacks_of

FENCE_PREFIX = "drbd-fence-by-handler-"

NO_NODE = Rule(
    code="CV402",
    name="stack-banned-everywhere",
    severity=Severity.ERROR,
    summary="location bans leave no node where the whole storage stack can run",
    covers=(),
    suppression_target="the container (the Filesystem when the Filesystem itself has no node)",
    doc=RuleDoc(
        what_it_does=(
            "Intersects the nodes left by location constraints (-INFINITY, including rules on #uname and "
            "role-specific bans such as a Promoted ban on the DRBD clone) along the INFINITY colocation chain "
            "of each stack: the container, its Filesystem, the nodes where DRBD may be promoted, and anything "
            "else they must run with. In an opt-in cluster (symmetric-cluster=false) a node must also be "
            "enabled for each of them. Reports a stack that no node can run."
        ),
        why_is_this_bad=(
            "Each ban may look reasonable alone, but the members of a stack must share a node: when every node "
            "is banned for one member or another, DRBD is promoted somewhere and the Filesystem and the "
            "containers stay stopped (crm_simulate: p_fs and p_ve Stopped). crm_verify accepts it."
        ),
        example=(
            "location l_fs p_fs -inf: node1\n"
            "location l_ms ms_drbd_r0 rule $role=Master -inf: #uname eq node2"
        ),
        use_instead=(
            "# one place to say where the stack may not run\n"
            "location l_ms ms_drbd_r0 rule $role=Master -inf: #uname eq node3"
        ),
    ),
    check=None,
)

ONE_NODE = Rule(
    code="CV403",
    name="stack-on-single-node",
    severity=Severity.WARNING,
    summary="location bans leave a single node for the whole storage stack: no failover",
    covers=(),
    suppression_target="the container (the Filesystem when the Filesystem itself has one node)",
    doc=RuleDoc(
        what_it_does=(
            "Like CV402, intersects the nodes left by location bans along each stack's INFINITY colocation "
            "chain, and reports a stack that only one node of a cluster of several can run. Bans left behind "
            "by `crm resource ban` or `pcs resource ban` (cli-ban-*) are the usual cause."
        ),
        why_is_this_bad=(
            "The stack runs today, but it cannot fail over: if that node fails or is put in standby, DRBD "
            "cannot be promoted elsewhere for the Filesystem, and the containers stay stopped until the ban "
            "is removed by hand."
        ),
        example=(
            "location cli-ban-p_fs-on-node2 p_fs role=Started -inf: node2"
        ),
        use_instead=(
            "# crm resource clear p_fs (pcs resource clear p_fs) removes the ban;\n"
            "# a preference still leaves the other node for failover:\n"
            "location l_fs_prefers_node1 p_fs 100: node1"
        ),
    ),
    check=None,
)


def _is_fence(cid):
    return (cid or "").startswith(FENCE_PREFIX)


def _requirements(model, stack, container=None):
    if container is None:
        return list(_stack_requirements(model, stack))
    req = dict.fromkeys(placement_requirements(model, container))
    req.update(_stack_requirements(model, stack))
    return list(req)


def _stack_requirements(model, stack):
    """The Filesystem's and promoted DRBD's requirements (in order), once per stack: every container adds
    its own in front of them."""
    cache = model.__dict__.setdefault("_stack_bans_requirements", {})
    key = (stack.filesystem, stack.drbd)
    if key not in cache:
        req = dict.fromkeys(placement_requirements(model, stack.filesystem))
        if stack.drbd is not None:
            req[(stack.drbd, Role.PROMOTED)] = None
            req.update(dict.fromkeys(placement_requirements(model, stack.drbd)))
        cache[key] = req
    return cache[key]


def _describe(model, allowed, nodes):
    parts = []
    for node in nodes:
        why = []
        if allowed.culprits.get(node):
            why.append(f"banned by {join(allowed.culprits[node])}")
        why += [f"{rid} is not enabled there (symmetric-cluster=false)" for rid in allowed.not_enabled.get(node, ())]
        parts.append(f"{node}: {', '.join(why)}")
    return "; ".join(parts)


def _free(model, allowed, count):
    """The ``count`` banned nodes cheapest to give back (fewest constraints to delete, DRBD fencing
    constraints last, document order) and the fix that does it."""
    banned = [n for n in model.nodes if n not in allowed.nodes]
    ranked = sorted(banned, key=lambda n: (any(_is_fence(c) for c in allowed.culprits.get(n, ())),
                                           len(allowed.culprits.get(n, ())) + len(allowed.not_enabled.get(n, ())),
                                           model.nodes.index(n)))
    chosen = ranked[:count]
    deletes = [cid for node in chosen for cid in allowed.culprits.get(node, ())]
    enable = Fix()
    taken = set()
    for node in chosen:
        # a location names the clone, never the primitive inside it (crmsh and crm_verify refuse that)
        for rid in dict.fromkeys(model.top(r) for r in allowed.not_enabled.get(node, ())):
            cid = fresh_id(model, f"l_{rid}_on_{node}", taken)
            enable = combine(enable, command_words.fix(
                crm=lambda: [["crm", "configure", "location", crm_name(cid, "constraint id"),
                              crm_name(rid, "resource"), "0:", crm_node(node)]],
                pcs=lambda: [["pcs", "constraint", "location", "add", pcs_id(cid, "constraint id"),
                              pcs_id(rid, "resource"), pcs_arg(node, "node name"), "0"]]))
    return chosen, combine(delete_fix(model, deletes), enable), deletes


def _members_words(model, stack, container):
    containers = [container] if container else [tie.lower for tie in stack.containers]
    words = ([join(containers)] if containers else []) + [stack.filesystem]
    if stack.drbd:
        words.append(role_words(model, stack.drbd, Role.PROMOTED))
    return " on ".join(words)


def check(context):
    model = context.model
    nodes = model.nodes
    if not nodes:
        return
    summary = requirement_summaries(model)  # (excluded_with_requirements, ...) of each container
    anywhere = excluded_anywhere(model)  # what any container can lose at most
    for stack in stacks_of(context).stacks:
        # which nodes are left, as sets (the culprits are worked out only for a stack or container reported)
        drbd = stack.drbd
        out = excluded_with_requirements(model, stack.filesystem)
        if drbd is not None:
            promoted_out = excluded_nodes(model, drbd, Role.PROMOTED)
            if all(node in promoted_out for node in nodes):
                continue  # DRBD can never be promoted: the clone's own rule says it
            out = out | promoted_out | excluded_with_requirements(model, drbd)
        fs_nodes = [node for node in nodes if node not in out]
        if not fs_nodes or (len(fs_nodes) == 1 and len(nodes) >= 2):
            yield from _verdict(context, stack, None, allowed_nodes(model, _requirements(model, stack)),
                                [tie.lower for tie in stack.containers])
        if not fs_nodes or anywhere <= out:
            continue  # no container can lose a node the Filesystem keeps: nothing to say
        for container in (tie.lower for tie in stack.containers):
            own_out = summary(container)[0]
            if not own_out:
                continue  # the Filesystem's nodes: nothing to say
            left = [node for node in fs_nodes if node not in own_out]
            if not left or (len(left) == 1 and len(fs_nodes) > 1):
                allowed = allowed_nodes(model, _requirements(model, stack, container))
                yield from _verdict(context, stack, container, allowed, [container])


def _verdict(context, stack, container, allowed, containers):
    """Yield the finding for one stack (``container`` None: the Filesystem level); return True if any."""
    model = context.model
    subject = container or stack.filesystem
    members = _members_words(model, stack, container)
    stopped_ids = containers + ([stack.filesystem] if container is None else [])
    stopped = join(stopped_ids) + (" stays" if len(stopped_ids) == 1 else " stay")
    if not allowed.nodes:
        chosen, fix, deletes = _free(model, allowed, 1)
        message = (f"No node can run the stack {members}: every node is banned for one of them "
                   f"- {_describe(model, allowed, model.nodes)}. DRBD is promoted somewhere and {stopped} "
                   f"stopped. Remove the bans on {join(chosen)} (or the ones that are not meant).")
        yield Finding.of(NO_NODE, message, line=_line(model, deletes, subject), resources=(subject,),
                         constraints=tuple(dict.fromkeys(c for cs in allowed.culprits.values() for c in cs)),
                         fix=fix, suppress_on=subject)
        return True
    if len(allowed.nodes) == 1 and len(model.nodes) >= 2:
        without_fencing = allowed_nodes(model, _requirements(model, stack, container), exclude=_is_fence)
        if len(without_fencing.nodes) >= 2:
            return False  # only DRBD's fencing constraint pins it: CV405
        node = allowed.nodes[0]
        chosen, fix, deletes = _free(model, allowed, 1)
        message = (f"Only {node} can run the stack {members}: the other nodes are banned - "
                   f"{_describe(model, allowed, [n for n in model.nodes if n != node])}. No failover: if {node} "
                   f"fails or is put in standby, {stopped} stopped.")
        yield Finding.of(ONE_NODE, message, line=_line(model, deletes, subject), resources=(subject,),
                         constraints=tuple(dict.fromkeys(c for cs in allowed.culprits.values() for c in cs)),
                         fix=fix, suppress_on=subject)
        return True
    return False


def _line(model, constraint_ids, fallback):
    for cid in constraint_ids:
        constraint = model.constraints.get(cid)
        if constraint is not None:
            return constraint.line
    resource = model.resources.get(fallback)
    return resource.line if resource is not None else None


def _all(context):
    """Both rules' findings, computed once per model and set of workload agents."""
    key = tuple(sorted(agent.spec for agent in context.workload_agents))
    cache = context.model.__dict__.setdefault("_stack_bans", {})
    if key not in cache:
        cache[key] = list(check(context))
    return cache[key]


def check_no_node(context):
    return [f for f in _all(context) if f.code == NO_NODE.code]


def check_one_node(context):
    return [f for f in _all(context) if f.code == ONE_NODE.code]


NO_NODE.check = check_no_node
ONE_NODE.check = check_one_node


@hookimpl
def crm_ve_rules():
    return [NO_NODE, ONE_NODE]
