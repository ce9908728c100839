"""Meta-tests over every rule the host loads (the built-ins and the installed third-party plugins, such as
tests/plugins/crm-ve-vm) and every hook: each has its documentation and a test, and codes and names are unique.

A rule's test is any test file (outside this directory) that names its code; a hook's test is any test file
(outside this directory) that uses it, through the host property that collects it or by its name.
"""
import pathlib
import re

import pytest

from crm_ve import hookspecs
from crm_ve.plugins import PluginHost

TESTS = pathlib.Path(__file__).resolve().parent.parent
HERE = pathlib.Path(__file__).resolve().parent
#: man pages lay a rule's examples out verbatim: no line may be wider than this.
EXAMPLE_WIDTH = 70
#: what a hook's records are collected as on the plugin host
HOOK_PROPERTIES = {"crm_ve_rules": "rules", "crm_ve_workload_agents": "workload_agents",
                   "crm_ve_output_formats": "output_formats"}


def _rules():
    return PluginHost().rules


def _test_texts():
    return {path: path.read_text() for path in TESTS.rglob("test_*.py") if HERE not in path.parents}


RULES = _rules()
TEST_TEXTS = _test_texts()


def test_the_installed_third_party_plugin_is_among_the_rules():
    assert any(rule.plugin == "vm" for rule in RULES), [rule.plugin for rule in RULES]
    assert any(rule.plugin and rule.plugin.startswith("crm_ve.rules.") for rule in RULES)


def test_codes_and_names_are_unique():
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes), sorted(c for c in codes if codes.count(c) > 1)
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)
    assert not set(codes) & set(names)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_rule_is_documented(rule):
    doc = rule.doc
    for section in ("what_it_does", "why_is_this_bad", "example", "use_instead"):
        assert (getattr(doc, section) or "").strip(), f"{rule.code} {rule.name}: empty {section}"
    assert rule.summary.strip() and rule.suppression_target.strip(), rule.code
    for section in ("example", "use_instead"):
        wide = [line for line in getattr(doc, section).splitlines() if len(line) > EXAMPLE_WIDTH]
        assert not wide, f"{rule.code} {section}: wider than {EXAMPLE_WIDTH} columns: {wide}"
    assert all(re.match(r"^[CD]\d+$", row) for row in rule.covers), f"{rule.code}: covers {rule.covers}"
    assert re.match(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", rule.name), rule.name


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_rule_has_a_test_naming_its_code(rule):
    pattern = re.compile(rf"\b{re.escape(rule.code)}\b")
    naming = [str(path.relative_to(TESTS)) for path, text in TEST_TEXTS.items() if pattern.search(text)]
    assert naming, f"no test file under tests/ names rule {rule.code} ({rule.name}, plugin {rule.plugin})"


@pytest.mark.parametrize("hook", sorted(name for name in dir(hookspecs) if name.startswith("crm_ve_")))
def test_every_hook_is_documented_and_tested(hook):
    doc = getattr(hookspecs, hook).__doc__ or ""
    assert "Return" in doc and "Called once per run" in doc and "versionadded" in doc, hook
    assert hook in HOOK_PROPERTIES, f"{hook}: a new hook needs a test and a line in HOOK_PROPERTIES"
    used = re.compile(rf"(\.{HOOK_PROPERTIES[hook]}\b|\b{hook}\b)")
    assert any(used.search(text) for text in TEST_TEXTS.values()), f"no test uses hook {hook}"


def test_the_meta_tests_can_fail(tmp_path):
    """The checks above are not vacuous: a rule without a test or with a wide example is caught."""
    from crm_ve.findings import Rule, RuleDoc, Severity
    rule = Rule("ZZ999", "made-up", Severity.INFO, "s", RuleDoc("a", "b", "x" * 71, "d"), lambda c: ())
    with pytest.raises(AssertionError, match="wider than 70"):
        test_every_rule_is_documented(rule)
    with pytest.raises(AssertionError, match="no test file"):
        test_every_rule_has_a_test_naming_its_code(rule)
