"""CV504 op-timeout-below-advice: an operation of a stack member times out sooner than its agent advises.

The effective timeout of an operation is the op's own ``timeout``, else ``op_defaults`` (rules evaluated),
else Pacemaker's 20 s (``model.op_timeout``); the agent's meta-data advises a minimum per action
(``crm_ve.rules.agent_advice``: the installed agent, else the ManageVE shipped with crm-ve, else nothing to
compare with). Checked for the containers (every workload agent), the Filesystems and the DRBD primitives of
the storage stacks: start and stop always, promote/demote in a promotable clone, notify when the clone has
``notify=true``, every recurring monitor configured, migrate_to/migrate_from with ``allow-migrate=true``.
"""
import copy
import shlex

from lxml import etree

from crm_ve import hookimpl
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import Role, Truth
from crm_ve.rules.agent_advice import agent_advice, prefetch
from crm_ve.rules.stack_common import fresh_id, stacks_of

RULE = Rule(
    code="CV504",
    name="op-timeout-below-advice",
    severity=Severity.WARNING,
    summary="an operation's effective timeout is below the minimum its resource agent advises",
    covers=(),
    suppression_target="the primitive",
    doc=RuleDoc(
        what_it_does=(
            "For the containers, Filesystems and DRBD primitives of the storage stacks, compares the effective "
            "timeout of start, stop, promote, demote, notify, each recurring monitor and (with "
            "allow-migrate) migrate_to/migrate_from - the op's own timeout, else op_defaults, else "
            "Pacemaker's 20 s - with the timeout the agent's meta-data advises. The meta-data is read from the "
            "installed agent (for ocf:crm-ve:ManageVE from the copy shipped with crm-ve when it is not "
            "installed); agents that cannot be read are skipped."
        ),
        why_is_this_bad=(
            "Pacemaker's 20 s default is far below what DRBD (start 240 s, promote 90 s), the Filesystem "
            "(start and stop 60 s) or a container that checkpoints on stop need. A start or promote that "
            "times out is a failure (the stack moves or stops); a stop that times out gets the node fenced. "
            "pcs adds the advised timeouts unless --no-default-ops is given; crmsh does not."
        ),
        example=(
            "primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 \\\n"
            "    op monitor interval=29s role=Master"
        ),
        use_instead=(
            "primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 \\\n"
            "    op monitor interval=29s role=Master timeout=20s \\\n"
            "    op start timeout=240s interval=0 op stop timeout=100s interval=0 \\\n"
            "    op promote timeout=90s interval=0 \\\n"
            "    op demote timeout=90s interval=0 op notify timeout=90s interval=0"
        ),
    ),
    check=None,
)


def _seconds(ms):
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _stack_primitives(context):
    model = context.model
    stacks = stacks_of(context)
    ids = []
    for clone in stacks.drbd_clones.values():
        ids.extend(clone.primitives)
    for stack in stacks.stacks:
        ids.append(stack.filesystem)
    for resource in model.resources.values():
        if resource.is_primitive and context.is_workload(resource):
            ids.append(resource.id)
    return [rid for rid in dict.fromkeys(ids) if rid in model.resources]


def _operations_to_check(model, rid, advice):
    """(name, interval ms, role, the configured Operation or None)."""
    resource = model.resources[rid]
    wanted = [("start", 0, Role.ANY, None), ("stop", 0, Role.ANY, None)]
    if model.promotable(rid).possible:
        wanted += [("promote", 0, Role.ANY, None), ("demote", 0, Role.ANY, None)]
    clone = model.clone_of(rid)
    if clone is not None and model.meta_truth(clone, "notify", False).possible:
        wanted.append(("notify", 0, Role.ANY, None))
    if model.meta_truth(rid, "allow-migrate", False).possible and advice.has("migrate_to"):
        wanted += [("migrate_to", 0, Role.ANY, None), ("migrate_from", 0, Role.ANY, None)]
    out = []
    for name, interval, role, _ in wanted:
        op = next((o for o in resource.operations if o.name == name and o.interval_ms == 0), None)
        out.append((name, interval, role, op))
    for op in resource.operations:
        if op.name == "monitor" and op.interval_ms > 0:
            out.append(("monitor", op.interval_ms, op.role, op))
    return out


def check(context):
    model = context.model
    primitives = _stack_primitives(context)
    prefetch(model.resources[rid] for rid in primitives)
    for rid in primitives:
        resource = model.resources[rid]
        advice = agent_advice(resource)
        if advice is None:
            continue
        low = []
        for name, interval, role, op in _operations_to_check(model, rid, advice):
            advised = advice.timeout_ms(name, role)
            if advised is None:
                continue
            effective, source = model.op_timeout(rid, name, interval, None if role.is_any else role)
            if effective < advised:
                low.append((name, interval, role, op, effective, source, advised))
        if not low:
            continue
        parts = []
        for name, interval, role, op, effective, source, advised in low:
            label = name + (f" (every {_seconds(interval)}" + (f", {model.vocabulary.role_name(role)}"
                                                               if not role.is_any else "") + ")"
                            if interval else "")
            parts.append(f"{label} {_seconds(effective)} from {source}, advised {_seconds(advised)}")
        message = (f"{rid}'s operation timeouts are below what {resource.agent} advises ({advice.source}): "
                   f"{'; '.join(parts)}. A start, promote or monitor that times out counts as a failure and a "
                   f"stop that times out gets the node fenced.")
        yield Finding.of(RULE, message, line=resource.line, resources=(rid,), fix=_fix(model, resource, low),
                         suppress_on=rid)


def _own(resource, op):
    return op is not None and any(el is resource.element for el in op.element.iterancestors("primitive"))


def _op_text(op_element, name, interval, role, timeout, vocabulary_role):
    """``name interval=.. [role=..] [other attributes] timeout=..`` for pcs."""
    attrs = [f"interval={op_element.get('interval') if op_element is not None else '0s'}"]
    if role is not None and not role.is_any:
        attrs.append(f"role={vocabulary_role}")
    if op_element is not None:
        for key, value in op_element.attrib.items():
            if key not in ("id", "name", "interval", "role", "timeout"):
                attrs.append(f"{key}={value}")
    attrs.append(f"timeout={timeout}")
    return name + " " + " ".join(shlex.quote(a) for a in attrs)


def _fix(model, resource, low):
    if resource.template is not None:
        return Fix()
    rid = resource.id
    pcs_role = {Role.PROMOTED: "Promoted", Role.UNPROMOTED: "Unpromoted"}
    pcs = []
    for name, interval, role, op, _, _, advised in low:
        own = _own(resource, op)
        if own and op.id:
            pcs.append(f"pcs resource op delete {op.id}")
        pcs.append(f"pcs resource op add {rid} "
                   + _op_text(op.element if own else None, name, interval, role, _seconds(advised),
                              pcs_role.get(role)))
    if all(_own(resource, op) and op.element.get("interval") for _, _, _, op, _, _, _ in low):
        crm = []
        for name, interval, role, op, _, _, advised in low:
            path = f"{rid}.{name}" + (f".{op.element.get('interval')}" if interval else "")
            crm.append(f"crm configure set {path}.timeout {_seconds(advised)}")
        return Fix(crm=tuple(crm), pcs=tuple(pcs))
    # an operation to add: crmsh has no command for that, so the primitive is loaded again with it
    element = copy.deepcopy(resource.element)
    for comment in list(element.iter(etree.Comment)):
        comment.getparent().remove(comment)
    for node in element.iter():
        if node.text is not None and not node.text.strip():
            node.text = None
        if node is not element and node.tail is not None and not node.tail.strip():
            node.tail = None
    operations = element.find("operations")
    if operations is None:
        operations = etree.SubElement(element, "operations")
    taken = set()
    for name, interval, role, op, _, _, advised in low:
        target = None
        if _own(resource, op) and op.id:
            target = next((o for o in operations if isinstance(o.tag, str) and o.get("id") == op.id), None)
        if target is None:
            target = etree.SubElement(operations, "op", name=name, interval="0s",
                                      id=fresh_id(model, f"{rid}-{name}-interval-0s", taken))
        target.set("timeout", _seconds(advised))
    text = "xml " + etree.tostring(element, encoding="unicode", with_tail=False)
    crm = (f"echo {shlex.quote(text)} | crm configure load update -",)
    return Fix(crm=crm, pcs=tuple(pcs))


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
