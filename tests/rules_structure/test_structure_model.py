"""Model additions for the structure rules: cluster nodes, location bans per node and role, cluster options."""
from crm_ve.model import Truth, build_model
from crm_ve.reader import parse_cib

CIB = """<cib validate-with="pacemaker-3.9"><configuration>
<crm_config><cluster_property_set id="o"><nvpair id="o-m" name="maintenance-mode" value="{mode}"/>
</cluster_property_set></crm_config>
<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
<resources><clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/>
</meta_attributes><primitive id="p" class="ocf" provider="pacemaker" type="Stateful"/></clone></resources>
<constraints>{constraints}</constraints></configuration><status/></cib>"""


def model(constraints="", mode="false"):
    return build_model(parse_cib(CIB.format(constraints=constraints, mode=mode).encode(), "t.xml"))


def test_nodes_and_cluster_option():
    m = model(mode="true")
    assert m.nodes == ("node1", "node2")
    assert m.cluster_option("maintenance-mode").value == "true"
    assert m.cluster_option("stonith-enabled").value is None


def test_promoted_bans_on_every_node():
    m = model('<rsc_location id="l1" rsc="ms" node="node1" score="-INFINITY" role="Promoted"/>'
              '<rsc_location id="l2" rsc="p" node="node2" score="-INFINITY" role="Master"/>')
    per_node, everywhere, ids = m.banned_nodes("ms", "Promoted")
    assert per_node["node1"] is Truth.TRUE and per_node["node2"] is Truth.TRUE
    assert everywhere is Truth.TRUE and set(ids) == {"l1", "l2"}
    # a Promoted ban does not keep the instances from running
    assert m.banned_nodes("ms", "Started")[1] is Truth.FALSE


def test_drbd_fence_constraint_leaves_one_node():
    m = model('<rsc_location id="drbd-fence-by-handler-r0-ms" rsc="ms"><rule id="r" role="Master" '
              'score="-INFINITY"><expression id="e" attribute="#uname" operation="ne" value="node1"/></rule>'
              '</rsc_location>')
    per_node, everywhere, _ = m.banned_nodes("ms", "Promoted")
    assert per_node["node2"] is Truth.TRUE and per_node["node1"] is Truth.FALSE
    assert everywhere is Truth.FALSE


def test_rule_on_any_node_and_rules_that_may_apply():
    always = model('<rsc_location id="l" rsc="ms"><rule id="r" role="Promoted" score="-INFINITY">'
                   '<expression id="e" attribute="#uname" operation="defined"/></rule></rsc_location>')
    assert always.banned_nodes("ms", "Promoted")[1] is Truth.TRUE
    dated = model('<rsc_location id="l" rsc="ms"><rule id="r" role="Promoted" score="-INFINITY">'
                  '<date_expression id="d" operation="gt" start="2020-01-01"/></rule></rsc_location>')
    assert dated.banned_nodes("ms", "Promoted")[1] is Truth.MAYBE
    finite = model('<rsc_location id="l" rsc="ms" node="node1" score="-100"/>'
                   '<rsc_location id="l2" rsc="ms" node="node2" score="-INFINITY"/>')
    assert finite.banned_nodes("ms", "Promoted")[1] is Truth.FALSE


def test_bundle_promotable_through_its_meta():
    xml = ('<cib validate-with="pacemaker-3.9"><configuration><resources><bundle id="b">'
           '<meta_attributes id="b-m"><nvpair id="b-p" name="promotable" value="true"/></meta_attributes>'
           '<podman image="x" replicas="2"/><primitive id="p" class="ocf" provider="pacemaker" type="Stateful"/>'
           '</bundle><bundle id="plain"><podman image="x"/></bundle></resources></configuration></cib>')
    m = build_model(parse_cib(xml.encode(), "t.xml"))
    assert m.promotable("b") is Truth.TRUE and m.promotable("p") is Truth.TRUE
    assert m.promotable("plain") is Truth.FALSE
