"""CV502 checkpoint-dump-off-filesystem and CV503 checkpoint-without-dumpfile: where a container's checkpoint
goes.

A workload agent may declare a dump parameter (``WorkloadAgent.dump_parameter``: ``dumpfile`` for
``ocf:crm-ve:ManageVE``, a plugin's own for its agent). The checkpoint written on stop (or by ``migrate_to``)
is read on start on whichever node mounts the Filesystem next, so it must be on that Filesystem: a path
anywhere else is on the local disk of the node that stopped the container. ManageVE refuses
``checkpoint_on_stop=true`` without a dumpfile (ra/ManageVE meta-data: "Required when checkpoint_on_stop is
true").
"""
import posixpath

from crm_ve import hookimpl
from crm_ve.findings import Finding, Fix, Rule, RuleDoc, Severity
from crm_ve.model.values import parse_bool
from crm_ve.rules.stack_common import param_fix, stacks_of

#: Agents whose checkpointing is switched on by a parameter besides the dump path.
CHECKPOINT_SWITCH = {"ocf:crm-ve:ManageVE": "checkpoint_on_stop"}

OFF_FILESYSTEM = Rule(
    code="CV502",
    name="checkpoint-dump-off-filesystem",
    severity=Severity.ERROR,
    summary="a container's checkpoint dump file is not on its Filesystem",
    covers=(),
    suppression_target="the container",
    doc=RuleDoc(
        what_it_does=(
            "For containers whose agent has a dump parameter (dumpfile of ocf:crm-ve:ManageVE), checks that "
            "the path is absolute and lies under the directory of the Filesystem the container sits on."
        ),
        why_is_this_bad=(
            "The checkpoint is written on the node that stops the container and read on the node that starts "
            "it next. Outside the replicated Filesystem it stays on the old node's local disk: after a move or "
            "failover the container starts cold, and a stale dump is left behind for a later start to find."
        ),
        example=(
            "primitive p_ve ocf:crm-ve:ManageVE params veid=101 \\\n"
            "    checkpoint_on_stop=true dumpfile=/var/tmp/Dump.101"
        ),
        use_instead=(
            "primitive p_ve ocf:crm-ve:ManageVE params veid=101 \\\n"
            "    checkpoint_on_stop=true dumpfile=/vz/dump/Dump.101"
        ),
    ),
    check=None,
)

NO_DUMPFILE = Rule(
    code="CV503",
    name="checkpoint-without-dumpfile",
    severity=Severity.ERROR,
    summary="checkpointing is switched on but no dump file is given",
    covers=(),
    suppression_target="the container",
    doc=RuleDoc(
        what_it_does=(
            "Reports ocf:crm-ve:ManageVE containers with checkpoint_on_stop=true and no (or an empty) "
            "dumpfile."
        ),
        why_is_this_bad=(
            "The agent needs the dump file to checkpoint into: it refuses the configuration "
            "(OCF_ERR_CONFIGURED), so the container cannot be started or stopped by the cluster at all."
        ),
        example="primitive p_ve ocf:crm-ve:ManageVE params veid=101 \\\n    checkpoint_on_stop=true",
        use_instead=(
            "primitive p_ve ocf:crm-ve:ManageVE params veid=101 \\\n"
            "    checkpoint_on_stop=true dumpfile=/vz/dump/Dump.101"
        ),
    ),
    check=None,
)


def _dump_parameters(context):
    return {agent.spec: agent.dump_parameter for agent in context.workload_agents if agent.dump_parameter}


def _under(path, directory):
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _directories(model, ties):
    out = []
    for tie in ties:
        directory = model.resources[tie.upper].params.get("directory")
        if directory and directory.startswith("/"):
            out.append((tie.upper, posixpath.normpath(directory)))
    return out


def check_off_filesystem(context):
    model = context.model
    dumps = _dump_parameters(context)
    ties = stacks_of(context).container_ties
    for resource in model.resources.values():
        parameter = dumps.get(resource.agent) if resource.is_primitive else None
        value = (resource.params.get(parameter) or "").strip() if parameter else ""
        if not value or resource.id not in ties:
            continue
        directories = _directories(model, ties[resource.id])
        if not directories:
            continue
        path = posixpath.normpath(value) if value.startswith("/") else value
        if value.startswith("/") and any(_under(path, d) for _, d in directories):
            continue
        fs, directory = directories[0]
        suggested = posixpath.join(directory, posixpath.basename(path.rstrip("/")) or f"Dump.{resource.id}")
        what = "is not an absolute path" if not value.startswith("/") else \
            f"is not under {directory}, where {fs} is mounted"
        message = (f"{resource.id}'s {parameter} {value} {what}: the checkpoint is written on the node that "
                   f"stops {resource.id} and is not there when it starts on the other node after a move or "
                   f"failover, so it starts cold (and a stale dump is left behind). Put it on {fs}, e.g. "
                   f"{suggested}.")
        yield Finding.of(OFF_FILESYSTEM, message, line=resource.line, resources=(resource.id, fs),
                         fix=param_fix(resource.id, [(parameter, suggested)]), suppress_on=resource.id)


def check_no_dumpfile(context):
    model = context.model
    dumps = _dump_parameters(context)
    ties = stacks_of(context).container_ties
    for resource in model.resources.values():
        switch = CHECKPOINT_SWITCH.get(resource.agent) if resource.is_primitive else None
        parameter = dumps.get(resource.agent)
        if not switch or not parameter or not parse_bool(resource.params.get(switch), False):
            continue
        if (resource.params.get(parameter) or "").strip():
            continue
        directories = _directories(model, ties.get(resource.id, ()))
        fix = Fix()
        where = "a file on its Filesystem"
        if directories:
            fs, directory = directories[0]
            suggested = posixpath.join(directory, f"Dump.{resource.params.get('veid') or resource.id}")
            fix = param_fix(resource.id, [(parameter, suggested)])
            where = f"a file on {fs}, e.g. {suggested}"
        message = (f"{resource.id} has {switch}=true but no {parameter}: the agent refuses the configuration "
                   f"(OCF_ERR_CONFIGURED) and the container can be neither started nor stopped by the cluster. "
                   f"Set {parameter} to {where}.")
        yield Finding.of(NO_DUMPFILE, message, line=resource.line, resources=(resource.id,), fix=fix,
                         suppress_on=resource.id)


OFF_FILESYSTEM.check = check_off_filesystem
NO_DUMPFILE.check = check_no_dumpfile


@hookimpl
def crm_ve_rules():
    return [OFF_FILESYSTEM, NO_DUMPFILE]
