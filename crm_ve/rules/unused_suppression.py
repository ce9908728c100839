"""CV901 unused-suppression and CV902 invalid-suppression: the ``# crm-ve: ignore[...]`` comments themselves.

Meta rules (code ``CV9xx``): the checker runs them after the other rules, once inline suppressions were applied,
with ``context.suppressions`` (a :class:`crm_ve.suppressions.SuppressionIndex`) recording what each directive
silenced. A directive naming a rule that did not run (deselected, or it failed) is not called unused.
"""
from crm_ve import hookimpl
from crm_ve.command_words import shell_line
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.suppressions import is_meta

UNUSED = Rule(
    code="CV901",
    name="unused-suppression",
    severity=Severity.WARNING,
    summary="a '# crm-ve: ignore[CODE]' comment suppresses nothing",
    suppression_target="the element carrying the comment",
    doc=RuleDoc(
        what_it_does=(
            "Flags `# crm-ve: ignore[CODE]` comments whose rule ran on the element the comment is attached to "
            "and found nothing there (like ruff's RUF100)."
        ),
        why_is_this_bad=(
            "A stale suppression hides the next real problem of that kind on the same object: the mistake it "
            "was written for has been fixed (or it sits on the wrong object), so it now only weakens the check."
        ),
        example=(
            "# crm-ve: ignore[CV301]\n"
            "primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 \\\n"
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

INVALID = Rule(
    code="CV902",
    name="invalid-suppression",
    severity=Severity.WARNING,
    summary="a 'crm-ve:' comment is malformed, blanket, or names no known rule",
    suppression_target="the element carrying the comment",
    doc=RuleDoc(
        what_it_does=(
            "Flags `crm-ve:` comments that suppress nothing because they cannot: a blanket `# crm-ve: ignore` "
            "without codes, an empty or malformed `ignore[...]`, a code prefix, a code or name that no loaded "
            "rule has, or a comment attached to no element with an id."
        ),
        why_is_this_bad=(
            "Suppressions must name the codes they silence, so a new kind of mistake on the same object is never "
            "hidden by accident; a typo in a code silently suppresses nothing."
        ),
        example=(
            "# crm-ve: ignore\n"
            "primitive p_fs Filesystem \\\n"
            "    params device=/dev/drbd0 directory=/vz fstype=ext4"
        ),
        use_instead=(
            "# crm-ve: ignore[CV501]\n"
            "primitive p_ve ocf:crm-ve:ManageVE params veid=101 \\\n"
            "    checkpoint_on_stop=true dumpfile=/vz/dump/Dump.101 \\\n"
            "    meta allow-migrate=true"
        ),
    ),
    check=None,
)


def _where(directive):
    kind = "constraints" if (directive.owner_tag or "").startswith("rsc_") else "resources"
    return {kind: (directive.owner_id,)} if directive.owner_id else {}


def check_unused(context):
    index = context.suppressions
    if index is None:
        return
    for directive in index.directives:
        if directive.problem is not None:
            continue
        for token in directive.tokens:
            rule = index.rule_for(token)
            if rule is None or is_meta(rule) or rule.code not in index.ran or token in directive.used:
                continue
            yield Finding.of(
                UNUSED,
                f"'{directive.text}' on {directive.owner_id}: {rule.code} {rule.name} finds nothing to suppress "
                f"there; remove {token} from the comment "
                f"({shell_line(['crm', 'configure', 'edit', directive.owner_id])})",
                line=directive.line,
                suppress_on=directive.owner_id,
                **_where(directive),
            )


def check_invalid(context):
    index = context.suppressions
    if index is None:
        return
    for directive in index.directives:
        target = f" on {directive.owner_id}" if directive.owner_id else ""
        if directive.problem is not None:
            yield Finding.of(INVALID, f"'{directive.text}'{target}: {directive.problem}", line=directive.line,
                             suppress_on=directive.owner_id, **_where(directive))
            continue
        unknown = [token for token in directive.tokens if index.rule_for(token) is None]
        if unknown:
            prefixes = [t for t in unknown if any(rule.code.startswith(t.upper()) for rule in index.rules)]
            hint = " (codes are explicit: name each code, not a prefix)" if prefixes else " (see 'crm-ve rule')"
            yield Finding.of(
                INVALID,
                f"'{directive.text}'{target}: {', '.join(unknown)} "
                f"name{'s' if len(unknown) == 1 else ''} no known rule{hint}",
                line=directive.line,
                suppress_on=directive.owner_id,
                **_where(directive),
            )


UNUSED.check = check_unused
INVALID.check = check_invalid


@hookimpl
def crm_ve_rules():
    return [UNUSED, INVALID]
