"""``--format sarif``: a SARIF 2.1.0 log with the rules and their docs, results with levels and locations."""
import json

from crm_ve.checker import Report, RuleFailure
from crm_ve.findings import Finding, Fix, Severity
from crm_ve.plugins import PluginHost
from crm_ve.report import sarif
from support.tools import require_tools

LEVELS = {"none", "note", "warning", "error"}
BROKEN = (
    "<configuration><resources>\n"
    '<primitive id="d_old" class="ocf" provider="heartbeat" type="drbd"/>\n'
    '<primitive id="p_x" class="ocf" provider="heartbeat" type="Dummy"><!--# crm-ve: ignore--></primitive>\n'
    "</resources><constraints/></configuration>\n"
)


def assert_sarif_2_1_0(log):
    """The SARIF 2.1.0 schema's required properties and enumerations, for what crm-ve writes."""
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "crm-ve" and driver["version"]
    assert driver["informationUri"].startswith(("http://", "https://"))
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith("## What it does")
        assert rule["defaultConfiguration"]["level"] in LEVELS
    for result in run["results"]:
        assert result["level"] in LEVELS and result["message"]["text"]
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        if "physicalLocation" in location:
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uri"]
            assert physical.get("region", {"startLine": 1})["startLine"] >= 1
        else:
            assert location["logicalLocations"][0]["name"]
    return run


def test_sarif_of_a_file_has_rules_levels_messages_and_locations(tmp_path, crm_ve, monkeypatch):
    (tmp_path / "cib.xml").write_text(BROKEN)
    monkeypatch.chdir(tmp_path)
    code, out, err = crm_ve("check", "--format", "sarif", "--select", "CV301,CV9", "cib.xml")
    assert code == 0, err
    run = assert_sarif_2_1_0(json.loads(out))
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["CV301", "CV901", "CV902"]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    assert set(by_rule) == {"CV301", "CV902"}
    drbd = by_rule["CV301"]
    assert drbd["level"] == "warning" and "d_old" in drbd["message"]["text"]
    assert drbd["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "cib.xml"},
                                                        "region": {"startLine": 2}}
    assert by_rule["CV902"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["artifacts"] == [{"location": {"uri": "cib.xml"}}]


def test_sarif_of_crm_text_points_at_the_crm_file(tmp_path, crm_ve, monkeypatch):
    require_tools("crm", "cibadmin", "crm_attribute")
    (tmp_path / "stack.crm").write_text("primitive p_x Dummy\n\nprimitive d_old ocf:heartbeat:drbd \\\n"
                                        "    params drbd_resource=r0\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = crm_ve("check", "--format", "sarif", "--select", "CV301", "stack.crm")
    assert code == 0, err
    (result,) = assert_sarif_2_1_0(json.loads(out))["results"]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "stack.crm"},
                                                          "region": {"startLine": 3}}


def test_error_levels_fixes_and_rule_failures(tmp_path):
    """The renderer alone, on a report with an error finding with a fix and a rule that raised."""
    host = PluginHost(autoload=False)
    rule = host.rule("CV301")
    path = tmp_path / "my cib.xml"
    path.write_text(BROKEN)
    finding = Finding.of(rule, "bad", severity=Severity.ERROR, line=7, resources=("p_fs",), constraints=("o1",),
                         fix=Fix(crm=("crm configure delete o1",), pcs=("pcs constraint delete o1",)))
    finding.file = str(path)
    info = Finding.of(rule, "advice", severity=Severity.INFO)
    info.file = "<stdin>"
    report = Report(files=[str(path), "<stdin>"], findings=[finding, info], rules=host.rules,
                    sources={str(path): "xml", "<stdin>": "xml"},
                    failures=[RuleFailure("crm_ve.rules.x", "CV999", str(path), "KeyError: 'x'")])
    log = json.loads(sarif.render(report))
    run = assert_sarif_2_1_0(log)
    error, note = run["results"]
    assert error["level"] == "error" and note["level"] == "note"
    assert error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file://" + str(path).replace(
        " ", "%20")
    assert error["properties"]["fix"] == {"crm": ["crm configure delete o1"], "pcs": ["pcs constraint delete o1"]}
    assert {loc["name"] for loc in error["locations"][0]["logicalLocations"]} == {"p_fs", "o1"}
    assert note["locations"][0]["logicalLocations"][0]["name"] == "<stdin>"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    assert "CV999" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    # Fingerprints stay put when only the line moves.
    moved = Finding.of(rule, "bad", severity=Severity.ERROR, line=70, resources=("p_fs",), constraints=("o1",))
    moved.file = str(path)
    assert sarif.fingerprint(moved) == sarif.fingerprint(finding)
