"""CV701 agent-parameters: a primitive's instance attributes against its agent's meta-data.

Pacemaker passes every instance attribute to the agent as ``OCF_RESKEY_name`` and never checks the names: a
misspelt parameter is silently ignored by the agent (``checkpoint_on_stp=true`` leaves checkpointing off), a
missing required one fails the agent's validation. ``crm configure verify`` compares the names with the
agent's meta-data (crmsh ``ra.py``: "parameter ... is not known", "required parameter ... not defined"); this
rule does the same for every primitive whose agent's meta-data crm-ve can read (:mod:`agent_advice`: installed
OCF agents with plain names, and ocf:crm-ve:ManageVE from the copy shipped with crm-ve), and says which agents
it could not read, so that a workstation without the agents and a cluster node never disagree silently.
"""
import re

from crm_ve import command_words, hookimpl
from crm_ve.command_words import crm_name, crm_shell_value, pcs_id, pcs_value
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model.values import parse_bool
from crm_ve.rules.agent_advice import agent_advice, start_prefetch

RULE = Rule(
    code="CV701",
    name="agent-parameters",
    severity=Severity.ERROR,
    summary="a primitive sets a parameter its agent does not know, or lacks a required one",
    covers=(),
    suppression_target="the primitive",
    doc=RuleDoc(
        what_it_does=(
            "Compares each primitive's instance attributes with the parameters its agent's meta-data declares: "
            "an unknown name (with the closest known one) or a missing required parameter is an error, a "
            "value that is not a boolean or an integer where the agent declares one is a warning. Agents "
            "whose meta-data cannot be read (not installed here, not OCF) are listed as not checked (info)."
        ),
        why_is_this_bad=(
            "Pacemaker hands every attribute to the agent without looking at its name. The agent ignores a "
            "name it does not know, so a typo silently turns a feature off (checkpoint_on_stp=true: the "
            "container loses its memory on every move), and it refuses to run without a required parameter "
            "(OCF_ERR_CONFIGURED stops the resource on every node). crm_verify does not compare them."
        ),
        example=(
            "primitive p_ve ocf:crm-ve:ManageVE params veid=101 \\\n"
            "    checkpoint_on_stp=true dumpfile=/vz/dump/Dump.101"
        ),
        use_instead=(
            "primitive p_ve ocf:crm-ve:ManageVE params veid=101 \\\n"
            "    checkpoint_on_stop=true dumpfile=/vz/dump/Dump.101"
        ),
    ),
    check=None,
)

#: Parameters every OCF agent accepts: ocf-shellfuncs' tracing switches, which pcs offers for every OCF agent
#: (pcs ``lib/resource_agent/pcs_transform.py``) and ``crm resource trace`` sets.
TRACING_PARAMETERS = frozenset({"trace_ra", "trace_file"})
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def _primitives(model):
    return [resource for resource in model.resources.values() if resource.kind == "primitive"]


def prepare(context):
    """Start reading the meta-data of every agent the primitives use (processes that overlap the other
    rules); ``check`` reads them."""
    context.prepared[RULE.code] = start_prefetch(_primitives(context.model))


def _fits(value, declared_type):
    if declared_type == "boolean":
        return parse_bool(value) is not None
    if declared_type == "integer":
        return bool(_INTEGER.fullmatch(value))
    return True


def _rename_fix(rid, old, new, value) -> Fix:
    """Parameter ``old`` of ``rid`` renamed ``new``, keeping ``value``."""
    return command_words.fix(
        crm=lambda: [["crm", "resource", "param", crm_name(rid, "resource"), "delete", crm_name(old, "parameter")],
                     ["crm", "resource", "param", crm_name(rid, "resource"), "set", crm_name(new, "parameter"),
                      crm_shell_value(value, f"{old} value")]],
        pcs=lambda: [["pcs", "resource", "update", pcs_id(rid, "resource"), f"{pcs_id(old, 'parameter')}=",
                      f"{pcs_id(new, 'parameter')}={pcs_value(value, f'{old} value')}"]])


def _unknown(resource, advice, name, known):
    value = resource.params[name]
    import difflib  # only for an unknown parameter: not imported by every check
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    fix = Fix()
    if close and close[0] not in resource.params and value is not None:
        hint = f"; did you mean {close[0]!r}?"
        fix = _rename_fix(resource.id, name, close[0], value)
    else:
        hint = "; remove it or correct its name"
    return Finding.of(
        RULE, f"{resource.id}: parameter {name!r} is not known to {resource.agent} ({advice.source}): the agent "
              f"ignores it{hint}",
        line=resource.line, resources=(resource.id,), fix=fix, suppress_on=resource.id)


def _findings_of(resource, advice):
    declared = {parameter.name: parameter for parameter in advice.parameters}
    known = set(declared) | TRACING_PARAMETERS
    for name in resource.params:
        if name not in known:
            yield _unknown(resource, advice, name, known)
    for parameter in advice.parameters:
        if parameter.required and parameter.name not in resource.params:
            yield Finding.of(
                RULE, f"{resource.id}: required parameter {parameter.name!r} of {resource.agent} is not set: "
                      f"the agent refuses to run (OCF_ERR_CONFIGURED) and the resource is stopped everywhere",
                line=resource.line, resources=(resource.id,), suppress_on=resource.id)
    for name, value in resource.params.items():
        parameter = declared.get(name)
        if parameter is not None and value and not _fits(value, parameter.type):
            yield Finding.of(
                RULE, f"{resource.id}: parameter {name}={value!r} is not a valid {parameter.type} for "
                      f"{resource.agent}", severity=Severity.WARNING,
                line=resource.line, resources=(resource.id,), suppress_on=resource.id)


def check(context):
    started = context.prepared.get(RULE.code)
    if started is not None:
        started.join()
    unreadable = {}
    for resource in _primitives(context.model):
        advice = agent_advice(resource)
        if advice is None:
            unreadable.setdefault(resource.agent, []).append(resource)
            continue
        yield from _findings_of(resource, advice)
    for agent, resources in unreadable.items():
        ids = [resource.id for resource in resources]
        yield Finding.of(
            RULE, f"parameters not checked for {agent} ({', '.join(ids)}): its meta-data cannot be read here "
                  f"(crm-ve reads installed OCF agents with plain names only)", severity=Severity.INFO,
            line=resources[0].line, resources=tuple(ids), suppress_on=ids[0])


RULE.check = check
RULE.prepare = prepare


@hookimpl
def crm_ve_rules():
    return [RULE]
