"""Bad parameters: the documented exit code and one clear line naming the parameter; the
agent never hands a parameter to a shell."""
import os

import pytest
from hypothesis import given, settings, strategies as st

from support.agent_sites import make_sites
from support.agent_module import load_agent

BAD_VEIDS = ["101;touch /tmp/crm-ve-pwned", "$(touch /tmp/crm-ve-pwned)", "`id`", "1 01", "",
             "-x", "0", "2147483645", "9" * 5000, "a/b", "ct|cat", "ct&", "ct>x", "ct\nx", "ct'x",
             "ünïcode"]
GOOD_VEIDS = ["101", "100", "1", "2147483644", "web-1.example_ct", "0d7e2a5c-4f1b-4c1e-9d1a-3b2f6c7d8e9f",
              "CT.101", "_x"]


@pytest.fixture
def a(world):
    (site,) = make_sites(world, "legacy", names=("a",))
    site.node.create("101")
    return site


@pytest.mark.parametrize("veid", BAD_VEIDS)
@pytest.mark.parametrize("action", ["monitor", "start", "validate-all", "migrate_to"])
def test_a_malformed_veid_is_a_configuration_error(a, veid, action):
    run = a.agent(action, veid=veid)
    assert run.rc == 6, run
    assert len(run.lines) == 1, run.lines
    assert run.lines[0].startswith("ocf-exit-reason:veid=")
    assert a.node.calls() == []   # vzctl never saw it
    assert not os.path.exists("/tmp/crm-ve-pwned")


def test_a_missing_veid(a):
    run = a.agent("monitor", veid=None)
    assert run.rc == 6 and run.lines == ["ocf-exit-reason:veid='' is empty"]


@pytest.mark.parametrize("veid", GOOD_VEIDS)
def test_valid_veids(a, veid):
    assert a.agent("validate-all", veid=veid).rc == 0


def test_stop_with_a_malformed_veid_has_nothing_to_stop(a):
    """No container can run under such an ID; failing the stop would get the node fenced."""
    run = a.agent("stop", veid="101;reboot")
    assert run.rc == 0 and len(run.lines) == 1 and "nothing to stop" in run.lines[0]
    assert a.node.calls() == []


@pytest.mark.parametrize("param, value, words", [
    ("dumpfile", "dump/ct101.dump", "dumpfile='dump/ct101.dump' is not an absolute path"),
    ("dumpfile", "/srv/dump/", "dumpfile='/srv/dump/' holds a control character or ends"),
    ("vzctl", "vzctl", "vzctl='vzctl' is not an absolute path"),
    ("vz_conf", "etc/vz/vz.conf", "vz_conf='etc/vz/vz.conf' is not an absolute path"),
    ("register_private", "vz/private/101", "register_private='vz/private/101' is not an absol"),
    ("checkpoint_on_stop", "maybe", "checkpoint_on_stop='maybe' is not a boolean"),
])
@pytest.mark.parametrize("action", ["monitor", "start", "validate-all"])
def test_a_bad_parameter_gives_one_line_naming_it(a, param, value, words, action):
    run = a.agent(action, **{param: value})
    assert run.rc == 6, run
    assert run.lines == ["ocf-exit-reason:" + run.reasons()[0]]
    assert run.reasons()[0].startswith(words)


def test_each_bad_parameter_gets_its_own_line(a):
    run = a.agent("validate-all", veid="1 0 1", dumpfile="rel", checkpoint_on_stop="maybe")
    assert run.rc == 6
    assert [r.split("=")[0] for r in run.reasons()] == ["veid", "dumpfile",
                                                        "checkpoint_on_stop"]


def test_checkpointing_needs_a_dumpfile(a):
    run = a.agent("validate-all", checkpoint_on_stop="yes", dumpfile="")
    assert run.rc == 6
    assert run.reasons() == ["checkpoint_on_stop=true needs dumpfile, which is not set"]


@pytest.mark.parametrize("action", ["monitor", "start", "stop", "migrate_to"])
def test_a_missing_vzctl_is_not_installed(a, world, action):
    if action == "stop":   # the kernel runs it (stopped: test_stop_semantics)
        assert a.agent("start").rc == 0
    missing = os.path.join(world, "no", "vzctl")
    run = a.agent(action, vzctl=missing)
    assert run.rc == 5, run
    assert run.lines == ["ocf-exit-reason:vzctl=%r: not installed or not executable" % missing]


def test_validate_all_checks_this_host_only_at_level_10(a, world):
    missing = os.path.join(world, "no", "vzctl")
    assert a.agent("validate-all", vzctl=missing).rc == 0
    assert a.agent("validate-all", vzctl=missing, OCF_CHECK_LEVEL="10").rc == 5


def test_stop_with_a_bad_dumpfile_stops_without_checkpoint(a):
    assert a.agent("start").rc == 0
    run = a.agent("stop", checkpoint_on_stop="true", dumpfile="relative.dump")
    assert run.rc == 0 and not a.node.running()
    assert "chkpnt" not in [argv[0] for argv in a.node.calls()]
    assert len(run.lines) == 2 and "stopping without checkpoint" in run.lines[0]


@pytest.mark.parametrize("char", list(" \u00a0*?[]$`'\"\\;&|<>(){}"))
def test_a_dumpfile_openvz7_would_split_or_glob_is_refused(site, char):
    """vz-cpt runs `rm -rf $dumpdir` unquoted: refused in every dialect, before any vzctl."""
    dumpfile = os.path.join(os.path.dirname(site.dumpfile), "ct%s101.dump" % char)
    run = site.agent("validate-all", dumpfile=dumpfile)
    assert run.rc == 6, run
    assert run.lines == ["ocf-exit-reason:dumpfile=%r holds %r: OpenVZ 7's vz-cpt uses the "
                         "dump path unquoted in a shell script (no whitespace or any of "
                         "\"$&'()*;<>?[\\]`{|})" % (dumpfile, char)]
    assert site.node.calls() == []


@pytest.mark.parametrize("dumpfile, private", [
    ("/srv/dump/../etc/ct101.dump", ""), ("/srv/./ct101.dump", ""),
    ("/vz/private/101", "/vz/private/101"), ("/vz/private/101/dump", "/vz/private/101"),
    ("/vz/private", "/vz/private/101"), ("/vz//private/101", "/vz/private/101")])
def test_a_dumpfile_outside_its_own_names_is_refused(a, dumpfile, private):
    run = a.agent("validate-all", dumpfile=dumpfile, register_private=private)
    assert run.rc == 6 and len(run.lines) == 1
    assert run.reasons()[0].startswith("dumpfile=%r " % dumpfile)


def test_parameters_reach_vzctl_as_single_arguments(world):
    """A dump path with the characters a shell would still misread arrives intact: no shell
    in between."""
    (a,) = make_sites(world, "legacy", names=("a",))
    a.node.create("101")
    odd = os.path.join(world, "shared", "dump-dir,+x=y@z%~#!:é", "-ct101.dump")
    os.makedirs(os.path.dirname(odd))
    assert a.checkpointing("start", dumpfile=odd).rc == 0
    assert a.checkpointing("stop", dumpfile=odd).rc == 0
    chkpnt = [argv for argv in a.node.calls() if argv[0] == "chkpnt"][0]
    assert chkpnt[:3] == ["chkpnt", "101", "--dumpfile"] and len(chkpnt) == 4
    assert chkpnt[3].startswith(odd + ".tmp.")
    assert os.path.isfile(odd)
    assert a.checkpointing("start", dumpfile=odd).rc == 0
    assert ["restore", "101", "--dumpfile", odd] in a.node.calls()


AGENT_MODULE = load_agent()


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=12) | st.integers(min_value=-5, max_value=2 ** 32).map(str))
def test_veid_grammar(text):
    """The documented grammar, checked against the agent's own function."""
    problem = AGENT_MODULE.veid_problem(text)
    if text.isascii() and text.isdigit():
        expected_ok = 1 <= int(text) <= 2147483644
    else:
        expected_ok = (text != "" and not text.startswith("-") and all(
            c.isascii() and (c.isalnum() or c in "-_.") for c in text))
    assert (problem is None) == expected_ok, (text, problem)
