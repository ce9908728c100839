"""``[tool:crm_ve]`` in setup.cfg, ``[tool.crm_ve]`` in pyproject.toml: found upward, the command line wins."""
import json
import sys

import pytest

from crm_ve.config import find_config

TWO_WARNINGS = (
    "<configuration><resources>\n"
    '<primitive id="d_old" class="ocf" provider="heartbeat" type="drbd"/>\n'
    '<primitive id="p_x" class="ocf" provider="heartbeat" type="Dummy"><!--# crm-ve: ignore--></primitive>\n'
    "</resources><constraints/></configuration>\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with the CIB two directories down; the test runs from there."""
    work = tmp_path / "project" / "cluster" / "site-a"
    work.mkdir(parents=True)
    (work / "cib.xml").write_text(TWO_WARNINGS)
    monkeypatch.chdir(work)
    return tmp_path / "project"


def codes(crm_ve, *argv):
    code, out, err = crm_ve("check", "--format", "json", *argv, "cib.xml")
    assert code in (0, 1), err
    return code, sorted(f["code"] for f in json.loads(out)["findings"])


def one_line_error(crm_ve, *argv):
    code, out, err = crm_ve("check", *argv, "cib.xml")
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err, (code, err)
    return err.strip()


def test_setup_cfg_found_upward(project, crm_ve):
    (project / "setup.cfg").write_text("[metadata]\nname = x\n\n[tool:crm_ve]\nselect = CV3, CV9\nignore =\n"
                                       "    invalid-suppression\n")
    assert codes(crm_ve) == (0, ["CV301"])


def test_pyproject_found_upward(project, crm_ve):
    (project / "pyproject.toml").write_text('[tool.crm_ve]\nselect = ["CV3", "CV9"]\nstrict = true\n')
    assert codes(crm_ve) == (1, ["CV301", "CV902"])


def test_the_first_file_with_the_section_wins(project, crm_ve):
    (project / "setup.cfg").write_text("[tool:crm_ve]\nselect = CV9\n")
    (project / "cluster" / "setup.cfg").write_text("[tool:pytest]\naddopts = -q\n")  # no section: skipped
    (project / "cluster" / "site-a" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert codes(crm_ve) == (0, ["CV902"])
    assert find_config().path == str(project / "setup.cfg")
    (project / "cluster" / "pyproject.toml").write_text('[tool.crm_ve]\nselect = ["CV3"]\n')
    assert codes(crm_ve) == (0, ["CV301"])


def test_the_command_line_wins(project, crm_ve):
    (project / "setup.cfg").write_text("[tool:crm_ve]\nselect = CV9\nignore = CV301\nstrict = yes\n"
                                       "format = github\n")
    assert codes(crm_ve, "--select", "CV301", "--no-strict") == (0, ["CV301"])
    # config select CV9, CLI ignore CV902: no finding, but strict (config) and the coverage warning (the DRBD
    # primitive is in no clone, so there is no stack to check) fails the check
    assert codes(crm_ve, "--ignore", "CV902") == (1, [])
    code, out, _ = crm_ve("check", "cib.xml")
    assert code == 1 and out.startswith("::warning file=cib.xml,line=3,title=CV902 invalid-suppression::")


def test_explicit_config_and_no_config(project, crm_ve, tmp_path):
    (project / "setup.cfg").write_text("[tool:crm_ve]\nselect = CV9\n")
    other = tmp_path / "elsewhere.toml"
    other.write_text('[tool.crm_ve]\nselect = "CV3"\n')
    assert codes(crm_ve, "--config", str(other)) == (0, ["CV301"])
    assert codes(crm_ve, "--no-config", "--select", "CV3,CV9") == (0, ["CV301", "CV902"])
    assert one_line_error(crm_ve, "--config", str(tmp_path / "missing.cfg")).endswith("no such file")
    empty = tmp_path / "empty.cfg"
    empty.write_text("[other]\n")
    assert one_line_error(crm_ve, "--config", str(empty)) == f"crm-ve: {empty}: has no [tool:crm_ve] section"


def test_per_resource_ignores_in_both_forms(project, crm_ve):
    (project / "pyproject.toml").write_text('[tool.crm_ve]\nselect = ["CV3", "CV9"]\n'
                                            '[tool.crm_ve.per-resource-ignores]\n"d_*" = ["CV301"]\n'
                                            'p_x = "invalid-suppression"\n')
    assert codes(crm_ve) == (0, [])
    (project / "pyproject.toml").unlink()
    (project / "setup.cfg").write_text("[tool:crm_ve]\nselect = CV3 CV9\nper-resource-ignores = d_old: CV301\n")
    assert codes(crm_ve) == (0, ["CV902"])


@pytest.mark.parametrize("filename, text, message", [
    ("setup.cfg", "[tool:crm_ve]\nselekt = CV1\n",
     "setup.cfg: [tool:crm_ve] selekt: unknown key (known: select, ignore, per-resource-ignores, format, strict)"),
    ("setup.cfg", "[tool:crm_ve]\nstrict = maybe\n", "setup.cfg: [tool:crm_ve] strict = 'maybe': expected true or false"),
    ("setup.cfg", "[tool:crm_ve]\nformat = xml\n", "setup.cfg: [tool:crm_ve] format = xml: unknown format"),
    ("setup.cfg", "[tool:crm_ve]\nselect = CV3, ZZ9\n", "setup.cfg: [tool:crm_ve] select: no rule matches ZZ9"),
    ("setup.cfg", "[tool:crm_ve]\nper-resource-ignores = p_ve101\n",
     "setup.cfg: [tool:crm_ve] per-resource-ignores: 'p_ve101' is not RESOURCE: RULES"),
    ("setup.cfg", "[tool:crm_ve]\nper-resource-ignores = p_ve101: XX1\n",
     "setup.cfg: [tool:crm_ve] per-resource-ignores: no rule matches XX1"),
    ("setup.cfg", "[tool:crm_ve\nselect = CV3\n", "setup.cfg: not a valid INI file"),
    ("pyproject.toml", '[tool.crm_ve]\nstrict = "sometimes"\n',
     "pyproject.toml: [tool.crm_ve] strict = 'sometimes': expected true or false"),
    ("pyproject.toml", "[tool.crm_ve]\nselect = [1, 2]\n", "pyproject.toml: [tool.crm_ve] select: expected a list"),
    ("pyproject.toml", "[tool.crm_ve]\nselect = [\n", "pyproject.toml: not valid TOML"),
])
def test_bad_keys_and_values_name_the_file_and_key(project, crm_ve, filename, text, message):
    (project / filename).write_text(text)
    line = one_line_error(crm_ve)
    assert line.startswith(f"crm-ve: {project}/{message}"), line


def test_pyproject_without_a_toml_parser(project, crm_ve, monkeypatch):
    # Python 3.9/3.10 without tomli: importing either parser fails, exactly as there.
    monkeypatch.setitem(sys.modules, "tomllib", None)
    monkeypatch.setitem(sys.modules, "tomli", None)
    (project / "pyproject.toml").write_text('[tool.crm_ve]\nselect = ["CV3"]\n')
    line = one_line_error(crm_ve)
    assert line == (f"crm-ve: {project / 'pyproject.toml'}: has a [tool.crm_ve] table but this Python has no TOML "
                    "parser (use Python 3.11+, install tomli, or move the settings to setup.cfg [tool:crm_ve])")
    # A pyproject.toml without the table is not read at all, so no parser is needed for it.
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert codes(crm_ve, "--select", "CV3") == (0, ["CV301"])
