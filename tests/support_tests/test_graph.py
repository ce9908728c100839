"""The transition-graph parser: dependencies come from synapse inputs, never from the order of synapses."""
import random

import pytest
from lxml import etree

from crm_ve.simulate import ActionNotFound, SimulationError, Simulator, TransitionGraph
from support.cib_build import build_reference_crm

# A hand-written graph in the format crm_simulate -G writes, synapses deliberately listed last-first:
# 1 promote p_drbd_r0:0 -> 2 pseudo ms_drbd_r0_promoted_0 -> 3 start p_fs -> 4 start p_ve; 5 monitor unrelated.
SMALL = """<transition_graph>
  <synapse id="3"><action_set>
    <rsc_op id="4" operation="start" operation_key="p_ve_start_0" on_node="node1"><primitive id="p_ve"/></rsc_op>
  </action_set><inputs><trigger>
    <rsc_op id="3" operation="start" operation_key="p_fs_start_0" on_node="node1"/></trigger></inputs></synapse>
  <synapse id="2"><action_set>
    <rsc_op id="3" operation="start" operation_key="p_fs_start_0" on_node="node1"><primitive id="p_fs"/></rsc_op>
  </action_set><inputs><trigger>
    <pseudo_event id="2" operation="promoted" operation_key="ms_drbd_r0_promoted_0"/></trigger></inputs></synapse>
  <synapse id="1"><action_set>
    <pseudo_event id="2" operation="promoted" operation_key="ms_drbd_r0_promoted_0"/>
  </action_set><inputs><trigger>
    <rsc_op id="1" operation="promote" operation_key="p_drbd_r0:0_promote_0" on_node="node1"/></trigger></inputs>
  </synapse>
  <synapse id="0"><action_set>
    <rsc_op id="1" operation="promote" operation_key="p_drbd_r0:0_promote_0" on_node="node1">
      <primitive id="p_drbd_r0" long-id="p_drbd_r0:0"/></rsc_op></action_set><inputs/></synapse>
  <synapse id="4"><action_set>
    <rsc_op id="5" operation="monitor" operation_key="p_drbd_r0:1_monitor_31000" on_node="node2">
      <primitive id="p_drbd_r0" long-id="p_drbd_r0:1"/></rsc_op></action_set><inputs/></synapse>
</transition_graph>"""


@pytest.fixture
def small():
    return TransitionGraph.from_string(SMALL)


def test_actions_are_named_by_resource_instance_operation_and_node(small):
    promote = small.action(("p_drbd_r0", "promote"))
    assert (promote.resource, promote.primitive, promote.node) == ("p_drbd_r0:0", "p_drbd_r0", "node1")
    assert small.action(("p_drbd_r0:0", "promote", "node1")) is promote
    assert small.find(("p_drbd_r0:1", "promote")) == []
    assert small.find(("p_drbd_r0", "promote", "node2")) == []
    pseudo = small.action(("ms_drbd_r0", "promoted"))
    assert pseudo.pseudo and pseudo.resource == "ms_drbd_r0" and pseudo.node is None
    monitor = small.action("p_drbd_r0 monitor_31000 node2")
    assert monitor.interval == 31000 and small.find(("p_drbd_r0", "monitor")) == [monitor]


def test_waits_for_is_transitive_and_directed(small):
    assert small.waits_for(("p_ve", "start"), ("p_drbd_r0", "promote"))     # through FS and the pseudo
    assert small.waits_for(("p_fs", "start"), ("ms_drbd_r0", "promoted"))
    assert not small.waits_for(("p_drbd_r0", "promote"), ("p_ve", "start"))
    assert not small.waits_for(("p_ve", "start"), ("p_drbd_r0", "monitor"))
    assert not small.waits_for(("p_fs", "start"), ("p_fs", "start"))        # no self-dependency
    assert [str(a) for a in small.inputs_of(("p_fs", "start"))] == ["ms_drbd_r0_promoted_0 (pseudo)"]
    assert {a.id for a in small.dependencies(("p_ve", "start"))} == {1, 2, 3}


def test_absent_actions_are_an_error_not_an_answer(small):
    with pytest.raises(ActionNotFound):
        small.waits_for(("p_fs", "stop"), ("p_drbd_r0", "promote"))
    with pytest.raises(ActionNotFound):
        small.waits_for(("p_fs", "start"), ("p_drbd_r0", "demote"))
    with pytest.raises(ActionNotFound):
        small.action(("p_drbd_r0", "monitor_29000"))
    with pytest.raises(ValueError):
        small.find("p_fs")


def test_not_a_graph_is_a_clear_error():
    with pytest.raises(SimulationError, match="not a transition graph"):
        TransitionGraph.from_string("<cib/>")
    with pytest.raises(SimulationError, match="not well-formed"):
        TransitionGraph.from_string("<transition_graph>")


@pytest.fixture(scope="module")
def cold_graph_file(tmp_path_factory):
    from support.tools import require_tools
    require_tools("crm", "cibadmin", "crm_simulate", "crm_attribute")
    tmp = tmp_path_factory.mktemp("graph")
    cib = build_reference_crm(tmp / "ref.xml")
    with Simulator(cib, workdir=str(tmp)) as sim:
        return sim.cold_start().graph_file


def test_real_graph_inputs_match_the_triggers_in_the_file(cold_graph_file):
    root = etree.parse(cold_graph_file).getroot()
    graph = TransitionGraph(root)
    for syn in root.iter("synapse"):
        for el in syn.xpath("action_set/*"):
            listed = sorted(int(t.get("id")) for t in syn.xpath("inputs/trigger/*"))
            assert [a.id for a in graph.inputs_of(graph.actions[int(el.get("id"))])] == listed
    ids = {int(el.get("id")) for el in root.xpath("//synapse/action_set/*")}
    assert set(graph.actions) >= ids and len(ids) > 20


def test_real_graph_answers_do_not_depend_on_synapse_order(cold_graph_file):
    root = etree.parse(cold_graph_file).getroot()
    graph = TransitionGraph(root)
    synapses = list(root)
    random.Random(7).shuffle(synapses)
    shuffled = etree.Element("transition_graph")
    shuffled.extend(synapses)
    other = TransitionGraph(shuffled)
    for a in graph:
        assert {d.id for d in graph.dependencies(a)} == {d.id for d in other.dependencies(a)}
    assert other.waits_for(("p_ve", "start"), ("p_drbd_r0", "promote", "node1"))
    assert not other.waits_for(("p_drbd_r0", "promote"), ("p_fs", "start"))
