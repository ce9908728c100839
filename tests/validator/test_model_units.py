"""The model's reading of a CIB, piece by piece: values, roles, vocabulary, meta precedence, templates, ids,
constraint resolution, edges and stack recognition (docs/pacemaker-semantics.md §2-§7 and §12).

Effective meta values that decide what runs are also checked against crm_simulate.
"""
import pytest

from crm_ve.model import INFINITY, MANDATORY, OPTIONAL, SERIALIZE, Role, Truth, build_model
from crm_ve.model.values import parse_bool, parse_interval_spec, parse_score
from crm_ve.model.vocabulary import Vocabulary
from crm_ve.reader import parse_cib
from crm_ve.simulate import Simulator
from support.cib_build import cibadmin_create, empty_cib
from support.tools import require_tools


def model_of(resources="", constraints="", extra="", schema="pacemaker-3.9"):
    xml = (f'<cib validate-with="{schema}"><configuration><crm_config/><nodes/>'
           f"<resources>{resources}</resources><constraints>{constraints}</constraints>{extra}"
           f"</configuration><status/></cib>")
    return build_model(parse_cib(xml.encode(), "test.xml"))


def prim(rid, type_="Dummy", provider="heartbeat", params=None, meta="", ops="", template=None):
    attrs = f'template="{template}"' if template else f'class="ocf" provider="{provider}" type="{type_}"'
    ia = ""
    if params:
        ia = f'<instance_attributes id="{rid}-ia">' + "".join(
            f'<nvpair id="{rid}-{k}" name="{k}" value="{v}"/>' for k, v in params.items()) + "</instance_attributes>"
    return f'<primitive id="{rid}" {attrs}>{ia}{meta}{ops}</primitive>'


def meta_block(bid, pairs, score=None, rule=""):
    score_attr = f' score="{score}"' if score is not None else ""
    nv = "".join(f'<nvpair id="{bid}-{k}" name="{k}" value="{v}"/>' for k, v in pairs.items())
    return f'<meta_attributes id="{bid}"{score_attr}>{rule}{nv}</meta_attributes>'


# ------------------------------------------------------------------------------------------------ values

@pytest.mark.parametrize("text,score", [
    (None, 0), ("INFINITY", INFINITY), ("+INFINITY", INFINITY), ("-INFINITY", -INFINITY), ("inf", 0),
    ("1000000", INFINITY), ("5000000", INFINITY), ("-2000000", -INFINITY), ("100", 100), ("-100", -100),
    ("abc", 0), ("red", 0), ("green", 0),  # node-health words: 0 under the default node-health-strategy=none
])
def test_scores_read_like_char2score(text, score):
    assert parse_score(text) == score


@pytest.mark.parametrize("text,ms", [("29s", 29000), ("30", 30000), ("1m", 60000), ("500ms", 500),
                                     ("PT1M30S", 90000), ("1h", 3600000), ("bogus", None), ("", None)])
def test_intervals(text, ms):
    assert parse_interval_spec(text) == ms


def test_booleans():
    assert [parse_bool(t) for t in ("true", "On", "YES", "y", "1", "false", "off", "no", "n", "0", "x")] == \
        [True] * 5 + [False] * 5 + [None]


@pytest.mark.parametrize("text,role", [(None, Role.ANY), ("Started", Role.ANY), ("Master", Role.PROMOTED),
                                       ("Promoted", Role.PROMOTED), ("Slave", Role.UNPROMOTED),
                                       ("Unpromoted", Role.UNPROMOTED), ("Stopped", Role.STOPPED)])
def test_roles_normalised(text, role):
    assert Role.parse(text) is role


@pytest.mark.parametrize("schema,promoted,unpromoted,ms", [
    ("pacemaker-1.2", "Master", "Slave", True), ("pacemaker-3.6", "Master", "Slave", True),
    ("pacemaker-3.7", "Promoted", "Unpromoted", True), ("pacemaker-3.9", "Promoted", "Unpromoted", True),
    ("pacemaker-4.0", "Promoted", "Unpromoted", False), ("pacemaker-next", "Promoted", "Unpromoted", False),
])
def test_vocabulary_by_schema(schema, promoted, unpromoted, ms):
    vocabulary = Vocabulary(schema)
    assert (vocabulary.promoted, vocabulary.unpromoted, vocabulary.master_element) == (promoted, unpromoted, ms)
    assert vocabulary.pcs_role_keyword(Role.PROMOTED) == "promoted"
    clone = vocabulary.crm_promotable("ms_d", "p_d")
    assert clone.startswith("ms ") == (ms and promoted == "Master")


def test_fragment_vocabulary_follows_the_roles_it_uses():
    assert Vocabulary(None).promoted == "Master"
    assert Vocabulary(None, uses_new_roles=True).promoted == "Promoted"


# ----------------------------------------------------------------------------------------- meta attributes

def test_meta_precedence_own_ancestor_defaults_parent():
    model = model_of(
        resources='<clone id="cl">' + meta_block("cl-m", {"target-role": "Stopped", "interleave": "true"})
                  + '<group id="g">' + meta_block("g-m", {"target-role": "Started", "ordered": "false"})
                  + prim("a", meta=meta_block("a-m", {"is-managed": "false"})) + prim("b") + "</group></clone>",
        extra='<rsc_defaults>' + meta_block("d", {"is-managed": "true", "ordered": "true", "critical": "false"})
              + "</rsc_defaults>")
    assert model.meta("a", "is-managed").value == "false"          # own block first
    assert model.meta("b", "is-managed").value == "true"           # rsc_defaults
    assert model.meta("a", "target-role").value == "Started"       # the nearer ancestor's explicit meta
    assert model.meta("g", "ordered").value == "false"             # own beats rsc_defaults
    assert model.meta("b", "interleave").value == "true"           # ancestors' meta before defaults
    assert model.meta("b", "critical").value == "false"
    assert model.group_ordered("g") == (Truth.FALSE, None)


def test_meta_blocks_by_score_and_later_block_on_ties():
    model = model_of(resources=prim("a", meta=meta_block("m1", {"target-role": "Stopped"})
                                     + meta_block("m2", {"target-role": "Started"}))
                     + prim("b", meta=meta_block("m3", {"target-role": "Stopped"}, score=10)
                            + meta_block("m4", {"target-role": "Started"})))
    assert model.meta("a", "target-role").value == "Started"
    assert model.meta("b", "target-role").value == "Stopped"


def test_meta_tie_break_and_rsc_defaults_rule_match_the_scheduler(tmp_path):
    """Later block wins a tie; an rsc_defaults block with an rsc_expression for ocf:pacemaker:Stateful applies
    to that agent only; without ``provider`` it matches only provider-less agents in 2.1.5 (any in 3.0)."""
    require_tools("cibadmin", "crm_attribute", "crm_simulate")
    path = str(tmp_path / "meta.xml")
    empty_cib(path)
    cibadmin_create(path, "resources", prim("tie_started", meta=meta_block("t1", {"target-role": "Stopped"})
                                            + meta_block("t2", {"target-role": "Started"})))
    cibadmin_create(path, "resources", prim("tie_stopped", meta=meta_block("u1", {"target-role": "Started"})
                                            + meta_block("u2", {"target-role": "Stopped"})))
    cibadmin_create(path, "resources", prim("stateful", type_="Stateful", provider="pacemaker"))
    rule = ('<rule id="r" score="INFINITY"><rsc_expression id="r-e" class="ocf" provider="pacemaker" '
            'type="Stateful"/></rule>')
    loose = '<rule id="r2" score="INFINITY"><rsc_expression id="r2-e" type="Dummy"/></rule>'
    cibadmin_create(path, "configuration", "<rsc_defaults>"
                    + meta_block("d", {"target-role": "Stopped"}, score=10, rule=rule)
                    + meta_block("d2", {"is-managed": "false"}, rule=loose) + "</rsc_defaults>")
    model = build_model(parse_cib(open(path, "rb").read(), path))
    predicted = {rid: model.meta(rid, "target-role").value != "Stopped"
                 for rid in ("tie_started", "tie_stopped", "stateful")}
    with Simulator(path) as sim:
        after = sim.cold_start().after
        running = {rid: bool(after.nodes(rid)) for rid in predicted}
    assert running == predicted == {"tie_started": True, "tie_stopped": False, "stateful": False}
    loose = model.meta("tie_started", "is-managed")
    assert loose.possible == ("false", None) and not loose.certain  # 2.1.5: no; 3.0: yes


def test_rule_depending_on_the_date_may_apply():
    rule = ('<rule id="r" score="INFINITY"><date_expression id="r-d" operation="gt" start="2030-01-01"/>'
            "</rule>")
    model = model_of(resources='<group id="g">' + meta_block("g-m", {"ordered": "false"}, rule=rule)
                     + prim("a") + prim("b") + "</group>")
    value = model.meta("g", "ordered")
    assert value.value == "false" and value.possible == ("false", None) and not value.certain
    truth, condition = model.group_ordered("g")
    assert truth is Truth.MAYBE and "r" in condition
    # the worse outcome: a required order through the group does not count, an inverted one would
    assert not model.has_mandatory_order_path(("a", "start"), ("b", "start"))
    assert model.order_path(("a", "start"), ("b", "start"), conditional=True)


def test_op_timeouts_op_then_op_defaults_then_20s():
    ops = ('<operations><op id="a-start" name="start" interval="0" timeout="90s"/>'
           '<op id="a-mon" name="monitor" interval="10s"/></operations>')
    rule = '<rule id="r" score="INFINITY"><op_expression id="r-e" name="monitor" interval="10s"/></rule>'
    model = model_of(resources=prim("a", ops=ops),
                     extra="<op_defaults>" + meta_block("od", {"timeout": "45s"}, rule=rule) + "</op_defaults>")
    assert model.op_timeout("a", "start")[0] == 90000
    assert model.op_timeout("a", "monitor", 10000) == (45000, model.op_timeout("a", "monitor", 10000)[1])
    assert model.op_timeout("a", "stop") == (20000, "Pacemaker's default (20s)")


def test_templates_merge_agent_params_meta_and_ops():
    template = ('<template id="t" class="ocf" provider="heartbeat" type="ManageVE">'
                '<instance_attributes id="t-ia"><nvpair id="t-v" name="veid" value="0"/>'
                '<nvpair id="t-d" name="dumpfile" value="/vz/dump"/></instance_attributes>'
                + meta_block("t-m", {"allow-migrate": "true", "target-role": "Stopped"})
                + '<operations><op id="t-mon" name="monitor" interval="30s"/><op id="t-st" name="start" '
                  'interval="0" timeout="75s"/></operations></template>')
    own = ('<instance_attributes id="v-ia"><nvpair id="v-v" name="veid" value="101"/></instance_attributes>'
           + meta_block("v-m", {"target-role": "Started"})
           + '<operations><op id="v-st" name="start" interval="0" timeout="120s"/></operations>')
    model = model_of(resources=template + f'<primitive id="ve" template="t">{own}</primitive>')
    ve = model.resources["ve"]
    assert ve.agent == "ocf:heartbeat:ManageVE" and ve.template == "t"
    assert ve.params == {"veid": "101", "dumpfile": "/vz/dump"}
    assert model.meta("ve", "target-role").value == "Started"
    assert model.meta("ve", "allow-migrate").value == "true"
    assert model.op_timeout("ve", "start")[0] == 120000
    assert [op.name for op in ve.operations] == ["start", "monitor"]
    assert model.templates == {"t": ["ve"]}


# -------------------------------------------------------------------------------------------- constraints

DRBD = ('<master id="ms"><primitive id="d" class="ocf" provider="linbit" type="drbd">'
        '<instance_attributes id="d-ia"><nvpair id="d-r" name="drbd_resource" value="r0"/></instance_attributes>'
        "</primitive></master>")


def test_two_resource_order_defaults():
    model = model_of(DRBD + prim("fs", "Filesystem"),
                     '<rsc_order id="o" first="ms" first-action="promote" then="fs"/>')
    forward, inverse = [e for e in model.order_edges if e.constraint == "o"]
    assert (forward.first_action, forward.then_action, forward.then_action_defaulted) == ("promote", "promote", True)
    assert (inverse.first, inverse.first_action, inverse.then, inverse.then_action, inverse.inverse) == \
        ("fs", "demote", "ms", "demote", True)


@pytest.mark.parametrize("attrs,kind,symmetrical", [
    ("", MANDATORY, True), ('kind="Optional"', OPTIONAL, True), ('kind="serialize"', SERIALIZE, False),
    ('kind="bogus"', MANDATORY, True), ('score="0"', OPTIONAL, True), ('score="-100"', MANDATORY, True),
    ('symmetrical="false"', MANDATORY, False), ('kind="Serialize" symmetrical="true"', SERIALIZE, False),
])
def test_order_kind_and_symmetry(attrs, kind, symmetrical):
    model = model_of(prim("a") + prim("b"), f'<rsc_order id="o" first="a" then="b" {attrs}/>')
    edges = [e for e in model.order_edges if e.constraint == "o"]
    assert edges[0].kind == kind and edges[0].symmetrical == symmetrical
    assert len(edges) == (2 if symmetrical else 1)


def test_colocation_roles_scores_and_void_edges():
    model = model_of(DRBD + prim("fs", "Filesystem") + prim("ve", "ManageVE"),
                     '<rsc_colocation id="c1" rsc="fs" with-rsc="ms" with-rsc-role="Master" score="INFINITY"/>'
                     '<rsc_colocation id="c2" rsc="ve" rsc-role="Promoted" with-rsc="fs" score="INFINITY"/>'
                     '<rsc_colocation id="c3" rsc="ve" with-rsc="fs"/>')
    edges = {e.constraint: e for e in model.colocation_edges}
    assert edges["c1"].primary_role is Role.PROMOTED and edges["c1"].ignored is None
    assert "cannot be promoted" in edges["c2"].ignored
    assert edges["c3"].ignored == "no score (defaults to 0)"
    assert model.colocation_path("fs", "ms", Role.PROMOTED)
    assert model.colocation_path("ve", "fs") is None
    assert [e.constraint for e in model.colocation_path("ve", "fs", include_ignored=True, min_score=1)] in \
        (["c2"], ["c3"])


def test_colocation_sets_reversed_semantics():
    sets = ('<rsc_colocation id="c" score="INFINITY"><resource_set id="s1"><resource_ref id="ve"/>'
            '<resource_ref id="fs"/></resource_set><resource_set id="s2" role="Master"><resource_ref id="ms"/>'
            "</resource_set></rsc_colocation>")
    model = model_of(DRBD + prim("fs", "Filesystem") + prim("ve", "ManageVE"), sets)
    described = sorted((e.dependent, e.primary, e.primary_role.value, e.origin) for e in model.colocation_edges)
    assert described == [("fs", "ve", "Started", "set"), ("ve", "ms", "Promoted", "between-sets")]
    assert model.colocation_path("fs", "ms", "Promoted")   # fs with ve with ms:Master
    assert model.colocation_path("ve", "fs") is None        # ...but the container is not with its FS


def test_constraint_on_a_clone_child_applies_to_the_clone_and_is_marked():
    model = model_of(DRBD + prim("fs", "Filesystem"),
                     '<rsc_colocation id="c" rsc="fs" with-rsc="d" with-rsc-role="Master" score="INFINITY"/>')
    constraint = model.constraints["c"]
    assert constraint.via_child == {"d": "ms"} and constraint.resources == ("fs", "ms")
    assert model.colocation_edges[0].via_child


def test_unknown_ids_and_two_tags_make_pacemaker_ignore_the_constraint():
    tags = '<tags><tag id="t1"><obj_ref id="a"/></tag><tag id="t2"><obj_ref id="b"/></tag></tags>'
    model = model_of(prim("a") + prim("b"),
                     '<rsc_order id="o" first="a" then="nope"/>'
                     '<rsc_colocation id="c" rsc="t1" with-rsc="t2" score="INFINITY"/>', extra=tags)
    assert "not a valid resource" in model.constraints["o"].ignored
    assert model.constraints["c"].ignored == "two templates or tags cannot be colocated"
    assert model.order_edges == [] and model.colocation_edges == []


def test_resource_set_id_ref_is_followed():
    constraints = ('<rsc_order id="o1"><resource_set id="s1"><resource_ref id="a"/><resource_ref id="b"/>'
                   '</resource_set></rsc_order><rsc_order id="o2"><resource_set id-ref="s1"/></rsc_order>')
    model = model_of(prim("a") + prim("b"), constraints)
    assert [(e.first, e.then) for e in model.order_edges if e.constraint == "o2" and not e.inverse] == [("a", "b")]


def test_tag_in_two_resource_order_becomes_unordered_set_with_start_default():
    tags = '<tags><tag id="t"><obj_ref id="fs"/><obj_ref id="ve"/></tag></tags>'
    model = model_of(DRBD + prim("fs", "Filesystem") + prim("ve", "ManageVE"),
                     '<rsc_order id="o" first="ms" first-action="promote" then="t"/>', extra=tags)
    assert model.has_mandatory_order_path(("ms", "promote"), ("fs", "start"))     # E-TA: start, not promote
    assert model.has_mandatory_order_path(("ms", "promote"), ("ve", "start"))
    assert not model.has_mandatory_order_path(("fs", "start"), ("ve", "start"))   # the tag's set is unordered


def test_group_implied_relations_and_member_semantics():
    model = model_of(DRBD + '<group id="g">' + prim("fs", "Filesystem") + prim("ve", "ManageVE") + "</group>",
                     '<rsc_colocation id="c" rsc="g" with-rsc="ms" with-rsc-role="Promoted" score="INFINITY"/>'
                     '<rsc_order id="o" first="ms" first-action="promote" then="g" then-action="start"/>')
    assert model.colocation_path("fs", "ms", "Promoted") and model.colocation_path("ve", "ms", "Promoted")
    assert model.colocation_path("ve", "fs") and model.colocation_path("fs", "ve") is None
    assert model.has_mandatory_order_path(("ms", "promote"), ("fs", "start"))
    assert model.has_mandatory_order_path(("fs", "start"), ("ve", "start"))
    assert model.has_mandatory_order_path(("ve", "stop"), ("fs", "stop"))
    assert model.has_mandatory_order_path(("fs", "stop"), ("ms", "demote"))
    assert not model.has_mandatory_order_path(("ve", "start"), ("fs", "start"))
    assert model.top("ve") == "g" and model.group_of("ve") == "g" and model.ancestors("d") == ["ms"]


def test_promotable_by_element_and_meta():
    clone = ('<clone id="cl">' + meta_block("cl-m", {"promotable": "true"}) + prim("s", "Stateful", "pacemaker")
             + '</clone><clone id="plain">' + prim("p") + "</clone>")
    model = model_of(DRBD + clone)
    assert [model.promotable(r) for r in ("ms", "d", "cl", "s", "plain", "p")] == \
        [Truth.TRUE, Truth.TRUE, Truth.TRUE, Truth.TRUE, Truth.FALSE, Truth.FALSE]


# ---------------------------------------------------------------------------------------- stack recognition

def drbd_clone(cid, pid, res):
    return (f'<clone id="{cid}">' + meta_block(f"{cid}-m", {"promotable": "true"})
            + prim(pid, "drbd", "linbit", {"drbd_resource": res}) + "</clone>")


def test_filesystem_tied_by_device_by_res():
    model = model_of(drbd_clone("ms0", "d0", "r0") + drbd_clone("ms1", "d1", "r1")
                     + prim("fs", "Filesystem", params={"device": "/dev/drbd/by-res/r1/0", "directory": "/vz"}))
    tie = model.stacks(["ocf:heartbeat:ManageVE"]).filesystem_ties["fs"]
    assert (tie.upper, tie.kind) == ("ms1", "device") and "r1" in tie.reason


def test_filesystem_on_drbd_minor_tied_only_when_one_drbd_clone():
    fs = prim("fs", "Filesystem", params={"device": "/dev/drbd0", "directory": "/vz"})
    one = model_of(drbd_clone("ms0", "d0", "r0") + fs).stacks([]).filesystem_ties["fs"]
    assert (one.upper, one.kind) == ("ms0", "only-drbd")
    two = model_of(drbd_clone("ms0", "d0", "r0") + drbd_clone("ms1", "d1", "r1") + fs).stacks([])
    assert "fs" not in two.filesystem_ties


def test_filesystem_tied_by_relation_before_the_minor_rule():
    fs = prim("fs", "Filesystem", params={"device": "/dev/drbd1", "directory": "/vz"})
    model = model_of(drbd_clone("ms0", "d0", "r0") + drbd_clone("ms1", "d1", "r1") + fs,
                     '<rsc_order id="o" first="ms1" first-action="promote" then="fs" then-action="start"/>')
    tie = model.stacks([]).filesystem_ties["fs"]
    assert (tie.upper, tie.kind, tie.constraints) == ("ms1", "relation", ("o",))


def test_container_ties_group_relation_dumpfile_only_filesystem():
    agents = ["ocf:heartbeat:ManageVE"]
    fs1 = prim("fs1", "Filesystem", params={"device": "/dev/drbd/by-res/r0", "directory": "/vz"})
    fs2 = prim("fs2", "Filesystem", params={"device": "/dev/drbd/by-res/r1", "directory": "/srv/vz2"})
    base = drbd_clone("ms0", "d0", "r0") + drbd_clone("ms1", "d1", "r1")
    model = model_of(base + '<group id="g">' + fs1 + prim("ve1", "ManageVE") + "</group>" + fs2
                     + prim("ve2", "ManageVE") + prim("ve3", "ManageVE", "crm-ve", {"dumpfile": "/srv/vz2/dump/3"})
                     + prim("ve4", "ManageVE"),
                     '<rsc_colocation id="c" rsc="ve2" with-rsc="fs2" score="100"/>')
    from crm_ve.findings import WorkloadAgent
    stacks = model.stacks(agents + [WorkloadAgent("ocf", "crm-ve", "ManageVE", dump_parameter="dumpfile")])
    ties = {ve: [(t.upper, t.kind) for t in ts] for ve, ts in stacks.container_ties.items()}
    assert ties == {"ve1": [("fs1", "group")], "ve2": [("fs2", "relation")], "ve3": [("fs2", "dumpfile")]}
    assert stacks.untied_containers == ["ve4"]  # two DRBD-backed Filesystems: no "only one" fallback
    single = model_of(drbd_clone("ms0", "d0", "r0") + fs1 + prim("ve", "ManageVE")).stacks(agents)
    assert [(t.upper, t.kind) for t in single.container_ties["ve"]] == [("fs1", "only-filesystem")]


def test_workload_agents_are_an_input():
    model = model_of(drbd_clone("ms0", "d0", "r0")
                     + prim("fs", "Filesystem", params={"device": "/dev/drbd0", "directory": "/vm"})
                     + prim("vm", "VirtualDomain"), '<rsc_colocation id="c" rsc="vm" with-rsc="fs" score="INFINITY"/>')
    assert model.stacks(["ocf:heartbeat:ManageVE"]).container_ties == {}
    assert list(model.stacks(["ocf:heartbeat:VirtualDomain"]).container_ties) == ["vm"]
