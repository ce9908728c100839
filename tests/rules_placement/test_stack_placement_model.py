"""crm_ve.model.stack_placement: what a resource must be placed with, the nodes left to it, its tickets."""
from crm_ve.model import Role, build_model
from crm_ve.model.stack_placement import allowed_nodes, placement_requirements, tickets_needed
from crm_ve.reader import parse_cib

CIB = """<cib validate-with="pacemaker-3.9"><configuration><crm_config>{options}</crm_config>
<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/></nodes>
<resources>
<master id="ms"><meta_attributes id="ms-m"><nvpair id="ms-n" name="notify" value="true"/></meta_attributes>
<primitive id="d" class="ocf" provider="linbit" type="drbd"/></master>
<group id="g"><primitive id="fs" class="ocf" provider="heartbeat" type="Filesystem"/>
<primitive id="ve" class="ocf" provider="heartbeat" type="ManageVE"/></group>
<primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/>
</resources><constraints>
<rsc_colocation id="c1" rsc="g" with-rsc="ms" with-rsc-role="Master" score="INFINITY"/>
<rsc_colocation id="c2" rsc="ip" with-rsc="ve" score="INFINITY"/>
{constraints}</constraints></configuration><status/></cib>"""


def model(constraints="", options=""):
    return build_model(parse_cib(CIB.format(constraints=constraints, options=options).encode(), "t.xml"))


def test_requirements_follow_groups_and_the_promoted_role_but_not_dependents():
    m = model()
    req = placement_requirements(m, "ve")
    assert req[0] == ("ve", Role.ANY)
    assert ("fs", Role.ANY) in req and ("ms", Role.PROMOTED) in req
    assert not any(rid == "ip" for rid, _ in req)  # ip depends on ve, not the reverse
    assert ("ve", Role.ANY) in placement_requirements(m, "ip")


def test_bans_on_groups_members_and_promotion_combine_per_node():
    m = model('<rsc_location id="l_g" rsc="g" node="node1" score="-INFINITY"/>'
              '<rsc_location id="l_m" rsc="ms"><rule id="r" role="Master" score="-INFINITY">'
              '<expression id="e" attribute="#uname" operation="eq" value="node2"/></rule></rsc_location>'
              '<rsc_location id="l_ip" rsc="ip" node="node3" score="-INFINITY"/>')
    allowed = allowed_nodes(m, placement_requirements(m, "ve"))
    assert allowed.nodes == ["node3"]  # ip's ban does not restrict ve
    assert allowed.culprits == {"node1": ["l_g"], "node2": ["l_m"]}
    # the Promoted ban does not restrict where the clone's instances run
    assert allowed_nodes(m, [("ms", Role.ANY)]).nodes == ["node1", "node2", "node3"]
    assert allowed_nodes(m, placement_requirements(m, "ve"), exclude=lambda c: c == "l_m").nodes == \
        ["node2", "node3"]


def test_rules_that_may_apply_are_not_bans_but_are_listed():
    m = model('<rsc_location id="l_ping" rsc="g"><rule id="r" score="-INFINITY" boolean-op="or">'
              '<expression id="e1" attribute="pingd" operation="not_defined"/>'
              '<expression id="e2" attribute="pingd" operation="lte" value="0"/></rule></rsc_location>')
    allowed = allowed_nodes(m, placement_requirements(m, "ve"))
    assert allowed.nodes == ["node1", "node2", "node3"] and allowed.conditional == ["l_ping"]


def test_opt_in_cluster_needs_enabling_locations():
    options = ('<cluster_property_set id="o"><nvpair id="o-s" name="symmetric-cluster" value="false"/>'
               '</cluster_property_set>')
    m = model('<rsc_location id="e1" rsc="ms" node="node1" score="0"/>'
              '<rsc_location id="e2" rsc="ms" node="node2" score="0"/>'
              '<rsc_location id="e3" rsc="g" node="node2" score="100"/>', options)
    allowed = allowed_nodes(m, placement_requirements(m, "ve"))
    assert allowed.nodes == ["node2"]
    assert set(allowed.not_enabled) == {"node1", "node3"}


def test_tickets_through_groups_and_roles():
    m = model('<rsc_ticket id="t1" ticket="site-a" rsc="g"/>'
              '<rsc_ticket id="t2" ticket="site-b" rsc="ms" rsc-role="Master" loss-policy="demote"/>')
    assert [(t.ticket, t.resource, t.loss_policy) for t in tickets_needed(m, "ve")] == [("site-a", "g", "stop")]
    assert tickets_needed(m, "ms") == []
    assert [t.ticket for t in tickets_needed(m, "ms", Role.PROMOTED)] == ["site-b"]
