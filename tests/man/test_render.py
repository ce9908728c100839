"""Every page renders with man, is silent under groff's warnings and has at most style notes from mandoc."""
import re
import subprocess

import pytest

from support.man_render import AGENT_PAGE, CLI_PAGE, RULES_PAGE
from support.tools import require_tools

#: The committed pages are docutils 0.22's roff (Debian 12 has 0.19): not in the package build's tests.
pytestmark = pytest.mark.pypi

PAGES = (AGENT_PAGE, CLI_PAGE, RULES_PAGE)

SECTIONS = {
    AGENT_PAGE: ("NAME", "SYNOPSIS", "DESCRIPTION", "SUPPORTED PARAMETERS", "SUPPORTED ACTIONS", "EXIT STATUS",
                 "FILES", "EXAMPLES", "SEE ALSO"),
    CLI_PAGE: ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXIT STATUS", "EXAMPLES", "ENVIRONMENT",
               "FILES", "SEE ALSO"),
    RULES_PAGE: ("NAME", "DESCRIPTION", "USING THE RULES", "RULES", "SEE ALSO"),
}


@pytest.mark.parametrize("name", PAGES)
def test_sections_in_order(rendered, name):
    headings = [line for line in rendered[name].splitlines() if re.match(r"^[A-Z][A-Z ]+$", line)]
    assert headings == list(SECTIONS[name])


@pytest.mark.parametrize("name", PAGES)
def test_title_is_whole_in_header_and_footer(rendered, name):
    title, number = name.rsplit(".", 1)
    lines = [line for line in rendered[name].splitlines() if line.strip()]
    assert lines[0].startswith(f"{title}({number})") and lines[0].endswith(f"{title}({number})"), lines[0]
    assert lines[-1].endswith(f"{title}({number})"), lines[-1]
    assert re.search(r"\b\d{4}-\d{2}-\d{2}\b", lines[-1]), "the footer has no (fixed) date"


@pytest.mark.parametrize("name", PAGES)
def test_reads_at_80_columns(rendered, name):
    wide = [line for line in rendered[name].splitlines() if len(line) > 80]
    assert not wide, f"{name}: {len(wide)} line(s) wider than 80 columns, e.g. {wide[0]!r}"
    assert "\u2010" not in rendered[name], f"{name}: a word is hyphenated at a line break"


@pytest.mark.parametrize("name", PAGES)
def test_groff_warns_about_nothing(page_files, name):
    (groff,) = require_tools("groff")
    proc = subprocess.run([groff, "-man", "-ww", "-z", str(page_files[name])], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr


@pytest.mark.parametrize("name", PAGES)
def test_mandoc_lint_finds_at_most_style_notes(page_files, name):
    (mandoc,) = require_tools("mandoc")
    proc = subprocess.run([mandoc, "-T", "lint", str(page_files[name])], capture_output=True, text=True, timeout=60)
    messages = (proc.stdout + proc.stderr).splitlines()
    worse = [m for m in messages if not re.search(r": STYLE: ", m)]
    assert not worse, "\n".join(worse)


@pytest.mark.parametrize("name", PAGES)
def test_whatis_parses_the_name_line(page_files, name):
    (lexgrog,) = require_tools("lexgrog")
    proc = subprocess.run([lexgrog, str(page_files[name])], capture_output=True, text=True, timeout=60)
    title = name.rsplit(".", 1)[0]
    assert proc.returncode == 0 and f'"{title} - ' in proc.stdout, proc.stdout + proc.stderr
