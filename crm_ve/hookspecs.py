"""The hooks a crm-ve plugin can implement.

A plugin is a module (or object) with functions marked ``@crm_ve.hookimpl``, registered through the ``crm_ve``
entry point group in its package metadata::

    [options.entry_points]
    crm_ve =
        vm = crm_ve_vm.plugin

The built-in rules, workload agents and output formats are plugins of exactly this kind (see
``crm_ve.plugins.DEFAULT_PLUGINS``), so a third party can do anything a built-in can. Every hook returns *records*
(dataclasses from :mod:`crm_ve.findings`); the host collects them from every plugin, rejects duplicates and names
the plugin that broke.
"""
import pluggy

from crm_ve import PROJECT_NAME

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def crm_ve_rules():
    """Declare checks.

    Return an iterable of :class:`crm_ve.findings.Rule`. Codes are unique across every plugin: the built-in rules
    use the ``CV`` prefix, a third-party plugin uses a prefix of its own (e.g. ``VM``); the host refuses to start
    when two rules share a code or a name, or when a third-party plugin uses ``CV``.

    Called once per run, from every plugin (not firstresult).

    .. versionadded:: 0.1
    """


@hookspec
def crm_ve_workload_agents():
    """Declare resource agents whose resources are workloads that must sit on a DRBD-backed Filesystem.

    Return an iterable of :class:`crm_ve.findings.WorkloadAgent`. Every resource of such an agent gets the
    storage-stack checks that ``ocf:heartbeat:ManageVE`` gets (colocated with and ordered after its Filesystem...).
    The built-in plugin declares ``ocf:heartbeat:ManageVE`` and ``ocf:crm-ve:ManageVE``; a plugin may add, for
    example, ``ocf:heartbeat:VirtualDomain``.

    Called once per run, from every plugin (not firstresult).

    .. versionadded:: 0.1
    """


@hookspec
def crm_ve_output_formats():
    """Declare report formats for ``crm-ve check --format NAME``.

    Return an iterable of :class:`crm_ve.findings.OutputFormat`; names are unique across plugins.

    Called once per run, from every plugin (not firstresult).

    .. versionadded:: 0.1
    """
