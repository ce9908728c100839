"""crm shell text (``*.crm``) converted by the real crmsh offline; findings point at lines of the .crm file."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm_ve.crm_text import crm_statements, line_map, read_crm_text
from support.cib_build import reference_crm
from support.plugin_dist import run_crm_ve
from support.tools import require_tools

ROOT = Path(__file__).resolve().parents[2]
ONLY = ("--select", "CV301,CV9")

# Line numbers matter below: the deprecated DRBD primitive d_old starts on line 9, a continuation follows.
STACK = """\
node node1
node node2
primitive p_drbd_r0 ocf:linbit:drbd \\
\tparams drbd_resource=r0 \\
\top monitor interval=29s role=Master \\
\top monitor interval=31s role=Slave
ms ms_drbd_r0 p_drbd_r0 \\
\tmeta master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 notify=true
primitive d_old ocf:heartbeat:drbd \\
\tparams drbd_resource=r1
primitive p_fs Filesystem \\
\tparams device=/dev/drbd0 directory=/vz fstype=ext4
primitive p_ve ocf:heartbeat:ManageVE params veid=101
colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master
order o_drbd_before_fs Mandatory: ms_drbd_r0:promote p_fs:start
colocation c_ve_on_fs inf: p_ve p_fs
order o_fs_before_ve Mandatory: p_fs p_ve
property cib-bootstrap-options: \\
\tstonith-enabled=false
rsc_defaults rsc-options: resource-stickiness=100
"""


def write(tmp_path, text, name="stack.crm"):
    path = tmp_path / name
    path.write_text(text)
    return path


def statement_line(text, keyword, object_id):
    """Where ``keyword object_id`` starts in ``text`` (found independently of the code under test)."""
    for number, line in enumerate(text.splitlines(), 1):
        if [word.rstrip(":") for word in line.split()[:2]] == [keyword, object_id]:
            return number
    raise AssertionError(f"{keyword} {object_id} not in the text")


def test_finding_points_at_the_crm_line(tmp_path, crm_ve):
    require_tools("crm", "cibadmin")
    path = write(tmp_path, STACK)
    code, out, err = crm_ve("check", "--format", "json", *ONLY, path)
    assert code == 0, err
    report = json.loads(out)
    assert report["files"] == [str(path)]
    (finding,) = report["findings"]
    assert finding["code"] == "CV301" and finding["resources"] == ["d_old"]
    assert finding["file"] == str(path)
    assert finding["line"] == statement_line(STACK, "primitive", "d_old") == 9


def test_every_object_element_maps_to_its_statement(tmp_path):
    require_tools("crm", "cibadmin")
    path = write(tmp_path, STACK)
    document = read_crm_text(path)
    assert document.source_kind == "crm" and document.name == str(path)
    keywords = {"primitive": "primitive", "master": "ms", "rsc_colocation": "colocation", "rsc_order": "order",
                "meta_attributes": "rsc_defaults", "cluster_property_set": "property", "node": "node"}
    checked = 0
    for element in document.configuration.iter(*keywords):
        if element.tag == "meta_attributes" and element.getparent().tag != "rsc_defaults":
            continue
        expected = statement_line(STACK, keywords[element.tag], element.get("id"))
        assert document.source_line(element.sourceline) == expected, element.get("id")
        # Children without an id of their own statement (nvpairs, ops) map to the same statement.
        for child in element.iter("nvpair", "op"):
            owner = next(child.iterancestors("primitive", "master"), None)
            if element.tag not in ("primitive", "master") or owner is element:
                assert document.source_line(child.sourceline) == expected, child.get("id")
        checked += 1
    assert checked == 13  # 2 nodes, 4 primitives, the ms, 4 constraints, property, rsc_defaults


def test_statements_fold_continuations_and_keep_comments():
    text = "# one\n# two\nprimitive a Dummy \\\n  op monitor interval=10s\n\nnode 1: node1\nproperty x=y\ntag t1: a\n"
    statements = crm_statements(text)
    assert [(s.keyword, s.id, s.line) for s in statements] == [
        ("primitive", "a", 3), ("node", "1", 6), ("property", None, 7), ("tag", "t1", 8)]
    assert statements[0].comments == [(1, "# one"), (2, "# two")]


def test_raw_xml_statements_map_by_their_id(tmp_path, crm_ve):
    require_tools("crm", "cibadmin")
    path = write(tmp_path, "primitive a Dummy\n"
                           'xml <primitive id="d_raw" class="ocf" provider="heartbeat" type="drbd"/>\n', "raw.crm")
    code, out, err = crm_ve("check", "--format", "json", *ONLY, path)
    assert code == 0, err
    assert [(f["resources"], f["line"]) for f in json.loads(out)["findings"]] == [(["d_raw"], 2)]


def test_references_map_to_the_constraint_not_the_referenced_resource(tmp_path):
    require_tools("crm", "cibadmin")
    text = "primitive a Dummy\nprimitive b Dummy\nprimitive c Dummy\norder o_set Mandatory: a ( b c )\n"
    document = read_crm_text(write(tmp_path, text))
    refs = list(document.configuration.iter("resource_ref"))
    assert {ref.get("id") for ref in refs} == {"a", "b", "c"}
    assert {document.source_line(ref.sourceline) for ref in refs} == {4}
    mapping = line_map(document.root, crm_statements(text))
    assert mapping[document.configuration.find("resources/primitive[@id='a']").sourceline] == 1


def test_crm_text_on_standard_input(crm_ve, monkeypatch, tmp_path):
    require_tools("crm", "cibadmin")
    result = run_crm_ve("check", "--format", "json", *ONLY, "-", stdin=STACK,
                        env={"CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode == 0, result.stderr
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["file"], finding["line"]) == ("<stdin>", 9)


def test_crmsh_rejecting_the_text_is_one_line_naming_file_and_line(tmp_path, crm_ve):
    require_tools("crm", "cibadmin")
    path = write(tmp_path, "primitive a Dummy\nfrobnicate the cluster\n", "bad.crm")
    code, out, err = crm_ve("check", path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"crm-ve: {path}:2: crmsh rejected the crm shell text: ")
    assert "frobnicate" in err


def test_crmsh_refusing_a_dangling_reference_names_it_at_its_line(tmp_path, crm_ve):
    require_tools("crm", "cibadmin")
    path = write(tmp_path, "# objects\n\nprimitive a Dummy \\\n  op monitor interval=10s\n\n"
                           "order o1 Mandatory: a nowhere\n", "dangling.crm")
    code, out, err = crm_ve("check", path)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"crm-ve: {path}:6: crmsh rejected the crm shell text: ") and "nowhere" in err
    assert "/tmp/crm-ve-text-" not in err  # crmsh's messages name the user's file, not our scratch copy


def test_missing_crm_file(tmp_path, crm_ve):
    code, _, err = crm_ve("check", tmp_path / "absent.crm")
    assert code == 2 and err == f"crm-ve: {tmp_path / 'absent.crm'}: cannot read: No such file or directory\n"


def test_crmsh_absent_is_one_clear_line(tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    path = write(tmp_path, STACK)
    result = run_crm_ve("check", path, env={"PATH": str(empty_bin)})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"crm-ve: {path}: crm shell text is converted by crmsh, but crm")
    assert "not installed" in result.stderr
    assert os.path.isabs(sys.executable)  # the CLI itself still ran: only the tools were out of reach


def test_crmsh_errors_point_at_the_files_line_not_the_statement_number(tmp_path, crm_ve):
    """crmsh numbers statements (continuations folded, blank lines skipped): line 27 here is its statement 6."""
    require_tools("crm", "cibadmin")
    text = STACK.splitlines()
    lines = ["# the stack, with a typo further down", ""] + text[:10] + [""] * 3 + text[10:16]
    lines += [""] * (26 - len(lines)) + ["frobnicate the cluster"]
    assert len(lines) == 27
    path = write(tmp_path, "\n".join(lines) + "\n", "typo.crm")
    code, out, err = crm_ve("check", path)
    assert code == 2 and err.startswith(f"crm-ve: {path}:27: crmsh rejected the crm shell text: "), err


def crmsh_built(tmp_path, text, name):
    """The CIB a user gets from plain crmsh: ``cibadmin --empty``, then ``crm -F configure load update``."""
    cibadmin, crm = require_tools("cibadmin", "crm")
    cib, source = tmp_path / f"{name}.xml", tmp_path / f"{name}-source.crm"
    source.write_text(text)
    cib.write_text(subprocess.run([cibadmin, "--empty"], capture_output=True, text=True, check=True).stdout)
    loaded = subprocess.run([crm, "-F", "configure", "load", "update", str(source)], capture_output=True,
                            text=True, env=dict(os.environ, CIB_file=str(cib)), timeout=120,
                            stdin=subprocess.DEVNULL)
    assert loaded.returncode == 0, loaded.stderr
    return cib


def findings_of(crm_ve, path):
    code, out, err = crm_ve("check", "--format", "json", path)
    assert code in (0, 1), err
    return sorted((f["code"], f["severity"], f["message"], tuple(f["resources"]), tuple(f["constraints"]))
                  for f in json.loads(out)["findings"])


def every_crm_text():
    """The .crm files of the examples and the tests' reference stack, clean and broken."""
    texts = {path.stem: path.read_text() for path in sorted((ROOT / "examples").glob("*.crm"))}
    texts["reference"] = reference_crm()
    texts["reference-without-promote-order"] = reference_crm(o_drbd_before_fs=None)
    texts["stonith-disabled"] = STACK
    return texts


def test_the_texts_own_fencing_setting_is_kept(tmp_path, crm_ve):
    require_tools("crm", "cibadmin")
    path = write(tmp_path, STACK)
    codes = [finding[0] for finding in findings_of(crm_ve, path)]
    assert "CV406" in codes  # STACK sets stonith-enabled=false itself
    code, out, _ = crm_ve("check", "--format", "json", "--select", "CV406", path)
    (finding,) = json.loads(out)["findings"]
    assert "stonith-enabled=false" in finding["message"]


@pytest.mark.parametrize("name", sorted(every_crm_text()))
def test_crm_text_and_the_cib_crmsh_builds_from_it_have_the_same_findings(name, tmp_path, crm_ve):
    text = every_crm_text()[name]
    path = write(tmp_path, text, f"{name}.crm")
    assert findings_of(crm_ve, path) == findings_of(crm_ve, crmsh_built(tmp_path, text, name))
