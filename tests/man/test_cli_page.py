"""crm-ve(1) follows the parser: every subcommand and option, the exit status table, examples that parse."""
import argparse
import re
import shlex
from pathlib import Path

import pytest

from crm_ve import cli
from crm_ve.errors import UsageError
from crm_ve.manpages import cli as cli_page
from crm_ve.package_files import SOURCE_ROOT
from support.man_render import CLI_PAGE, flat, section

#: The committed pages are docutils 0.22's roff (Debian 12 has 0.19): not in the package build's tests.
pytestmark = pytest.mark.pypi


@pytest.fixture(scope="module")
def page(rendered):
    return rendered[CLI_PAGE]


def _subparsers(parser, prog):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subparsers(sub, f"{prog} {name}") if any(
                    isinstance(a, argparse._SubParsersAction) for a in sub._actions) else [(f"{prog} {name}", sub)]


def test_every_subcommand_and_option_is_documented(page):
    parser = cli.build_parser()
    commands = section(page, "COMMANDS")
    synopsis = flat(section(page, "SYNOPSIS"))
    subcommands = list(_subparsers(parser, "crm-ve"))
    assert {prog for prog, _ in subcommands} >= {"crm-ve check", "crm-ve rule", "crm-ve man"}
    for prog, sub in subcommands:
        assert re.search(rf"^   {re.escape(prog)}$", commands, re.M), f"no subsection for {prog}"
        assert prog + " " in synopsis or synopsis.endswith(prog), prog
        body = re.search(rf"^   {re.escape(prog)}\n(.*?)(?=^   \S|\Z)", commands, re.M | re.S).group(1)
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                continue
            shown = action.option_strings[-1] if action.option_strings else action.metavar or action.dest
            assert re.search(rf"^       {re.escape(shown)}\b|, {re.escape(shown)}\b", body, re.M), (prog, shown)
            if action.help:
                assert flat(action.help.split("%(")[0])[:30].lower() in flat(body).lower(), (prog, shown)


def test_exit_status_is_the_help_epilog(page):
    exit_status = flat(section(page, "EXIT STATUS"))
    rows = re.findall(r"^\s+(\d+)\s+(.+)$", cli.EXIT_STATUS_HELP, re.M)
    assert len(rows) >= 4
    for code, meaning in rows:
        assert f"{code} {meaning[0].upper()}{meaning[1:]}" in exit_status


@pytest.mark.parametrize("command,_", cli_page.EXAMPLES)
def test_every_example_parses_with_the_real_parser(page, command, _):
    assert command in [line.strip() for line in section(page, "EXAMPLES").splitlines()]
    argv = shlex.split(command.split("|")[-1])
    assert argv[0] == "crm-ve"
    try:
        cli.build_parser().parse_args(argv[1:])
    except UsageError as exc:
        pytest.fail(f"the example {command!r} no longer parses: {exc.message}")


def test_environment_variables_are_the_ones_the_code_reads(page):
    """Each documented variable is read by crm-ve (or its tools); each variable crm-ve reads is documented."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in Path(SOURCE_ROOT, "crm_ve").rglob("*.py")
                     if "manpages" not in p.parts)
    documented = [name for name, _ in cli_page.ENVIRONMENT]
    for name in documented:
        assert name in flat(section(page, "ENVIRONMENT"))
        constant = re.search(rf'^(\w+) = "{re.escape(name)}"', code, re.M)
        assert f'"{name}"' in code or constant, f"{name} is documented but crm-ve never reads it"
    read = set(re.findall(
        r'(?:environ\.get|getenv)\(\s*"(\w+)"|environ\[\s*"(\w+)"\s*\]|"(\w+)" (?:not )?in os\.environ', code
    ))
    read = {next(name for name in names if name) for names in read}
    for constant in re.findall(r"environ\.get\((\w+)\)", code):
        read |= set(re.findall(rf'^{constant} = "([A-Z_a-z]+)"', code, re.M))
    assert read - set(documented) == set(), "read by crm-ve but not in crm-ve(1) ENVIRONMENT"


def test_files_are_the_installer_paths(page):
    from crm_ve import install

    files = flat(section(page, "FILES"))
    for target in (install.AGENT_TARGET, install.TEMPLATES_TARGET, install.SCRIPTS_TARGET, install.MANIFEST):
        assert "/" + target in files


def test_see_also_names_the_other_pages(page):
    see_also = flat(section(page, "SEE ALSO"))
    assert "crm-ve-rules(7)" in see_also and "ocf_crm-ve_ManageVE(7)" in see_also


def test_a_raw_epilog_is_laid_out_for_80_columns(tmp_path):
    """Raw --help epilogs: prose is reflowed, an exit status table becomes a list, examples stay verbatim."""
    from crm_ve.manpages.doctree import Page, subsection
    from support.man_render import render

    parser = argparse.ArgumentParser(prog="crm-ve demo", formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example:\n  crm-ve demo --x 1\n\nexit status:\n  0  fine\n"
                                     "  2  a bad parameter, with a reason long enough to need a second\n"
                                     "     line in --help\n\nSome prose that --help prints as it is written, "
                                     "at whatever width\nits author chose, which a man page reflows.")
    page = Page("demo", 1, "demo", manual="crm-ve", source="crm-ve", date="2026-01-01")
    subsection(page.section("Commands"), "crm-ve demo", *cli_page._epilog(parser))
    (tmp_path / "demo.1").write_text(page.render())
    text = render(tmp_path / "demo.1")
    assert "          crm-ve demo --x 1\n" in text
    assert "Exit status: 0 Fine. 2 A bad parameter, with a reason long enough to need a second line in --help." \
        in flat(text), text
    assert "Some prose that --help prints as it is written, at whatever width its" in flat(text)
