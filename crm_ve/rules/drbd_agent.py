"""CV301 drbd-deprecated-agent: the DRBD primitive uses the deprecated ``ocf:heartbeat:drbd`` agent (D1)."""
from crm_ve import hookimpl
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
        example="primitive p_drbd_r0 ocf:heartbeat:drbd params drbd_resource=r0",
        use_instead="primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0",
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
                suppress_on=resource.id,
            )


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
