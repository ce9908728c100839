"""The fast set queries of crm_ve.model.stack_placement agree with the listing ones, for every resource.

CV402/CV403/CV404 decide with ``excluded_nodes`` / ``excluded_with_requirements`` / ``may_need_tickets``
(memoized walks that stop at a resource whose answer is already known) and fall back to ``allowed_nodes`` /
``tickets_needed`` only to word a finding. Both must give the same answer: the nodes ruled out for a resource
(alone in a role, and with everything it must be placed with) and whether any of those needs a ticket.

The CIBs: hand-written scenarios (each with a witness the slow path must show, so a scenario cannot silently
stop exercising what it names), a seeded random family mixing every feature, and Pacemaker's scheduler
corpus (``../shared/corpus/pacemaker-scheduler/`` from the project root, or ``CRM_VE_CORPUS``; absent, the
corpus test fails in CI (``CI=true``) and is skipped elsewhere).

The slow answers come from one model, the fast ones from fresh models queried in two orders (forward, own
role queries after the walk; reverse, own role queries first), so a memo filled in the wrong order shows.
The bound CV402/CV404 use to skip a stack's containers (``excluded_anywhere``, ``any_may_need_tickets``: what
any resource may lose at most) must cover every slow answer. Both paths read the same per-resource bans,
enabling locations and tickets underneath, so this checks the set arithmetic and the memoized walk; what a
location or ticket means is pinned by the witnesses here and by test_stack_placement_model.py.
"""
import random

import pytest

from crm_ve.model import Role, build_model
from crm_ve.model.stack_placement import (allowed_nodes, any_may_need_tickets, excluded_anywhere, excluded_nodes,
                                          excluded_with_requirements, may_need_tickets, placement_requirements,
                                          tickets_needed)
from crm_ve.reader import parse_cib, read_cib
from support.corpus import corpus_files

ROLES = (Role.ANY, Role.PROMOTED, Role.UNPROMOTED)
MISSING = "no-such-resource"  # queried too: a constraint may name an id that is not a resource


# ------------------------------------------------------------------------------------------------------
# comparing the two paths

def slow_answers(model):
    """rid -> (nodes ruled out with its requirements, a ticket may be needed, {role: nodes ruled out alone})
    from the listing functions."""
    everything = frozenset(model.nodes)
    out = {}
    for rid in list(model.resources) + [MISSING]:
        requirements = placement_requirements(model, rid)
        out[rid] = (everything - set(allowed_nodes(model, requirements).nodes),
                    any(tickets_needed(model, r, role) for r, role in requirements),
                    {role: everything - set(allowed_nodes(model, [(rid, role)]).nodes) for role in ROLES})
    return out


def fast_answers(model, order, own_first):
    out = {}
    for rid in order:
        own = {role: excluded_nodes(model, rid, role) for role in ROLES} if own_first else None
        walked = (excluded_with_requirements(model, rid), may_need_tickets(model, rid))
        if not own_first:
            own = {role: excluded_nodes(model, rid, role) for role in ROLES}
        out[rid] = walked + (own,)
    return out


def disagreements(document):
    """(slow answers, list of 'rid: slow != fast' lines) for one parsed CIB."""
    expected = slow_answers(build_model(document))
    order = list(expected)
    problems = []
    for label, rids, own_first in (("forward", order, False), ("reverse", order[::-1], True)):
        got = fast_answers(build_model(document), rids, own_first)
        for rid in order:
            sets = (got[rid][0], *got[rid][2].values())
            if got[rid] != expected[rid] or not all(isinstance(s, frozenset) for s in sets):
                problems.append(f"{document.name} [{label}] {rid}: slow {expected[rid]!r} != fast {got[rid]!r}")
    bound_model = build_model(document)
    nodes, tickets = excluded_anywhere(bound_model), any_may_need_tickets(bound_model)
    for rid, (with_requirements, needs_ticket, _) in expected.items():
        if not with_requirements <= nodes or (needs_ticket and not tickets):
            problems.append(f"{document.name} {rid}: slow {with_requirements!r}, {needs_ticket} outside the bound "
                            f"{nodes!r}, {tickets}")
    return expected, problems


# ------------------------------------------------------------------------------------------------------
# hand-written scenarios

CIB = """<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration>
<crm_config><cluster_property_set id="opts">{options}</cluster_property_set></crm_config>
<nodes>
<node id="1" uname="node1"><instance_attributes id="n1-a"><nvpair id="n1-s" name="site" value="a"/>
</instance_attributes></node>
<node id="2" uname="node2"><instance_attributes id="n2-a"><nvpair id="n2-s" name="site" value="b"/>
</instance_attributes></node>
<node id="3" uname="node3"/>
</nodes>
<resources>
<master id="ms"><meta_attributes id="ms-m"><nvpair id="ms-n" name="notify" value="true"/></meta_attributes>
<primitive id="drbd" class="ocf" provider="linbit" type="drbd"/></master>
<clone id="pc"><meta_attributes id="pc-m"><nvpair id="pc-p" name="promotable" value="true"/></meta_attributes>
<primitive id="drbd2" class="ocf" provider="linbit" type="drbd"/></clone>
<clone id="cl"><primitive id="ping" class="ocf" provider="pacemaker" type="ping"/></clone>
<group id="g"><primitive id="fs" class="ocf" provider="heartbeat" type="Filesystem"/>
<primitive id="ve" class="ocf" provider="heartbeat" type="ManageVE"/></group>
<primitive id="fs2" class="ocf" provider="heartbeat" type="Filesystem"/>
<primitive id="ve2" class="ocf" provider="heartbeat" type="ManageVE"/>
<primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/>
</resources>
<constraints>{constraints}</constraints></configuration><status/></cib>"""

STACKS = ('<rsc_colocation id="c-g" rsc="g" with-rsc="ms" with-rsc-role="Master" score="INFINITY"/>'
          '<rsc_colocation id="c-fs2" rsc="fs2" with-rsc="pc" with-rsc-role="Promoted" score="INFINITY"/>'
          '<rsc_colocation id="c-ve2" rsc="ve2" with-rsc="fs2" score="INFINITY"/>'
          '<rsc_colocation id="c-ip" rsc="ip" with-rsc="ve" score="INFINITY"/>')
OPT_IN = '<nvpair id="opts-s" name="symmetric-cluster" value="false"/>'


def uname_rule(rid, op, value, score="-INFINITY", role=None, cid=None):
    cid = cid or f"l-{rid}-{op}-{value}"
    role = f' role="{role}"' if role else ""
    return (f'<rsc_location id="{cid}" rsc="{rid}"><rule id="{cid}-r" score="{score}"{role}>'
            f'<expression id="{cid}-e" attribute="#uname" operation="{op}" value="{value}"/></rule></rsc_location>')


def ban(rid, node, score="-INFINITY", role=None, cid=None):
    role = f' role="{role}"' if role else ""
    return f'<rsc_location id="{cid or f"b-{rid}-{node}"}" rsc="{rid}" node="{node}" score="{score}"{role}/>'


def ticket(rid, name="T", role=None, policy=None, cid=None):
    extra = (f' rsc-role="{role}"' if role else "") + (f' loss-policy="{policy}"' if policy else "")
    return f'<rsc_ticket id="{cid or f"t-{rid}-{name}"}" ticket="{name}" rsc="{rid}"{extra}/>'


# name -> (options, constraints, witnesses: (rid, nodes the slow path rules out with requirements, ticket))
SCENARIOS = {
    "no-constraints": ("", "", [("ve", set(), False), ("drbd", set(), False)]),
    "stacks-only": ("", STACKS, [("ip", set(), False), ("ve2", set(), False)]),
    "node-ban-on-member": ("", STACKS + ban("fs", "node1"), [("ve", {"node1"}, False), ("ip", {"node1"}, False),
                                                           ("ms", set(), False)]),
    "node-ban-on-group": ("", STACKS + ban("g", "node2"), [("fs", {"node2"}, False), ("ip", {"node2"}, False)]),
    "finite-negative-is-no-ban": ("", STACKS + ban("g", "node2", "-100"), [("ve", set(), False)]),
    # char2score knows -INFINITY in capitals only: "-infinity" is no integer, a score of 0 (no ban)
    "minus-infinity-spellings": ("", STACKS + ban("fs2", "node1", "-infinity") + ban("ve2", "node3", "-INFINITY"),
                                 [("ve2", {"node3"}, False), ("fs2", set(), False)]),
    "uname-rules": ("", STACKS + uname_rule("g", "eq", "node3") + uname_rule("fs2", "ne", "node2"),
                    [("ve", {"node3"}, False), ("ve2", {"node1", "node3"}, False)]),
    "uname-rule-or": ("", STACKS + '<rsc_location id="l-or" rsc="ve"><rule id="l-or-r" score="-INFINITY" '
                      'boolean-op="or"><expression id="l-or-e1" attribute="#uname" operation="eq" value="node1"/>'
                      '<expression id="l-or-e2" attribute="#uname" operation="eq" value="node2"/></rule>'
                      '</rsc_location>', [("ve", {"node1", "node2"}, False), ("fs", set(), False)]),
    "rule-on-other-attribute-may-ban": ("", STACKS + '<rsc_location id="l-site" rsc="g"><rule id="l-site-r" '
                                        'score="-INFINITY"><expression id="l-site-e" attribute="site" '
                                        'operation="eq" value="a"/></rule></rsc_location>', []),
    "date-rule-may-ban": ("", STACKS + '<rsc_location id="l-date" rsc="g"><rule id="l-date-r" score="-INFINITY">'
                          '<date_expression id="l-date-e" operation="gt" start="2001-01-01"/></rule>'
                          '</rsc_location>', [("ve", set(), False)]),
    "promoted-ban-on-master": ("", STACKS + uname_rule("ms", "eq", "node2", role="Master"),
                               [("ve", {"node2"}, False), ("ms", set(), False), ("drbd", set(), False)]),
    "promoted-ban-on-promotable-clone": ("", STACKS + ban("pc", "node3", role="Promoted"),
                                         [("ve2", {"node3"}, False), ("drbd2", set(), False)]),
    # an Unpromoted location keeps every instance out, the promoted one too (locations.location_bans)
    "unpromoted-ban-restricts-promotion-too": ("", STACKS + ban("ms", "node1", role="Slave"),
                                               [("ve", {"node1"}, False), ("ve2", set(), False)]),
    "ban-on-clone-instance": ("", STACKS + ban("drbd", "node3") + ban("cl", "node1"),
                              [("ve", {"node3"}, False), ("ping", {"node1"}, False)]),
    "colocation-with-clone": ("", STACKS + '<rsc_colocation id="c-cl" rsc="ve2" with-rsc="cl" score="INFINITY"/>'
                              + ban("ping", "node2"), [("ve2", {"node2"}, False)]),
    "finite-and-anti-colocations-not-followed": (
        "", ban("ip", "node1") + '<rsc_colocation id="c-f" rsc="ve" with-rsc="ip" score="500"/>'
        '<rsc_colocation id="c-a" rsc="fs2" with-rsc="ip" score="-INFINITY"/>',
        [("ve", set(), False), ("fs2", set(), False), ("ip", {"node1"}, False)]),
    "colocation-set": ("", '<rsc_colocation id="c-set" score="INFINITY"><resource_set id="c-set-0">'
                       '<resource_ref id="ve2"/><resource_ref id="fs2"/></resource_set></rsc_colocation>'
                       + ban("ve2", "node3"), [("fs2", {"node3"}, False), ("ve2", {"node3"}, False)]),
    "colocation-cycle": ("", '<rsc_colocation id="c-x" rsc="ve2" with-rsc="fs2" score="INFINITY"/>'
                         '<rsc_colocation id="c-y" rsc="fs2" with-rsc="ip" score="INFINITY"/>'
                         '<rsc_colocation id="c-z" rsc="ip" with-rsc="ve2" score="INFINITY"/>'
                         + ban("ip", "node1") + ban("ve2", "node2"),
                         [("fs2", {"node1", "node2"}, False), ("ve2", {"node1", "node2"}, False)]),
    "opt-in-enabled-everywhere-needed": (OPT_IN, STACKS + ban("ms", "node1", "0") + ban("ms", "node2", "0")
                                         + ban("g", "node2", "100"),
                                         [("ve", {"node1", "node3"}, False), ("drbd", {"node3"}, False),
                                          ("ve2", {"node1", "node2", "node3"}, False)]),
    "opt-in-rule-enables": (OPT_IN, STACKS + uname_rule("g", "ne", "node3", score="INFINITY")
                            + uname_rule("ms", "ne", "node3", score="0"),
                            [("fs", {"node3"}, False), ("ip", {"node1", "node2", "node3"}, False)]),
    "opt-in-with-bans": (OPT_IN, STACKS + ban("g", "node1", "50") + ban("g", "node2", "50") + ban("fs", "node1")
                         + ban("ms", "node1", "10") + ban("ms", "node2", "10"), [("ve", {"node1", "node3"}, False)]),
    "opt-in-member-location-enables-group": (OPT_IN, ban("ve", "node2", "10") + ban("fs", "node2", "0"),
                                             [("g", {"node1", "node3"}, False), ("ve", {"node1", "node3"}, False)]),
    "ticket-stop-on-group": ("", STACKS + ticket("g", policy="stop"), [("ve", set(), True), ("ip", set(), True),
                                                                       ("ms", set(), False)]),
    "ticket-default-policy-on-primitive": ("", STACKS + ticket("fs2"), [("ve2", set(), True), ("drbd2", set(), False)]),
    "ticket-demote-on-promoted": ("", STACKS + ticket("ms", role="Promoted", policy="demote"),
                                  [("ve", set(), True), ("drbd", set(), False), ("ms", set(), False)]),
    "ticket-master-role-legacy": ("", STACKS + ticket("pc", role="Master"), [("ve2", set(), True),
                                                                            ("ve", set(), False)]),
    "ticket-on-clone-child": ("", STACKS + ticket("ping", "T2"), [("ping", set(), True), ("cl", set(), True),
                                                                      ("ip", set(), False)]),
    "ticket-set": ("", STACKS + '<rsc_ticket id="t-set" ticket="T3" loss-policy="stop"><resource_set id="t-set-0">'
                   '<resource_ref id="ve2"/></resource_set><resource_set id="t-set-1" role="Promoted">'
                   '<resource_ref id="ms"/></resource_set></rsc_ticket>',
                   [("ve2", set(), True), ("ve", set(), True), ("fs2", set(), False)]),
    "ticket-and-bans": ("", STACKS + ticket("g", policy="stop") + ban("ms", "node1", role="Master")
                        + ban("ve2", "node2"), [("ip", {"node1"}, True), ("ve2", {"node2"}, False)]),
    "dangling-constraints": ("", ban("nope", "node1") + ticket("nope")
                             + '<rsc_colocation id="c-nope" rsc="ve" with-rsc="nope" score="INFINITY"/>',
                             [("ve", set(), False)]),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_fast_sets_agree_with_listing_on_scenario(name):
    options, constraints, witnesses = SCENARIOS[name]
    document = parse_cib(CIB.format(options=options, constraints=constraints).encode(), f"{name}.xml")
    expected, problems = disagreements(document)
    # the scenario exercises what it names (checked on the slow path, which the fast one must then match)
    for rid, nodes, needs_ticket in witnesses:
        assert expected[rid][:2] == (nodes, needs_ticket), (name, rid, expected[rid])
    assert not problems, "\n".join(problems[:20])


# ------------------------------------------------------------------------------------------------------
# a seeded random family mixing every feature

NODE_POOL = ("node1", "node2", "node3", "node4")


def random_cib(rng, index):
    nodes = NODE_POOL[:rng.randint(1, 4)]
    node_xml = "".join(
        f'<node id="{i}" uname="{n}"><instance_attributes id="{n}-a"><nvpair id="{n}-s" name="site" '
        f'value="{rng.choice("ab")}"/></instance_attributes></node>' for i, n in enumerate(nodes, 1))
    resources, ids, n = [], [], 0

    def prim():
        nonlocal n
        n += 1
        ids.append(f"p{n}")
        return f'<primitive id="p{n}" class="ocf" provider="heartbeat" type="Dummy"/>'

    for _ in range(rng.randint(1, 3)):
        resources.append(prim())
    for g in range(rng.randint(0, 2)):
        members = "".join(prim() for _ in range(rng.randint(1, 3)))
        ids.append(f"g{g}")
        if rng.random() < 0.3:  # a cloned group
            ids.append(f"cg{g}")
            resources.append(f'<clone id="cg{g}"><group id="g{g}">{members}</group></clone>')
        else:
            resources.append(f'<group id="g{g}">{members}</group>')
    for c in range(rng.randint(0, 2)):
        kind = rng.choice(("clone", "master", "promotable"))
        ids.append(f"c{c}")
        if kind == "master":
            resources.append(f'<master id="c{c}">{prim()}</master>')
        elif kind == "promotable":
            resources.append(f'<clone id="c{c}"><meta_attributes id="c{c}-m"><nvpair id="c{c}-p" '
                             f'name="promotable" value="true"/></meta_attributes>{prim()}</clone>')
        else:
            resources.append(f'<clone id="c{c}">{prim()}</clone>')
    targets = ids + ["ghost"]
    clones = [r for r in ids if r.startswith("c")]

    def pick():  # constraints on clones often, so Promoted-role edges, bans and tickets meet
        return rng.choice(clones) if clones and rng.random() < 0.4 else rng.choice(targets)

    roles = (None, None, "Started", "Master", "Promoted", "Slave", "Unpromoted")
    scores = ("INFINITY", "+INFINITY", "-INFINITY", "-inf", "100", "0", "-50")
    constraints = []

    def attr(name, value):
        return f' {name}="{value}"' if value is not None else ""

    for k in range(rng.randint(0, 6)):
        constraints.append(
            f'<rsc_colocation id="col{k}" rsc="{rng.choice(targets)}" with-rsc="{pick()}" '
            f'score="{rng.choice(("INFINITY", "INFINITY", "INFINITY", "-INFINITY", "200"))}"'
            f'{attr("rsc-role", rng.choice(roles))}{attr("with-rsc-role", rng.choice(roles))}/>')
    if rng.random() < 0.3:
        members = "".join(f'<resource_ref id="{r}"/>' for r in rng.sample(ids, min(len(ids), rng.randint(2, 3))))
        constraints.append(f'<rsc_colocation id="colset" score="INFINITY"><resource_set id="colset-0"'
                           f'{attr("role", rng.choice(roles))}>{members}</resource_set></rsc_colocation>')
    for k in range(rng.randint(0, 6)):
        rid, role = pick(), rng.choice(roles)
        if rng.random() < 0.4:
            constraints.append(f'<rsc_location id="loc{k}" rsc="{rid}" node="{rng.choice(nodes + ("nodeX",))}" '
                               f'score="{rng.choice(scores)}"{attr("role", role)}/>')
            continue
        expressions = []
        for e in range(rng.randint(1, 3)):
            what = rng.random()
            if what < 0.6:
                expressions.append(f'<expression id="loc{k}-e{e}" attribute="#uname" '
                                   f'operation="{rng.choice(("eq", "ne"))}" value="{rng.choice(nodes)}"/>')
            elif what < 0.8:
                expressions.append(f'<expression id="loc{k}-e{e}" attribute="site" operation="eq" '
                                   f'value="{rng.choice("ab")}"/>')
            else:
                expressions.append(f'<date_expression id="loc{k}-e{e}" operation="gt" start="2001-01-01"/>')
        constraints.append(f'<rsc_location id="loc{k}" rsc="{rid}"><rule id="loc{k}-r" score="{rng.choice(scores)}"'
                           f'{attr("role", role)} boolean-op="{rng.choice(("and", "or"))}">{"".join(expressions)}'
                           f'</rule></rsc_location>')
    for k in range(rng.randint(0, 2)):
        if rng.random() < 0.25:
            constraints.append(f'<rsc_ticket id="tk{k}" ticket="T{k}"><resource_set id="tk{k}-0"'
                               f'{attr("role", rng.choice(roles))}><resource_ref id="{pick()}"/>'
                               f'</resource_set></rsc_ticket>')
        else:
            constraints.append(f'<rsc_ticket id="tk{k}" ticket="T{k}" rsc="{pick()}"'
                               f'{attr("rsc-role", rng.choice(roles))}'
                               f'{attr("loss-policy", rng.choice((None, "stop", "demote", "fence", "freeze")))}/>')
    symmetric = rng.choice((None, None, "true", "false"))
    options = (f'<cluster_property_set id="o"><nvpair id="o-s" name="symmetric-cluster" value="{symmetric}"/>'
               f'</cluster_property_set>' if symmetric else "")
    xml = (f'<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration>'
           f'<crm_config>{options}</crm_config><nodes>{node_xml}</nodes><resources>{"".join(resources)}</resources>'
           f'<constraints>{"".join(constraints)}</constraints></configuration><status/></cib>')
    return parse_cib(xml.encode(), f"random-{index}.xml")


RANDOM_CIBS = 400


def test_fast_sets_agree_with_listing_on_random_cibs():
    rng = random.Random(20261126)
    problems, excluded, alone, tickets, free = [], 0, 0, 0, 0
    for index in range(RANDOM_CIBS):
        expected, found = disagreements(random_cib(rng, index))
        problems += found
        for with_requirements, needs_ticket, own in expected.values():
            excluded += bool(with_requirements)
            alone += bool(own[Role.PROMOTED] - own[Role.ANY])
            tickets += needs_ticket
            free += not with_requirements and not needs_ticket
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:20])
    # the family reaches every kind of answer (so the agreement above is not about empty sets only)
    assert excluded >= 100 and alone >= 10 and tickets >= 50 and free >= 100, (excluded, alone, tickets, free)


# ------------------------------------------------------------------------------------------------------
# Pacemaker's scheduler corpus

def test_fast_sets_agree_with_listing_on_the_scheduler_corpus():
    problems, resources, excluded, tickets = [], 0, 0, 0
    for path in corpus_files():
        expected, found = disagreements(read_cib(str(path)))
        problems += found
        resources += len(expected)
        excluded += sum(bool(answer[0]) for answer in expected.values())
        tickets += sum(answer[1] for answer in expected.values())
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:20])
    assert resources >= 5000 and excluded >= 300 and tickets >= 100, (resources, excluded, tickets)
