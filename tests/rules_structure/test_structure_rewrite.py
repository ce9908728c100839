"""constraint_rewrite: a constraint deleted and re-created by its crm and pcs commands means what it meant.

Each form is written by crmsh, rewritten unchanged (no rename), and the commands are run with crmsh on one copy
and with pcs on another; the model's order and colocation edges, and the per-node location scores, of the
re-created constraint must equal the original's (the XML may differ: pcs writes both actions, a role with a node
as a rule)."""
import pytest
from lxml import etree

from crm_ve.model import Role, Truth, build_model
from crm_ve.model.locations import rule_truth_on_node
from crm_ve.model.values import parse_score
from crm_ve.reader import read_cib
from crm_ve.rules.constraint_rewrite import rewrite
from structure_support import apply_fix, copy
from support.cib_build import crm_load, empty_cib
from support.tools import require_tools

RESOURCES = """primitive a ocf:heartbeat:Dummy
primitive b ocf:heartbeat:Dummy
primitive c ocf:heartbeat:Dummy
primitive d ocf:pacemaker:Stateful
ms ms d meta notify=true
"""

FORMS = {
    "o_asym": "order o_asym Mandatory: a:start b:stop symmetrical=false",
    "o_optional": "order o_optional 0: a b",
    "o_defaulted": "order o_defaulted inf: ms:promote a",
    "c_role": "colocation c_role inf: a ms:Master",
    "c_attr": "colocation c_attr -100: a b node-attribute=rack",
    "c_chain": "colocation c_chain inf: a b c",
    "c_sets": "colocation c_sets inf: ( a b ) ms:Master",
    "o_sets": "order o_sets Mandatory: ms:promote ( a b ) c",
    "o_any": "order o_any Mandatory: a [ b c ]",
    "l_node": "location l_node a 100: node1",
    "l_role": "location l_role ms role=Master -inf: node2",
    "l_rule": "location l_rule a rule -inf: #uname eq node1 or defined rack",
    "l_rules": "location l_rules b rule $role=Started 50: date gt 2020-01-01 rule -inf: #uname ne node2",
    "t_ticket": "rsc_ticket t_ticket T1: ms:Master loss-policy=demote",
}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    require_tools("crm", "pcs", "cibadmin", "crm_attribute")
    path = str(tmp_path_factory.mktemp("rewrite") / "base.xml")
    empty_cib(path)
    crm_load(path, RESOURCES + "\n".join(FORMS.values()))
    return path


def meaning(path, cid):
    """What Pacemaker derives from constraint ``cid``: its edges, or its location scores per node and role."""
    model = build_model(read_cib(path))
    constraint = model.constraints[cid]
    if constraint.type == "order":
        return sorted((e.first, e.first_action, e.then, e.then_action, e.kind, e.symmetrical, e.inverse,
                       e.require_all) for e in model.order_edges if e.constraint == cid)
    if constraint.type == "colocation":
        return sorted((e.dependent, e.primary, e.score, e.dependent_role, e.primary_role, e.node_attribute)
                      for e in model.colocation_edges if e.constraint == cid)
    if constraint.type == "ticket":
        return (constraint.get("ticket"), constraint.resources, Role.parse(constraint.get("rsc-role")),
                constraint.get("loss-policy"))
    scores = set()
    rules = [r for r in constraint.element if isinstance(r.tag, str) and r.tag == "rule"]
    for node in ("node1", "node2", "node3"):
        if rules:
            for rule in rules:
                truth = rule_truth_on_node(rule, node, model.index)
                scores.add((node, Role.parse(rule.get("role") or constraint.get("role")),
                            parse_score(rule.get("score")), truth))
        else:  # a node and a score: the same as a rule "#uname eq NODE"
            scores.add((node, Role.parse(constraint.get("role")), parse_score(constraint.get("score")),
                        Truth.of(constraint.get("node") == node)))
    return constraint.resources, sorted(scores, key=repr)


@pytest.mark.parametrize("tool", ("crm", "pcs"))
@pytest.mark.parametrize("cid", sorted(FORMS))
def test_rewritten_constraint_means_the_same(base, tmp_path, cid, tool):
    model = build_model(read_cib(base))
    fix = rewrite(model, model.constraints[cid])
    assert fix is not None, f"{cid} is not rewritten"
    path = copy(base, tmp_path / f"{cid}-{tool}.xml")

    class Finding:  # apply_fix takes a finding
        code = "rewrite"
        message = cid
    Finding.fix = fix
    apply_fix(path, Finding, tool)
    assert meaning(path, cid) == meaning(base, cid)
    assert etree.parse(path).getroot().find(f".//constraints/*[@id='{cid}']") is not None


def test_rename_reaches_every_side_and_set(base):
    model = build_model(read_cib(base))
    fix = rewrite(model, model.constraints["c_sets"], rename={"a": "g", "ms": "ms2"})
    # the brackets are quoted: an unquoted ( is shell syntax
    assert fix.crm[-1] == "crm configure colocation c_sets inf: '(' g b ')' '(' ms2:Master sequential=true ')'"
    assert fix.pcs[-1] == ("pcs constraint colocation set g b sequential=false set ms2 role=Promoted "
                           "setoptions score=INFINITY id=c_sets")
    fix = rewrite(model, model.constraints["o_defaulted"], rename={"ms": "ms2"}, force=True)
    assert fix.crm == ("crm -F configure delete o_defaulted", "crm -F configure order o_defaulted Mandatory: ms2:promote a")
