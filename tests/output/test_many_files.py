"""One bad input does not hide the others: each input is checked on its own, the one that cannot be read is
named (one line on standard error, and in the report), the others' findings are printed, exit 2, and every
format stays valid."""
import json

import pytest

from support.cib_build import build_reference_crm
from support.inprocess_cli import crm_ve  # noqa: F401
from support.tools import require_tools

C1 = "order o_drbd_before_fs inf: ms_drbd_r0 p_fs"


@pytest.fixture
def inputs(tmp_path):
    """good.xml and bad.xml (CV102) built by crmsh, broken.xml not well-formed, missing.xml absent."""
    require_tools("crm", "cibadmin", "crm_attribute")
    good = build_reference_crm(tmp_path / "good.xml")
    bad = build_reference_crm(tmp_path / "bad.xml", o_drbd_before_fs=C1)
    broken = tmp_path / "broken.xml"
    broken.write_text(good.read_text()[:200])
    return good, broken, bad, tmp_path / "missing.xml"


def test_text_names_the_bad_input_and_prints_the_others_findings(inputs, crm_ve):
    good, broken, bad, missing = inputs
    code, out, err = crm_ve("check", good, broken, bad, missing)
    assert code == 2, out + err
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"crm-ve: {broken}:") and lines[1].startswith(f"crm-ve: {missing}")
    assert f"{bad}:" in out and "CV102 filesystem-not-after-promote [error]" in out
    assert f"{good}: checked 1 storage stack" in out
    summary = out.splitlines()[-1]
    assert summary.endswith(f"in 2 files; not checked (unreadable or refused): {broken}, {missing}."), summary
    assert "No problems found" not in out


def test_json_sarif_and_github_stay_valid_and_list_the_input_error(inputs, crm_ve):
    good, broken, bad, _ = inputs
    code, out, err = crm_ve("check", "--format", "json", good, broken, bad)
    assert code == 2
    report = json.loads(out)
    assert report["files"] == [str(good), str(bad)]
    assert [e["file"] for e in report["input_errors"]] == [str(broken)]
    assert report["input_errors"][0]["error"].startswith(f"{broken}:")
    assert any(f["code"] == "CV102" and f["file"] == str(bad) for f in report["findings"])
    assert report["summary"]["exit_code"] == 2

    code, out, err = crm_ve("check", "--format", "sarif", good, broken, bad)
    assert code == 2
    run = json.loads(out)["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    errors = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert [n["properties"]["file"] for n in errors] == [str(broken)]
    assert any(r["ruleId"] == "CV102" for r in run["results"])

    code, out, err = crm_ve("check", "--format", "github", good, broken, bad)
    assert code == 2
    assert any(line.startswith("::error title=crm-ve input not checked::") and str(broken) in line
               for line in out.splitlines())
    assert any(line.startswith("::error file=") and "CV102" in line for line in out.splitlines())


def test_one_unreadable_input_alone_is_one_line_and_exit_2(tmp_path, crm_ve):
    missing = tmp_path / "missing.xml"
    code, out, err = crm_ve("check", "--format", "json", missing)
    assert code == 2
    assert err.splitlines() == [f"crm-ve: {missing}: cannot read: No such file or directory"]
    report = json.loads(out)
    assert report["files"] == [] and report["findings"] == [] and len(report["input_errors"]) == 1


def test_a_refused_input_leaves_the_others_schema_notes_and_the_configuration_named(inputs, crm_ve, tmp_path):
    """An input the schema refuses is not checked (exit 2); each other input still says what it did not check
    (a ``<configuration>`` fragment names no schema), and the configuration file used is named."""
    good, _, bad, _ = inputs
    refused = tmp_path / "refused.xml"
    refused.write_text(good.read_text().replace("<primitive ", '<primitive bogus="1" ', 1))
    fragment = tmp_path / "fragment.xml"
    fragment.write_text("<configuration><crm_config/><nodes/><resources/><constraints/></configuration>")
    config = tmp_path / "crm-ve.toml"
    config.write_text('[tool.crm_ve]\nignore = ["CV406"]\n')
    code, out, err = crm_ve("check", "--config", config, "--format", "json", good, refused, fragment, bad)
    assert code == 2, out + err
    report = json.loads(out)
    assert report["files"] == [str(good), str(fragment), str(bad)]
    (error,) = report["input_errors"]
    assert error["file"] == str(refused) and "bogus" in error["error"]
    assert any(f["code"] == "CV102" and f["file"] == str(bad) for f in report["findings"])
    assert [note.split(":")[0] for note in report["notes"]] == [str(fragment)]
    assert "schema not checked" in report["notes"][0]
    assert report["config"] == str(config)
    code, out, err = crm_ve("check", "--config", config, good, refused, fragment, bad)
    assert code == 2 and f"{fragment}: schema not checked" in out and f"configuration: {config}\n" in out
    assert f"not checked (unreadable or refused): {refused}." in out.splitlines()[-1]
    assert err.startswith(f"crm-ve: {refused}") and "bogus" in err
