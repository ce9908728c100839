"""CV601 stack-partly-unmanaged: some members of a storage stack are unmanaged or in maintenance, others not
(D10, C22).

docs/pacemaker-semantics.md §7.2, E-X3 (and Pacemaker PR #39, "un-managed resources should not be able to prevent clone
resources from shutting down"): with ``is-managed=false`` or ``maintenance=true`` on the Filesystem, a standby
of the primary stops the container and *demotes and stops DRBD under the still-mounted Filesystem*; the
scheduler misorders the stack, so an unmanaged member above a managed one (Filesystem over a managed DRBD
clone, container over a managed Filesystem) is an error (C22 in the error row of docs/rule-catalogue.md#severities). An
unmanaged member *below* managed ones (the DRBD clone under a managed Filesystem) cannot misorder anything -
the managed members above just cannot move - and is a warning (D10 in the warning row). Cluster-wide
``maintenance-mode=true``, or the same value on every member (``rsc_defaults``, the group), is consistent.
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.model import Truth
from crm_ve.model.values import parse_bool
from crm_ve.rules.drbd_common import delete_meta, join, own_meta_holder, set_meta

RULE = Rule(
    code="CV601",
    name="stack-partly-unmanaged",
    severity=Severity.ERROR,
    summary="a storage stack is partly unmanaged or in maintenance (is-managed=false / maintenance=true)",
    covers=("C22", "D10"),
    suppression_target="the unmanaged resource",
    doc=RuleDoc(
        what_it_does=(
            "For every storage stack (DRBD clone, Filesystem, containers) compares the effective `is-managed` "
            "and `maintenance` meta attributes of its members. Error when an unmanaged member sits above a "
            "managed one (the Filesystem over a managed DRBD clone, a container over a managed Filesystem), "
            "warning when only members below managed ones are unmanaged."
        ),
        why_is_this_bad=(
            "Pacemaker does not let an unmanaged resource hold back the resources it depends on: on a move or "
            "standby it demotes and stops DRBD while the unmanaged Filesystem stays mounted (the demote fails, "
            "\"device is held open\"), or unmounts a managed Filesystem under a running unmanaged container. "
            "Unmanage the whole stack or none of it (or use maintenance-mode for the cluster)."
        ),
        example=(
            "primitive p_fs ocf:heartbeat:Filesystem params device=/dev/drbd0 \\\n"
            "  directory=/vz fstype=ext4 meta is-managed=false"
        ),
        use_instead=(
            "primitive p_fs ocf:heartbeat:Filesystem params device=/dev/drbd0 \\\n"
            "  directory=/vz fstype=ext4\n"
            "# maintenance: ms_drbd_r0, p_fs and p_ve together, or none of them"
        ),
    ),
    check=None,
)


def _state(model, rid):
    """(Truth that ``rid`` is unmanaged, words saying why)."""
    managed = model.meta_truth(rid, "is-managed", True)
    maintenance = model.meta_truth(rid, "maintenance", False)
    unmanaged = ~managed | maintenance
    words = []
    if managed is not Truth.TRUE:
        value = model.meta(rid, "is-managed")
        words.append(f"is-managed={value.value} ({value.source})")
    if maintenance is not Truth.FALSE:
        value = model.meta(rid, "maintenance")
        words.append(f"maintenance={value.value} ({value.source})")
    return unmanaged, ", ".join(words)


def _manage(model, rid):
    fixes = []
    for name, good in (("is-managed", "true"), ("maintenance", "false")):
        bad = model.meta_truth(rid, name, name == "is-managed")
        if (name == "is-managed" and bad is Truth.TRUE) or (name == "maintenance" and bad is Truth.FALSE):
            continue
        holder = own_meta_holder(model, rid, name)
        fixes.append(delete_meta(holder, name) if holder else set_meta(model.top(rid), name, good))
    return fixes


def _layers(model, stack):
    """The stack bottom-up: [(label, top-level resource, primitives)]."""
    layers = []
    if stack.drbd is not None:
        layers.append(("DRBD clone", stack.drbd, model.primitives_under(stack.drbd)))
    layers.append(("Filesystem", stack.filesystem, [stack.filesystem]))
    for tie in stack.containers:
        layers.append(("container", tie.lower, [tie.lower]))
    return layers


def check(context):
    model = context.model
    if _cluster_maintenance(model) is Truth.TRUE:
        return
    stacks = model.stacks(context.workload_agents)
    resources = model.resources
    shared = {}

    def state_of(rid):
        # the state is read from meta attributes only: the same for every resource sharing a meta_key
        # (thousands of containers of one agent with no meta of their own)
        key = resources[rid].meta_key
        if key is None:
            key = rid  # meta of its own: its state is its alone (a resource id is not a meta_key tuple)
        found = shared.get(key)
        if found is None:
            found = shared[key] = _state(model, rid)
        return found

    false = Truth.FALSE

    def all_managed(rids):
        """No resource of ``rids`` may be unmanaged (``state_of``, inline: asked of every container)."""
        for rid in rids:
            key = resources[rid].meta_key
            found = shared.get(rid if key is None else key)
            if found is None:
                found = state_of(rid)
            if found[0] is not false:
                return False
        return True

    for stack in stacks.stacks:
        if stack.drbd is None and not stack.containers:
            continue
        # a stack with nothing unmanaged (the rule) is passed over before its layers are built
        if (state_of(stack.filesystem)[0] is false
                and all_managed([tie.lower for tie in stack.containers])
                and (stack.drbd is None or all_managed(model.primitives_under(stack.drbd)))):
            continue
        layers = []
        for label, rid, prims in _layers(model, stack):
            if len(prims) == 1:  # a Filesystem, a container
                truth, words = state_of(prims[0])
                layers.append((label, rid, prims, truth, words))
                continue
            states = [state_of(p) for p in prims]
            truth = Truth.FALSE
            for state, _ in states:
                truth = truth | state
            layers.append((label, rid, prims, truth, next((w for s, w in states if w), "")))
        unmanaged = [layer for layer in layers if layer[3] is not Truth.FALSE]
        managed = [layer for layer in layers if layer[3] is not Truth.TRUE]
        if not unmanaged or not managed:
            continue
        if all(layer[3] is Truth.MAYBE for layer in layers) and len({layer[4] for layer in layers}) == 1:
            continue  # one rule decides for all of them
        positions = {layer[1]: i for i, layer in enumerate(layers)}
        above_managed = [u for u in unmanaged
                         if any(positions[m[1]] < positions[u[1]] for m in managed if m is not u)]
        severity = Severity.ERROR if above_managed else Severity.WARNING
        described = "; ".join(f"{label} {rid}: {words}" for label, rid, _, _, words in unmanaged)
        managed_names = ", ".join(rid for _, rid, _, truth, _ in managed if truth is Truth.FALSE) or "the others"
        if above_managed:
            top = max(positions[u[1]] for u in above_managed)
            managed_names = ", ".join(m[1] for m in managed if positions[m[1]] < top and m[3] is not Truth.TRUE)
            consequence = (f"on a move or standby Pacemaker stops or demotes the managed {managed_names} under "
                           f"the unmanaged {', '.join(u[1] for u in above_managed)}, which stays active "
                           + ("(DRBD demoted under a mounted Filesystem)" if any(u[0] == "Filesystem" for u in
                                                                               above_managed)
                              else "(the Filesystem unmounted under a running container)"))
        else:
            consequence = (f"the managed {managed_names} above cannot move or recover while the storage below is "
                           f"unmanaged")
        fixes = [f for layer in unmanaged for p in layer[2] for f in _manage(model, p)]
        unique = []
        for fix in fixes:
            if fix not in unique:
                unique.append(fix)
        target = (above_managed or unmanaged)[0]
        yield Finding.of(
            RULE, f"Stack {stack.filesystem} is partly unmanaged: {described}; {consequence}. Manage the whole "
                  f"stack or none of it.", severity=severity, line=model.resources[target[1]].line,
            resources=tuple(layer[1] for layer in layers), fix=join(*unique), suppress_on=target[1])


def _cluster_maintenance(model):
    value = model.cluster_option("maintenance-mode")
    return value.truth(lambda v: parse_bool(v, False) if isinstance(v, str) else False)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
