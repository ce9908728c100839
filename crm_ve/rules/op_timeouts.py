"""CV504 op-timeout-below-advice: an operation of a stack member times out sooner than its agent advises.

The effective timeout of an operation is the op's own ``timeout``, else ``op_defaults`` (rules evaluated),
else Pacemaker's 20 s (``model.op_timeout``); the agent's meta-data advises a minimum per action
(``crm_ve.rules.agent_advice``: the installed agent, else the ManageVE shipped with crm-ve, else nothing to
compare with). Checked for the containers (every workload agent), the Filesystems and the DRBD primitives of
the storage stacks: start and stop always, promote/demote in a promotable clone, notify when the clone has
``notify=true``, every recurring monitor configured (against the agent's monitor of its OCF_CHECK_LEVEL, the
action's ``depth``), migrate_to/migrate_from with ``allow-migrate=true``.
"""
import copy

from lxml import etree

from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_line, crm_path_part, crm_xml_value, pcs_id, pcs_op_options, shell_word
from crm_ve.background import BackgroundScan
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import Role
from crm_ve.model.resources import ids_containing, own_op_timeout
from crm_ve.model.stacks import DRBD_TYPES, FILESYSTEM_TYPES
from crm_ve.rules.agent_advice import advice_for, ocf_root, prefetch, start_prefetch
from crm_ve.rules.stack_common import stacks_of

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
            "timeout of start, stop, promote, demote, notify, each recurring monitor (against the agent's "
            "monitor of the same depth, its OCF_CHECK_LEVEL) and (with "
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
            "    op monitor interval=29s role=Master \\\n"
            "    op monitor interval=31s role=Slave \\\n"
            "    op start timeout=20s interval=0"
        ),
        use_instead=(
            "primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 \\\n"
            "    op monitor interval=29s role=Master timeout=20s \\\n"
            "    op monitor interval=31s role=Slave timeout=20s \\\n"
            "    op start timeout=240s interval=0 op stop timeout=100s interval=0 \\\n"
            "    op promote timeout=90s interval=0 \\\n"
            "    op demote timeout=90s interval=0 op notify timeout=90s interval=0"
        ),
    ),
    check=None,
)


def _seconds(ms):
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _workload_specs(context):
    """``class:provider:type`` of the declared workload agents (``context.is_workload`` as a set)."""
    return {agent.spec for agent in context.workload_agents}


def _stack_primitives(context):
    """The primitives compared (Resources): the DRBD clones', the Filesystems and the containers."""
    model = context.model
    stacks = stacks_of(context)
    ids = []
    for clone in stacks.drbd_clones.values():
        ids.extend(clone.primitives)
    for stack in stacks.stacks:
        ids.append(stack.filesystem)
    specs = _workload_specs(context)
    ids.extend(rid for rid, resource in model.resources.items()
               if resource.agent in specs and resource.kind == "primitive")
    resources = model.resources
    return [resources[rid] for rid in dict.fromkeys(ids) if rid in resources]


def prepare(context):
    """Start reading the meta-data of the agents CV504 may compare with (the workload agents, Filesystems and
    DRBD primitives: a superset of the stacks' members, found without stack recognition) in the background:
    each is a process taking tens of milliseconds, which overlap with the other rules; ``check`` waits."""
    specs = _workload_specs(context)
    types = FILESYSTEM_TYPES + DRBD_TYPES
    candidates = (r for r in context.model.resources.values()
                  if r.kind == "primitive" and (r.type in types or r.agent in specs))
    context.prepared[RULE.code] = _Started(context.model, candidates)
    # every container's meta and op shapes, which this rule, CV501 and CV601 read (model.primitive_shapes)
    context.model.primitive_shapes.start()


class _Started:
    """What ``prepare`` started for ``check``: the agents' meta-data reads and the scan for op ids."""

    def __init__(self, model, candidates):
        self.agents = start_prefetch(candidates)
        self.op_ids = _OpIds(model).start()

    def join(self):
        """Wait for the agents' meta-data (the op-id scan is waited for on its first use)."""
        self.agents.join()


def _wanted(model, rid, advice):
    """The actions compared besides the recurring monitors, with their advised timeouts: ((name, ms), ...)."""
    names = ["start", "stop"]
    if model.promotable(rid).possible:
        names += ["promote", "demote"]
    clone = model.clone_of(rid)
    if clone is not None and model.meta_truth(clone, "notify", False).possible:
        names.append("notify")
    if model.meta_truth(rid, "allow-migrate", False).possible and advice.has("migrate_to"):
        names += ["migrate_to", "migrate_from"]
    out = []
    for name in names:
        advised = advice.timeout_ms(name, ANY)
        if advised is not None:
            out.append((name, advised))
    return tuple(out)


def _low_timeouts(model, rid, operations, advice, wanted):
    """[(name, interval, role, op, effective ms, where from, advised ms)] of the operations below advice: the
    ``wanted`` actions (op: the first configured with interval 0, if any), then every recurring monitor."""
    low = []
    for name, advised in wanted:
        below = _below_advice(model, rid, operations, name, 0, None, advised)
        if below is not None:
            op = next((o for o in operations if o.name == name and o.interval_ms == 0), None)
            low.append((name, 0, ANY, op) + below + (advised,))
    for op in operations:
        if op.name != "monitor" or op.interval_ms <= 0:
            continue
        advised = advice.timeout_ms("monitor", op.role, check_level(op))
        if advised is None:
            continue
        below = _below_advice(model, rid, operations, "monitor", op.interval_ms, op.role, advised)
        if below is not None:
            low.append(("monitor", op.interval_ms, op.role, op) + below + (advised,))
    return low


def check_level(op):
    """The monitor's OCF_CHECK_LEVEL (an nvpair of the op's instance_attributes), "0" when unset: an agent
    may advise a longer timeout for a deeper check (ocf:crm-ve:ManageVE: 20s, 30s at depth 10)."""
    element = op.element
    if element is None or not len(element):
        return "0"
    for nvpair in element.iterfind("instance_attributes/nvpair"):
        if nvpair.get("name") == "OCF_CHECK_LEVEL":
            return nvpair.get("value") or "0"
    return "0"


def _below_advice(model, rid, operations, name, interval_ms, role, advised):
    """(effective ms, where from) of one operation when its effective timeout (``model.op_timeout``'s) is
    below ``advised``, else None; the source text is made only for what is reported."""
    own = own_op_timeout(operations, name, interval_ms, role)
    if own is not None:
        ms, op = own
        return None if ms >= advised else (ms, f"op {op.id or name}")
    effective, source = model.default_op_timeout(rid, name, interval_ms)
    return None if effective >= advised else (effective, source)


def check(context):
    model = context.model
    primitives = _stack_primitives(context)
    prepared = context.prepared.pop(RULE.code, None) if getattr(context, "prepared", None) is not None else None
    if prepared is not None:
        prepared.join()
        op_ids = prepared.op_ids
    else:
        prefetch(primitives)
        op_ids = _OpIds(model)
    root = ocf_root()
    advices = {}
    verdicts = {}
    compared = {}
    for resource in primitives:
        # what to compare with depends on the agent, meta attributes and ancestors only: the same for every
        # primitive sharing a meta_key (thousands of containers of one agent, no meta of their own)
        meta_key = resource.meta_key  # first: it finds the <operations> blocks on the way
        comparison = compared.get(meta_key) if meta_key is not None else None
        if comparison is None:
            comparison = _comparison(model, resource, advices, root, verdicts)
            if meta_key is not None:
                compared[meta_key] = comparison
        advice, wanted, nothing_low = comparison
        if advice is None:
            continue
        fields = resource.op_fields()
        if fields is not None and fields in nothing_low:
            continue
        rid = resource.id
        low = _low_timeouts(model, rid, resource.operations, advice, wanted)
        if not low:
            if fields is not None:
                nothing_low.add(fields)
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
        yield Finding.of(RULE, message, line=resource.line, resources=(rid,), fix=_fix(model, resource, low, op_ids),
                         suppress_on=rid)


_UNREAD = object()


def _comparison(model, resource, advices, root, verdicts):
    """(the agent's advice or None, ``_wanted``, the op fields found all at or above advice) of a primitive;
    ``advices`` caches by agent. Whether an operation is below advice depends on nothing else than the
    agent (its advice, op_defaults' timeouts), the wanted actions and the op fields (the effective timeouts),
    so the primitives sharing the first two share the op fields found fine (``verdicts``): thousands of
    containers configured alike are compared once, without making their Operations."""
    key = (resource.standard, resource.provider, resource.type)
    advice = advices.get(key, _UNREAD)
    if advice is _UNREAD:
        advice = advices[key] = advice_for(*key, root)
    if advice is None:
        return None, None, None
    wanted = _wanted(model, resource.id, advice)
    nothing_low = verdicts.get((key, wanted))
    if nothing_low is None:
        nothing_low = verdicts[(key, wanted)] = set()
    return advice, wanted, nothing_low


def _own(resource, op):
    return op is not None and any(el is resource.element for el in op.element.iterancestors("primitive"))


def _op_words(op_element, name, role, timeout, vocabulary_role):
    """``name interval=.. [role=..] [the op's other attributes] timeout=..`` for ``pcs resource op add``."""
    changed = {"role": vocabulary_role if role is not None and not role.is_any else None, "timeout": timeout}
    if op_element is None:
        changed = {"interval": "0s", **changed}
    return [name] + pcs_op_options(op_element, changed)


class _OpIds:
    """The configuration's ids containing ``-interval-0s``: ``stack_common.fresh_id`` asks ``model.index``, whose
    first membership test hashes every id of the CIB (40,000 at 5,000 containers); every id this rule
    allocates contains that text, so these few ids answer the same. One XPath scan of the whole configuration,
    started in the background by ``start()`` (from ``prepare``), waited for on the first membership test."""

    def __init__(self, model):
        configuration = model.document.configuration
        self._scan = BackgroundScan(lambda: ids_containing(configuration, "-interval-0s"))

    def start(self):
        self._scan.start()
        return self

    def __contains__(self, cid):
        return cid in self._scan.result()


def _fresh_op_id(op_ids, base, taken):
    """``fresh_id`` for an op id: ``base``, or ``base-2``... used neither in the CIB nor in ``taken``."""
    cid, n = base, 1
    while cid in op_ids or cid in taken:
        n += 1
        cid = f"{base}-{n}"
    taken.add(cid)
    return cid


def _fix(model, resource, low, op_ids):
    if resource.template is not None:
        return Fix()
    rid = resource.id
    pcs_role = {Role.PROMOTED: "Promoted", Role.UNPROMOTED: "Unpromoted"}

    def pcs():
        commands = []
        for name, interval, role, op, _, _, advised in low:
            own = _own(resource, op)
            if own and op.id:
                commands.append(["pcs", "resource", "op", "delete", pcs_id(op.id, "operation id")])
            commands.append(["pcs", "resource", "op", "add", pcs_id(rid, "resource")]
                            + _op_words(op.element if own else None, name, role, _seconds(advised),
                                        pcs_role.get(role)))
        return commands

    if all(_settable(resource, name, interval, op) for name, interval, _, op, _, _, _ in low):
        def crm():
            commands = []
            for name, interval, role, op, _, _, advised in low:
                path = [crm_path_part(rid, "resource"), name] + (
                    [crm_path_part(op.element.get("interval"), "interval")] if interval else [])
                commands.append(["crm", "configure", "set", ".".join(path + ["timeout"]), _seconds(advised)])
            return commands
        return command_words.fix(crm=crm, pcs=pcs)
    return command_words.fix(crm_text=lambda: [_load_update(resource, low, op_ids)], pcs=pcs)


def _settable(resource, name, interval, op):
    """Whether ``crm configure set RID.NAME[.INTERVAL].timeout`` finds ``op``: crmsh looks an op with an
    interval up by the id it writes itself (``RID-NAME-INTERVAL``; pcs writes ``RID-NAME-interval-INTERVAL``)
    and one without by its name, which must then be unique among the primitive's ops."""
    if not _own(resource, op) or not op.element.get("interval"):
        return False
    if interval:
        return op.id == f"{resource.id}-{name}-{op.element.get('interval')}"
    return sum(1 for o in resource.element.iter("op") if o.get("name") == name) == 1


def _load_update(resource, low, op_ids):
    """An operation to add: crmsh has no command for that, so the primitive is loaded again with it, as an
    ``xml`` statement on ``crm configure load update -``'s standard input."""
    rid = resource.id
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
                                      id=_fresh_op_id(op_ids, f"{rid}-{name}-interval-0s", taken))
        target.set("timeout", _seconds(advised))
    for node in element.iter():
        if node.text is not None:
            crm_xml_value(node.text, "text")
        for key, value in node.attrib.items():
            crm_xml_value(value, key)
    text = "xml " + etree.tostring(element, encoding="unicode", with_tail=False)
    return f"echo {shell_word(text)} | {crm_line(['crm', 'configure', 'load', 'update', '-'])}"


RULE.check = check
RULE.prepare = prepare
ANY = Role.ANY


@hookimpl
def crm_ve_rules():
    return [RULE]
