"""The repository explains itself: what crm_ve/, its tests and the rules cite is defined in docs/.

Rules name the catalogue rows they cover (``covers=("C1", "D7")``), and the code cites the catalogue
(docs/rule-catalogue.md, also with a ``#heading`` anchor), sections of docs/pacemaker-semantics.md (``§3.4``)
and its experiments (``E-M5``). Each test fails when one of them names something the docs do not define.
"""
import json
import pathlib
import re

import pytest

from crm_ve.plugins import BUILTIN_CODE_PREFIX, PluginHost
from support.plugin_dist import run_crm_ve

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"
CATALOGUE = DOCS / "rule-catalogue.md"
SEMANTICS = DOCS / "pacemaker-semantics.md"
SOURCES = sorted((ROOT / "crm_ve").rglob("*.py"))
#: ``C0`` and ``C1`` also name Unicode's control-character sets; printable.py means those, not catalogue rows.
NOT_CATALOGUE_ROWS = {("printable.py", "C0"), ("printable.py", "C1")}

RULES = PluginHost().rules


def _catalogue_rows():
    """Row id -> the rule codes its "covered by" column names."""
    rows = {}
    for line in CATALOGUE.read_text().splitlines():
        match = re.match(r"^\| ([CD]\d+) \|.*\| ([^|]*) \|$", line)
        if match:
            assert match.group(1) not in rows, f"row {match.group(1)} defined twice"
            rows[match.group(1)] = set(re.findall(r"\b[A-Z]+\d{3}\b", match.group(2)))
    return rows


def _slug(heading):
    """The anchor GitHub gives a markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _headings(path):
    return [line.lstrip("#").strip() for line in path.read_text().splitlines() if re.match(r"^#{1,6} ", line)]


def _sections():
    """The section numbers of docs/pacemaker-semantics.md (``2``, ``2.1``...)."""
    return {match.group(1) for heading in _headings(SEMANTICS)
            for match in [re.match(r"^(\d+(?:\.\d+)*)\.? ", heading)] if match}


def _texts():
    """crm_ve/, the tests (they cite docs/ too) and docs/ itself."""
    tests = sorted(path for path in (ROOT / "tests").rglob("*.py") if "build" not in path.parts)
    return {path: path.read_text() for path in [*SOURCES, *tests, *sorted(DOCS.glob("*.md"))]}


ROWS = _catalogue_rows()
TEXTS = _texts()


def test_the_catalogue_defines_every_row():
    assert set(ROWS) == {f"C{n}" for n in range(1, 25)} | {f"D{n}" for n in range(1, 11)}, sorted(ROWS)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_row_a_rule_covers_is_defined_in_the_catalogue(rule):
    undefined = [row for row in rule.covers if row not in ROWS]
    assert not undefined, f"{rule.code} covers {undefined}, which docs/rule-catalogue.md does not define"


def test_crm_ve_rule_prints_only_defined_rows_and_where_they_are_defined():
    listed = json.loads(run_crm_ve("rule", "--format", "json").stdout)
    assert not [(rule["code"], row) for rule in listed for row in rule["covers"] if row not in ROWS]
    explained = run_crm_ve("rule", "CV101").stdout
    covers = re.search(r"Covers: (.*?) \(rows of docs/rule-catalogue\.md\)\.", explained)
    assert covers, explained
    printed = covers.group(1).split(", ")
    assert printed and set(printed) <= set(ROWS), printed


def test_the_catalogue_names_the_rules_that_cover_each_row():
    builtin = [rule for rule in RULES if rule.code.startswith(BUILTIN_CODE_PREFIX)]
    codes = {rule.code for rule in builtin}
    for rule in builtin:
        listed = {row for row, covering in ROWS.items() if rule.code in covering}
        assert listed == set(rule.covers), \
            f"{rule.code} covers {sorted(rule.covers)}; the catalogue says {sorted(listed)}"
    named = set().union(*ROWS.values())
    assert named <= codes, f"the catalogue names rules that do not exist: {sorted(named - codes)}"


def test_every_row_cited_in_crm_ve_is_defined_in_the_catalogue():
    undefined = []
    for path in SOURCES:
        for row in set(re.findall(r"\b[CD]\d+\b", TEXTS[path])):
            if row not in ROWS and (path.name, row) not in NOT_CATALOGUE_ROWS:
                undefined.append(f"{path.relative_to(ROOT)}: {row}")
    assert not undefined


def test_every_docs_file_and_heading_cited_exists():
    missing = []
    for path, text in TEXTS.items():
        targets = re.findall(r"docs/([\w.-]+\.md)(?:#([\w-]+))?", text)
        if path.parent == DOCS:  # links between the docs are relative
            targets += re.findall(r"\]\(([\w.-]+\.md)(?:#([\w-]+))?\)", text)
        for name, anchor in targets:
            cited = DOCS / name
            if not cited.is_file():
                missing.append(f"{path.relative_to(ROOT)}: docs/{name}")
            elif anchor and anchor not in {_slug(heading) for heading in _headings(cited)}:
                missing.append(f"{path.relative_to(ROOT)}: docs/{name}#{anchor}")
    assert not missing


def test_every_section_cited_exists_and_says_where():
    sections = _sections()
    assert {"2.1", "3.4", "12", "13"} <= sections, sorted(sections)
    problems = []
    for path, text in TEXTS.items():
        cited = set(re.findall(r"§(\d+(?:\.\d+)*)", text))
        problems += [f"{path.relative_to(ROOT)}: §{section}" for section in sorted(cited - sections)]
        if cited and path.parent != DOCS and "docs/pacemaker-semantics.md" not in text:
            problems.append(f"{path.relative_to(ROOT)} cites sections without naming docs/pacemaker-semantics.md")
    assert not problems


def test_every_experiment_cited_is_described():
    semantics = SEMANTICS.read_text()
    described = set(re.findall(r"\bE-[A-Z]+\d*[a-z]?\b", semantics))
    undescribed = [f"{path.relative_to(ROOT)}: {experiment}" for path in SOURCES
                   for experiment in sorted(set(re.findall(r"\bE-[A-Z]+\d*[a-z]?\b", TEXTS[path])) - described)]
    assert not undescribed


def test_no_citation_of_design_notes_outside_the_repository():
    stale = [f"{path.relative_to(ROOT)}: {match}" for path in SOURCES
             for match in re.findall(r"validator\.md|reference/[\w-]+\.md|[Rr]eference sections? \d", TEXTS[path])]
    assert not stale
