"""CV302 drbd-not-promotable: DRBD is not inside a promotable clone, so it is never promoted (C18, D1).

docs/pacemaker-semantics.md §6.1 and E-R3: a ``<clone>`` without ``promotable=true`` (crmsh ``clone`` instead of ``ms``,
or the meta lost in a conversion) starts DRBD Secondary everywhere and never promotes it; everything
colocated with the Promoted role or ordered after the promote is blocked ("unrunnable ... promote
(blocked)"), crm_verify clean. A DRBD primitive in no clone at all runs once, Secondary (reported when an
order, a colocation or a Filesystem's ``/dev/drbd/by-res`` device uses it). Warning, as
docs/rule-catalogue.md#severities lists C18 (nothing is damaged: the stack just never starts).
"""
from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_name, pcs_id
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import Truth
from crm_ve.rules.drbd_common import drbd_primitives, set_meta
from crm_ve.rules.stack_common import fresh_id

RULE = Rule(
    code="CV302",
    name="drbd-not-promotable",
    severity=Severity.WARNING,
    summary="a DRBD primitive is not inside a promotable clone (ms / promotable=true): never promoted",
    covers=("C18", "D1"),
    suppression_target="the DRBD primitive",
    doc=RuleDoc(
        what_it_does=(
            "Flags DRBD primitives that are not inside a promotable clone: in a plain clone (no "
            "`promotable=true`), in no clone at all, or in a clone whose `promotable` depends on a rule."
        ),
        why_is_this_bad=(
            "DRBD then runs as Secondary only and is never promoted. The Filesystem colocated with its "
            "Promoted role and ordered after its promote is blocked, and so is every container on it; "
            "crm_verify accepts the configuration. A common cause is a conversion or a deployment tool that "
            "dropped `ms` / `promotable=true`."
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
    return bool(name) and any(d == f"/dev/drbd/by-res/{name}" or d.startswith(f"/dev/drbd/by-res/{name}/")
                              for d in devices)


def check(context):
    model = context.model
    vocabulary = model.vocabulary
    for rid in drbd_primitives(model):
        top = model.top(rid)
        resource = model.resources[top]
        consequence = ("DRBD is never promoted: whatever is colocated with its Promoted role or ordered after its "
                       "promote (the Filesystem, the containers on it) is blocked")
        if resource.is_clone:
            truth = model.promotable(top)
            if truth is Truth.TRUE:
                continue
            if truth is Truth.MAYBE:
                condition = ", ".join(model.meta(top, "promotable").conditions) or "a rule"
                message = (f"{rid} is in clone {top}, promotable only while {condition} applies; when it does "
                           f"not, {consequence}.")
            else:
                message = f"{rid} is in clone {top}, which is not promotable (no promotable=true): {consequence}."
            fix = set_meta(top, "promotable", "true")
        elif top == rid:
            if not _depended_on(model, rid):
                continue  # a lone DRBD primitive that nothing uses: no stack is blocked
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
                         suppress_on=rid)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
