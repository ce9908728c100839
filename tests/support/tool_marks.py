"""Which tests need the system (a Pacemaker tool, root, a cluster of this machine), read from the code they run.

A test gets the ``tools`` marker, ``live`` or ``twonode`` for the machine's clusters and ``ocf_agent`` for an agent
installed into the OCF directory, when its function or a fixture it uses reaches, through the functions, classes
and instances of tests/ that it names (followed to any depth):

* one of :data:`HELPERS` (they run the tools, start a cluster or install into the OCF directory);
* ``require_tools`` / ``need_tool`` in a function that also names one of the Pacemaker tools
  (``require_tools("groff")`` alone does not count);
* ``os.geteuid`` (the test needs root).

A tool run by a plain subprocess call in the test itself is not seen: such a test declares
``@pytest.mark.tools`` (``make test-fast`` fails it otherwise, see tests/conftest.py).
"""
import sys
import types
from pathlib import Path

from support.tools import PACEMAKER_TOOLS

TESTS_ROOT = str(Path(__file__).resolve().parents[1])

TOOLS, LIVE, TWONODE, OCF_AGENT = "tools", "live", "twonode", "ocf_agent"

#: Helpers (module.qualname) and the markers a test that reaches them gets.
HELPERS = {
    "support.cib_build._run": {TOOLS},
    "support.fix_commands.run_tool": {TOOLS},
    "support.crm_template.apply_template": {TOOLS},
    "support.ocf_install.installed_agent": {TOOLS, OCF_AGENT},
    "support.live_cluster.LiveCluster": {TOOLS, LIVE},
    "support.live_cluster.acquire_lock": {TOOLS, LIVE},
    "support.live_cluster.require_live_cluster_possible": {TOOLS, LIVE},
    "support.twonode.TwoNodeCluster": {TOOLS, TWONODE},
    "support.twonode.namespaces_unavailable_reason": {TOOLS, TWONODE},
    "crm_ve.simulate.Simulator": {TOOLS},
    "crm_ve.simulate.stack_facts": {TOOLS},
}
TOOL_CHECKS = frozenset(("require_tools", "need_tool"))
ROOT_CHECK = "geteuid"

_MEMO = {}


def _defined_in_tests(obj):
    code = getattr(obj, "__code__", None)
    if code is not None:
        return code.co_filename.startswith(TESTS_ROOT)
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    return (getattr(module, "__file__", None) or "").startswith(TESTS_ROOT)


def _names_and_strings(code):
    """Global and attribute names, and string constants, of CODE and the functions nested in it."""
    names, strings = set(code.co_names), set()
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            inner_names, inner_strings = _names_and_strings(const)
            names |= inner_names
            strings |= inner_strings
        elif isinstance(const, str):
            strings.add(const)
        elif isinstance(const, tuple):
            strings.update(c for c in const if isinstance(c, str))
    return names, strings


def _own_marks(function):
    names, strings = _names_and_strings(function.__code__)
    marks = set()
    if names & TOOL_CHECKS and strings & PACEMAKER_TOOLS:
        marks.add(TOOLS)
    if ROOT_CHECK in names:
        marks.add(TOOLS)
    for name in names:
        target = function.__globals__.get(name)
        if isinstance(target, types.ModuleType):
            if _defined_in_tests(target) or target.__name__ == "crm_ve.simulate":
                for attribute in names:
                    marks |= marks_of(getattr(target, attribute, None))
        elif target is not None:
            marks |= marks_of(target)
    return marks


def marks_of(obj):
    """The markers OBJ (a function, class, instance or fixture function) implies; empty for anything outside
    tests/ but :data:`HELPERS`."""
    if obj is None or isinstance(obj, (str, int, float, bool, bytes, tuple, list, dict, set, frozenset)):
        return set()
    key = id(obj)
    if key in _MEMO:
        return _MEMO[key]
    qualified = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
    if qualified in HELPERS:
        return set(HELPERS[qualified])
    _MEMO[key] = set()              # a cycle back to OBJ adds nothing
    marks = set()
    function = getattr(obj, "__func__", obj)
    if isinstance(obj, type):
        if _defined_in_tests(obj):
            for member in vars(obj).values():
                member = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                marks |= marks_of(member)
    elif isinstance(function, types.FunctionType):
        if _defined_in_tests(function):
            marks = _own_marks(function)
    elif not isinstance(obj, types.ModuleType) and _defined_in_tests(type(obj)):
        marks = marks_of(type(obj))         # an instance: what its methods reach
    _MEMO[key] = marks
    return marks


def item_marks(item):
    """The markers a collected test implies through its function and every fixture it uses."""
    marks = marks_of(getattr(item, "function", None))
    fixture_info = getattr(item, "_fixtureinfo", None)
    for definitions in (fixture_info.name2fixturedefs.values() if fixture_info else ()):
        for definition in definitions:
            marks |= marks_of(getattr(definition, "func", None))
    return marks
