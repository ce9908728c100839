"""crm-ve-rules(7) lists every built-in rule from its own docs, and never a third-party plugin's rule."""
import dataclasses
import re

import pytest

from crm_ve.manpages import rules as rules_page
from crm_ve.plugins import PluginHost
from support.man_render import RULES_PAGE, flat, section

#: The committed pages are docutils 0.22's roff (Debian 12 has 0.19): not in the package build's tests.
pytestmark = pytest.mark.pypi


@pytest.fixture(scope="module")
def page(rendered):
    return rendered[RULES_PAGE]


def _entry(page, rule):
    rules = section(page, "RULES")
    match = re.search(rf"^   {rule.code} {re.escape(rule.name)}\n(.*?)(?=^   \S|\Z)", rules, re.M | re.S)
    assert match, f"no subsection for {rule.code} {rule.name}"
    return match.group(1)


def test_every_builtin_rule_with_its_docs(page):
    rules = PluginHost(autoload=False).rules
    assert rules, "no built-in rules"
    for rule in rules:
        entry = _entry(page, rule)
        assert f"{flat(rule.summary)} ({rule.severity.label})" in flat(entry)
        assert f"# crm-ve: ignore[{rule.code}]" in flat(entry)
        for field in dataclasses.fields(rule.doc):
            text = getattr(rule.doc, field.name)
            if field.name in rules_page.VERBATIM_FIELDS:
                lines = {line.strip() for line in entry.splitlines()}
                assert all(line.strip() in lines for line in text.splitlines()), (rule.code, field.name)
            else:
                assert flat(text.replace("`", "")) in flat(entry), (rule.code, field.name)


def test_rules_are_in_code_order_and_counted(page):
    rules = PluginHost(autoload=False).rules
    listed = re.findall(r"^   ([A-Z]+\d+) ", section(page, "RULES"), re.M)
    assert listed == [rule.code for rule in rules]
    assert f"({len(rules)} rule" in flat(section(page, "DESCRIPTION"))


def test_third_party_rules_never_reach_the_page(generated):
    host = PluginHost(autoload=True)
    third_party = [rule for rule in host.rules if rule.plugin not in host.builtin_names]
    if not third_party:
        pytest.skip("no third-party rule plugin installed (make venv installs tests/plugins/crm-ve-vm)")
    roff = generated[RULES_PAGE]
    for rule in third_party:
        assert rule.code not in roff and rule.name.replace("-", "\\-") not in roff, rule.code
