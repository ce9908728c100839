"""``--help`` of crm-ve and of every subcommand fits 80 columns: argparse wraps its own help to COLUMNS, and
descriptions and epilogs written as blocks (exit status tables, examples, prose) are laid out by
:class:`crm_ve.help_format.HelpFormatter`."""
import argparse
import os
import subprocess
import sys

import pytest

from crm_ve import cli


def command_lines(parser, words=()):
    """Every command line that has a --help: crm-ve, its subcommands and theirs."""
    yield words
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub_parser in action.choices.items():
                yield from command_lines(sub_parser, (*words, name))


COMMAND_LINES = sorted(set(command_lines(cli.build_parser())))


def help_text(words, columns):
    env = {**os.environ, "COLUMNS": str(columns), "CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"}
    proc = subprocess.run([sys.executable, "-m", "crm_ve", *words, "--help"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: crm-ve"), proc.stderr
    return proc.stdout


def test_every_command_line_is_walked():
    assert {(), ("check",), ("stack", "new"), ("shadow", "delete"), ("push",)} <= set(COMMAND_LINES)


@pytest.mark.parametrize("words", COMMAND_LINES, ids=lambda words: " ".join(("crm-ve", *words)))
def test_help_fits_80_columns(words):
    wide = [line for line in help_text(words, 80).splitlines() if len(line) > 80]
    assert wide == []


def test_an_exit_status_row_goes_on_under_its_text():
    lines = help_text(("commit",), 60).splitlines()
    row = lines.index("exit status:") + 1
    assert lines[row].startswith("  0  committed")
    table = lines[row:]
    assert all(len(line) <= 60 for line in table)
    assert sum(line.startswith("     ") and line[5] != " " for line in table) >= 3  # continuations at the text


def test_examples_stay_as_written():
    out = help_text(("stack", "new"), 80)
    assert "  crm-ve stack new vz1 --drbd-resource r0 --directory /vz \\\n" \
           "      --veid 101 --dumpfile /vz/dump/Dump.101\n" in out


def test_prose_is_reflowed_to_the_width():
    lines = help_text(("stack",), 120).splitlines()
    assert any(len(line) > 100 for line in lines if line.startswith("Generate the DRBD"))
