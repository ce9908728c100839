"""``--format github``: GitHub Actions workflow commands, escaped as the Actions toolkit escapes them."""
from crm_ve.checker import Report
from crm_ve.findings import Finding, Fix, Severity
from crm_ve.plugins import PluginHost
from crm_ve.report import github

DRBD = '<configuration><resources>\n<primitive id="d_old" class="ocf" provider="heartbeat" type="drbd"/>\n' \
       "</resources></configuration>\n"


def test_one_annotation_per_finding(tmp_path, crm_ve, monkeypatch):
    (tmp_path / "cib.xml").write_text(DRBD)
    monkeypatch.chdir(tmp_path)
    code, out, err = crm_ve("check", "--format", "github", "--select", "CV301", "cib.xml")
    assert code == 0, err
    first, coverage, note, summary = out.splitlines()
    assert first.startswith("::warning file=cib.xml,line=2,title=CV301 drbd-deprecated-agent::d_old uses ")
    # the DRBD primitive is in no clone: no stack, so the stack rules checked nothing, and that is said too
    assert coverage.startswith("::warning file=cib.xml,title=crm-ve coverage::cib.xml: warning: no storage stack "
                               "recognised")
    assert note == "::notice title=crm-ve%3A not checked::cib.xml: schema not checked: a <configuration> " \
                   "fragment names no schema (validate-with)"
    assert summary == "crm-ve: 0 errors, 2 warnings, 0 infos in 1 file."


def test_commas_and_colons_in_the_file_name_are_escaped(tmp_path, crm_ve, monkeypatch):
    (tmp_path / "site,a:b%.xml").write_text(DRBD)
    monkeypatch.chdir(tmp_path)
    _, out, _ = crm_ve("check", "--format", "github", "--select", "CV301", "site,a:b%.xml")
    assert out.startswith("::warning file=site%2Ca%3Ab%25.xml,line=2,title=CV301 drbd-deprecated-agent::")


def test_escaping_rules():
    assert github.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github.escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    assert github.workflow_command("notice", "m:1,2", title="x") == "::notice title=x::m:1,2"


def test_levels_fix_lines_and_inputs_that_are_not_files(tmp_path):
    rule = PluginHost(autoload=False).rule("CV301")
    path = tmp_path / "cib.xml"
    path.write_text(DRBD)
    error = Finding.of(rule, "broken 100%", severity=Severity.ERROR, line=3,
                       fix=Fix(crm=("crm configure delete o1",), pcs=("pcs constraint delete o1",)))
    error.file = str(path)
    info = Finding.of(rule, "advice", severity=Severity.INFO, line=5)
    info.file = "live"
    report = Report(files=[str(path), "live"], findings=[error, info], sources={str(path): "xml", "live": "live"})
    lines = github.render(report).splitlines()
    assert lines[0] == (
        f"::error file={github.escape_property(str(path))},line=3,title=CV301 drbd-deprecated-agent::broken 100%25"
        "%0Afix (crm shell):%0A  crm configure delete o1%0Afix (pcs):%0A  pcs constraint delete o1"
    )
    assert lines[1] == "::notice title=CV301 drbd-deprecated-agent::live: advice"
    assert lines[2] == "crm-ve: 1 error, 0 warnings, 1 info in 2 files."
