"""The plugin host: loads the built-in and third-party plugins and collects their records.

Bootstrap order as in pluggy's eggsample: add specs -> load entry points -> register built-ins -> check_pending.
Entry points are loaded one by one (pluggy's own loader stops at the first broken plugin with a traceback), so a
broken plugin is named in one line. Call sites use :class:`PluginHost`, never ``pm.hook.*``.
"""
import importlib
import os
import re

import pluggy

from crm_ve import PROJECT_NAME, hookspecs, rules
from crm_ve.entry_points import entry_points
from crm_ve.errors import PluginError

ENTRY_POINT_GROUP = "crm_ve"
DISABLE_AUTOLOAD_ENV = "CRM_VE_DISABLE_PLUGIN_AUTOLOAD"
BUILTIN_CODE_PREFIX = "CV"

#: Built-in plugins, registered by module name exactly like third-party ones (``-p no:NAME`` blocks one).
DEFAULT_PLUGINS = (
    "crm_ve.workloads",
    "crm_ve.report.text",
    "crm_ve.report.json",
    "crm_ve.report.sarif",
    "crm_ve.report.github",
) + rules.BUILTIN

_CODE = re.compile(r"^([A-Z]+)(\d+)$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _refuse_unknown(blocked):
    """A ``-p no:NAME`` that names no plugin would block nothing and say nothing: refuse it, listing the names."""
    known = set(DEFAULT_PLUGINS) | {ep.name for ep in entry_points(ENTRY_POINT_GROUP)}
    unknown = [name for name in blocked if name not in known]
    if unknown:
        raise PluginError(f"-p no:{unknown[0]}: no plugin of that name; the plugins are: {', '.join(sorted(known))}")


class PluginHost:
    """The loaded plugins and the records they declared (rules, workload agents, output formats)."""

    def __init__(self, blocked=(), autoload=None):
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        if blocked:
            _refuse_unknown(blocked)
        for name in blocked:
            self.pm.set_blocked(name)
        if autoload is None:
            autoload = not os.environ.get(DISABLE_AUTOLOAD_ENV)
        self.builtin_names = set()
        if autoload:
            self._load_entry_points()
        for module_name in DEFAULT_PLUGINS:
            if self.pm.is_blocked(module_name):
                continue
            self.pm.register(importlib.import_module(module_name), name=module_name)
            self.builtin_names.add(module_name)
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {exc.plugin_name!r} is invalid: {exc}") from None
        self._rules = None
        self._workloads = None
        self._formats = None

    def _load_entry_points(self):
        seen = set()
        for ep in entry_points(ENTRY_POINT_GROUP):
            if ep.name in seen:
                continue
            seen.add(ep.name)
            if self.pm.is_blocked(ep.name) or self.pm.has_plugin(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken third-party plugin: name it, do not crash
                raise PluginError(
                    f"plugin {ep.name!r} (from {ep.dist_name}) failed to load: {type(exc).__name__}: {exc}"
                ) from None
            try:
                self.pm.register(plugin, name=ep.name)
            except (ValueError, pluggy.PluginValidationError) as exc:
                raise PluginError(f"plugin {ep.name!r} (from {ep.dist_name}) is invalid: {exc}") from None

    def plugin_names(self):
        return sorted(name for name, _ in self.pm.list_name_plugin() if name is not None)

    def _collect(self, hook_name):
        """Call one hook on every plugin separately, so each record knows its plugin and a failure is named."""
        hook = getattr(self.pm.hook, hook_name)
        for impl in reversed(hook.get_hookimpls()):
            try:
                records = list(impl.function() or ())
            except Exception as exc:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} failed in {hook_name}: {type(exc).__name__}: {exc}"
                ) from None
            for record in records:
                yield impl.plugin_name, record

    @property
    def rules(self):
        """Every declared rule, sorted by code; duplicates and foreign use of the built-in prefix refused."""
        if self._rules is None:
            by_code, by_name = {}, {}
            for plugin_name, rule in self._collect("crm_ve_rules"):
                match = _CODE.match(rule.code or "")
                if not match:
                    raise PluginError(f"plugin {plugin_name!r}: rule code {rule.code!r} is not LETTERS+DIGITS")
                if not _NAME.match(rule.name or ""):
                    raise PluginError(f"plugin {plugin_name!r}: rule name {rule.name!r} is not kebab-case")
                builtin = plugin_name in self.builtin_names
                if (match.group(1) == BUILTIN_CODE_PREFIX) != builtin:
                    raise PluginError(
                        f"plugin {plugin_name!r}: rule code {rule.code} must "
                        + ("use" if builtin else "not use")
                        + f" the built-in prefix {BUILTIN_CODE_PREFIX}"
                    )
                for key, index in ((rule.code, by_code), (rule.name, by_name)):
                    if key in index:
                        raise PluginError(
                            f"plugins {index[key].plugin!r} and {plugin_name!r} both declare rule {key!r}"
                        )
                rule.plugin = plugin_name
                by_code[rule.code] = rule
                by_name[rule.name] = rule
            self._rules = [by_code[code] for code in sorted(by_code)]
        return self._rules

    def rule(self, code_or_name):
        for rule in self.rules:
            if code_or_name in (rule.code, rule.name) or code_or_name.upper() == rule.code:
                return rule
        return None

    @property
    def workload_agents(self):
        if self._workloads is None:
            agents = {}
            for _, agent in self._collect("crm_ve_workload_agents"):
                agents[agent.spec] = agent
            self._workloads = tuple(agents.values())
        return self._workloads

    @property
    def output_formats(self):
        if self._formats is None:
            formats = {}
            for plugin_name, fmt in self._collect("crm_ve_output_formats"):
                if fmt.name in formats:
                    raise PluginError(f"plugin {plugin_name!r}: output format {fmt.name!r} is already declared")
                formats[fmt.name] = fmt
            self._formats = formats
        return self._formats
