"""tests/support/tool_marks.py: which markers a test gets from the functions, classes and fixtures it reaches."""
import os

from support.cib_build import empty_cib
from support.live_cluster import LiveCluster
from support.tool_marks import marks_of
from support.tools import require_tools


def _runs_crmsh():
    require_tools("crm", "cibadmin")


def _renders_with_groff():
    require_tools("groff")


def _builds_a_cib(path):
    return empty_cib(path)


def _needs_root():
    return os.geteuid() == 0


def _through_a_helper(path):
    return _builds_a_cib(path)


def _starts_the_live_cluster():
    return LiveCluster()


class _Builder:
    def build(self, path):
        return _through_a_helper(path)


BUILDER = _Builder()


def _through_an_instance(path):
    return BUILDER.build(path)


def _in_a_nested_function():
    def inner():
        require_tools("pcs")
    return inner


def _pure(text):
    return text.upper()


#: Looked up by name, so that the tests below do not reach (and get marked by) what they examine.
SAMPLES = {f.__name__: f for f in (_runs_crmsh, _renders_with_groff, _builds_a_cib, _needs_root, _through_a_helper,
                                    _starts_the_live_cluster, _Builder, _through_an_instance, _in_a_nested_function,
                                    _pure)}


def test_require_tools_with_a_pacemaker_tool_marks_and_with_another_tool_does_not():
    assert marks_of(SAMPLES["_runs_crmsh"]) == {"tools"}
    assert marks_of(SAMPLES["_renders_with_groff"]) == set()


def test_helpers_are_followed_through_functions_classes_and_instances():
    assert marks_of(SAMPLES["_builds_a_cib"]) == {"tools"}
    assert marks_of(SAMPLES["_through_a_helper"]) == {"tools"}
    assert marks_of(SAMPLES["_Builder"]) == {"tools"}
    assert marks_of(SAMPLES["_through_an_instance"]) == {"tools"}
    assert marks_of(SAMPLES["_in_a_nested_function"]) == {"tools"}


def test_root_and_the_live_cluster():
    assert marks_of(SAMPLES["_needs_root"]) == {"tools"}
    assert marks_of(SAMPLES["_starts_the_live_cluster"]) == {"tools", "live"}


def test_code_that_reaches_no_tool_gets_no_marker():
    assert marks_of(SAMPLES["_pure"]) == set()
    assert marks_of(os.path.join) == set()          # outside tests/: not followed
