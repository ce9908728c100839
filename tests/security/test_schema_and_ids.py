"""Issue 17 item 7: what crm_verify refuses is never "No problems found".

Duplicate ids, a lower-case ``master`` role, an id holding a newline and a reference to no id are refused as
crm_verify refuses them (exit 2, one line per error, from Pacemaker's own Relax NG schema); with no schema to
check against, every format says "schema not checked"; control characters in values are escaped in every format.
The CIBs are examples/*.xml (built by crmsh from the .crm beside them) with one thing changed.
"""
import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from crm_ve import schema
from support.inprocess_cli import crm_ve  # noqa: F401
from support.tools import require_tools

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "examples" / "good-stack.xml"
BROKEN = ROOT / "examples" / "broken-stack.xml"
FORMATS = ("text", "json", "sarif", "github")


def variant(tmp_path, name, edit, source=GOOD):
    tree = etree.parse(str(source))
    edit(tree.getroot())
    path = tmp_path / name
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return path


def crm_verify(path):
    (tool,) = require_tools("crm_verify")
    return subprocess.run([tool, "-x", str(path)], capture_output=True, text=True, timeout=120).returncode


def refused(crm_ve, path, *expected):
    """Exit 2, every stderr line one ``crm-ve: FILE:LINE: ...`` error, no "No problems found" anywhere."""
    code, out, err = crm_ve("check", path)
    assert code == 2 and out == "", err
    lines = err.splitlines()
    assert lines and all(line.startswith(f"crm-ve: {path}:") for line in lines), err
    for text in expected:
        assert any(text in line for line in lines), (text, err)
    return lines


def duplicate(root):
    root.find(".//primitive[@id='p_ve102']").set("id", "p_ve101")


def lower_case_master(root):
    root.find(".//rsc_colocation[@with-rsc-role='Master']").set("with-rsc-role", "master")


def newline_id(root):
    for element in root.iter():
        for attribute, value in element.attrib.items():
            if value == "p_ve101":
                element.set(attribute, "p_ve101\nNo problems found in 1 file.")


def dangling(root):
    root.find(".//rsc_colocation[@with-rsc='ms_drbd_r0']").set("with-rsc", "ms_drbd_rO")


@pytest.mark.parametrize("edit, expected", [
    (duplicate, "duplicate id 'p_ve101' (first defined on line "),
    (lower_case_master, "schema pacemaker-3.9: Invalid attribute with-rsc-role for element rsc_colocation"),
    (newline_id, "schema pacemaker-3.9: Type ID doesn't allow value 'p_ve101\\x0aNo problems found in 1 file.'"),
    (dangling, 'schema pacemaker-3.9: IDREF attribute with-rsc references an unknown ID "ms_drbd_rO"'),
])
def test_what_crm_verify_refuses_is_refused(edit, expected, tmp_path, crm_ve):
    path = variant(tmp_path, f"{edit.__name__}.xml", edit)
    assert crm_verify(path) != 0
    refused(crm_ve, path, expected)


def test_duplicate_ids_are_refused_without_a_schema(tmp_path, crm_ve):
    def edit(root):
        root.set("validate-with", "none")
        duplicate(root)
    refused(crm_ve, variant(tmp_path, "dup-none.xml", edit), "duplicate id 'p_ve101'")


def test_a_schema_error_keeps_every_machine_format_valid(tmp_path, crm_ve):
    path = variant(tmp_path, "master.xml", lower_case_master)
    code, out, err = crm_ve("check", "--format", "json", path)
    report = json.loads(out)
    assert code == 2 and report["summary"]["exit_code"] == 2 and report["findings"] == []
    assert any("Invalid attribute with-rsc-role" in error["error"] for error in report["input_errors"])
    code, out, _ = crm_ve("check", "--format", "sarif", path)
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert code == 2 and invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    code, out, _ = crm_ve("check", "--format", "github", path)
    assert code == 2 and out.startswith("::error ") and "with-rsc-role" in out


def not_checked(output, fmt):
    if fmt == "json":
        return [note for note in json.loads(output)["notes"] if "schema not checked" in note]
    if fmt == "sarif":
        notes = json.loads(output)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        return [n for n in notes if n["level"] == "note" and "schema not checked" in n["message"]["text"]]
    return [line for line in output.splitlines() if "schema not checked" in line]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_schema_is_said_in_every_format(fmt, tmp_path, crm_ve, monkeypatch):
    none = variant(tmp_path, "none.xml", lambda root: root.set("validate-with", "none"))
    code, out, _ = crm_ve("check", "--format", fmt, none)
    assert code == 0 and len(not_checked(out, fmt)) == 1
    # A version the installed Pacemaker has no schema for (here: an empty schema directory).
    monkeypatch.setenv("PCMK_schema_directory", str(tmp_path))
    monkeypatch.setattr(schema, "_compiled", {})
    code, out, _ = crm_ve("check", "--format", fmt, GOOD)
    assert code == 0 and len(not_checked(out, fmt)) == 1
    monkeypatch.delenv("PCMK_schema_directory")
    monkeypatch.setattr(schema, "_compiled", {})
    code, out, _ = crm_ve("check", "--format", fmt, GOOD)
    assert code == 0 and not_checked(out, fmt) == []


def strings(value):
    """Every string inside a decoded JSON value."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [text for item in items for text in strings(item)]


def test_control_characters_are_escaped_in_every_format(tmp_path, crm_ve):
    """Without a schema (validate-with=none) an id may hold anything: no value prints a line of its own or an
    escape sequence."""
    hostile = "p_fs_vz\nNo problems found in 1 file.\x9b2J\u202e"  # 8-bit CSI, right-to-left override

    def edit(root):
        root.set("validate-with", "none")
        for element in root.iter():
            for attribute, value in element.attrib.items():
                if value == "p_fs_vz":
                    element.set(attribute, hostile)

    path = variant(tmp_path, "hostile.xml", edit, source=BROKEN)
    for fmt in FORMATS:
        code, out, _ = crm_ve("check", "--format", fmt, path)
        assert code == 1, fmt
        assert "\x9b" not in out and "\u202e" not in out and "\nNo problems found" not in out, fmt
        if fmt in ("json", "sarif"):
            assert hostile in strings(json.loads(out))  # JSON's own escaping carries the value exactly
        else:
            assert "p_fs_vz\\x0aNo problems found in 1 file.\\x9b2J\\u202e" in out, fmt


def test_each_schema_is_compiled_once_per_run(tmp_path, crm_ve, monkeypatch):
    monkeypatch.setattr(schema, "_compiled", {})
    second = variant(tmp_path, "second.xml", lambda root: None)
    code, _, err = crm_ve("check", GOOD, BROKEN, second)
    assert code == 1, err
    assert list(schema._compiled) == [str(Path(schema.schema_directory()) / "pacemaker-3.9.rng")]
