"""CV204 dangling-reference: a constraint names an id that is no resource, or a tag naming one
(docs/pacemaker-semantics.md §7.1).

2.1.5 ``pcmk__valid_resource_or_tag``: an id that is neither a resource nor a tag or template makes Pacemaker
ignore the whole constraint. A tag is expanded into a resource set first (``pcmk__tag_to_set``), and the set
unpacking (``colocate_rsc_sets``, ``unpack_order_set``...) stops at the first member it cannot find ("No
resource found for ...", E-T3): the members listed before it keep their relation, the ones after it get none
(checked with crm_simulate: ``tag t p_fs p_vee`` still colocates p_fs, ``tag t p_vee p_fs`` does not). The constraint schemas declare ``rsc``/``first``/``resource_ref`` as IDREF
(an id of *any* element passes), the tags schema since pacemaker-3.3 takes any text, so such CIBs load.
Error when the constraint is one of a storage stack's required relations (an order or colocation naming a
stack's DRBD clone, Filesystem or container), warning otherwise. A location's ``rsc-pattern`` that the model
does not match (a back-reference, or a pattern too costly to match: crm_ve.posix_regex) names resources this
check does not know: a warning says so.
"""

from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_name, pcs_arg, pcs_id, sed_literal
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.rules.chain_fixes import delete_constraints
from crm_ve.rules.constraint_rewrite import rewrite

RULE = Rule(
    code="CV204",
    name="dangling-reference",
    severity=Severity.ERROR,
    summary="a constraint names an id that is no resource (or a tag naming one): Pacemaker ignores it",
    covers=(),
    suppression_target="the constraint (the tag, for a tag's reference)",
    doc=RuleDoc(
        what_it_does=(
            "Flags constraints that name an id which is not a resource, tag or template, and tags used by "
            "constraints that list an id which is no resource. Error when the constraint orders or colocates "
            "a storage stack's DRBD clone, Filesystem or container, warning otherwise. The fix renames a "
            "misspelt id to the closest existing one, else deletes the dead constraint or tag entry. A "
            "location whose rsc-pattern crm-ve does not match (one with a back-reference, or too large to "
            "match in bounded time) gets a warning: what it applies to is not checked."
        ),
        why_is_this_bad=(
            "Pacemaker drops the whole constraint (\"No resource found\"): a tag with one misspelt member "
            "disables every constraint that uses it, also for the members that exist. The schema does not "
            "catch a tag's misspelt member, and crmsh writes it with a warning."
        ),
        example=(
            "tag t_vz p_fs p_vee\n"
            "colocation c_vz_on_drbd inf: t_vz ms_drbd_r0:Master"
        ),
        use_instead=(
            "tag t_vz p_fs p_ve\n"
            "colocation c_vz_on_drbd inf: t_vz ms_drbd_r0:Master"
        ),
    ),
    check=None,
)


def _is_valid(model, rid):
    return rid in model.resources or rid in model.tags or rid in model.templates


def _closest(model, missing):
    candidates = [rid for rid in model.resources if model.resources[rid].parent is None
                  or not model.clone_of(rid)] + list(model.tags) + list(model.templates)
    import difflib  # only for a dangling id: not imported by every check
    match = difflib.get_close_matches(missing, candidates, n=1, cutoff=0.75)
    return match[0] if match else None


def _chain_members(context):
    stacks = context.model.stacks(context.workload_agents)
    members = set()
    for stack in stacks.stacks:
        if stack.drbd is None and not stack.containers:
            continue
        members.add(stack.filesystem)
        if stack.drbd is not None:
            members.add(stack.drbd)
            members.update(stacks.drbd_clones[stack.drbd].primitives)
        members.update(tie.lower for tie in stack.containers)
    model = context.model
    for rid in list(members):
        members.update(model.ancestors(rid))
    return members


def _required(model, constraint, chain):
    if constraint.type not in ("order", "colocation"):
        return False
    named = set()
    for ref in constraint.references:
        if ref in model.resources:
            named.add(ref)
        elif ref in model.tags or ref in model.templates:
            named.update(r for r in (model.tags.get(ref) or model.templates.get(ref) or ()) if r in model.resources)
    return bool(named & chain)


def _tag_fix(model, tag, missing):
    """Rename (closest resource) or drop the tag's missing members: crmsh has no tag editor, so its ``filter``
    command rewrites the tag's text; pcs edits the tag."""
    matches = []
    for rid in missing:
        match = _closest(model, rid)
        matches.append((rid, match if match in model.resources and match not in model.tags.get(tag, ()) else None))

    def crm():
        script = []
        for rid, match in matches:
            pattern = sed_literal(crm_name(rid, "tag member"))
            script.append(f"s/(\\s){pattern}(\\s|$)/\\1{crm_name(match, 'resource')}\\2/" if match
                          else f"s/(\\s){pattern}(\\s|$)/\\2/")
        return [["crm", "-F", "configure", "filter", f"sed -E '{'; '.join(script)}'", crm_name(tag, "tag")]]

    def pcs():
        words = ["pcs", "tag", "update", pcs_id(tag, "tag")]
        for rid, match in matches:
            words += (["add", pcs_id(match, "resource")] if match else []) + ["remove", pcs_arg(rid, "tag member")]
        return [words]

    return command_words.fix(crm=crm, pcs=pcs)


def check(context):
    model = context.model
    chain = None
    reported_tags = set()
    for constraint in model.constraint_list:
        if constraint.unchecked is not None:
            yield Finding.of(
                RULE, f"location {constraint.id}: crm-ve does not match its {constraint.unchecked}, so the "
                      f"resources it applies to, and what it bans or prefers, are not part of this check.",
                severity=Severity.WARNING, line=constraint.line, suppress_on=constraint.id,
                constraints=(constraint.id,) if constraint.id else ())
            continue
        if constraint.ignored is None or constraint.id is None:
            continue
        missing = [ref for ref in dict.fromkeys(constraint.references) if not _is_valid(model, ref)]
        broken_tags = {ref: [m for m in model.tags[ref] if m not in model.resources]
                       for ref in dict.fromkeys(constraint.references) if ref in model.tags}
        broken_tags = {tag: members for tag, members in broken_tags.items() if members}
        set_ref = "resource set reference" in constraint.ignored
        if not missing and not broken_tags and not set_ref:
            continue
        if chain is None:
            chain = _chain_members(context)
        required = _required(model, constraint, chain)
        severity = Severity.ERROR if required else Severity.WARNING
        why = " It is one of a storage stack's required relations." if required else ""
        if missing or set_ref:
            rename = {ref: _closest(model, ref) for ref in missing}
            rename = {ref: match for ref, match in rename.items() if match}
            what = ", ".join(missing) if missing else constraint.ignored
            fix = rewrite(model, constraint, rename=rename, force=True) if rename and len(rename) == len(missing) else None
            hint = (" Did you mean " + ", ".join(f"{m} for {r}" for r, m in rename.items()) + "?") if rename else ""
            yield Finding.of(
                RULE, f"{constraint.type} {constraint.id} names {what}, which is no resource, tag or template: "
                      f"Pacemaker ignores the whole constraint.{why}{hint}",
                severity=severity, line=constraint.line, constraints=(constraint.id,),
                resources=tuple(missing), fix=fix or delete_constraints([constraint.id], force=True),
                suppress_on=constraint.id,
            )
            continue
        for tag, members in broken_tags.items():
            users = [c.id for c in model.constraint_list if tag in c.references and c.id]
            if tag in reported_tags:
                continue
            reported_tags.add(tag)
            required_any = any(_required(model, c, chain) for c in model.constraint_list if c.id in users)
            yield Finding.of(
                RULE, f"tag {tag} lists {', '.join(members)}, which {'is' if len(members) == 1 else 'are'} no "
                      f"resource: every constraint that names the tag ({', '.join(users)}) is a configuration "
                      f"error (\"No resource found for {members[0]}\"), and Pacemaker stops applying it at that "
                      f"member, so the members listed after it are left out."
                      + (" One of them is a storage stack's required relation." if required_any else ""),
                severity=Severity.ERROR if required_any else Severity.WARNING,
                line=getattr(model.index.get(tag), "sourceline", None) or constraint.line,
                constraints=tuple(users), resources=tuple(members), fix=_tag_fix(model, tag, members),
                suppress_on=tag,
            )


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
