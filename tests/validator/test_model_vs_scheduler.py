"""The model's order and colocation semantics against the real scheduler, on small CIBs of Dummy resources.

Orders: for every pair of primitives (X, Y), the model says Y's start (stop) waits for X's start (stop)
exactly when crm_simulate's transition graph for a cold start (for a stop of everything) has X's action among
the transitive inputs of Y's. Colocations (reference E-S2): with A allowed only on node1 and B only on node2,
the resource left stopped is exactly the one the model places with a resource it cannot share a node with.
"""
import itertools
import shutil

import pytest

from chain_support import run_tool
from crm_ve.model import MANDATORY, OPTIONAL, build_model
from crm_ve.reader import read_cib
from crm_ve.simulate import Simulator
from support.cib_build import cibadmin_create, empty_cib
from support.tools import require_tools

PRIMITIVES = ("A", "B", "C", "D")


def dummy(rid):
    return f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="Dummy"/>'


def rset(sid, *members, **attributes):
    attrs = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attributes.items())
    refs = "".join(f'<resource_ref id="{m}"/>' for m in members)
    return f'<resource_set id="{sid}"{attrs}>{refs}</resource_set>'


def order_sets(oid, *sets, **attributes):
    attrs = "".join(f' {k}="{v}"' for k, v in attributes.items())
    return f'<rsc_order id="{oid}"{attrs}>{"".join(sets)}</rsc_order>'


GROUP_BC = '<group id="G">' + dummy("B") + dummy("C") + "</group>"
GROUP_BC_UNORDERED = ('<group id="G"><meta_attributes id="G-meta"><nvpair id="G-ordered" name="ordered" '
                      'value="false"/></meta_attributes>' + dummy("B") + dummy("C") + "</group>")
TAG_BC = '<tag id="t_bc"><obj_ref id="B"/><obj_ref id="C"/></tag>'

# name: (resources XML, constraints XML, tags XML)
ORDER_CASES = {
    "two-resource-defaults": ([], ['<rsc_order id="o1" first="A" then="B"/>',
                                   '<rsc_order id="o2" first="C" then="D" symmetrical="false"/>'], []),
    "then-action-defaults-to-first-action": ([], [
        '<rsc_order id="o1" first="A" first-action="promote" then="B"/>',
        '<rsc_order id="o2" first="C" first-action="stop" then="D"/>'], []),
    "kinds-and-legacy-score": ([], ['<rsc_order id="o1" first="A" then="B" kind="Optional"/>',
                                    '<rsc_order id="o2" first="B" then="C" score="100"/>',
                                    '<rsc_order id="o3" first="C" then="D" score="0"/>'], []),
    "two-sets": ([], [order_sets("o", rset("s1", "A", "B"), rset("s2", "C", "D"))], []),
    "unordered-first-set": ([], [order_sets("o", rset("s1", "A", "B", sequential="false"),
                                            rset("s2", "C", "D"))], []),
    "explicit-sequential": ([], [order_sets("o", rset("s1", "A", "B", sequential="true"),
                                            rset("s2", "C", "D", sequential="true"))], []),
    "require-all-false": ([], [order_sets("o", rset("s1", "A", "B", sequential="false", require_all="false"),
                                          rset("s2", "C", "D"))], []),
    "parallel-middle": ([], [order_sets("o", rset("s1", "A"), rset("s2", "B", "C", sequential="false"),
                                        rset("s3", "D"))], []),
    "one-set-asymmetrical": ([], [order_sets("o", rset("s1", "A", "B", "C", "D"), symmetrical="false")], []),
    "set-kind-optional-inside": ([], [order_sets("o", rset("s1", "A", "B", kind="Optional"),
                                                 rset("s2", "C", "D"))], []),
    "tag-then": ([], ['<rsc_order id="o1" first="A" then="t_bc"/>', '<rsc_order id="o2" first="t_bc" then="D"/>'],
                 [TAG_BC]),
    "group": ([GROUP_BC], ['<rsc_order id="o1" first="A" then="G"/>', '<rsc_order id="o2" first="G" then="D"/>'],
              []),
    "group-unordered": ([GROUP_BC_UNORDERED], ['<rsc_order id="o1" first="A" then="G"/>'], []),
    "group-member": ([GROUP_BC], ['<rsc_order id="o1" first="A" then="C"/>', '<rsc_order id="o2" first="B" then="D"/>'],
                     []),
}


def build(tmp_path, resources, constraints, tags, name="cib.xml"):
    require_tools("cibadmin", "crm_attribute", "crm_simulate", "crm_resource")
    path = str(tmp_path / name)
    empty_cib(path)
    grouped = {"B", "C"} if resources else set()
    for rid in PRIMITIVES:
        if rid not in grouped:
            cibadmin_create(path, "resources", dummy(rid))
    for xml in resources:
        cibadmin_create(path, "resources", xml)
    if tags:
        cibadmin_create(path, "configuration", "<tags>" + "".join(tags) + "</tags>")
    for xml in constraints:
        cibadmin_create(path, "constraints", xml)
    return path


def _waits(graph, then, first):
    if not graph.has(then) or not graph.has(first):
        return False
    return graph.waits_for(then, first)


@pytest.mark.parametrize("case", sorted(ORDER_CASES))
def test_order_paths_match_the_transition_graph(case, tmp_path):
    path = build(tmp_path, *ORDER_CASES[case])
    model = build_model(read_cib(path))
    with Simulator(path) as sim:
        cold = sim.cold_start()
        stop_cib = str(tmp_path / "stop-all.xml")
        shutil.copyfile(cold.cib_out, stop_cib)
        run_tool(["crm_attribute", "-t", "crm_config", "-n", "stop-all-resources", "-v", "true"], stop_cib)
        stop = sim.run("stop-all", stop_cib)
        assert set(cold.after.nodes("A")) and not stop.after.nodes("A")
        mismatches = []
        for action, result in (("start", cold), ("stop", stop)):
            for x, y in itertools.permutations(PRIMITIVES, 2):
                scheduler = _waits(result.graph, (y, action), (x, action))
                path_ = model.order_path((x, action), (y, action), kinds=(MANDATORY, OPTIONAL), allow_or=True)
                if scheduler != (path_ is not None):
                    mismatches.append(f"{y} {action} waits for {x} {action}: scheduler {scheduler}, "
                                      f"model {path_ is not None}")
    assert not mismatches, mismatches


def test_mandatory_only_paths_exclude_optional_edges(tmp_path):
    path = build(tmp_path, *ORDER_CASES["kinds-and-legacy-score"])
    model = build_model(read_cib(path))
    assert not model.has_mandatory_order_path(("A", "start"), ("B", "start"))       # kind=Optional
    assert model.has_mandatory_order_path(("B", "start"), ("C", "start"))           # score 100: Mandatory
    assert not model.has_mandatory_order_path(("C", "start"), ("D", "start"))       # score 0: Optional
    assert model.order_path(("C", "start"), ("D", "start"), kinds=(MANDATORY, OPTIONAL))


# --------------------------------------------------------------------------------------------- colocations

BANS = ['<rsc_location id="l_a" rsc="A" node="node2" score="-INFINITY"/>',
        '<rsc_location id="l_b" rsc="B" node="node1" score="-INFINITY"/>']


def coloc_sets(cid, *sets, score="INFINITY"):
    return f'<rsc_colocation id="{cid}" score="{score}">{"".join(sets)}</rsc_colocation>'


COLOCATION_CASES = {
    "A-with-B": '<rsc_colocation id="c" rsc="A" with-rsc="B" score="INFINITY"/>',
    "B-with-A": '<rsc_colocation id="c" rsc="B" with-rsc="A" score="INFINITY"/>',
    "one-set-A-B": coloc_sets("c", rset("s", "A", "B")),
    "one-set-listed": coloc_sets("c", rset("s", "A", "B", ordering="listed")),
    "two-sets-A-B": coloc_sets("c", rset("s1", "A"), rset("s2", "B")),
    "two-sets-B-A": coloc_sets("c", rset("s1", "B"), rset("s2", "A")),
    "unordered-set": coloc_sets("c", rset("s", "A", "B", sequential="false")),
    "no-score": '<rsc_colocation id="c" rsc="A" with-rsc="B"/>',
    "score-0": '<rsc_colocation id="c" rsc="A" with-rsc="B" score="0"/>',
    "score-1000000": '<rsc_colocation id="c" rsc="A" with-rsc="B" score="1000000"/>',
    "promoted-role-on-a-primitive": ('<rsc_colocation id="c" rsc="A" rsc-role="Promoted" with-rsc="B" '
                                     'score="INFINITY"/>'),
    "three-member-set": coloc_sets("c", rset("s", "A", "C", "B")),
}


@pytest.mark.parametrize("case", sorted(COLOCATION_CASES))
def test_colocation_dependent_is_the_resource_left_stopped(case, tmp_path):
    path = build(tmp_path, [], BANS + [COLOCATION_CASES[case]], [])
    model = build_model(read_cib(path))
    allowed = {"A": {"node1"}, "B": {"node2"}, "C": {"node1", "node2"}, "D": {"node1", "node2"}}
    predicted = set()
    for x, y in itertools.permutations(PRIMITIVES, 2):
        if model.colocation_path(x, y) is not None and not allowed[x] & allowed[y]:
            predicted.add(x)
    with Simulator(path) as sim:
        after = sim.cold_start().after
        stopped = {rid for rid in PRIMITIVES if not after.nodes(rid)}
    assert stopped == predicted
