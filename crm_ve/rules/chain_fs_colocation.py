"""CV101 filesystem-not-with-promoted-drbd: the Filesystem is not placed with its DRBD clone's Promoted role.

Covers C3 (no role), C4/C10 (reversed), C5 (void role), C8/C9 (colocation set read the wrong way), C13 (no or
zero score), C14 (finite score) for the Filesystem -> DRBD relation (docs/pacemaker-semantics.md §3, §4.3, §11).
"""
from crm_ve import hookimpl
from crm_ve.findings import Rule, RuleDoc, Severity
from crm_ve.rules.chain_analysis import FS_COLOCATION, findings_for

RULE = Rule(
    code=FS_COLOCATION,
    name="filesystem-not-with-promoted-drbd",
    severity=Severity.ERROR,
    summary="a Filesystem on DRBD is not INFINITY-colocated with the DRBD clone's Promoted (Master) role",
    covers=("C3", "C4", "C5", "C8", "C9", "C10", "C13", "C14", "D7"),
    suppression_target="the Filesystem primitive",
    doc=RuleDoc(
        what_it_does=(
            "For every Filesystem that sits on a promotable DRBD clone, checks that the Filesystem is placed with "
            "the clone's Promoted (Master) role with score INFINITY, directly, through a chain (DRBD -> LVM -> "
            "Filesystem) or through a group, and that nothing places the DRBD clone with the Filesystem instead. "
            "The finding names the form of the mistake: no role, reversed colocation, a resource set read the "
            "wrong way, no score or score 0, a finite score, a role on the side that cannot be promoted."
        ),
        why_is_this_bad=(
            "A Filesystem colocated with the clone without a role may be mounted on the node where DRBD is "
            "Secondary (the mount fails with \"wrong medium type\"). A reversed colocation (`ms:Master with "
            "p_fs`) makes the Filesystem's placement decide where DRBD is promoted, overriding DRBD's own "
            "promotion scores. `ms with g_vz, with-rsc-role=Master` is not dropped either: Pacemaker weighs "
            "DRBD's node scores when it places the group and nothing places the group with the Promoted role, "
            "so on a promotion change the Filesystem stays on the demoted node; kept beside the right "
            "colocation it forms a loop of two INFINITY colocations, and its fix deletes it. A colocation "
            "without a score, with score 0 or with a role on the Filesystem's side is silently ignored; a "
            "finite score can be outweighed by any other preference. crm_verify accepts all of these. Findings are "
            "errors, except a colocation without a role whose dependent is a clone with interleave=true ordered after "
            "the promote (a dual-primary cluster filesystem): each instance waits for the promote on its own "
            "node, so that finding is a warning."
        ),
        example=(
            "colocation c_fs_on_drbd inf: p_fs ms_drbd_r0\n"
            "# also wrong: reversed (ms_drbd_r0:Master p_fs), or the set\n"
            "# colocation c_chain inf: ms_drbd_r0:Master p_fs p_ve"
        ),
        use_instead=(
            "colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master\n"
            "pcs constraint colocation add p_fs with promoted ms_drbd_r0 INFINITY"
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
