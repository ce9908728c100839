"""CV302 drbd-not-promotable: DRBD is not inside a promotable clone, so it is never promoted (C18, D1).

docs/pacemaker-semantics.md §6.1 and E-R3: a ``<clone>`` without ``promotable=true`` (crmsh ``clone`` instead of ``ms``,
or the meta lost in a conversion) starts DRBD Secondary everywhere and never promotes it; a DRBD primitive in
no clone at all runs once, Secondary. Pacemaker ignores every colocation with its Promoted role, so a
Filesystem tied to it is placed with no regard to DRBD (crm_simulate mounts it on a node where DRBD does not
even run); only an order after its promote, which never happens, keeps that mount from starting ("start ...
(blocked)"); crm_verify is clean. An error when a Filesystem mounts its device or a constraint ties one to
it (docs/rule-catalogue.md#severities); a warning when only other resources use it.
"""
from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_name, pcs_id
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import Truth
from crm_ve.rules.drbd_common import drbd_primitives, set_meta
from crm_ve.rules.stack_common import fresh_id, stacks_of

RULE = Rule(
    code="CV302",
    name="drbd-not-promotable",
    severity=Severity.ERROR,
    summary="a DRBD primitive is not inside a promotable clone (ms / promotable=true): never promoted",
    covers=("C18", "D1"),
    suppression_target="the DRBD primitive",
    doc=RuleDoc(
        what_it_does=(
            "Flags DRBD primitives that are not inside a promotable clone: in a plain clone (no "
            "`promotable=true`), in no clone at all, or in a clone whose `promotable` depends on a rule."
        ),
        why_is_this_bad=(
            "DRBD then runs as Secondary only and is never promoted. Pacemaker ignores every colocation with "
            "its Promoted role, so the Filesystem that mounts its device is placed with no regard to DRBD: "
            "crm_simulate mounts it on a node where DRBD is Secondary or does not run at all, unless an order "
            "after DRBD's promote (which never happens) blocks the mount. crm_verify accepts the "
            "configuration. Findings are errors when a Filesystem mounts the DRBD device or a constraint ties "
            "one to it, warnings when only other resources use it. A common cause is a conversion or a "
            "deployment tool that dropped `ms` / `promotable=true`."
        ),
        example=(
            "primitive p_drbd_r2 ocf:linbit:drbd params drbd_resource=r2\n"
            "clone cl_drbd_r2 p_drbd_r2 meta notify=true\n"
            "pcs resource clone p_drbd_r2 notify=true"
        ),
        use_instead=(
            "primitive p_drbd_r2 ocf:linbit:drbd params drbd_resource=r2 \\\n"
            "    op monitor interval=29s role=Master \\\n"
            "    op monitor interval=31s role=Slave\n"
            "ms ms_drbd_r2 p_drbd_r2 meta notify=true\n"
            "pcs resource promotable p_drbd_r2 notify=true"
        ),
    ),
    check=None,
)


def _depended_on(model, rid):
    """Something uses DRBD ``rid``: an order or colocation names it, or a Filesystem's device is its
    ``/dev/drbd/by-res/<drbd_resource>``."""
    if any(c.type in ("order", "colocation") for c in model.constraints_naming(rid)):
        return True
    name = model.resources[rid].params.get("drbd_resource")
    devices = {r.params.get("device", "").rstrip("/") for r in model.resources.values() if r.is_primitive}
    return bool(name) and any(_names_resource(d, name) for d in devices)


def _names_resource(device, name):
    return device == f"/dev/drbd/by-res/{name}" or device.startswith(f"/dev/drbd/by-res/{name}/")


def _filesystems_on(context, rid):
    """The Filesystems tied to DRBD ``rid``: their device is its ``/dev/drbd/by-res/<drbd_resource>``, or an
    order or colocation names both (or a group or clone holding them)."""
    model = context.model
    name = model.resources[rid].params.get("drbd_resource")
    drbd_side = {rid} | set(model.ancestors(rid))
    tied = []
    for fs in stacks_of(context).filesystems:
        device = (model.resources[fs].params.get("device") or "").strip().rstrip("/")
        fs_side = {fs} | set(model.ancestors(fs))
        related = any(drbd_side & set(c.resources) for holder in fs_side for c in model.constraints_naming(holder)
                      if c.type in ("order", "colocation"))
        if related or (name and _names_resource(device, name)):
            tied.append(fs)
    return tied


def _what_pacemaker_does(model, top, filesystems):
    """What the scheduler does with each Filesystem tied to a DRBD it never promotes, in words."""
    parts = []
    for fs in filesystems:
        placed = ("placed where DRBD runs, as Secondary" if model.colocation_path(fs, top, None) is not None
                  else "placed with no regard to DRBD (on any node: where DRBD is Secondary or does not run at all)")
        if model.order_path((top, "promote"), (fs, "start")) is not None:
            parts.append(f"{fs} is {placed}, and its start waits for a promote that never happens (blocked)")
        else:
            parts.append(f"{fs} is {placed}, and mounted there")
    return "; ".join(parts)


def check(context):
    model = context.model
    vocabulary = model.vocabulary
    for rid in drbd_primitives(model):
        top = model.top(rid)
        resource = model.resources[top]
        if resource.is_clone and model.promotable(top) is Truth.TRUE:
            continue  # the common case, before the Filesystems are looked for
        filesystems = _filesystems_on(context, rid)
        if filesystems:
            consequence = (f"DRBD is never promoted, and Pacemaker ignores every colocation with its Promoted role: "
                           f"{_what_pacemaker_does(model, top, filesystems)}")
        else:
            consequence = ("DRBD is never promoted: whatever is colocated with its Promoted role is placed as if "
                           "that colocation did not exist, and whatever is ordered after its promote never starts")
        severity = Severity.ERROR if filesystems else Severity.WARNING
        if resource.is_clone:
            if model.promotable(top) is Truth.MAYBE:
                condition = ", ".join(model.meta(top, "promotable").conditions) or "a rule"
                message = (f"{rid} is in clone {top}, promotable only while {condition} applies; when it does "
                           f"not, {consequence}.")
            else:
                message = f"{rid} is in clone {top}, which is not promotable (no promotable=true): {consequence}."
            fix = set_meta(top, "promotable", "true")
        elif top == rid:
            if not filesystems and not _depended_on(model, rid):
                continue  # a lone DRBD primitive that nothing uses: no stack is misplaced
            clone_id = fresh_id(model, f"ms_{rid}")
            message = f"{rid} is in no clone: it runs on one node only and {consequence}."
            notify = (("notify", "true"),)
            # the ids checked, the vocabulary's text is words without spaces of their own
            fix = command_words.fix(
                crm=lambda: [["crm", "configure"] + vocabulary.crm_promotable(
                    crm_name(clone_id, "resource"), crm_name(rid, "resource"), notify).split()],
                pcs=lambda: [vocabulary.pcs_promotable(pcs_id(rid, "resource"), pcs_id(clone_id, "resource"),
                                                       notify).split()])
        else:
            message = (f"{rid} is inside {top}, which is no clone: {consequence}. Make the group a promotable "
                       f"clone or move {rid} out of it into one.")
            fix = Fix()
        yield Finding.of(RULE, message, line=model.resources[rid].line, resources=(rid, top), fix=fix,
                         suppress_on=rid, severity=severity)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
