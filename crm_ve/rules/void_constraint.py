"""CV203 void-constraint: a constraint, or part of one, that Pacemaker silently never applies (C5).

docs/pacemaker-semantics.md §3.3 and §11 (C5, E-R4, E-SR): a ``Promoted`` role on a resource that cannot be promoted
makes a colocation place nothing, crm_verify clean (as the primary's role, Pacemaker 2.1.5 still weighs the
dependent's node scores when it places the primary: the trace says "Incorporating ... assignment scores", and
"Skipping colocation ... primary limited to Promoted role" where it would place the dependent); pcs's
``colocation add master vip with ms`` puts the role on the wrong side; a set's ``role`` applies to every
member, so ``[ms p_fs] role=Promoted`` says nothing about p_fs.
A colocation without a score (or score 0) is ignored entirely (Pacemaker Explained, "Colocation Properties").
An order's ``promote``/``demote`` on a resource that cannot be promoted never happens: as the *then* action the
order is a no-op (an omitted then-action defaults to the first-action, docs/pacemaker-semantics.md §2.1), as the *first*
action the scheduler blocks the then-action forever ("unrunnable ... promote (blocked)", checked with
crm_simulate). A location whose role cannot apply, and a colocation of two tags, are dropped as well.
Constraints the storage-chain rules already report as the cause of an error are left to them.

A warning, except where the role or action that cannot happen is DRBD's (a DRBD that is never promoted,
CV302): whatever is colocated with its Promoted role is placed with no regard to DRBD, as crm_simulate shows
(a Filesystem mounted where DRBD does not run), an error. Removing the role would place it with a Secondary
DRBD, so such a finding has no fix of its own: CV302's makes DRBD promotable and the constraint apply.
"""
from lxml import etree

from crm_ve import hookimpl
from crm_ve.background import BackgroundScan
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import INFINITY, Role
from crm_ve.model.values import format_score_xml
from crm_ve.rules.chain_analysis import analyse
from crm_ve.rules.chain_fixes import ColocationSpec, delete_constraints, render_fix
from crm_ve.rules.constraint_rewrite import rewrite
from crm_ve.rules.drbd_common import holds_drbd

RULE = Rule(
    code="CV203",
    name="void-constraint",
    severity=Severity.ERROR,
    summary="a constraint (or part of it) that Pacemaker never applies: a role or action that cannot happen",
    covers=("C5", "C13"),
    suppression_target="the constraint",
    doc=RuleDoc(
        what_it_does=(
            "Flags colocations with a Promoted (Master) role on a resource that cannot be promoted (on either "
            "side, or through a set's role that covers such members), colocations without a score or with "
            "score 0, orders with a promote or demote action on a resource that cannot be promoted, locations "
            "whose role cannot apply, and colocations of two tags."
        ),
        why_is_this_bad=(
            "Pacemaker never applies these, without a word, and crm_verify accepts them: the virtual IP that was "
            "meant to follow the DRBD Primary runs anywhere. pcs's `colocation add master vip with ms` puts the "
            "role on the IP instead of the clone. An order whose first action is a promote that cannot happen "
            "is worse than void: its then-action is blocked forever. Findings are warnings, and errors where "
            "the role or action is that of a DRBD that is never promoted (CV302): a Filesystem colocated with "
            "its Promoted role is mounted with no regard to DRBD, even where DRBD does not run."
        ),
        example=(
            "primitive p_vip ocf:heartbeat:IPaddr2 params ip=192.0.2.10\n"
            "colocation c_vip_on_drbd inf: p_vip:Master ms_drbd_r0\n"
            "pcs constraint colocation add master p_vip with ms_drbd_r0"
        ),
        use_instead=(
            "primitive p_vip ocf:heartbeat:IPaddr2 params ip=192.0.2.10\n"
            "colocation c_vip_on_drbd inf: p_vip ms_drbd_r0:Master\n"
            "pcs constraint colocation add p_vip with promoted ms_drbd_r0"
        ),
    ),
    check=None,
)

_ACTION_FIX = {"promote": "start", "demote": "stop"}


class _Void:
    def __init__(self, constraint):
        self.constraint = constraint
        self.reasons = []
        self.fix = None
        #: the DRBD resources whose Promoted role or promote/demote the constraint names in vain
        self.drbd = []


def _promotable(model, rid):
    return model.promotable(rid).possible


# -------------------------------------------------------------------------------------------- colocations

def _ignored_colocation_edges(model):
    """Colocation edges Pacemaker drops, by constraint element: one pass over the edges, not one per constraint."""
    by_element = {}
    for edge in model.colocation_edges:
        if edge.ignored is not None:
            by_element.setdefault(id(edge.element), []).append(edge)
    return by_element


def _colocation(model, constraint, ignored_edges):
    edges = [e for e in ignored_edges.get(id(constraint.element), ()) if e.constraint == constraint.id]
    if not edges:
        return None
    void = _Void(constraint)
    for edge in edges:
        if edge.ignored.startswith("role"):
            void.reasons.append(_role_reason(model, edge, void))
        else:
            void.reasons.append(f"it has {edge.ignored}, so Pacemaker ignores it")
    if void.drbd:
        return void  # no fix of its own: CV302's makes DRBD promotable and this constraint apply
    vocabulary = model.vocabulary
    if not constraint.sets:
        attributes = {}
        dependent, primary = constraint.sides
        dep_void = Role.parse(constraint.get("rsc-role")) is Role.PROMOTED and not _promotable(model, dependent)
        pri_void = Role.parse(constraint.get("with-rsc-role")) is Role.PROMOTED and not _promotable(model, primary)
        if dep_void:
            attributes["rsc-role"] = None
            if Role.parse(constraint.get("with-rsc-role")).is_any and _promotable(model, primary):
                attributes["with-rsc-role"] = vocabulary.promoted  # the role meant the clone's (pcs C5)
        if pri_void:  # never move it onto the dependent clone: that would reverse the dependency (C4)
            attributes["with-rsc-role"] = None
        if constraint.get("score") is None or edges[0].ignored.startswith(("score", "no score")):
            attributes["score"] = format_score_xml(INFINITY)
        void.fix = rewrite(model, constraint, attributes=attributes)
        return void
    # sets: re-create what Pacemaker derives, edge by edge, the void roles corrected
    adds = []
    for edge in (e for e in model.colocation_edges if e.constraint == constraint.id
                 and e.element is constraint.element):
        dep_role, pri_role = edge.dependent_role, edge.primary_role
        if edge.ignored is not None and edge.ignored.startswith("role"):
            if dep_role is Role.PROMOTED and not _promotable(model, edge.dependent):
                dep_role = Role.ANY
            if pri_role is Role.PROMOTED and not _promotable(model, edge.primary):
                pri_role = Role.ANY
        score = edge.score if edge.score != 0 else INFINITY
        adds.append(ColocationSpec("", edge.dependent, edge.primary, score, dep_role, pri_role))
    void.fix = render_fix(vocabulary, [constraint.id], _with_ids(model, adds))
    return void


def _role_reason(model, edge, void):
    """What the scheduler does with an edge whose Promoted role cannot apply (noting a DRBD's in ``void``)."""
    words = _words(model, edge)
    primary = edge.primary
    if edge.primary_role is Role.PROMOTED and not _promotable(model, primary):
        if holds_drbd(model, primary):
            void.drbd.append(primary)
            return (f"{primary} is a DRBD resource that is never promoted (CV302), so \"{words}\" places "
                    f"nothing: Pacemaker places {edge.dependent} with no regard to DRBD, also on a node where DRBD "
                    f"is Secondary or does not run")
        return (f"{primary} cannot be promoted, so \"{words}\" never places {edge.dependent} with it (Pacemaker "
                f"only weighs {edge.dependent}'s node scores when it places {primary})")
    if holds_drbd(model, edge.dependent):
        void.drbd.append(edge.dependent)
    return (f"{edge.dependent} cannot be promoted, so \"{words}\" never applies: {edge.dependent} is placed as if "
            f"it did not exist")


def _words(model, edge):
    def side(rid, role):
        name = model.vocabulary.role_name(role)
        return f"{rid}:{name}" if name else rid
    return f"{side(edge.dependent, edge.dependent_role)} with {side(edge.primary, edge.primary_role)}"


def _with_ids(model, specs):
    taken, out = set(model.index), []
    for spec in specs:
        base = f"c_{spec.dependent}_with_{spec.primary}"
        cid, n = base, 1
        while cid in taken:
            n += 1
            cid = f"{base}-{n}"
        taken.add(cid)
        out.append(ColocationSpec(cid, spec.dependent, spec.primary, spec.score, spec.dependent_role,
                                  spec.primary_role))
    return out


# ------------------------------------------------------------------------------------------------ orders

def _may_void_order(constraint):
    """A two-resource order can be void only when it names a promote or demote action (read as :func:`_order`
    reads them)."""
    get = constraint.element.get
    first_action = (get("first-action") or "start").lower()
    return first_action in _ACTION_FIX or (get("then-action") or first_action).lower() in _ACTION_FIX


#: The orders that name an action; the others order a start after a start and are never void.
_ORDERS_WITH_ACTIONS = etree.XPath("rsc_order[@first-action or @then-action]")


def _orders_with_actions(model):
    """A scan for the ``id()`` of the elements of the orders naming an action (one XPath over the constraints,
    instead of reading two attributes of each of 20,000 orders); the model's constraints hold the elements."""
    section = model.document.configuration.find("constraints")  # the model's constraints section
    return BackgroundScan(lambda: {id(element) for element in _ORDERS_WITH_ACTIONS(section)}
                          if section is not None else set())


def prepare(context):
    """Start the scan for the orders naming an action in the background (see ``BackgroundScan``)."""
    context.prepared[RULE.code] = _orders_with_actions(context.model).start()


def _order(model, constraint):
    void = _Void(constraint)
    if not constraint.sets:
        first, then = constraint.sides
        first_action = (constraint.get("first-action") or "start").lower()
        then_text = constraint.get("then-action")
        then_action = (then_text or first_action).lower()
        attributes = {}
        if first_action in _ACTION_FIX and not _promotable(model, first):
            if holds_drbd(model, first):
                void.drbd.append(first)
            void.reasons.append(f"{first} cannot be promoted, so its {first_action} never happens and "
                                f"{then}:{then_action} is blocked forever")
            attributes["first-action"] = _ACTION_FIX[first_action]
        if then_action in _ACTION_FIX and not _promotable(model, then):
            defaulted = " (then-action is omitted and defaults to the first-action)" if then_text is None else ""
            void.reasons.append(f"{then} cannot be promoted, so its {then_action}{defaulted} never happens and "
                                f"{then} is not ordered at all")
            attributes["then-action"] = _ACTION_FIX[then_action]
        if not void.reasons:
            return None
        if not void.drbd:  # a DRBD's promote happens once CV302's fix made it promotable
            void.fix = rewrite(model, constraint, attributes=attributes)
        return void
    changes = {}
    for number, rset in enumerate(s for s in constraint.sets if s.converted_from is None):
        action = (rset.action or "start").lower()
        if action not in _ACTION_FIX:
            continue
        never = [m for m in rset.members if not _promotable(model, m)]
        if not never:
            continue
        void.reasons.append(f"set {rset.id or number + 1} asks for the {action} of {', '.join(never)}, which cannot "
                            f"be promoted: that {action} never happens")
        if len(never) == len(rset.members):
            changes[number] = {"action": _ACTION_FIX[action]}
        else:
            changes = None
            break
    if not void.reasons:
        return None
    void.fix = rewrite(model, constraint, set_attributes=changes) if changes is not None else None
    return void


# --------------------------------------------------------------------------------------------- locations

def _location(model, constraint):
    void = _Void(constraint)
    roles = []
    if constraint.sets:
        roles = [(m, s.role) for s in constraint.sets for m in s.members]
    else:
        roles = [(m, Role.parse(constraint.get("role"))) for m in constraint.resources]
    rules = [c for c in constraint.element if isinstance(c.tag, str) and c.tag == "rule"]
    for rid, role in roles:
        rule_roles = [Role.parse(r.get("role")) for r in rules if r.get("role")]
        if role is Role.PROMOTED or (rule_roles and all(r is Role.PROMOTED for r in rule_roles)):
            if not _promotable(model, rid):
                void.reasons.append(f"its Promoted role cannot apply to {rid}, which cannot be promoted")
    if not void.reasons:
        return None
    void.fix = delete_constraints([constraint.id])
    return void


def _ignored(model, constraint):
    if constraint.ignored is None or "not a valid resource" in constraint.ignored or "names" in constraint.ignored:
        return None  # unknown ids: CV204
    void = _Void(constraint)
    void.reasons.append(f"Pacemaker ignores it: {constraint.ignored}")
    void.fix = delete_constraints([constraint.id])
    return void


def check(context):
    model = context.model
    culprits = None
    ignored_edges = _ignored_colocation_edges(model)
    prepared = context.prepared.pop(RULE.code, None) if getattr(context, "prepared", None) is not None else None
    with_actions = (prepared or _orders_with_actions(model)).result()
    for constraint in model.constraint_list:
        if constraint.id is None:
            continue
        if constraint.ignored:
            void = _ignored(model, constraint)
        elif constraint.type == "colocation":
            if id(constraint.element) not in ignored_edges:
                continue  # none of its edges is dropped
            void = _colocation(model, constraint, ignored_edges)
        elif constraint.type == "order":
            if not constraint.sets and (id(constraint.element) not in with_actions
                                        or not _may_void_order(constraint)):
                continue
            void = _order(model, constraint)
        elif constraint.type == "location":
            void = _location(model, constraint)
        else:
            void = None
        if void is None:
            continue
        if culprits is None:
            culprits = {cid for problem in analyse(context) for cid in problem.culprits}
        if constraint.id in culprits:
            continue
        reasons = "; ".join(dict.fromkeys(void.reasons))
        deleted_only = void.fix is not None and len(void.fix.crm or void.fix.pcs) == 1
        advice = " It has no effect: delete it, or write what it was meant to say." if deleted_only else ""
        if void.drbd:
            advice = (f" Make {', '.join(dict.fromkeys(void.drbd))} promotable (CV302's fix), and this constraint "
                      f"applies.")
        yield Finding.of(
            RULE, f"{constraint.type} {constraint.id}: {reasons}.{advice}", line=constraint.line,
            constraints=(constraint.id,), resources=tuple(constraint.resources), fix=void.fix or Fix(),
            suppress_on=constraint.id, severity=Severity.ERROR if void.drbd else Severity.WARNING,
        )


RULE.check = check
RULE.prepare = prepare


@hookimpl
def crm_ve_rules():
    return [RULE]
