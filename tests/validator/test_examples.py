"""examples/: each XML is what the real crmsh builds from the .crm beside it (no drift), the good stack is
clean and scheduled right, the broken one has the issue's three errors, and their fixes make it clean."""
import shutil

import pytest
from lxml import etree

from chain_support import apply_fix, chain_findings, errors
from crm_ve.simulate import stack_facts
from rebuild_examples import EXAMPLES, NAMES, build
from support.tools import require_tools


def _section(path, name):
    """The section as canonical XML (whitespace between elements ignored)."""
    parser = etree.XMLParser(remove_blank_text=True)
    root = etree.parse(str(path), parser).getroot()
    section = root.find(f"configuration/{name}")
    return etree.tostring(section, method="c14n") if section is not None else b""


@pytest.mark.parametrize("name", NAMES)
def test_example_xml_is_what_crmsh_builds_from_its_crm_text(name, tmp_path):
    require_tools("cibadmin", "crm_attribute", "crm")
    rebuilt = build(EXAMPLES / f"{name}.crm", tmp_path / f"{name}.xml")
    for section in ("resources", "constraints", "crm_config", "rsc_defaults", "op_defaults", "tags"):
        assert _section(rebuilt, section) == _section(EXAMPLES / f"{name}.xml", section), (
            f"examples/{name}.xml {section} drifted from examples/{name}.crm: run "
            f"'.venv/bin/python tests/validator/rebuild_examples.py' and commit examples/")


def test_good_stack_is_clean_and_scheduled_right():
    require_tools("crm_simulate", "crm_attribute", "cibadmin")
    path = EXAMPLES / "good-stack.xml"
    assert errors(path) == []
    assert chain_findings(path) == []
    for container in ("p_ve101", "p_ve102"):
        for facts in stack_facts(str(path), "ms_drbd_r0", "p_fs_vz", container):
            assert facts.problems() == [], facts


@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_broken_stack_has_the_three_classic_errors_and_their_fixes_work(tool, tmp_path):
    require_tools("crm_simulate", "crm_attribute", "cibadmin", tool)
    path = tmp_path / "broken.xml"
    shutil.copyfile(EXAMPLES / "broken-stack.xml", path)
    found = chain_findings(path)
    assert sorted(f.code for f in found) == ["CV101", "CV102", "CV104"]
    messages = " ".join(f.message for f in found)
    assert "after ms_drbd_r0 start, not promote" in messages
    assert "without a role" in messages
    assert "p_ve101 is not ordered after p_fs_vz:start" in messages
    assert sorted(f.code for f in errors(path)) == ["CV101", "CV102", "CV104"]  # nothing else is an error
    cold = stack_facts(str(path), "ms_drbd_r0", "p_fs_vz", "p_ve101")[0]
    assert cold.promote_before_mount is False and cold.mount_before_container_start is False
    for finding in found:
        apply_fix(path, finding, tool)
    assert errors(path) == []
    for facts in stack_facts(str(path), "ms_drbd_r0", "p_fs_vz", "p_ve101"):
        assert facts.problems() == [], facts


@pytest.mark.parametrize("name,status", [("good-stack", 0), ("broken-stack", 1)])
@pytest.mark.parametrize("suffix", [".xml", ".crm"])
def test_crm_ve_check_exit_status_on_the_examples(name, status, suffix):
    import subprocess
    import sys
    if suffix == ".crm":
        require_tools("crm", "cibadmin")
    proc = subprocess.run([sys.executable, "-m", "crm_ve", "check", str(EXAMPLES / f"{name}{suffix}")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == status, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    if status:
        for code in ("CV101", "CV102", "CV104"):
            assert code in proc.stdout


def test_chain_findings_are_suppressed_on_the_dependent_resource(tmp_path):
    """CV104 is silenced by ``# crm-ve: ignore[CV104]`` on the container, CV101/CV102 are not (they belong to
    the Filesystem)."""
    import subprocess
    import sys
    require_tools("crm", "cibadmin")
    text = (EXAMPLES / "broken-stack.crm").read_text()
    source = tmp_path / "suppressed.crm"
    source.write_text(text.replace("primitive p_ve101", "# crm-ve: ignore[CV104]\nprimitive p_ve101"))
    proc = subprocess.run([sys.executable, "-m", "crm_ve", "check", "--format", "json", str(source)],
                          capture_output=True, text=True, timeout=300)
    import json
    codes = sorted(f["code"] for f in json.loads(proc.stdout)["findings"] if f["code"].startswith("CV1"))
    assert codes == ["CV101", "CV102"], proc.stdout
