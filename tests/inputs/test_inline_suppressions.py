"""``# crm-ve: ignore[CODE]`` written with the real crmsh, kept in the CIB as an XML comment, honoured by check."""
import json

from lxml import etree

from support.cib_build import crm_load, empty_cib
from support.tools import require_tools

ONLY = ("--select", "CV301,CV9")
DEPRECATED = "primitive {id} ocf:heartbeat:drbd params drbd_resource=r0"


def build(tmp_path, crm_text):
    """A CIB made by cibadmin --empty plus ``crm configure load update`` of ``crm_text`` (the real crmsh)."""
    require_tools("crm", "cibadmin", "crm_attribute")
    path = tmp_path / "cib.xml"
    empty_cib(path)
    crm_load(path, crm_text, force=True)  # -F: ocf:heartbeat:drbd is (rightly) not installed
    return path


def findings(crm_ve, *argv, only=ONLY):
    code, out, err = crm_ve("check", "--format", "json", *only, *argv)
    assert code in (0, 1), err
    return [(f["code"], tuple(f["resources"]), f["line"]) for f in json.loads(out)["findings"]]


def test_crmsh_stores_the_comment_inside_the_element(tmp_path):
    path = build(tmp_path, "# crm-ve: ignore[CV301]\n" + DEPRECATED.format(id="d1") + "\n")
    primitive = etree.parse(str(path)).find(".//primitive[@id='d1']")
    first = primitive[0]
    assert first.tag is etree.Comment and first.text == "# crm-ve: ignore[CV301]"


def test_comment_by_code_or_name_suppresses_and_others_still_report(tmp_path, crm_ve):
    text = "\n".join([
        "# crm-ve: ignore[CV301]", DEPRECATED.format(id="d_code"),
        "# some words first", "# crm-ve: ignore[drbd-deprecated-agent]", DEPRECATED.format(id="d_name"),
        DEPRECATED.format(id="d_plain"),
    ]) + "\n"
    path = build(tmp_path, text)
    assert [f[:2] for f in findings(crm_ve, path)] == [("CV301", ("d_plain",))]


def test_the_same_text_as_crm_file_maps_the_suppression_lines(tmp_path, crm_ve):
    require_tools("crm", "cibadmin", "crm_attribute")
    text = "# crm-ve: ignore[CV301]\n" + DEPRECATED.format(id="d1") + "\nprimitive ok Dummy\n" \
        "# crm-ve: ignore[CV301]\nprimitive p_dummy Dummy\n"
    path = tmp_path / "conf.crm"
    path.write_text(text)
    # d1 is suppressed; the comment above p_dummy (line 4) suppresses nothing: CV901 on line 4.
    assert findings(crm_ve, path) == [("CV901", ("p_dummy",), 4)]


def test_unused_and_invalid_suppressions_are_reported(tmp_path, crm_ve):
    text = "\n".join([
        "# crm-ve: ignore[CV301]", "primitive p_fine Dummy",       # unused: CV301 ran, found nothing here
        "# crm-ve: ignore", "primitive p_blanket Dummy",            # blanket: not allowed
        "# crm-ve: ignore[CV301, no-such-rule]", DEPRECATED.format(id="d_typo"),  # one used, one unknown
        "# crm-ve: ignore[]", "primitive p_empty Dummy",
        "# crm-ve: ignore[CV3]", DEPRECATED.format(id="d_prefix"),  # prefixes are not codes
    ]) + "\n"
    path = build(tmp_path, text)
    found = {(code, resources) for code, resources, _ in findings(crm_ve, path)}
    assert found == {("CV901", ("p_fine",)), ("CV902", ("p_blanket",)), ("CV902", ("d_typo",)),
                     ("CV902", ("p_empty",)), ("CV902", ("d_prefix",)), ("CV301", ("d_prefix",))}
    code, out, _ = crm_ve("check", *ONLY, path)
    assert "a blanket 'crm-ve: ignore' is not allowed" in out and "no-such-rule names no known rule" in out
    assert "CV3 names no known rule (codes are explicit: name each code, not a prefix)" in out


def test_a_deselected_rule_makes_no_unused_suppression(tmp_path, crm_ve):
    path = build(tmp_path, "# crm-ve: ignore[CV301]\nprimitive p_fine Dummy\n")
    assert findings(crm_ve, path, only=("--select", "CV9")) == []
    assert [f[0] for f in findings(crm_ve, path)] == ["CV901"]


def test_a_group_comment_does_not_cover_its_members(tmp_path, crm_ve):
    text = "\n".join([DEPRECATED.format(id="d_member"), "primitive p_other Dummy",
                      "# crm-ve: ignore[CV301]", "group g d_member p_other"]) + "\n"
    path = build(tmp_path, text)
    group = etree.parse(str(path)).find(".//group[@id='g']")
    assert group[0].tag is etree.Comment  # crmsh put it first in the group, before the members
    assert {f[:2] for f in findings(crm_ve, path)} == {("CV301", ("d_member",)), ("CV901", ("g",))}


def test_pacemaker_keeps_the_comment(tmp_path):
    """cibadmin (Pacemaker's own CIB code) reads and writes the CIB back with the comment still inside."""
    (cibadmin,) = require_tools("cibadmin")
    path = build(tmp_path, "# crm-ve: ignore[CV301]\n" + DEPRECATED.format(id="d1") + "\n")
    import os
    import subprocess

    env = dict(os.environ, CIB_file=str(path))
    subprocess.run([cibadmin, "-C", "-o", "resources", "-X", '<primitive id="x" class="ocf" provider="pacemaker" '
                    'type="Dummy"/>'], env=env, check=True, capture_output=True)
    queried = subprocess.run([cibadmin, "--query"], env=env, check=True, capture_output=True, text=True).stdout
    primitive = etree.fromstring(queried.encode()).find(".//primitive[@id='d1']")
    assert primitive[0].tag is etree.Comment and "crm-ve: ignore[CV301]" in primitive[0].text


def test_hand_written_xml_comment_before_an_element(tmp_path, crm_ve):
    path = tmp_path / "cib.xml"
    path.write_text(
        "<configuration><resources>\n"
        "<!-- crm-ve: ignore[CV301] -->\n"
        '<primitive id="d1" class="ocf" provider="heartbeat" type="drbd"/>\n'
        '<primitive id="d2" class="ocf" provider="heartbeat" type="drbd"/>\n'
        "</resources></configuration>\n"
    )
    assert findings(crm_ve, path) == [("CV301", ("d2",), 4)]


def test_per_resource_ignores_from_the_configuration(tmp_path, crm_ve, monkeypatch):
    path = build(tmp_path, "\n".join(DEPRECATED.format(id=i) for i in ("d_ve101", "d_ve102", "d_other")) + "\n")
    (tmp_path / "setup.cfg").write_text("[tool:crm_ve]\nper-resource-ignores =\n    d_ve1*: CV301\n")
    monkeypatch.chdir(tmp_path)
    assert [f[1] for f in findings(crm_ve, path)] == [("d_other",)]
    assert len(findings(crm_ve, "--no-config", path)) == 3


def test_comments_read_ahead_are_the_configurations_in_document_order():
    """The check reads the comments in the background (reader.read_comments); the suppression index then uses
    them instead of walking the tree: the same comments, none from outside <configuration>."""
    from crm_ve.reader import parse_cib, read_comments
    from crm_ve.suppressions import index_suppressions
    xml = (b"<!-- before --><cib validate-with='pacemaker-3.9'><!-- cib --><configuration><!-- top -->"
           b"<resources><primitive id='a' class='ocf' provider='heartbeat' type='Dummy'><!--# crm-ve: ignore[CV301]-->"
           b"<operations><op id='a-m' name='monitor' interval='10s'><!-- deep --></op></operations></primitive>"
           b"<!--# crm-ve: ignore[CV101]--><primitive id='b' class='ocf' provider='heartbeat' type='Dummy'/>"
           b"</resources></configuration><status><!-- status --></status></cib>")
    document = parse_cib(xml, "t.xml")
    walked = [c.text for c in document.configuration.iter(etree.Comment)]
    directives = [(d.owner_id, d.text) for d in index_suppressions(document, []).directives]
    read_comments(document)
    assert [c.text for c in document.configuration_comments()] == walked == [
        " top ", "# crm-ve: ignore[CV301]", " deep ", "# crm-ve: ignore[CV101]"]
    assert [(d.owner_id, d.text) for d in index_suppressions(document, []).directives] == directives == [
        ("a", "# crm-ve: ignore[CV301]"), ("b", "# crm-ve: ignore[CV101]")]
