"""CV103 container-not-with-filesystem: a container is not placed with the Filesystem it lives on.

Covers C4/C10 (reversed), C8 (colocation set read the wrong way), C13, C14, C15 (missing) for the container ->
Filesystem relation (docs/pacemaker-semantics.md §3, §4.3, §5, §11).
"""
from crm_ve import hookimpl
from crm_ve.findings import Rule, RuleDoc, Severity
from crm_ve.rules.chain_analysis import CONTAINER_COLOCATION, findings_for

RULE = Rule(
    code=CONTAINER_COLOCATION,
    name="container-not-with-filesystem",
    severity=Severity.ERROR,
    summary="a container is not INFINITY-colocated with its Filesystem (or the Filesystem depends on it)",
    covers=("C4", "C8", "C10", "C13", "C14", "C15"),
    suppression_target="the container primitive",
    doc=RuleDoc(
        what_it_does=(
            "For every container (ManageVE, or another workload agent a plugin declares) tied to a Filesystem, "
            "checks that the container is placed with the Filesystem with score INFINITY (by a colocation, a set, "
            "or by coming after it in a group) and that the Filesystem is not placed with the container instead."
        ),
        why_is_this_bad=(
            "Without the colocation the container can be started on a node where its private area is not "
            "mounted. Reversed (`p_fs with p_ve`, or crmsh's `colocation c inf: p_ve p_fs ms:Master`, which "
            "places p_fs with p_ve), the Filesystem depends on the container: stopping or banning the container "
            "unmounts the Filesystem. crm_verify accepts both."
        ),
        example=(
            "colocation c_ve_on_fs inf: p_fs p_ve\n"
            "colocation c_chain inf: p_ve p_fs ms_drbd_r0:Master"
        ),
        use_instead=(
            "colocation c_ve_on_fs inf: p_ve p_fs\n"
            "pcs constraint colocation add p_ve with p_fs INFINITY"
        ),
    ),
    check=None,
)


def check(context):
    return findings_for(RULE, context)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
