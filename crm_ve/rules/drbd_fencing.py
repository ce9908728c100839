"""CV405 drbd-fence-constraint-left and CV406 drbd-without-fencing
(docs/pacemaker-semantics.md §8, docs/rule-catalogue.md D9).

DRBD's fencing handler ``crm-fence-peer.sh`` (``crm-fence-peer.9.sh``) adds
``<rsc_location id="drbd-fence-by-handler-RES-CLONE" rsc="CLONE"><rule role="Master" score="-INFINITY">
<expression attribute="#uname" operation="ne" value="NODE"/>`` when DRBD loses its peer, so that only the node
with good data can be promoted; ``crm-unfence-peer.sh`` removes it after the resync. In a configuration being
checked or committed it is either a disconnection in progress or a leftover: while it stays, DRBD cannot be
promoted anywhere else, so the stack cannot fail over. That fencing, and DRBD's ``fencing
resource-and-stonith``, rely on Pacemaker's own fencing: ``stonith-enabled=false`` on a DRBD cluster invites
split brain (two Primaries with diverging data).
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model import Role, Truth
from crm_ve.model.locations import location_bans
from crm_ve.model.values import parse_bool
from crm_ve.rules.stack_common import delete_fix, join, stacks_of

FENCE_PREFIX = "drbd-fence-by-handler-"

FENCE_LEFT = Rule(
    code="CV405",
    name="drbd-fence-constraint-left",
    severity=Severity.WARNING,
    summary="a DRBD fencing constraint (drbd-fence-by-handler-*) keeps DRBD from being promoted elsewhere",
    covers=("D9",),
    suppression_target="the DRBD clone",
    doc=RuleDoc(
        what_it_does=(
            "Finds the location constraints DRBD's fence-peer handler adds (ids starting with "
            "drbd-fence-by-handler-) and says which node they leave for promoting DRBD."
        ),
        why_is_this_bad=(
            "The handler adds the constraint when DRBD loses its peer, and the unfence handler removes it "
            "after the resync. It is expected only while DRBD is disconnected; a persistent one (a failed "
            "unfence, a CIB restored from a backup) keeps DRBD from being promoted on any other node, so the "
            "stack cannot fail over: put the node in standby and the Filesystem and containers stay stopped. "
            "Delete it only when `drbdadm status` shows both sides UpToDate."
        ),
        example=(
            "location drbd-fence-by-handler-r0-ms_drbd_r0 ms_drbd_r0 \\\n"
            "    rule $role=Master -inf: #uname ne node1"
        ),
        use_instead=(
            "# no such constraint: DRBD's unfence handler removes it when both\n"
            "# sides are UpToDate (drbdadm status); delete a leftover with\n"
            "# crm configure delete drbd-fence-by-handler-r0-ms_drbd_r0"
        ),
    ),
    check=None,
)

NO_FENCING = Rule(
    code="CV406",
    name="drbd-without-fencing",
    severity=Severity.WARNING,
    summary="fencing is disabled (stonith-enabled=false) in a cluster running DRBD",
    covers=("D9",),
    suppression_target="the DRBD clone",
    doc=RuleDoc(
        what_it_does=(
            "Reports a DRBD clone in a cluster whose stonith-enabled option is false (or may be, through a "
            "rule), and a cluster with fencing enabled but no fencing device (class stonith)."
        ),
        why_is_this_bad=(
            "Without fencing, a node that stops answering is assumed dead: the survivor promotes DRBD while "
            "the other node may still write to its own Primary, and the data diverge (split brain). DRBD's "
            "`fencing resource-and-stonith` relies on Pacemaker fencing. With fencing enabled and no device, "
            "Pacemaker starts no resources at all."
        ),
        example="property stonith-enabled=false",
        use_instead=(
            "primitive st_ipmi_node2 stonith:external/ipmi params hostname=node2 \\\n"
            "    ipaddr=192.0.2.10 userid=admin passwd=secret interface=lanplus\n"
            "property stonith-enabled=true"
        ),
    ),
    check=None,
)


def _drbd_clones(context):
    return stacks_of(context).drbd_clones


def check_fence_left(context):
    model = context.model
    for constraint in model.constraint_list:
        if constraint.type != "location" or not (constraint.id or "").startswith(FENCE_PREFIX):
            continue
        if constraint.ignored is not None:
            continue
        for rid in constraint.resources:
            bans = location_bans(constraint, rid, Role.PROMOTED, model.nodes, model.index)
            left = [n for n in model.nodes if bans.get(n) is not Truth.TRUE]
            where = (f"anywhere but {join(left)}" if left and len(left) < len(model.nodes)
                     else "anywhere" if not left else "on some nodes")
            message = (f"{constraint.id} keeps {rid} from being promoted {where}. DRBD's fence-peer handler "
                       f"adds it when DRBD loses its peer and the unfence handler removes it after the resync; "
                       f"while it stays, DRBD cannot be promoted elsewhere and the stack cannot fail over. "
                       f"Once `drbdadm status` shows both sides UpToDate, delete it.")
            yield Finding.of(FENCE_LEFT, message, line=constraint.line, resources=(rid,),
                             constraints=(constraint.id,), fix=delete_fix(model, [constraint.id]),
                             suppress_on=rid)


def check_no_fencing(context):
    model = context.model
    clones = _drbd_clones(context)
    if not clones:
        return
    value = model.cluster_option("stonith-enabled")
    enabled = value.truth(lambda v: parse_bool(v, True) if isinstance(v, str) else v, default=True)
    clone = next(iter(clones))
    line = model.resources[clone].line
    # the class first: a plain attribute (one test per resource of 20,000)
    devices = [r.id for r in model.resources.values() if r.standard == "stonith" and r.is_primitive]
    if enabled is not Truth.TRUE:
        how = "stonith-enabled=false" if enabled is Truth.FALSE else \
            f"stonith-enabled may be false ({', '.join(value.conditions) or 'a rule'})"
        fix = Fix(crm=("crm configure property stonith-enabled=true",),
                  pcs=("pcs property set stonith-enabled=true",)) if devices else Fix()
        advice = "enable it" if devices else "configure a fencing device first (pcs stonith create / crm " \
                                            "configure primitive ... stonith:...), then set stonith-enabled=true"
        message = (f"Fencing is disabled ({how}) in a cluster running DRBD ({join(clones)}): a node that stops "
                   f"answering is assumed dead and DRBD is promoted on the other while it may still be Primary "
                   f"there (split brain); DRBD's resource-and-stonith fencing needs it. {advice[0].upper()}"
                   f"{advice[1:]}.")
        yield Finding.of(NO_FENCING, message, line=line, resources=tuple(clones), fix=fix, suppress_on=clone)
    elif not devices:
        message = (f"Fencing is enabled but no fencing device (class stonith) is configured, in a cluster running "
                   f"DRBD ({join(clones)}): Pacemaker starts no resources until one exists. Configure one "
                   f"(pcs stonith create / crm configure primitive ... stonith:...).")
        yield Finding.of(NO_FENCING, message, line=line, resources=tuple(clones), suppress_on=clone)


FENCE_LEFT.check = check_fence_left
NO_FENCING.check = check_no_fencing


@hookimpl
def crm_ve_rules():
    return [FENCE_LEFT, NO_FENCING]
