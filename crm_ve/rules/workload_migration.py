"""CV501 allow-migrate-single-primary: ``allow-migrate=true`` on a container whose Filesystem is mounted on one
node at a time (C23).

Live migration needs the container's storage active on both nodes at once (PE-AO: "if a migratable resource
depends on a non-migratable resource, and both need to be moved, the migratable resource will be restarted").
Over single-primary DRBD the Filesystem is a primitive mounted where DRBD is promoted, so every move is stop,
demote, promote, mount, start (E-MG1..6: crm_simulate shows p_ve stop + start, never migrate_to). Migration
happens only with dual-primary DRBD and a cloned cluster Filesystem (docs/pacemaker-semantics.md §9).
"""
import posixpath

from crm_ve import hookimpl
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.model import Truth
from crm_ve.model.values import parse_bool, parse_count
from crm_ve.rules.stack_common import meta_fix, stacks_of

RULE = Rule(
    code="CV501",
    name="allow-migrate-single-primary",
    severity=Severity.WARNING,
    summary="allow-migrate=true on a container whose storage is active on one node at a time",
    covers=("C23",),
    suppression_target="the container",
    doc=RuleDoc(
        what_it_does=(
            "Reports containers with an effective allow-migrate=true (own meta, template, group or "
            "rsc_defaults) whose Filesystem is a primitive mounted on one node at a time - on "
            "single-primary DRBD, or not cloned. Dual-primary DRBD with a cloned cluster Filesystem is fine."
        ),
        why_is_this_bad=(
            "Pacemaker live-migrates a resource only when what it depends on is active on both nodes. Here "
            "the Filesystem has to be unmounted and DRBD demoted first, so Pacemaker stops the container and "
            "starts it on the other node instead: the expected live migration never happens. To keep the "
            "container's memory across a move, ocf:crm-ve:ManageVE checkpoints on stop and restores on start "
            "(checkpoint_on_stop=true, with a dumpfile on the Filesystem)."
        ),
        example="primitive p_ve ocf:crm-ve:ManageVE params veid=101 \\\n    meta allow-migrate=true",
        use_instead=(
            "primitive p_ve ocf:crm-ve:ManageVE params veid=101 \\\n"
            "    checkpoint_on_stop=true dumpfile=/vz/dump/Dump.101"
        ),
    ),
    check=None,
)

CHECKPOINT_SWITCH = {"ocf:crm-ve:ManageVE": "checkpoint_on_stop"}


def _promoted_max(model, clone):
    for name in ("promoted-max", "master-max"):
        value = model.meta(clone, name).value
        if value is not None:  # 2.1.5 clone_unpack: the first set, as pcmk__scan_min_int reads it
            return parse_count(value)
    return 1


def _hint(context, container, filesystem):
    model = context.model
    resource = model.resources[container]
    directory = model.resources[filesystem].params.get("directory") or "the Filesystem"
    agent = next((a for a in context.workload_agents if a.spec == resource.agent), None)
    dump = agent.dump_parameter if agent is not None else None
    switch = CHECKPOINT_SWITCH.get(resource.agent)
    if switch and parse_bool(resource.params.get(switch), False) and dump and resource.params.get(dump):
        return (f" It already checkpoints on stop ({switch}=true, {dump}={resource.params[dump]}), so a move "
                f"keeps its memory anyway; allow-migrate only misleads.")
    if switch and dump:
        example = posixpath.join(directory, f"Dump.{resource.params.get('veid') or container}") \
            if directory.startswith("/") else f"a path on {filesystem}"
        return (f" To keep the container's memory across a move, set {switch}=true and {dump} to a file on "
                f"{filesystem} (e.g. {example}): the stop checkpoints it and the start restores it.")
    if resource.agent == "ocf:heartbeat:ManageVE":
        return (" ocf:crm-ve:ManageVE (a drop-in superset of this agent) can keep the container's memory across "
                f"a move: checkpoint_on_stop=true with a dumpfile on {filesystem}.")
    if dump:
        return (f" To keep its state across a move, set {dump} to a path on {filesystem} (under {directory}): "
                f"the stop saves it there and the start restores it.")
    return ""


def check(context):
    model = context.model
    stacks = stacks_of(context)
    resources = model.resources
    truths = {}  # allow-migrate is the same for every container sharing a meta_key (no meta of its own)
    stack_of = {}
    for stack in stacks.stacks:
        stack_of.setdefault(stack.filesystem, stack)  # stacks.stack_of: the first one
    for container, ties in stacks.container_ties.items():
        key = resources[container].meta_key
        truth = truths.get(key) if key is not None else None
        if truth is None:
            truth = model.meta_truth(container, "allow-migrate", False)
            if key is not None:
                truths[key] = truth
        if truth is Truth.FALSE:
            continue
        for tie in ties:
            fs = tie.upper
            stack = stack_of.get(fs)
            drbd = stack.drbd if stack is not None else None
            fs_cloned = model.clone_of(fs) is not None
            dual = drbd is not None and _promoted_max(model, drbd) >= 2
            if fs_cloned and (drbd is None or dual):
                continue
            if drbd is not None and not dual:
                storage = (f"its Filesystem {fs} sits on single-primary DRBD {drbd} "
                           f"(promoted-max {_promoted_max(model, drbd)}) and is mounted on one node at a time")
            else:
                storage = f"its Filesystem {fs} is not cloned: it is mounted on one node at a time"
            value = model.meta(container, "allow-migrate")
            how = "allow-migrate=true" if truth is Truth.TRUE else \
                f"allow-migrate may be true ({', '.join(value.conditions) or 'a rule'})"
            message = (f"{container} has {how}, but {storage}: Pacemaker never live-migrates {container}, it "
                       f"stops it and starts it on the other node after moving the storage (crm_simulate: stop "
                       f"and start, no migrate_to).{_hint(context, container, fs)}")
            yield Finding.of(RULE, message, line=model.resources[container].line, resources=(container, fs),
                             fix=meta_fix(model, container, "allow-migrate"), suppress_on=container)
            break


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
