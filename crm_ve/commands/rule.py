"""``crm-ve rule``: list the rules, or explain one (What it does / Why is this bad? / Example / Use instead)."""
import json
import sys

from crm_ve.commands.check import add_plugin_options, plugin_host
from crm_ve.errors import UsageError


def rule_as_dict(rule):
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.label,
        "summary": rule.summary,
        "covers": list(rule.covers),
        "plugin": rule.plugin,
        "suppression_target": rule.suppression_target,
        "what_it_does": rule.doc.what_it_does,
        "why_is_this_bad": rule.doc.why_is_this_bad,
        "example": rule.doc.example,
        "use_instead": rule.doc.use_instead,
    }


#: Where the rows a rule covers (C1-C24, D1-D10) are defined.
CATALOGUE = "docs/rule-catalogue.md"


def covered_rows(rule):
    """The catalogue rows ``rule`` covers, with where they are explained, or ``-``."""
    return f"{', '.join(rule.covers)} (rows of {CATALOGUE})" if rule.covers else "-"


def explain(rule):
    indent = lambda text: "\n".join("    " + line for line in text.splitlines())  # noqa: E731
    return (
        f"{rule.name} ({rule.code})\n\n"
        f"Severity: {rule.severity.label}. Plugin: {rule.plugin}. "
        f"Covers: {covered_rows(rule)}. Suppress on: {rule.suppression_target}.\n\n"
        f"## What it does\n{rule.doc.what_it_does}\n\n"
        f"## Why is this bad?\n{rule.doc.why_is_this_bad}\n\n"
        f"## Example\n{indent(rule.doc.example)}\n\n"
        f"Use instead:\n{indent(rule.doc.use_instead)}\n"
    )


def register(subparsers):
    parser = subparsers.add_parser(
        "rule", help="list the rules or explain one", description="List every rule, or explain one by code or name."
    )
    parser.add_argument("code", nargs="?", metavar="CODE", help="a rule code (CV101) or name")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_plugin_options(parser)
    parser.set_defaults(func=run)


def run(args):
    host = plugin_host(args)
    if args.code:
        rule = host.rule(args.code)
        if rule is None:
            raise UsageError(f"rule {args.code}: no such rule (see 'crm-ve rule' for the list)")
        rules = [rule]
    else:
        rules = host.rules
    if args.format == "json":
        payload = [rule_as_dict(rule) for rule in rules]
        sys.stdout.write(json.dumps(payload[0] if args.code else payload, indent=2) + "\n")
    elif args.code:
        sys.stdout.write(explain(rules[0]))
    else:
        width = max((len(rule.name) for rule in rules), default=0)
        for rule in rules:
            sys.stdout.write(f"{rule.code}  {rule.name:<{width}}  {rule.severity.label:<7}  {rule.summary}\n")
    return 0
