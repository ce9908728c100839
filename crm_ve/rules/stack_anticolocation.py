"""CV401 anti-colocation-in-stack: a negative colocation between members of one storage stack.

The members of a stack must share a node (the Filesystem with the Promoted DRBD instance, every container with
the Filesystem); a negative colocation between two of them contradicts that. A resource runs only on nodes
where its score is >= 0, so even a finite negative score is enough: with ``colocation c -1000: p_fs
ms_drbd_r0:Master`` beside the INFINITY colocation crm_simulate leaves p_fs (and the containers) stopped
(docs/pacemaker-semantics.md §3 and §8).
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.model import INFINITY, Role
from crm_ve.rules.stack_common import delete_fix, preserved_colocations, role_words, stacks_of

RULE = Rule(
    code="CV401",
    name="anti-colocation-in-stack",
    severity=Severity.ERROR,
    summary="a negative colocation keeps apart two members of a storage stack that must share a node",
    covers=("D7",),
    suppression_target="the dependent member (the Filesystem, or the container)",
    doc=RuleDoc(
        what_it_does=(
            "Finds colocations with a negative score (-INFINITY or finite) between members of one storage "
            "stack: the Filesystem and its DRBD clone (any role but Unpromoted), a container and its "
            "Filesystem or DRBD clone, two containers on the same Filesystem. Groups and resource sets "
            "count like the resources in them."
        ),
        why_is_this_bad=(
            "The stack only works when its members share a node. A resource runs only where its score is "
            "zero or more, so a negative colocation, even a finite one, beside the INFINITY colocation that "
            "holds the stack together leaves the dependent with no node: crm_simulate keeps the Filesystem "
            "(or the container) stopped while DRBD is promoted. A negative colocation with the Unpromoted "
            "role (do not mount where DRBD is Secondary) is fine and not reported."
        ),
        example=(
            "colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master\n"
            "colocation c_fs_apart -inf: p_fs ms_drbd_r0:Master\n"
            "colocation c_ve_apart -1000: p_ve p_fs"
        ),
        use_instead=(
            "colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master\n"
            "colocation c_ve_on_fs inf: p_ve p_fs"
        ),
    ),
    check=None,
)


def _members(model, stack):
    """(member id, kind, level) of one stack; level orders them bottom-up (DRBD 0, Filesystem 1, containers 2)."""
    out = []
    if stack.drbd is not None:
        out.append((stack.drbd, "drbd", 0))
    out.append((stack.filesystem, "filesystem", 1))
    out.extend((tie.lower, "container", 2) for tie in stack.containers)
    return out


def _covers(model, side, member):
    """Does a constraint naming ``side`` constrain ``member`` (the member itself, or a group or clone
    containing it)?"""
    return side == member or side in model.ancestors(member)


def check(context):
    model = context.model
    reported = set()
    negative = [edge for edge in model.colocation_edges
                if edge.score < 0 and edge.ignored is None and edge.constraint is not None]
    if not negative:
        return
    for stack in stacks_of(context).stacks:
        members = _members(model, stack)
        for edge in negative:
            dependent = [m for m in members if _covers(model, edge.dependent, m[0])]
            primary = [m for m in members if _covers(model, edge.primary, m[0])]
            for dep in dependent:
                for pri in primary:
                    finding = _finding(model, stack, edge, dep, pri, reported)
                    if finding is not None:
                        yield finding


def _finding(model, stack, edge, dep, pri, reported):
    if dep[0] == pri[0]:
        return None
    roles = {dep[1]: edge.dependent_role, pri[1]: edge.primary_role}
    if "drbd" in roles and roles["drbd"] not in (Role.ANY, Role.PROMOTED):
        return None  # away from the Unpromoted (Secondary) instance: what the stack wants anyway
    lower, upper = (dep, pri) if dep[2] >= pri[2] else (pri, dep)
    key = (edge.constraint, lower[0], upper[0])
    if key in reported:
        return None
    reported.add(key)
    fs = stack.filesystem
    drbd_words = role_words(model, stack.drbd, Role.PROMOTED) if stack.drbd else None
    if lower[1] == "filesystem":
        need = f"{fs} must run where {drbd_words} is"
        effect = f"{fs} and the containers on it stay stopped while DRBD is promoted"
    elif upper[1] == "container":
        need = f"both must run where {fs} is mounted"
        effect = f"one of {lower[0]} and {upper[0]} stays stopped"
    else:
        need = (f"{lower[0]} must run where {fs} is mounted" + (f", on the node where {drbd_words} is"
                                                                 if upper[1] == "drbd" else ""))
        effect = f"{lower[0]} stays stopped"
    score = "-INFINITY" if edge.score <= -INFINITY else f"{edge.score} (a negative score is enough: a " \
                                                         f"resource runs only where its score is >= 0)"
    message = (f"Colocation {edge.constraint} keeps {role_words(model, edge.dependent, edge.dependent_role)} "
               f"away from {role_words(model, edge.primary, edge.primary_role)} with score {score}, but {need}: "
               f"{effect}. Delete it.")
    taken = set()
    member_ids = {dep[0], pri[0]}

    def dropped(other):
        return other.score < 0 and {_member_of(model, other.dependent, stack), _member_of(model, other.primary,
                                                                                          stack)} <= member_ids
    adds = preserved_colocations(model, edge.constraint, dropped, taken)
    return Finding.of(RULE, message, line=edge.line, resources=(lower[0], upper[0]),
                      constraints=(edge.constraint,), fix=delete_fix(model, [edge.constraint], adds),
                      suppress_on=lower[0])


def _member_of(model, rid, stack):
    for member, _, _ in _members(model, stack):
        if _covers(model, rid, member):
            return member
    return rid


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
