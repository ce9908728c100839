"""CV104 container-not-after-filesystem: a container's start does not wait for its Filesystem's start (or the
Filesystem's stop for the container's stop).

Covers C11, C12, C16 (missing), C17 (reversed) for the Filesystem -> container order (docs/pacemaker-semantics.md
§2, §4.2, §5, §11).
"""
from crm_ve import hookimpl
from crm_ve.findings import Rule, RuleDoc, Severity
from crm_ve.rules.chain_analysis import CONTAINER_ORDER, findings_for

RULE = Rule(
    code=CONTAINER_ORDER,
    name="container-not-after-filesystem",
    severity=Severity.ERROR,
    summary="a container is not ordered Mandatory and symmetrically after its Filesystem",
    covers=("C11", "C12", "C16", "C17"),
    suppression_target="the container primitive",
    doc=RuleDoc(
        what_it_does=(
            "For every container tied to a Filesystem, checks that the container's start waits for the "
            "Filesystem's start and the Filesystem's stop for the container's stop, through Mandatory orders "
            "(directly, through a chain, a set or a group), and that nothing orders them the other way round."
        ),
        why_is_this_bad=(
            "A colocation only places resources; it does not order them. Without the order the container starts "
            "in parallel with the mount and keeps running while the Filesystem is unmounted on a move. An "
            "Optional order or symmetrical=false loses the stop side. crm_verify accepts all of these."
        ),
        example=(
            "colocation c_ve_on_fs inf: p_ve p_fs\n"
            "order o_fs_before_ve Optional: p_fs:start p_ve:start"
        ),
        use_instead=(
            "order o_fs_before_ve Mandatory: p_fs:start p_ve:start\n"
            "pcs constraint order start p_fs then start p_ve"
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
