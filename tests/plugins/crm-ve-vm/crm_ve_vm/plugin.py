"""Declares libvirt guests (``ocf:heartbeat:VirtualDomain``) as workloads and adds one rule with prefix VM.

As a workload, a VirtualDomain gets every storage-stack check ManageVE gets (placed with and ordered after
its Filesystem, the Filesystem with the promoted DRBD instance...). Its ``snapshot`` parameter is its dump
parameter: the directory where the agent saves the guest's memory on stop and restores it from on start, so
it must be on the guest's Filesystem like ManageVE's ``dumpfile``.
"""
from crm_ve import hookimpl
from crm_ve.findings import Finding, Rule, RuleDoc, Severity, WorkloadAgent

AGENT = "ocf:heartbeat:VirtualDomain"

RULE = Rule(
    code="VM101",
    name="virtualdomain-relative-config",
    severity=Severity.ERROR,
    summary="VirtualDomain's config is not an absolute path",
    covers=(),
    suppression_target="the VirtualDomain resource",
    doc=RuleDoc(
        what_it_does="Flags VirtualDomain resources whose `config` parameter is not an absolute path.",
        why_is_this_bad="The agent runs from Pacemaker's working directory: a relative path finds no domain XML.",
        example="primitive vm1 ocf:heartbeat:VirtualDomain params config=vm1.xml",
        use_instead="primitive vm1 ocf:heartbeat:VirtualDomain params config=/vz/vm1.xml",
    ),
    check=None,
)


def check(context):
    for resource in context.model.resources.values():
        if resource.agent == AGENT and not resource.params.get("config", "").startswith("/"):
            yield Finding.of(
                RULE,
                f"{resource.id}: config={resource.params.get('config', '')!r} is not an absolute path",
                line=resource.line,
                resources=(resource.id,),
                suppress_on=resource.id,
            )


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]


@hookimpl
def crm_ve_workload_agents():
    return [WorkloadAgent("ocf", "heartbeat", "VirtualDomain", dump_parameter="snapshot")]
