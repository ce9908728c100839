"""``--select``/``--ignore`` by code, code prefix or name, and ``--strict``."""
import json

import pytest

# CV301 (a deprecated DRBD agent) on line 2 and CV902 (a blanket suppression) on line 3: two warnings.
TWO_WARNINGS = (
    "<configuration><resources>\n"
    '<primitive id="d_old" class="ocf" provider="heartbeat" type="drbd"/>\n'
    '<primitive id="p_x" class="ocf" provider="heartbeat" type="Dummy"><!--# crm-ve: ignore--></primitive>\n'
    "</resources><constraints/></configuration>\n"
)


@pytest.fixture
def cib(tmp_path):
    path = tmp_path / "cib.xml"
    path.write_text(TWO_WARNINGS)
    return path


def codes(crm_ve, cib, *argv):
    code, out, err = crm_ve("check", "--format", "json", *argv, cib)
    assert code in (0, 1), err
    return sorted(f["code"] for f in json.loads(out)["findings"])


@pytest.mark.parametrize("argv, expected", [
    (("--select", "CV301,CV902"), ["CV301", "CV902"]),
    (("--select", "CV3"), ["CV301"]),
    (("--select", "drbd-deprecated-agent"), ["CV301"]),
    (("--select", "cv9"), ["CV902"]),
    (("--select", "CV3", "--select", "invalid-suppression"), ["CV301", "CV902"]),
    (("--select", "CV301,CV9", "--ignore", "CV902"), ["CV301"]),
    (("--select", "CV301,CV9", "--ignore", "CV9"), ["CV301"]),
    (("--select", "CV301,CV9", "--ignore", "drbd-deprecated-agent"), ["CV902"]),
])
def test_select_and_ignore(crm_ve, cib, argv, expected):
    assert codes(crm_ve, cib, *argv) == expected


def test_a_selector_naming_no_rule_is_a_usage_error(crm_ve, cib):
    for argv in (("--select", "CV3,XX1"), ("--ignore", "no-such-rule")):
        code, out, err = crm_ve("check", *argv, cib)
        assert code == 2 and out == "" and err.count("\n") == 1 and "no rule matches" in err


def test_strict_makes_warnings_fail(crm_ve, cib):
    select = ("--select", "CV301,CV9")
    assert crm_ve("check", *select, cib)[0] == 0
    assert crm_ve("check", "--strict", *select, cib)[0] == 1
    assert crm_ve("check", "--strict", "--no-strict", *select, cib)[0] == 0
    code, out, _ = crm_ve("check", "--strict", "--format", "json", *select, cib)
    assert json.loads(out)["summary"]["exit_code"] == code == 1


def test_strict_with_only_infos_or_nothing_is_clean(crm_ve, tmp_path):
    path = tmp_path / "clean.xml"
    path.write_text("<configuration><resources/></configuration>")
    assert crm_ve("check", "--strict", path)[0] == 0
