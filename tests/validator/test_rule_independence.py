"""Rules find their problems independently; merging findings that one fix repairs is only presentation.

For every CIB of the examples, of the chain forms (built by the real crmsh and pcs) and a fixed random sample of
Pacemaker's scheduler corpus, and for every rule R with findings there: selecting R gives exactly R's findings
of the full run, and ignoring R, or an inline ``# crm-ve: ignore[R]`` on every element, removes exactly R's
findings. Each input is read once (crm text through crmsh once); the runs are in process, through the checker
``crm-ve check`` uses, so no case starts a process.
"""
import copy
import random
from pathlib import Path

import pytest
from lxml import etree

from chain_support import build_form, host
from crm_ve.checker import check_documents
from crm_ve.inputs import read_input
from crm_ve.reader import CibDocument
from crm_ve.suppressions import META_PREFIX
from support.cib_build import build_reference_crm, build_reference_pcs
from support.corpus import corpus_files
from support.inprocess_cli import crm_ve  # noqa: F401
from support.tools import require_tools
from test_chain_forms import FAILING, PASSING

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.*"))
CORPUS_SAMPLE = 150
SAMPLE_SEED = 18


def comparable(finding):
    """Everything a rule decided about one finding: code, severity, message, place, resources, its own fix."""
    return (finding.code, finding.severity, finding.message, finding.file, finding.line, finding.resources,
            finding.constraints, tuple(finding.fix.crm), tuple(finding.fix.pcs))


def run(document, select=None, ignore=None):
    """The rules' own findings (before merging) of one check of ``document``, sorted; the shown findings must
    stand for exactly these."""
    report = check_documents([document], host(), select=select, ignore=ignore)
    assert not report.failures, report.failures
    found = sorted(map(comparable, report.rule_findings))
    shown = sorted(comparable(part) for finding in report.findings for part in (finding.parts or [finding]))
    assert shown == found, document.name
    return found


def suppressing_everywhere(document, code):
    """A copy of ``document`` with ``# crm-ve: ignore[code]`` on every configuration element that has an id,
    in crmsh's form (the comment is the element's first child, as crmsh stores a comment line above it)."""
    root = copy.deepcopy(document.root)
    configuration = root if root.tag == "configuration" else root.find("configuration")
    for element in list(configuration.iter("*")):
        if element.get("id") is not None:
            element.insert(0, etree.Comment(f"# crm-ve: ignore[{code}]"))
    return CibDocument(document.name, root, configuration, document.validate_with, document.map_line,
                       document.source_kind, document.character_references)


def without_meta(findings):
    """Without the meta rules' findings (a directive that suppressed nothing is itself a CV9xx finding)."""
    return [f for f in findings if not f[0].startswith(META_PREFIX)]


def assert_rules_independent(document):
    """The invariant on one document; returns the full run's findings."""
    full = run(document)
    for code in sorted({f[0] for f in full}):
        own = [f for f in full if f[0] == code]
        others = [f for f in full if f[0] != code]
        assert run(document, select=[code]) == own, (document.name, code, "select")
        assert run(document, ignore=[code]) == others, (document.name, code, "ignore")
        if not code.startswith(META_PREFIX):
            suppressed = run(suppressing_everywhere(document, code))
            assert without_meta(suppressed) == without_meta(others), (document.name, code, "suppressed")
    return full


def test_the_set_colocation_of_the_issue_is_two_rules_findings(crm_ve, tmp_path):
    """``colocation c_set inf: p_ve101 p_fs_vz ms_drbd_r0`` (built by crmsh) is wrong for CV101 and for CV103:
    one finding shown, with "Also (CV103)"; selecting, ignoring or suppressing one rule leaves the other."""
    require_tools("crm")
    text = (Path(__file__).resolve().parents[2] / "examples" / "good-stack.crm").read_text()
    lines = [line for line in text.splitlines() if not line.startswith(("colocation c_fs_vz_on_drbd",
                                                                         "colocation c_ve101_on_fs"))]
    source = tmp_path / "set.crm"
    source.write_text("\n".join(lines + ["colocation c_set inf: p_ve101 p_fs_vz ms_drbd_r0"]) + "\n")
    code, out, err = crm_ve("check", source)
    assert code == 1, out + err
    assert "CV101" in out and "Also (CV103): " in out
    code, out, err = crm_ve("check", "--select", "CV103", source)
    assert code == 1 and "CV103 container-not-with-filesystem [error]" in out and "No problems found" not in out
    code, out, err = crm_ve("check", "--ignore", "CV101", source)
    assert code == 1 and "CV103 container-not-with-filesystem [error]" in out and "CV101" not in out
    suppressed = tmp_path / "suppressed.crm"
    suppressed.write_text(source.read_text().replace("primitive p_fs_vz", "# crm-ve: ignore[CV101]\n"
                                                                          "primitive p_fs_vz"))
    code, out, err = crm_ve("check", suppressed)
    assert code == 1 and "CV103 container-not-with-filesystem [error]" in out and "CV101 " not in out, out
    # the merged finding's fix repairs both, deleting the shared constraint once
    document = read_input(str(source))
    (merged,) = [f for f in check_documents([document], host()).findings if f.code == "CV101"]
    assert [part.code for part in merged.parts] == ["CV101", "CV103"]
    assert merged.fix.crm.count("crm configure delete c_set") == 1
    assert_rules_independent(document)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples(example):
    if example.suffix == ".crm":
        require_tools("crm")
    assert_rules_independent(read_input(str(example)))


@pytest.fixture(scope="module")
def chain_form_cibs(tmp_path_factory):
    """Every chain form (failing and passing), built by each tool it names on that tool's reference stack."""
    require_tools("crm", "pcs", "cibadmin")
    root = tmp_path_factory.mktemp("forms")
    bases = {"crm": build_reference_crm(root / "base-crm.xml"), "pcs": build_reference_pcs(root / "base-pcs.xml")}
    return [build_form(bases[tool], root / f"{form.name}-{tool}.xml", form, tool)
            for form in FAILING + PASSING for tool in form.tools]


def test_chain_forms(chain_form_cibs):
    with_findings = sum(bool(assert_rules_independent(read_input(str(path)))) for path in chain_form_cibs)
    assert with_findings >= len(FAILING)


def test_scheduler_corpus_sample():
    sample = random.Random(SAMPLE_SEED).sample(corpus_files(), CORPUS_SAMPLE)
    codes = set()
    for path in sample:
        codes |= {f[0] for f in assert_rules_independent(read_input(str(path)))}
    assert codes, "the sample gave no rule any finding: it tests nothing"
