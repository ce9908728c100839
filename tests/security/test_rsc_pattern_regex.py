"""A location's ``rsc-pattern`` is a POSIX extended regular expression matched by the C library, as Pacemaker
matches it (issue 17, item 4).

``rsc-pattern="^(a|aa)+$"`` and a resource named sixty ``a`` and a ``b`` hung ``crm-ve check`` in Python's
backtracking ``re`` (crm_verify: 0.03 s), and ``re`` is not the syntax Pacemaker reads (``[[:alpha:]]``,
``\\d``). Here the pattern goes to ``regcomp``/``regexec`` with ``REG_EXTENDED`` through ctypes, as 2.1.5
``unpack_simple_location`` does; what crm_simulate applies each pattern to is what the model says it names.
A pattern the C library would need backtracking for (a back-reference), or one too costly to compile, is not
matched and the check says so in every output format.
"""
import json
import subprocess
import sys

import pytest

from crm_ve.model import build_model
from crm_ve.posix_regex import InvalidPattern, Unchecked, extended_matches
from crm_ve.reader import parse_cib
from support.inprocess_cli import crm_ve  # noqa: F401
from support.tools import require_tools

SIXTY_A_AND_B = "a" * 60 + "b"
RESOURCES = ("p_fs", "ve101", "vedd", "a" * 60, SIXTY_A_AND_B, "pX", "x1y")
#: patterns where the C library and Python's re disagree, or where re backtracks without end
PATTERNS = (
    "^(a|aa)+$",            # re: exponential on sixty a and a b
    "^p_[[:alpha:]]+$",     # a POSIX class (re: a set of the characters "[:alph")
    r"^ve\d+$",             # \d is a "d" to glibc, a digit to re
    "!^ve",                 # Pacemaker's "!": the ids it does not match
    "fs|ve1",               # anywhere in the id
    "^.{3,4}$",
    "^[^[:digit:]]*$",
    "a{2}b",
    "[[:upper:]]",
    "^(ve|x)[0-9]",
)


def cib(locations):
    nodes = '<node id="node1" uname="node1"/><node id="node2" uname="node2"/>'
    states = "".join(f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
                     f'expected="member"/>' for n in ("node1", "node2"))
    primitives = "".join(f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="Dummy"/>' for rid in RESOURCES)
    return (f'<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">'
            f'<configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" '
            f'value="false"/></cluster_property_set></crm_config><nodes>{nodes}</nodes>'
            f"<resources>{primitives}</resources><constraints>{locations}</constraints></configuration>"
            f"<status>{states}</status></cib>")


def location(lid, pattern, score=100):
    escaped = pattern.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return f'<rsc_location id="{lid}" rsc-pattern="{escaped}" node="node1" score="{score}"/>'


def test_each_pattern_names_what_crm_simulate_applies_it_to(tmp_path):
    """Each pattern's location gets its own power of two as score: a resource's allocation score on node1 is
    the sum over the patterns that name it."""
    crm_simulate, = require_tools("crm_simulate")
    text = cib("".join(location(f"l{i}", pattern, 2 ** i) for i, pattern in enumerate(PATTERNS)))
    model = build_model(parse_cib(text.encode(), "cib.xml"))
    named = {rid: {i for i in range(len(PATTERNS)) if rid in model.constraints[f"l{i}"].resources}
             for rid in RESOURCES}
    path = tmp_path / "cib.xml"
    path.write_text(text)
    run = subprocess.run([crm_simulate, "-s", "-x", str(path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    applied = {}
    for line in run.stdout.splitlines():
        words = line.split()
        if len(words) == 7 and words[2:6] == ["allocation", "score", "on", "node1:"] and words[1] in RESOURCES:
            applied[words[1]] = {i for i in range(len(PATTERNS)) if int(words[6]) & 2 ** i}
    assert applied == named
    assert 0 in named["a" * 60] and 0 not in named[SIXTY_A_AND_B] and 1 in named["p_fs"]
    assert 2 in named["vedd"] and 2 not in named["ve101"] and 3 not in named["vedd"] and 3 in named["pX"]


def test_the_issue_pattern_matches_as_posix_extended_regex_does():
    """Leftmost-longest ERE semantics: the sixty a match, the sixty a and a b do not, nor does a b alone."""
    assert extended_matches("^(a|aa)+$", ["a" * 60, SIXTY_A_AND_B, "b", "aaa"]) == ["a" * 60, "aaa"]


def test_the_issue_reproducer_is_checked_without_backtracking(tmp_path):
    """Run apart, with a timeout as a guard only: Python's re would still be running."""
    path = tmp_path / "cib.xml"
    path.write_text(cib(location("l", "^(a|aa)+$", -1000000)))
    run = subprocess.run([sys.executable, "-m", "crm_ve", "check", "--format", "json", str(path)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert json.loads(run.stdout)["findings"] == []


@pytest.mark.parametrize("pattern,why", [
    (r"^(a)\1", "back-reference"),
    (r"^([a-z])[0-9]\1", "back-reference"),
    ("(a{1,100}){1,100}", "expand it beyond"),
    ("((((((((((a+)+)+)+)+)+)+)+)+)+)+", "expand it beyond"),
])
@pytest.mark.parametrize("output", ["text", "json", "sarif", "github"])
def test_a_pattern_not_matched_is_reported_in_every_format(crm_ve, tmp_path, pattern, why, output):
    path = tmp_path / "cib.xml"
    path.write_text(cib(location("l_odd", pattern, -1000000)))
    code, out, err = crm_ve("check", "--format", output, path)
    assert code == 0 and err == "", err
    assert "CV204" in out and "l_odd" in out and why in out and "not part of this check" in out, out
    assert "No problems found" not in out


def test_a_bracket_holding_a_backslash_and_a_digit_is_no_back_reference():
    assert extended_matches(r"^[\1]$", ["1", "\\", "a"]) == ["1", "\\"]


def test_an_invalid_pattern_is_the_c_librarys_verdict_and_pacemaker_ignores_the_constraint():
    with pytest.raises(InvalidPattern, match="Unmatched"):
        extended_matches("(", ["x"])
    model = build_model(parse_cib(cib(location("l", "(")).encode(), "cib.xml"))
    assert model.constraints["l"].ignored and model.constraints["l"].resources == ()


def test_a_text_too_long_to_match_in_bounded_time_is_not_matched():
    with pytest.raises(Unchecked, match="longer than"):
        extended_matches("(x+x+)+y", ["x" * 100_000])
