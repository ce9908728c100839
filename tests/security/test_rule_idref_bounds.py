"""Rules that refer to rules (``<rule id-ref>``): evaluated once per rule, cycles refused in one line (issue 17,
item 4).

A 430-byte CIB whose rule refers to itself three times hung ``crm-ve check`` (and the commit gate); a 2.2 KB
graph of references took 10 s, one level more over a minute: each reference was followed again on every path.
Pacemaker 2.1.5 follows a nested rule's reference each time too, and on a cycle recurses until it crashes
(crm_verify: segmentation fault), so a cycle is a configuration nothing can run: exit 2, one line naming the
rule. A graph without a cycle is evaluated with each rule once, and means what it means to the scheduler
(checked here with crm_simulate).
"""
import json
import os
import subprocess
import sys

import pytest
from lxml import etree

from crm_ve.model import Truth, build_model
from crm_ve.model.conditions import walk_rule
from crm_ve.reader import parse_cib
from support.cib_build import build_reference_crm
from support.inprocess_cli import crm_ve  # noqa: F401
from support.tools import require_tools

NODES = ("node1", "node2")


def cib(location_rules="", meta_rule="", op_defaults=""):
    """A CIB with one Dummy ``d`` (meta_attributes holding ``meta_rule``), a location on it holding
    ``location_rules`` and ``op_defaults`` (its meta_attributes' content); nodes online, so crm_simulate places."""
    states = "".join(f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
                     f'expected="member"/>' for n in NODES)
    nodes = "".join(f'<node id="{n}" uname="{n}"/>' for n in NODES)
    location = f'<rsc_location id="l" rsc="d">{location_rules}</rsc_location>' if location_rules else ""
    meta = (f'<meta_attributes id="d-meta">{meta_rule}<nvpair id="d-tr" name="target-role" value="Stopped"/>'
            "</meta_attributes>") if meta_rule else ""
    defaults = (f'<op_defaults><meta_attributes id="opd">{op_defaults}<nvpair id="opd-t" name="timeout" '
                'value="90s"/></meta_attributes></op_defaults>') if op_defaults else ""
    return (f'<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">'
            f'<configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" '
            f'value="false"/></cluster_property_set></crm_config><nodes>{nodes}</nodes><resources>'
            f'<primitive id="d" class="ocf" provider="heartbeat" type="Dummy">{meta}</primitive></resources>'
            f"<constraints>{location}</constraints>{defaults}</configuration><status>{states}</status></cib>")


#: the issue's reproducer: a rule with three references to itself
SELF_REFERENCE = ('<rule id="r" score="-INFINITY"><rule id-ref="r"/><rule id-ref="r"/><rule id-ref="r"/>'
                  "</rule>")


#: the issue's whole 430-byte CIB: the smallest configuration the schema takes, and the rule
SMALL_CIB = ('<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration>'
             "<crm_config/><nodes/><resources>"
             '<primitive id="d" class="ocf" provider="heartbeat" type="Dummy"/></resources><constraints>'
             f'<rsc_location id="l" rsc="d">{SELF_REFERENCE}</rsc_location></constraints></configuration>'
             "<status/></cib>\n")


def run_apart(*argv, timeout=600):
    """``crm-ve *argv`` in its own process; the timeout is a guard against a hang, not a measure."""
    env = dict(os.environ, CRM_VE_DISABLE_PLUGIN_AUTOLOAD="1")
    return subprocess.run([sys.executable, "-m", "crm_ve", *map(str, argv)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def uname_is(node, eid):
    return f'<expression id="{eid}" attribute="#uname" operation="eq" value="{node}"/>'


def reference_graph(levels, leaf):
    """Rules r0..r<levels>: each refers twice to the next, the last holds ``leaf``: 2**levels paths."""
    rules = "".join(f'<rule id="r{i}" boolean-op="or"><rule id-ref="r{i + 1}"/><rule id-ref="r{i + 1}"/></rule>'
                    for i in range(levels))
    return rules + f'<rule id="r{levels}">{leaf}</rule>'


def write(tmp_path, text, name="cib.xml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def one_line_refusal(code, out, err, path, line):
    assert code == 2 and out == "", (code, out, err)
    assert err.count("\n") == 1 and err.startswith(f"crm-ve: {path}:{line}: rule 'r"), err
    assert "refers to itself" in err and "Traceback" not in err, err


def test_the_issue_reproducer_is_refused_in_one_line_naming_the_rule(crm_ve, tmp_path):
    path = write(tmp_path, cib(location_rules=SELF_REFERENCE))
    code, out, err = crm_ve("check", path)
    one_line_refusal(code, out, err, path, 1)
    assert "('r' -> 'r')" in err


def test_the_430_byte_cib_is_refused_by_a_check_of_its_own(tmp_path):
    """The issue's reproducer as a file of its own, in a process of its own: it ends, in one line."""
    assert len(SMALL_CIB) <= 430
    path = write(tmp_path, SMALL_CIB)
    run = run_apart("check", path)
    one_line_refusal(run.returncode, run.stdout, run.stderr, path, 1)


def test_crm_verify_crashes_on_the_reproducer_so_no_verdict_but_a_refusal_fits(tmp_path):
    """The reference behaviour: Pacemaker's own checker does not survive the cycle."""
    crm_verify, = require_tools("crm_verify")
    path = write(tmp_path, cib(location_rules=SELF_REFERENCE))
    run = subprocess.run([crm_verify, "-x", str(path)], capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and (run.returncode < 0 or run.returncode >= 128), (run.returncode, run.stderr)


@pytest.mark.parametrize("where", ["location", "meta_attributes", "op_defaults"])
def test_a_cycle_through_other_rules_is_refused_wherever_the_rule_is(crm_ve, tmp_path, where):
    """a -> b -> c -> a, with the reference that closes it on its own line."""
    cycle = ('<rule id="ra" score="-INFINITY" boolean-op="or">' + uname_is("node9", "ea") +
             '<rule id="rb" boolean-op="or">' + uname_is("node8", "eb") + '<rule id="rc">\n<rule id-ref="ra"/>'
             "</rule></rule></rule>")
    text = cib(**{"location": {"location_rules": cycle},
                  "meta_attributes": {"meta_rule": cycle.replace(' score="-INFINITY"', "")},
                  "op_defaults": {"op_defaults": cycle.replace(' score="-INFINITY"', "")}}[where])
    path = write(tmp_path, text)
    code, out, err = crm_ve("check", path)
    one_line_refusal(code, out, err, path, 2)
    assert "('ra' -> 'rb' -> 'rc' -> 'ra')" in err


def test_the_commit_gate_refuses_a_shadow_with_a_cycle_and_changes_nothing(tmp_path):
    require_tools("cibadmin", "crm_shadow", "crm")
    live = build_reference_crm(tmp_path / "live.xml")
    shadows = tmp_path / "shadows"
    shadows.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CIB_shadow", "CRM_VE_DISABLE_PLUGIN_AUTOLOAD")}
    env.update(CIB_file=str(live), CIB_shadow_dir=str(shadows))

    def crm_ve_run(*argv):
        return subprocess.run([sys.executable, "-m", "crm_ve", *argv], capture_output=True, text=True, env=env,
                              timeout=300)

    assert crm_ve_run("shadow", "new", "s").returncode == 0
    shadow = shadows / "shadow.s"
    root = etree.parse(str(shadow)).getroot()
    location = etree.SubElement(root.find("configuration/constraints"), "rsc_location", id="l_cycle", rsc="p_fs")
    location.append(etree.fromstring(SELF_REFERENCE))
    shadow.write_bytes(etree.tostring(root))
    before = live.read_bytes()
    run = crm_ve_run("commit", "s")
    assert run.returncode == 2 and "refers to itself" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert live.read_bytes() == before


def test_a_graph_of_references_is_evaluated_once_per_rule():
    """60 levels: 2**60 paths through 61 rules. The ban on node1 is found, and none on node2; a walk that
    followed every path would not end."""
    graph = reference_graph(60, uname_is("node1", "e"))
    model = build_model(parse_cib(cib(location_rules=f'<rule id="top" score="-INFINITY">{graph}</rule>').encode(),
                                  "cib.xml"))
    per_node, everywhere, responsible = model.banned_nodes("d")
    assert per_node["node1"] is Truth.TRUE and per_node["node2"] is Truth.FALSE, per_node
    assert everywhere is Truth.FALSE and responsible == ("l",)


@pytest.mark.parametrize("levels", [26, 27, 60, 200])
def test_each_rule_of_a_graph_is_evaluated_once(levels):
    """The expression at the end of 2**levels paths is evaluated once, and so is every rule on them."""
    graph = reference_graph(levels, uname_is("node1", "e"))
    model = build_model(parse_cib(cib(location_rules=f'<rule id="top" score="-INFINITY">{graph}</rule>').encode(),
                                  "cib.xml"))
    evaluated = []

    def leaf(child, tag):
        evaluated.append(child.get("id"))
        return Truth.TRUE

    assert walk_rule(model.index.get("top"), model.index, leaf) is Truth.TRUE
    assert evaluated == ["e"]


@pytest.mark.parametrize("levels", [26, 27, 60])
def test_a_graph_of_references_is_checked_by_the_command(tmp_path, levels):
    """The issue's 2.2 KB graph (26 levels: 10 s before), one level more (over 60 s), and 60 levels, through
    ``crm-ve check`` in a process of its own."""
    graph = reference_graph(levels, uname_is("node9", "e"))
    path = write(tmp_path, cib(location_rules=f'<rule id="top" score="-INFINITY">{graph}</rule>'))
    if levels == 26:
        assert 2000 <= len(graph) <= 2400
    run = run_apart("check", "--format", "json", path)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert json.loads(run.stdout)["findings"] == []


@pytest.mark.parametrize("body,banned", [
    # a graph of references, small enough for Pacemaker, whose end names node1
    (f'<rule id="top" score="-INFINITY">{reference_graph(10, uname_is("node1", "e"))}</rule>', {"node1"}),
    # a nested reference naming an element that is no rule: an empty rule to Pacemaker, which passes
    ('<rule id="top" score="-INFINITY" boolean-op="or">' + uname_is("node9", "e") + '<rule id-ref="o1"/></rule>',
     {"node1", "node2"}),
    # the location's own rule naming no rule: no location at all
    ('<rule id-ref="o1"/>', set()),
])
def test_references_mean_what_they_mean_to_the_scheduler(tmp_path, body, banned):
    """The model's bans against crm_simulate's allocation scores on the same CIB."""
    crm_simulate, = require_tools("crm_simulate")
    text = cib(location_rules=body)
    model = build_model(parse_cib(text.encode(), "cib.xml"))
    per_node, _, _ = model.banned_nodes("d")
    assert {node for node in NODES if per_node[node] is Truth.TRUE} == banned
    run = subprocess.run([crm_simulate, "-s", "-x", str(write(tmp_path, text))], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    scores = {line.rsplit(" ", 3)[-2].rstrip(":"): line.rsplit(" ", 1)[-1] for line in run.stdout.splitlines()
              if "d allocation score on" in line}
    assert {node for node, score in scores.items() if score == "-INFINITY"} == banned, run.stdout
