"""Every module of crm_ve/rules/ that declares rules is registered: a module missing from ``rules.BUILTIN``
would silently drop its rules from every check."""
import importlib
import pkgutil

import crm_ve.rules
from crm_ve import rules


def _modules_declaring_rules():
    for module in pkgutil.iter_modules(crm_ve.rules.__path__):
        name = f"crm_ve.rules.{module.name}"
        if callable(getattr(importlib.import_module(name), "crm_ve_rules", None)):
            yield name


def test_every_module_with_rules_is_registered():
    declaring = set(_modules_declaring_rules())
    assert declaring, "no rule module found"
    assert declaring - set(rules.BUILTIN) == set(), "add these to crm_ve/rules/__init__.py BUILTIN"
    assert set(rules.BUILTIN) - declaring == set(), "BUILTIN names modules that declare no rule"
