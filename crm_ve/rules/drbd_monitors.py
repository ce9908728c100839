"""CV306 drbd-monitor-intervals: the DRBD primitive's monitors per role are missing or share an interval (D5, C20).

Pacemaker Explained, "Monitoring Promotable Clone Resources": a monitor per role, "it is crucial that every
monitor operation has a different interval" - two recurring monitors with the same interval are refused by
crm_verify ("Operation ... is duplicate of ...",
docs/pacemaker-semantics.md §13, E-OP1): error. A monitor without a role runs only on
instances that are not promoted (checked with crm_simulate: no recurring monitor on the promoted instance), so
without a ``role=Promoted`` (``Master``) monitor the DRBD Primary is never monitored, and without an
``Unpromoted`` (``Slave``) or role-less one the Secondary is not: warnings.

crmsh has no command that edits one operation, so the crm fix rewrites the operation through ``crm configure
filter`` on the clone's XML; pcs removes and re-adds it.
"""
from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_name, pcs_id, pcs_op_options, sed_literal
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import Role
from crm_ve.model.values import parse_bool
from crm_ve.rules.drbd_common import join, promotable_drbd_clones

RULE = Rule(
    code="CV306",
    name="drbd-monitor-intervals",
    severity=Severity.ERROR,
    summary="the DRBD primitive lacks a monitor per role, or two of its monitors share an interval",
    covers=("D5", "C20"),
    suppression_target="the DRBD primitive",
    doc=RuleDoc(
        what_it_does=(
            "For the DRBD primitive of each promotable clone: two recurring monitors with the same interval "
            "(error), no monitor with role Promoted/Master (warning), no monitor with role Unpromoted/Slave "
            "and none without a role (warning)."
        ),
        why_is_this_bad=(
            "Pacemaker identifies a recurring operation by name and interval: crm_verify refuses two monitors "
            "with the same interval (\"is duplicate of\"), whatever their roles. A monitor without a role never "
            "runs on the promoted instance, so a DRBD Primary without a Promoted monitor is never checked and a "
            "failure there goes unnoticed until the next transition."
        ),
        example=(
            "primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 \\\n"
            "  op monitor interval=30s role=Master \\\n"
            "  op monitor interval=30s role=Slave"
        ),
        use_instead=(
            "primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 \\\n"
            "  op monitor interval=29s role=Master \\\n"
            "  op monitor interval=31s role=Slave"
        ),
    ),
    check=None,
)

_PREFERRED = {Role.PROMOTED: 29, Role.UNPROMOTED: 31}


def _enabled(op):
    for block in op.meta_blocks:
        if "enabled" in block.pairs:
            return parse_bool(block.pairs["enabled"], True)
    return parse_bool(op.element.get("enabled"), True)


def _free_interval(used_ms, start_s):
    seconds = start_s
    while seconds * 1000 in used_ms:
        seconds += 2
    return seconds


def _free_op_id(model, base, taken):
    oid, n = base, 1
    while oid in model.index or oid in taken:
        n += 1
        oid = f"{base}-{n}"
    taken.add(oid)
    return oid


def _sed(expression, top):
    # -F: crmsh refuses to commit while crm_verify reports the duplicate being fixed; crmsh hands the sed
    # command to a shell, so the script's double quotes are written as \x22 and it is single-quoted
    script = expression.replace('"', "\\x22")
    return ["crm", "-F", "configure", "filter", f"sed -e '{script}'", "xml", crm_name(top, "resource")]


def _add_op(model, prim, top, role, seconds, has_operations, taken):
    role_name = model.vocabulary.role_name(role)
    oid = _free_op_id(model, f"{prim}-monitor-{seconds}s", taken)

    def crm():
        op = (f'<op name="monitor" interval="{seconds}s" role="{role_name}" '
              f'id="{crm_name(oid, "operation id")}"/>')
        if has_operations:
            return [_sed(f"/<operations>/a {op}", top)]
        return [_sed(f"/<\\/primitive>/i <operations>{op}</operations>", top)]

    return command_words.fix(crm=crm, pcs=lambda: [["pcs", "resource", "op", "add", pcs_id(prim, "resource"),
                                                    "monitor", f"interval={seconds}s", f"role={role.value}"]])


def _move_op(model, prim, top, op, seconds, taken):
    oid = op.id

    def crm():
        pattern = sed_literal(crm_name(oid, "operation id"))
        return [_sed(f'/id="{pattern}"/s/interval="[^"]*"/interval="{seconds}s"/', top)]

    def pcs():
        # the op re-added with all it holds (on-fail, OCF_CHECK_LEVEL...), at the new interval
        options = pcs_op_options(op.element, {"interval": f"{seconds}s",
                                              "role": None if op.role.is_any else op.role.value})
        return [["pcs", "resource", "op", "remove", pcs_id(oid, "operation id")],
                ["pcs", "resource", "op", "add", pcs_id(prim, "resource"), "monitor"] + options]

    return command_words.fix(crm=crm, pcs=pcs)


def check(context):
    model = context.model
    for clone in promotable_drbd_clones(model):
        for prim in clone.primitives:
            monitors = [op for op in model.operations(prim)
                        if op.name == "monitor" and op.interval_ms > 0 and _enabled(op)]
            used = {op.interval_ms for op in monitors}
            has_operations = bool(model.operations(prim))
            line = model.resources[prim].line
            taken = set()
            by_interval = {}
            for op in monitors:
                by_interval.setdefault(op.interval_ms, []).append(op)
            for interval, ops in by_interval.items():
                if len(ops) < 2:
                    continue
                keep = next((op for op in ops if op.role is Role.PROMOTED), ops[0])
                fixes, moved = [], []
                for op in ops:
                    if op is keep:
                        continue
                    seconds = _free_interval(used, max(_PREFERRED.get(op.role, 31), interval // 1000 + 2))
                    used.add(seconds * 1000)
                    if op.id is None:
                        fixes = None
                        break
                    fixes.append(_move_op(model, prim, clone.id, op, seconds, taken))
                    moved.append(f"{op.id} to {seconds}s")
                roles = ", ".join(f"{op.id or 'monitor'} ({op.role.value if not op.role.is_any else 'no role'})"
                                  for op in ops)
                yield Finding.of(
                    RULE, f"{prim} has {len(ops)} monitors with interval {interval // 1000}s: {roles}; Pacemaker "
                          f"tells recurring operations apart by name and interval only and refuses duplicates "
                          f"(crm_verify: \"is duplicate of\")" + (f". Move {', '.join(moved)}." if fixes else "."),
                    line=line, resources=(prim, clone.id), fix=join(*fixes) if fixes else Fix(), suppress_on=prim)
            promoted = [op for op in monitors if op.role is Role.PROMOTED]
            unpromoted = [op for op in monitors if op.role in (Role.UNPROMOTED, Role.ANY)]
            missing = []
            if not promoted:
                missing.append((Role.PROMOTED, "the Primary (promoted instance) is never monitored"))
            if not unpromoted:
                missing.append((Role.UNPROMOTED, "the Secondary (unpromoted instance) is never monitored"))
            for role, what in missing:
                seconds = _free_interval(used, _PREFERRED[role])
                used.add(seconds * 1000)
                name = model.vocabulary.role_name(role)
                fix = _add_op(model, prim, clone.id, role, seconds, has_operations, taken)
                has_operations = True
                yield Finding.of(
                    RULE, f"{prim} has no recurring monitor with role={name}: {what}, so a failure there goes "
                          f"unnoticed. Add one with an interval of its own ({seconds}s).",
                    severity=Severity.WARNING, line=line, resources=(prim, clone.id), fix=fix, suppress_on=prim)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
