"""CV102 filesystem-not-after-promote: the Filesystem's start does not wait for DRBD's promote (or DRBD's
demote for the Filesystem's stop).

Covers C1 (after start), C2 (then-action omitted), C7 (order on a later group member), C11
(symmetrical=false), C12 (Optional / score 0 / Serialize), C17 (reversed) for the DRBD -> Filesystem order
(docs/pacemaker-semantics.md §2, §4.2, §5, §11).
"""
from crm_ve import hookimpl
from crm_ve.findings import Rule, RuleDoc, Severity
from crm_ve.rules.chain_analysis import FS_ORDER, findings_for

RULE = Rule(
    code=FS_ORDER,
    name="filesystem-not-after-promote",
    severity=Severity.ERROR,
    summary="a Filesystem on DRBD is not ordered Mandatory and symmetrically after the DRBD clone's promote",
    covers=("C1", "C2", "C7", "C11", "C12", "C17", "D7"),
    suppression_target="the Filesystem primitive",
    doc=RuleDoc(
        what_it_does=(
            "For every Filesystem that sits on a promotable DRBD clone, checks that its start waits for the "
            "clone's promote and the clone's demote waits for its stop, through Mandatory orders only (directly, "
            "through a chain such as DRBD -> LVM -> Filesystem, or through a group), and that nothing orders the "
            "promote after the Filesystem. The finding names the form of the mistake: ordered after start instead "
            "of promote, then-action omitted (it defaults to the first action, promote), symmetrical=false, "
            "Optional or score 0, Serialize, an order naming a later group member, a reversed order."
        ),
        why_is_this_bad=(
            "Ordered after the clone's start, the mount can run while DRBD is still Secondary (\"wrong medium "
            "type\") and on a move DRBD is demoted with the Filesystem still mounted. `order o inf: "
            "ms_drbd:promote p_fs` orders p_fs's promote, which never happens. An Optional order or "
            "symmetrical=false loses the stop side: DRBD can be demoted or recovered under the mounted "
            "Filesystem. crm_verify accepts all of these."
        ),
        example=(
            "order o_drbd_before_fs inf: ms_drbd_r0 p_fs\n"
            "# also wrong: Optional: ms_drbd_r0:promote p_fs:start"
        ),
        use_instead=(
            "order o_drbd_before_fs Mandatory: ms_drbd_r0:promote p_fs:start\n"
            "pcs constraint order promote ms_drbd_r0 then start p_fs"
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
