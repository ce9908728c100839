"""CV303 drbd-notify-disabled: the DRBD clone does not enable notifications (C21, D2).

The ``ocf:linbit:drbd`` agent (``drbd_validate``, docs/pacemaker-semantics.md §10) refuses start and promote with
OCF_ERR_CONFIGURED "you really should enable notify when using this RA (or set
ignore_missing_notifications=true)" unless the clone has ``notify=true``; ``notify`` defaults to false
(Pacemaker Explained, "Clone Options"), also from ``rsc_defaults``. The agent's refusal cannot be shown by an
offline simulation (crm_simulate does not run agents). Error, as docs/rule-catalogue.md#severities lists C21.
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.model import Truth
from crm_ve.model.values import parse_bool
from crm_ve.rules.drbd_common import drbd_primitives, own_meta_holder, set_meta

RULE = Rule(
    code="CV303",
    name="drbd-notify-disabled",
    severity=Severity.ERROR,
    summary="the clone of a DRBD primitive does not have notify=true: the agent refuses to start",
    covers=("C21", "D2"),
    suppression_target="the DRBD clone",
    doc=RuleDoc(
        what_it_does=(
            "Flags clones (and promotable clones) of DRBD whose effective `notify` meta attribute is not true "
            "(unset, false, or false under a rule that may apply), unless the DRBD primitive sets "
            "`ignore_missing_notifications=true`."
        ),
        why_is_this_bad=(
            "The ocf:linbit:drbd agent needs the clone notifications to track its peers; without them it "
            "fails every start and promote with OCF_ERR_CONFIGURED (\"you really should enable notify when "
            "using this RA\"), a hard error: the instance is banned from the node, nothing is promoted and "
            "the Filesystem and containers never start. crm_verify and crm_simulate cannot see it."
        ),
        example="ms ms_drbd_r0 p_drbd_r0 meta master-max=1 clone-max=2",
        use_instead="ms ms_drbd_r0 p_drbd_r0 meta master-max=1 clone-max=2 notify=true",
    ),
    check=None,
)


def check(context):
    model = context.model
    seen = set()
    for rid in drbd_primitives(model):
        resource = model.resources[rid]
        clone = model.clone_of(resource.id)
        if clone is None or clone in seen:
            continue
        if parse_bool(resource.params.get("ignore_missing_notifications"), False):
            continue
        seen.add(clone)
        value = model.meta(clone, "notify")
        truth = model.meta_truth(clone, "notify", False)
        if truth is Truth.TRUE:
            continue
        if truth is Truth.MAYBE:
            how = f"notify is true only while {', '.join(value.conditions) or 'a rule'} applies"
        elif value.value is None:
            how = "notify is not set (it defaults to false)"
        else:
            from_defaults = "" if own_meta_holder(model, clone, "notify") else "rsc_defaults, "
            how = f"notify={value.value} ({from_defaults}{value.source})"
        yield Finding.of(
            RULE, f"{clone}: {how}; the {resource.agent} agent of {resource.id} then fails start and promote "
                  f"with OCF_ERR_CONFIGURED, so DRBD is never promoted and the stack on it never starts.",
            line=model.resources[clone].line, resources=(clone, resource.id),
            fix=set_meta(clone, "notify", "true"), suppress_on=clone,
        )


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
