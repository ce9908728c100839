"""CV301 drbd-deprecated-agent: the DRBD primitive uses the deprecated ``ocf:heartbeat:drbd`` agent (D1).

The fix changes the primitive's provider in place (its parameters, operations and the constraints naming it
stay): crmsh has no command for that, so ``crm configure filter`` edits the XML of the resource holding it;
pcs cannot change a resource's agent without deleting the resource (and its constraints), so there is no pcs
command: run the crm one, or ``pcs cluster edit``.
"""
from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_name, sed_literal
from crm_ve.findings import Finding, Rule, RuleDoc, Severity

DEPRECATED_AGENT = "ocf:heartbeat:drbd"
CURRENT_AGENT = "ocf:linbit:drbd"

RULE = Rule(
    code="CV301",
    name="drbd-deprecated-agent",
    severity=Severity.WARNING,
    summary="DRBD is managed by the deprecated ocf:heartbeat:drbd agent",
    covers=("D1",),
    suppression_target="the DRBD primitive",
    doc=RuleDoc(
        what_it_does="Flags DRBD primitives that use `ocf:heartbeat:drbd` instead of LINBIT's `ocf:linbit:drbd`.",
        why_is_this_bad=(
            "The heartbeat DRBD agent is deprecated and no longer maintained (LINBIT's DRBD User's Guide); it "
            "lacks the promotion scores, notifications and fencing integration that `ocf:linbit:drbd` has."
        ),
        example=(
            "primitive p_drbd_r0 ocf:heartbeat:drbd params drbd_resource=r0 \\\n"
            "    op monitor interval=29s role=Master \\\n"
            "    op monitor interval=31s role=Slave"
        ),
        use_instead=(
            "primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 \\\n"
            "    op monitor interval=29s role=Master \\\n"
            "    op monitor interval=31s role=Slave"
        ),
    ),
    check=None,
)


def check(context):
    for resource in context.model.resources.values():
        if resource.agent == DEPRECATED_AGENT:
            yield Finding.of(
                RULE,
                f"{resource.id} uses the deprecated agent {DEPRECATED_AGENT}; use {CURRENT_AGENT}",
                line=resource.line,
                resources=(resource.id,),
                fix=_fix(context.model, resource.id),
                suppress_on=resource.id,
            )


def _fix(model, rid):
    def crm():
        sed = (f'/<primitive id="{sed_literal(crm_name(rid, "resource"))}"/'
               f's/provider="heartbeat"/provider="linbit"/').replace('"', "\\x22")
        return [["crm", "-F", "configure", "filter", f"sed -e '{sed}'", "xml", crm_name(model.top(rid), "resource")]]
    return command_words.fix(crm=crm)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
