"""crm-ve(1): the command, from its own argparse parser.

Every subcommand and every option is walked from :func:`crm_ve.cli.build_parser` (a new subcommand registered in
``crm_ve.cli.COMMANDS`` appears here on the next ``crm-ve man``); the exit status table is parsed from the
parser's epilog, the text ``crm-ve --help`` prints. Only what argparse cannot know is written here: examples,
environment and files. Usage lines are laid out by argparse with a fixed width, so the page never depends on the
terminal that ran the generator.
"""
import argparse
import re
import textwrap

from crm_ve import cli, config, install, plugins
from crm_ve.manpages import DATE, SOURCE
from crm_ve.manpages.doctree import Page, code, example, manref, marked, para, paragraphs, subsection, terms

#: (command line, what it does); tests parse each line with the real parser, so an example never goes stale.
EXAMPLES = (
    ("crm-ve check cib.xml",
     "Check a saved CIB; exit 1 if an error is found, and print the crm and pcs commands that fix each finding."),
    ("crm-ve check --live",
     "Check the running cluster's configuration (what `cibadmin --query` returns)."),
    ("crm-ve check --shadow before-move",
     "Check a crm_shadow copy (`crm cib new before-move`) before committing it to the cluster."),
    ("crm-ve check stack.crm",
     "Check crm shell text before `crm configure load update stack.crm`; findings name its lines."),
    ("crm-ve check --select CV1 --format json cib.xml",
     "Only the storage-chain rules, as JSON for another program."),
    ("crm-ve check --strict --ignore CV301 cib.xml",
     "Fail on warnings too, except the deprecated-DRBD-agent rule."),
    ("crm-ve check -p no:vm cib.xml",
     "Check without the third-party plugin named vm (its entry point name; an unknown name is refused)."),
    ("crm-ve rule CV301",
     "Explain one rule: what it does, why it matters, an example and the fix."),
)

#: (variable, meaning): every variable crm-ve reads, no other (tests/man checks both ways against the code).
ENVIRONMENT = (
    (plugins.DISABLE_AUTOLOAD_ENV,
     "When set to a non-empty value, no third-party plugin is loaded (built-in rules only), as if every "
     "entry point of the `crm_ve` group were blocked."),
    ("NO_COLOR",
     "When set to a non-empty value, the text report is not coloured, even on a terminal or with FORCE_COLOR "
     "(https://no-color.org/). Colour is decided in this order, as pytest and Python decide it: a non-empty "
     "NO_COLOR turns it off; else a non-empty FORCE_COLOR turns it on; else the text report is coloured on a "
     "terminal whose TERM is not `dumb`. The json, sarif and github formats are never coloured."),
    ("FORCE_COLOR",
     "When set to a non-empty value (and NO_COLOR is not), the text report is coloured even into a pipe or a "
     "file and on a `dumb` terminal (https://force-color.org/). It is still not wrapped there: only a "
     "terminal's report is."),
    ("TERM",
     "When `dumb`, the text report is not coloured (unless FORCE_COLOR is set); it is still wrapped to the "
     "terminal's width."),
    ("COLUMNS",
     "The width the text report is wrapped to on a terminal, instead of the terminal's own (at least 40). A "
     "report into a pipe or a file is never wrapped: each finding is one line, then its resources and its fix "
     "commands, as tools and logs read them. On a terminal the message is wrapped, resources and constraints "
     "get a line each, and fix commands are never broken, so that each copies and pastes whole. `--help` is "
     "wrapped to COLUMNS too."),
    ("CIB_file",
     "Honoured by cibadmin, as by every Pacemaker tool: with `--live`, crm-ve checks this CIB file instead of "
     "the running cluster's, and names the document `live(CIB_file=PATH)` in the report."),
    ("CIB_shadow",
     "Likewise: with `--live`, crm-ve checks the crm_shadow copy of this name, named `live(CIB_shadow=NAME)`."),
    ("OCF_ROOT",
     "Where the timeout and parameter checks look for installed resource agents, to read the timeouts they "
     "advise and the parameters they declare from their meta-data (default: /usr/lib/ocf)."),
    ("XDG_CACHE_HOME",
     "Where agents' meta-data is kept between runs, in `crm-ve/agent-metadata` (default: ~/.cache). An entry "
     "is used only while the agent file is unchanged, and only when the directory and the entry belong to the "
     "user and no one else can write them."),
    ("PCMK_schema_directory",
     "Where the Relax NG schemas that a CIB's `validate-with` names are read from, as for Pacemaker's own tools "
     "(default: /usr/share/pacemaker)."),
    ("CIB_shadow_dir",
     "Where `--shadow NAME` looks for the file `shadow.NAME` when crm_shadow is not installed to say where it "
     "is (default: /var/lib/pacemaker/cib)."),
)

#: (path, what it is); the paths are the installer's own constants.
FILES = (
    ("/" + install.AGENT_TARGET, "The resource agent ocf:crm-ve:ManageVE; see ocf_crm-ve_ManageVE(7)."),
    ("/" + install.TEMPLATES_TARGET + "/", "crmsh configuration templates for the DRBD -> Filesystem -> container "
     "stack (crm configure template)."),
    ("/" + install.SCRIPTS_TARGET + "/", "crmsh cluster scripts (crm script), one directory each with its main.yml."),
    ("/" + install.MAN_TARGET + "/", "These man pages: crm-ve(1), crm-ve-rules(7) and ocf_crm-ve_ManageVE(7)."),
    ("/" + install.MANIFEST, "What crm-ve install placed, so that crm-ve install --uninstall removes exactly that."),
    ("pyproject.toml, setup.cfg",
     f"Settings of crm-ve check, in the table [{'.'.join(config.TOML_TABLE)}] of pyproject.toml or the section "
     f"[{config.CFG_SECTION}] of setup.cfg: the first file with it, from the current directory upward; keys "
     f"{', '.join(config.KEYS)}. The command line wins; `--config FILE` names another file, `--no-config` "
     "reads none."),
)

_EXIT_LINE = re.compile(r"^\s+(\d+)\s+(.+)$")
_WIDE = 10_000  # argparse wraps usage at this width: one line, whatever the terminal


def build():
    parser = cli.build_parser()
    page = Page("crm-ve", 1, _summary(parser.description), manual="crm-ve", source=SOURCE, date=DATE)
    commands = list(_subcommands(parser, parser.prog))
    page.section(
        "Synopsis",
        *[para(code(_usage(sub_parser, prog))) for prog, sub_parser, _ in commands],
        para(code(f"{parser.prog} --version"), ", ", code(f"{parser.prog} [COMMAND] --help")),
    )
    page.section("Description", *paragraphs(parser.description))
    page.section("Options", terms(_option_items(parser)))
    commands_section = page.section("Commands")
    for prog, sub_parser, help_text in commands:
        text = sub_parser.description or help_text or ""
        blocks = paragraphs(text) if text else []
        options = _option_items(sub_parser, with_help=False)
        if options:
            blocks.append(terms(options))
        if sub_parser.epilog:
            blocks += _epilog(sub_parser)
        subsection(commands_section, prog, *blocks)
    page.section("Exit status", terms(_exit_status(parser.epilog)))
    page.section("Examples", *[block for command, text in EXAMPLES for block in (para(marked(text)), example(command))])
    page.section("Environment", terms([(code(name), paragraphs(text)) for name, text in ENVIRONMENT]))
    page.section("Files", terms([(code(path), paragraphs(text)) for path, text in FILES]))
    page.section(
        "See also",
        para(*_refs(("crm-ve-rules", 7), ("ocf_crm-ve_ManageVE", 7), ("crm", 8), ("pcs", 8), ("crm_verify", 8),
                    ("crm_simulate", 8), ("cibadmin", 8))),
    )
    return page


def _summary(description):
    """The NAME line: the description's first clause, as a man page summary (lower case, no final stop)."""
    first = re.split(r"[:.](?:\s|$)", description.strip(), maxsplit=1)[0]
    return first[0].lower() + first[1:]


def _subcommands(parser, prog):
    """(prog, parser, help) of every subcommand, depth first, in registration order."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        seen = set()
        for name, sub_parser in action.choices.items():
            if id(sub_parser) in seen:  # an alias
                continue
            seen.add(id(sub_parser))
            sub_prog = f"{prog} {name}"
            nested = list(_subcommands(sub_parser, sub_prog))
            if nested:
                yield from nested
            else:
                yield sub_prog, sub_parser, helps.get(name)


def _formatter(prog):
    return argparse.HelpFormatter(prog, width=_WIDE)


def _usage(parser, prog):
    formatter = _formatter(prog)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, prefix="")
    return formatter.format_help().strip()


def _option_items(parser, with_help=True):
    formatter = _formatter(parser.prog)
    items = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        if isinstance(action, argparse._HelpAction) and not with_help:
            continue  # said once, under OPTIONS
        invocation = formatter._format_action_invocation(action)
        help_text = formatter._expand_help(action) if action.help else ""
        if not help_text and action.choices:
            help_text = "one of " + ", ".join(map(str, action.choices))
        items.append((code(invocation), para(marked(_sentence(help_text))) if help_text else para("")))
    return items


def _epilog(parser):
    """An epilog as the reader of ``--help`` sees it, laid out for 80 columns.

    Under a raw formatter it is read block by block (blocks are separated by blank lines): an unindented
    ``label:`` line over indented lines is a labelled block (an exit status table becomes a list, anything else
    stays verbatim); a block with no indented line is prose and is reflowed; any other block stays verbatim.
    Under argparse's default formatter the whole epilog is prose.
    """
    blocks = [block for block in re.split(r"\n\s*\n", parser.epilog.strip("\n")) if block.strip()]
    if not issubclass(parser.formatter_class, argparse.RawDescriptionHelpFormatter):
        return [para(marked(_sentence(" ".join(block.split())))) for block in blocks]
    out = []
    for block in blocks:
        lines = block.splitlines()
        head, rest = lines[0], lines[1:]
        if _is_label(head) and rest and all(line.startswith((" ", "\t")) for line in rest):
            label = head.strip()[:-1]
            out.append(para(label[0].upper() + label[1:] + ":"))
            rows = _exit_rows(rest) if label.lower() == "exit status" else None
            out.append(terms(rows) if rows else example(textwrap.dedent("\n".join(rest))))
        elif not any(line.startswith((" ", "\t")) for line in lines):
            out.append(para(marked(_sentence(" ".join(block.split())))))
        else:
            out.append(example(block))
    return out


def _is_label(line):
    return not line.startswith((" ", "\t")) and line.rstrip().endswith(":") and len(line.split()) <= 4


def _sentence(text):
    text = text.strip()
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".") if text else text


def _exit_rows(lines):
    """``  N  meaning`` rows (a meaning may go on over more indented lines) as definition list items."""
    rows = []
    for line in lines:
        match = _EXIT_LINE.match(line)
        if match:
            rows.append([match.group(1), match.group(2).strip()])
        elif rows and line.strip():
            rows[-1][1] += " " + line.strip()
        elif line.strip():
            return None
    return [(code(number), para(marked(_sentence(meaning)))) for number, meaning in rows]


def _exit_status(epilog):
    """The exit status table of the top-level epilog (the one ``crm-ve --help`` prints)."""
    lines = (epilog or "").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().lower() == "exit status:")
    end = next((i for i, line in enumerate(lines[start + 1:], start + 1) if not line.startswith(" ")), len(lines))
    return _exit_rows(lines[start + 1:end])


def _refs(*pages):
    parts = []
    for name, section in pages:
        if parts:
            parts.append(", ")
        parts.extend(manref(name, section))
    return parts
