"""CV506 filesystem-on-unmanaged-drbd and CV507 filesystem-drbd-resource-mismatch: a Filesystem's DRBD device
against the DRBD clones of the CIB (docs/rule-catalogue.md D7 and D8).

``/dev/drbd/by-res/RES[/VOL]`` names the DRBD resource; ``/dev/drbdN`` does not. A Filesystem on a DRBD
device that no clone is tied to (stack recognition: by-res name, a relation, or the only clone) is mounted
with nothing promoting DRBD before it, wherever the scheduler likes (an error); a Filesystem placed with one
clone whose by-res device names another DRBD resource mounts a device that clone does not promote.
"""
import re

from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_name, pcs_id, pcs_value
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import INFINITY, Role
from crm_ve.rules.chain_fixes import ColocationSpec, OrderSpec, render_fix
from crm_ve.rules.stack_common import combine, fresh_id, join, param_fix, role_words, stacks_of

_DRBD_DEVICE = re.compile(r"^/dev/drbd")
#: Older agents that make DRBD Primary on start (heartbeat's drbddisk): a Filesystem related to one is managed.
PROMOTING_AGENT_TYPES = ("drbddisk",)
_BY_RES = re.compile(r"^/dev/drbd/by-res/([^/]+)(?:/(\d+))?/*$")

UNMANAGED = Rule(
    code="CV506",
    name="filesystem-on-unmanaged-drbd",
    severity=Severity.ERROR,
    summary="a Filesystem mounts a DRBD device that no DRBD clone of the CIB manages",
    covers=("D7",),
    suppression_target="the Filesystem primitive",
    doc=RuleDoc(
        what_it_does=(
            "Reports Filesystems whose device is a DRBD device (/dev/drbdN, /dev/drbd/by-res/...) but which "
            "no DRBD clone is tied to: no clone's drbd_resource matches the by-res name, no constraint relates "
            "them, and there is not exactly one DRBD clone to assume."
        ),
        why_is_this_bad=(
            "An error: nothing promotes DRBD before the mount or demotes it after the unmount, and Pacemaker "
            "places the Filesystem with no regard to DRBD: crm_simulate mounts it on a node where DRBD is "
            "Secondary (\"wrong medium type\") or does not run at all, and the order and colocation checks "
            "cannot be made. DRBD managed outside the cluster (an init script, DRBD 9 auto-promote) does not "
            "follow Pacemaker's moves."
        ),
        example=(
            "primitive p_fs3 Filesystem params fstype=ext4 \\\n"
            "    device=/dev/drbd/by-res/r2/0 directory=/vz3\n"
            "# no ms/promotable clone with drbd_resource=r2"
        ),
        use_instead=(
            "primitive p_drbd_r2 ocf:linbit:drbd params drbd_resource=r2 \\\n"
            "    op monitor interval=29s role=Master \\\n"
            "    op monitor interval=31s role=Slave\n"
            "ms ms_drbd_r2 p_drbd_r2 meta master-max=1 notify=true\n"
            "primitive p_fs3 Filesystem params fstype=ext4 \\\n"
            "    device=/dev/drbd/by-res/r2/0 directory=/vz3\n"
            "colocation c_fs3_on_drbd inf: p_fs3 ms_drbd_r2:Master\n"
            "order o_drbd_before_fs3 Mandatory: ms_drbd_r2:promote p_fs3:start"
        ),
    ),
    check=None,
)

MISMATCH = Rule(
    code="CV507",
    name="filesystem-drbd-resource-mismatch",
    severity=Severity.WARNING,
    summary="a Filesystem's by-res device names another DRBD resource than the clone it is placed with",
    covers=("D8",),
    suppression_target="the Filesystem primitive",
    doc=RuleDoc(
        what_it_does=(
            "For a Filesystem tied to a DRBD clone by its constraints, checks that a /dev/drbd/by-res/RES "
            "device names the clone's drbd_resource."
        ),
        why_is_this_bad=(
            "The constraints promote one DRBD resource and the Filesystem mounts another: it is mounted where "
            "a different resource is Primary, or where its own device is Secondary, and the mount fails or "
            "uses stale data."
        ),
        example=(
            "primitive p_fs Filesystem params fstype=ext4 \\\n"
            "    device=/dev/drbd/by-res/r9/0 directory=/vz"
        ),
        use_instead=(
            "primitive p_fs Filesystem params fstype=ext4 \\\n"
            "    device=/dev/drbd/by-res/r0/0 directory=/vz"
        ),
    ),
    check=None,
)


def _create_clone_fix(model, fs, name):
    """Commands creating a promotable DRBD clone for resource ``name`` and tying ``fs`` to it."""
    vocabulary = model.vocabulary
    taken = set()
    primitive = fresh_id(model, f"p_drbd_{name}", taken)
    clone = fresh_id(model, f"ms_drbd_{name}", taken)
    promoted, unpromoted = vocabulary.promoted, vocabulary.unpromoted
    ops = (f"op monitor interval=29s role={promoted} timeout=20s op monitor interval=31s role={unpromoted} "
           f"timeout=20s op start timeout=240s interval=0s op stop timeout=100s interval=0s "
           f"op promote timeout=90s interval=0s op demote timeout=90s interval=0s op notify timeout=90s interval=0s")
    legacy = vocabulary.master_element and not vocabulary.new_role_names
    meta = ((("master-max", "1"), ("master-node-max", "1")) if legacy else
            (("promoted-max", "1"), ("promoted-node-max", "1"))) + \
        (("clone-max", "2"), ("clone-node-max", "1"), ("notify", "true"))
    pcs_meta = [f"{k}={v}" for k, v in (("promoted-max", "1"), ("promoted-node-max", "1")) + meta[2:]]
    clone_words = vocabulary.crm_promotable(clone, primitive, meta).split()
    create = command_words.fix(
        crm=lambda: [["crm", "configure", "primitive", crm_name(primitive, "resource"), "ocf:linbit:drbd", "params",
                      f"drbd_resource={crm_name(name, 'DRBD resource name')}"] + ops.split(),
                     ["crm", "configure"] + clone_words],
        pcs=lambda: [["pcs", "resource", "create", pcs_id(primitive, "resource"), "ocf:linbit:drbd",
                      f"drbd_resource={pcs_value(name, 'DRBD resource name')}", "op", "monitor", "interval=29s",
                      "role=Promoted", "timeout=20s", "monitor", "interval=31s", "role=Unpromoted", "timeout=20s",
                      "start", "timeout=240s", "interval=0s", "stop", "timeout=100s", "interval=0s", "promote",
                      "timeout=90s", "interval=0s", "demote", "timeout=90s", "interval=0s", "notify", "timeout=90s",
                      "interval=0s", "promotable", pcs_id(clone, "resource")] + pcs_meta + ["--no-default-ops"]])
    ref = model.top(fs)
    ties = render_fix(vocabulary, [], [
        ColocationSpec(fresh_id(model, f"c_{ref}_with_{clone}", taken), ref, clone, INFINITY, Role.ANY,
                       Role.PROMOTED),
        OrderSpec(fresh_id(model, f"o_{clone}_before_{ref}", taken), clone, "promote", ref, "start")])
    return combine(create, ties)


def check_unmanaged(context):
    model = context.model
    stacks = stacks_of(context)
    clones = stacks.drbd_clones
    managed = {name: clone.id for clone in clones.values() for name in clone.drbd_resources}
    for fs in stacks.filesystems:
        device = (model.resources[fs].params.get("device") or "").strip()
        if not _DRBD_DEVICE.match(device) or fs in stacks.filesystem_ties or _related_to_drbddisk(model, fs):
            continue
        by_res = _BY_RES.match(device)
        fix = Fix()
        if not clones:
            why = "the CIB has no DRBD clone"
        elif by_res:
            why = (f"no DRBD clone manages DRBD resource {by_res.group(1)} (the clones manage "
                   f"{join(f'{n} ({c})' for n, c in managed.items()) or 'no named resource'}) and no "
                   f"constraint relates {fs} to one")
        else:
            why = f"no constraint relates it to one of the DRBD clones ({join(clones)})"
        if by_res and by_res.group(1) not in managed:
            fix = _create_clone_fix(model, fs, by_res.group(1))
        message = (f"{fs} mounts the DRBD device {device}, but {why}: nothing promotes DRBD before the mount "
                   f"or demotes it after the unmount, and Pacemaker places and mounts it with no regard to DRBD: "
                   f"on a node where DRBD is Secondary or does not run at all. Manage the "
                   f"DRBD resource with a promotable clone and colocate {fs} with its Promoted role and order it "
                   f"after the promote.")
        yield Finding.of(UNMANAGED, message, line=model.resources[fs].line, resources=(fs,), fix=fix,
                         suppress_on=fs)


def _related_to_drbddisk(model, fs):
    for holder in [fs] + model.ancestors(fs):
        for constraint in model.constraints_naming(holder):
            for other in constraint.resources:
                if any(model.resources[p].type in PROMOTING_AGENT_TYPES for p in model.primitives_under(other)):
                    return True
    return False


def check_mismatch(context):
    model = context.model
    stacks = stacks_of(context)
    for fs, tie in stacks.filesystem_ties.items():
        if tie.kind == "device":
            continue
        device = (model.resources[fs].params.get("device") or "").strip()
        by_res = _BY_RES.match(device)
        clone = stacks.drbd_clones.get(tie.upper)
        if not by_res or clone is None or not clone.drbd_resources or by_res.group(1) in clone.drbd_resources:
            continue
        fix = Fix()
        if len(clone.drbd_resources) == 1:
            volume = f"/{by_res.group(2)}" if by_res.group(2) is not None else ""
            fix = param_fix(fs, [("device", f"/dev/drbd/by-res/{clone.drbd_resources[0]}{volume}")])
        message = (f"{fs}'s device {device} names DRBD resource {by_res.group(1)}, but {fs} is placed with "
                   f"{role_words(model, clone.id, Role.PROMOTED)} ({tie.reason}), which manages "
                   f"{join(clone.drbd_resources)}: it mounts a device that clone does not promote. Make the "
                   f"device and the clone's drbd_resource agree.")
        yield Finding.of(MISMATCH, message, line=model.resources[fs].line, resources=(fs, clone.id), fix=fix,
                         suppress_on=fs)


UNMANAGED.check = check_unmanaged
MISMATCH.check = check_mismatch


@hookimpl
def crm_ve_rules():
    return [UNMANAGED, MISMATCH]
