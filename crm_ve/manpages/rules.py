"""crm-ve-rules(7): every built-in rule, from the rules' own docs (the same text ``crm-ve rule CODE`` prints).

The rules come from the plugin host with autoload off, so the page lists the built-ins only: a third-party plugin
installed in the same environment never changes it. Every field of :class:`crm_ve.findings.RuleDoc` is rendered,
so a field added there appears here without a change to this module.
"""
import dataclasses

from crm_ve.manpages import DATE, SOURCE
from crm_ve.manpages.doctree import (
    Page, bold, code, example, italic, manref, marked, para, paragraphs, subsection, terms,
)
from crm_ve.plugins import BUILTIN_CODE_PREFIX, PluginHost

#: Headings of the built-in code ranges (CV1xx ...), as the rule authors agreed them.
FAMILIES = {
    "1": "Storage chain: DRBD, Filesystem and container order and colocation",
    "2": "References and constraints that do nothing",
    "3": "The DRBD clone",
    "4": "Contradictions, bans, tickets and fencing constraints",
    "5": "The workload agent",
    "6": "Management: unmanaged resources and maintenance",
    "9": "Meta rules",
}

#: RuleDoc fields written as commands or configuration (kept verbatim), the others are prose.
VERBATIM_FIELDS = ("example", "use_instead")
FIELD_TITLES = {"why_is_this_bad": "Why is this bad?"}


def build():
    rules = PluginHost(autoload=False).rules
    page = Page(
        "crm-ve-rules", 7, "the checks of crm-ve check, with why each matters and how to fix it",
        manual="crm-ve", source=SOURCE, date=DATE,
    )
    page.section(
        "Description",
        para(
            bold("crm-ve check"),
            " reads a Pacemaker CIB and reports what would go wrong in a DRBD -> Filesystem -> container stack: "
            "each finding names the rule that found it, by code and by name. This page lists every rule built into "
            f"crm-ve ({len(rules)} {'rule' if len(rules) == 1 else 'rules'}); ",
            code("crm-ve rule"),
            " prints the same list, and ",
            code("crm-ve rule CODE"),
            " one rule, including rules that third-party plugins add.",
        ),
    )
    page.section(
        "Using the rules",
        terms([
            (bold("Severity"), para(
                "An ", italic("error"), " makes ", code("crm-ve check"), " exit 1; a ", italic("warning"),
                " does so only with ", code("--strict"), "; an ", italic("info"), " never does.")),
            (bold("Selecting"), para(
                code("--select"), " and ", code("--ignore"), " take codes, code prefixes (", code("CV1"),
                " is every storage-chain rule) or names, comma-separated.")),
            (bold("Codes"), [
                para(f"Built-in rules use the prefix {BUILTIN_CODE_PREFIX} and are grouped by hundreds; a plugin "
                     "uses its own prefix. Codes and names are stable: a rule that goes away leaves its code unused."),
                terms([(code(f"{BUILTIN_CODE_PREFIX}{digit}xx"), heading) for digit, heading in FAMILIES.items()]),
            ]),
            (bold("Fixes"), para(
                "A finding that can be repaired by configuration comes with the commands that repair it, in crm "
                "shell and in pcs syntax, in the order to run them (a wrong constraint is deleted before its "
                "replacement is added); the ", italic("Use instead"), " part of each rule below shows the "
                "repaired configuration.")),
        ]),
    )
    rules_section = page.section("Rules")
    for rule in rules:
        _add_rule(rules_section, rule)
    page.section(
        "See also",
        para(*manref("crm-ve", 1), ", ", *manref("ocf_crm-ve_ManageVE", 7), ", ", *manref("crm", 8), ", ",
             *manref("pcs", 8), ", ", *manref("crm_verify", 8)),
    )
    return page


def _add_rule(parent, rule):
    blocks = [para(f"{rule.summary} (", italic(rule.severity.label), ")")]
    blocks.append(
        para("Suppress it with ", code(f"# crm-ve: ignore[{rule.code}]"), " on ", rule.suppression_target, ".")
    )
    prose, verbatim = [], []
    for field in dataclasses.fields(rule.doc):
        text = getattr(rule.doc, field.name)
        if not text:
            continue
        title = FIELD_TITLES.get(field.name, field.name.replace("_", " ").capitalize())
        if field.name in VERBATIM_FIELDS:
            # Not nested in the list: a configuration line keeps 70 of the 80 columns.
            verbatim += [para(bold(title + ":")), example(text)]
        else:
            prose.append((bold(title), paragraphs(text, inline=marked)))
    blocks += [terms(prose)] + verbatim
    subsection(parent, f"{rule.code} {rule.name}", *blocks)
