"""A real third-party rule plugin for the commit-gate tests: GT101 flags primitives whose id starts ``broken-``.

The gate's behaviour does not depend on which rule finds an error; this plugin gives the tests an error that
any configuration tool accepts (an id), installed through the real ``crm_ve`` entry point group.
"""
from support.plugin_dist import make_plugin_dist

SOURCE = '''
from crm_ve import hookimpl
from crm_ve.findings import Finding, Rule, RuleDoc, Severity

RULE = Rule(
    code="GT101",
    name="gate-test-broken-id",
    severity=Severity.ERROR,
    summary="a primitive whose id starts with broken-",
    covers=(),
    suppression_target="the primitive",
    doc=RuleDoc(what_it_does="Flags primitives named broken-*.", why_is_this_bad="The gate tests say so.",
                example="primitive broken-1 ocf:pacemaker:Dummy", use_instead="primitive ok-1 ocf:pacemaker:Dummy"),
    check=None,
)


def check(context):
    for resource in context.model.resources.values():
        if resource.id.startswith("broken-"):
            yield Finding.of(RULE, f"{resource.id} is named broken-*", line=resource.line,
                             resources=(resource.id,), suppress_on=resource.id)


RULE.check = check


@hookimpl
def crm_ve_rules():
    return [RULE]
'''


def gate_plugin_path(directory):
    """A directory to put on PYTHONPATH: it registers the GT101 plugin."""
    return make_plugin_dist(directory, "crm-ve-gate-test", "crm_ve_gate_test", SOURCE)
