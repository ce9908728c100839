"""Rules find their problems independently; merging findings that one fix repairs is only presentation.

For every CIB of the examples, of the chain forms (built by the real crmsh and pcs) and a fixed random sample of
Pacemaker's scheduler corpus, and for every rule R with findings there: ``--select R`` gives exactly R's
findings of the full run, and ``--ignore R`` or an inline ``# crm-ve: ignore[R]`` on every element removes
exactly R's findings. A rule's findings are read from the JSON report: a merged finding lists the findings it
stands for in ``merged``.
"""
import json
import random
from pathlib import Path

import pytest
from lxml import etree

from chain_support import build_form
from support.cib_build import build_reference_crm
from support.corpus import corpus_files
from support.inprocess_cli import crm_ve  # noqa: F401
from support.tools import require_tools
from test_chain_forms import FAILING, PASSING

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.*"))
CORPUS_SAMPLE = 25
SAMPLE_SEED = 18


def rule_findings(report):
    """Each rule's findings of a JSON report, as comparable tuples (a merged finding's parts, else itself)."""
    found = []
    for finding in report["findings"]:
        for part in finding.get("merged") or [finding]:
            found.append((part["code"], part["severity"], part["message"], part["file"], part["line"],
                          tuple(part["resources"]), tuple(part["constraints"])))
    return sorted(found)


def without_place(findings):
    """Without file and line: the suppressed copy is another file, serialised anew."""
    return sorted(f[:3] + f[5:] for f in findings)


def codes(findings):
    return sorted({f[0] for f in findings})


def suppressing_everywhere(source, target, code):
    """A copy of the XML CIB ``source`` with ``# crm-ve: ignore[code]`` on every element of the configuration
    that has an id (in crmsh's form: the comment is the element's first child)."""
    tree = etree.parse(str(source), etree.XMLParser(remove_blank_text=False))
    configuration = tree.getroot() if tree.getroot().tag == "configuration" else tree.getroot().find("configuration")
    for element in configuration.iter("*"):
        if element.get("id") is not None:
            element.insert(0, etree.Comment(f"# crm-ve: ignore[{code}]"))
    tree.write(str(target))
    return target


def assert_rules_independent(crm_ve, path, tmp_path):
    def run(*options):
        code, out, err = crm_ve("check", "--format", "json", *options, path)
        assert code in (0, 1), (path, options, code, err)
        return rule_findings(json.loads(out))

    full = run()
    for code in codes(full):
        own = [f for f in full if f[0] == code]
        others = [f for f in full if f[0] != code]
        assert run("--select", code) == own, (path, code)
        assert run("--ignore", code) == others, (path, code)
        if str(path).endswith(".xml") and not code.startswith("CV9"):
            suppressed = suppressing_everywhere(path, tmp_path / f"suppressed-{code}.xml", code)
            code_, out, err = crm_ve("check", "--format", "json", suppressed)
            left = [f for f in rule_findings(json.loads(out)) if not f[0].startswith("CV9")]
            assert without_place(left) == without_place([f for f in others if not f[0].startswith("CV9")]), \
                (path, code)
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
    # each fix repairs its own rule's problem; the merged one repairs both
    report = json.loads(crm_ve("check", "--format", "json", source)[1])
    (merged,) = [f for f in report["findings"] if f["code"] == "CV101"]
    assert [part["code"] for part in merged["merged"]] == ["CV101", "CV103"]
    assert merged["fix"]["crm"].count("crm configure delete c_set") == 1


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples(example, crm_ve, tmp_path):
    if example.suffix == ".crm":
        require_tools("crm")
    assert_rules_independent(crm_ve, example, tmp_path)


@pytest.fixture(scope="module")
def chain_form_cibs(tmp_path_factory):
    """Every chain form (failing and passing), built by the first tool it names, on the reference stack."""
    require_tools("crm", "pcs", "cibadmin")
    from support.cib_build import build_reference_pcs
    root = tmp_path_factory.mktemp("forms")
    bases = {"crm": build_reference_crm(root / "base-crm.xml"), "pcs": build_reference_pcs(root / "base-pcs.xml")}
    built = []
    for form in FAILING + PASSING:
        tool = form.tools[0]
        built.append(build_form(bases[tool], root / f"{form.name}-{tool}.xml", form, tool))
    return built


def test_chain_forms(chain_form_cibs, crm_ve, tmp_path):
    with_findings = 0
    for path in chain_form_cibs:
        with_findings += bool(assert_rules_independent(crm_ve, path, tmp_path))
    assert with_findings >= len(FAILING)


def test_scheduler_corpus_sample(crm_ve, tmp_path):
    sample = random.Random(SAMPLE_SEED).sample(corpus_files(), CORPUS_SAMPLE)
    for path in sample:
        assert_rules_independent(crm_ve, path, tmp_path)
