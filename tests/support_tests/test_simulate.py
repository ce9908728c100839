"""The simulation helper: CIB preparation, scenarios, placements and its errors, with the real crm_simulate."""
import os

import pytest
from lxml import etree

from crm_ve.errors import CrmVeError
from crm_ve.simulate import (SimulationError, SimulatorMissingError, Simulator, monitor_interval, prepare_cib,
                             promotable_clones)
from support.cib_build import build_reference_crm, build_reference_pcs, cibadmin_create, empty_cib, pcs_run


def xml(path):
    return etree.parse(str(path)).getroot()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    from support.tools import require_tools
    require_tools("crm", "cibadmin", "crm_simulate", "crm_attribute")
    return build_reference_crm(tmp_path_factory.mktemp("ref") / "ref.xml")


def test_prepare_sets_quorum_nodes_scores_and_disables_stonith(reference, tmp_path):
    src = tmp_path / "src.xml"
    src.write_bytes(open(reference, "rb").read().replace(b'value="false"', b'value="true"'))
    assert xml(src).xpath("//nvpair[@name='stonith-enabled']/@value") == ["true"]
    nodes = prepare_cib(str(src), str(tmp_path / "p.xml"))
    root = xml(tmp_path / "p.xml")
    assert nodes == ["node1", "node2"]
    assert root.get("have-quorum") == "1"
    assert root.xpath("//nvpair[@name='stonith-enabled']/@value") == ["false"]
    assert root.xpath("status/node_state[@crmd='online']/@uname") == ["node1", "node2"]
    scores = {n.getparent().getparent().getparent().get("uname"): n.get("value")
              for n in root.xpath("status//transient_attributes//nvpair[@name='master-p_drbd_r0']")}
    assert scores == {"node1": "100", "node2": "10"}
    assert xml(src).get("have-quorum") is None                       # the source is untouched


def test_prepare_uses_the_cibs_own_nodes_or_node1_node2(pacemaker_tools, tmp_path):
    empty_cib(tmp_path / "three.xml", nodes=("alpha", "beta", "gamma"))
    assert prepare_cib(str(tmp_path / "three.xml"), str(tmp_path / "p3.xml")) == ["alpha", "beta", "gamma"]
    assert xml(tmp_path / "p3.xml").xpath("status/node_state/@uname") == ["alpha", "beta", "gamma"]
    empty_cib(tmp_path / "none.xml", nodes=())
    assert prepare_cib(str(tmp_path / "none.xml"), str(tmp_path / "p0.xml")) == ["node1", "node2"]


def test_configuration_fragment_is_simulated(reference, tmp_path):
    conf = xml(reference).find("configuration")
    frag = tmp_path / "frag.xml"
    frag.write_bytes(etree.tostring(conf))
    with Simulator(str(frag)) as sim:
        assert sim.cold_start().after.promoted("ms_drbd_r0") == ["node1"]


def test_cold_start_summary_and_placement(reference):
    with Simulator(reference) as sim:
        cold = sim.cold_start()
        assert cold.did("promote", "p_drbd_r0", "node1") and cold.did("start", "p_fs", "node1")
        assert not cold.did("promote", "p_drbd_r0", "node2")
        assert any(line.startswith("promote p_drbd_r0:") and "on node1" in line for line in cold.summary)
        assert cold.before.nodes("p_fs") == [] and cold.after.nodes("p_fs") == ["node1"]
        assert cold.after.promoted("ms_drbd_r0") == ["node1"]
        assert cold.after.nodes("ms_drbd_r0", "Unpromoted") == ["node2"]
        assert cold.after.nodes("p_drbd_r0", "Slave") == ["node2"]        # legacy role names are aliases
        assert sim.primary() == "node1"


def test_injected_promotion_scores_decide_the_primary(reference):
    with Simulator(reference, promotion_scores={("p_drbd_r0", "node1"): 5,
                                                ("p_drbd_r0", "node2"): 50}) as sim:
        assert sim.cold_start().after.promoted("ms_drbd_r0") == ["node2"]
        assert sim.standby_primary().after.promoted("ms_drbd_r0") == ["node1"]


def test_standby_and_swap_move_the_stack(reference):
    with Simulator(reference) as sim:
        for result in (sim.standby_primary(), sim.swap_promotion()):
            assert result.before.promoted("ms_drbd_r0") == ["node1"], result
            assert result.after.promoted("ms_drbd_r0") == ["node2"], result
            assert result.did("move", "p_fs", "node2"), result
            assert result.after.nodes("p_ve") == ["node2"], result
        assert sim.swap_promotion().did("demote", "p_drbd_r0", "node1")
        assert [r.scenario for r in sim.scenarios()] == ["cold-start", "standby-primary", "swap-promotion",
                                                         "monitor-failure-p_drbd_r0"]


def test_monitor_failure_uses_the_interval_of_the_promoted_monitor(crmsh, tmp_path):
    cib = build_reference_crm(tmp_path / "m.xml", p_drbd_r0="primitive p_drbd_r0 ocf:linbit:drbd "
                              "params drbd_resource=r0 op monitor interval=17s role=Master "
                              "op monitor interval=23s role=Slave")
    assert monitor_interval(xml(cib), "p_drbd_r0", "Promoted") == 17000
    assert monitor_interval(xml(cib), "p_drbd_r0", "Unpromoted") == 23000
    with Simulator(cib) as sim:
        failure = sim.monitor_failure()
        assert "p_drbd_r0_monitor_17000@node1=1" in failure.description
        assert failure.did("recover", "p_drbd_r0", "node1")
        assert failure.graph.has(("p_drbd_r0", "demote", "node1"))
        secondary = sim.monitor_failure(node="node2")
        assert "p_drbd_r0_monitor_23000@node2=1" in secondary.description
        assert secondary.did("recover", "p_drbd_r0", "node2") and not secondary.did("restart", "p_fs")


def test_pcs_promotable_clone_is_found_and_simulated(pcs, tmp_path):
    cib = build_reference_pcs(tmp_path / "p.xml")
    assert [(c.id, c.primitives) for c in promotable_clones(xml(cib))] == [("ms_drbd_r0", ("p_drbd_r0",))]
    with Simulator(cib) as sim:
        assert sim.cold_start().after.promoted("ms_drbd_r0") == ["node1"]
        assert "p_drbd_r0_monitor_29000@node1=1" in sim.monitor_failure().description


def test_clone_without_promotable_is_not_promoted(pcs, tmp_path):
    cib = build_reference_pcs(tmp_path / "r3.xml")
    pcs_run(cib, "resource", "meta", "ms_drbd_r0", "promotable=false")
    assert promotable_clones(xml(cib)) == []
    with Simulator(cib) as sim:
        cold = sim.cold_start()
        assert cold.after.promoted("ms_drbd_r0") == [] and cold.after.nodes("p_fs") == []
        assert not cold.complete and not cold.did("start", "p_fs")
        assert any(c.blocked and c.resource == "p_fs" and "promote" in c.reason for c in cold.changes)
        assert [r.scenario for r in sim.scenarios()] == ["cold-start"]
        with pytest.raises(SimulationError, match="needs a promotable clone"):
            sim.standby_primary()


# ---------------------------------------------------------------------------------------------- errors

def one_line(exc):
    text = str(exc.value)
    assert "\n" not in text and text
    return text


def test_missing_crm_simulate_is_one_clear_line(reference, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SimulatorMissingError) as exc:
        Simulator(reference)
    assert "crm_simulate" in one_line(exc)
    assert isinstance(exc.value, CrmVeError) and exc.value.exit_code == 2


@pytest.mark.parametrize("content, message", [
    ("<cib><configuration>", "not well-formed"),
    ("<resources/>", "not a CIB"),
    ("<cib/>", "no <configuration>"),
])
def test_bad_input_is_one_clear_line(pacemaker_tools, tmp_path, content, message):
    path = tmp_path / "bad.xml"
    path.write_text(content)
    with pytest.raises(SimulationError, match=message) as exc:
        Simulator(str(path))
    assert str(path) in one_line(exc)


def test_missing_file_is_one_clear_line(pacemaker_tools, tmp_path):
    with pytest.raises(SimulationError, match="cannot read") as exc:
        Simulator(str(tmp_path / "nope.xml"))
    one_line(exc)


def test_schema_invalid_cib_is_refused_not_silently_simulated(pacemaker_tools, tmp_path):
    # crm_simulate itself exits 0 on such a CIB and schedules nothing.
    path = empty_cib(tmp_path / "invalid.xml")
    root = xml(path)
    etree.SubElement(root.find("configuration/resources"), "bogus")
    etree.ElementTree(root).write(str(path))
    with pytest.raises(SimulationError, match="does not conform") as exc:
        Simulator(str(path)).cold_start()
    one_line(exc)


def test_temporary_directory_is_removed(reference):
    sim = Simulator(reference)
    sim.cold_start()
    assert os.path.isdir(sim.workdir)
    sim.close()
    assert not os.path.exists(sim.workdir)


def test_cib_from_a_newer_pacemaker_is_simulated_and_noted(reference, tmp_path):
    root = xml(reference)
    root.set("crm_feature_set", "99.1.0")          # as written by a future Pacemaker
    newer = tmp_path / "newer.xml"
    etree.ElementTree(root).write(str(newer))
    with Simulator(str(newer)) as sim:
        assert sim.cold_start().after.promoted("ms_drbd_r0") == ["node1"]
        assert len(sim.notes) == 1 and "99.1.0" in sim.notes[0]
    with Simulator(reference) as sim:
        assert sim.notes == []


def test_scenarios_that_do_not_apply_are_skipped_with_a_reason(crmsh, tmp_path):
    single = empty_cib(tmp_path / "one.xml", nodes=("solo",))
    from support.cib_build import crm_load, reference_crm
    crm_load(single, reference_crm(p_drbd_r0="primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0"))
    with Simulator(single) as sim:
        assert [r.scenario for r in sim.scenarios()] == ["cold-start"]
        assert set(sim.skipped) == {"standby-primary", "swap-promotion", "monitor-failure"}
        assert "second node" in sim.skipped["standby-primary"]
        assert "no recurring monitor" in sim.skipped["monitor-failure"]
