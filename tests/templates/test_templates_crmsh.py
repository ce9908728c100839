"""The configuration templates, applied by the real crmsh offline (CIB_file) with its share directory pointed at
the repository (conftest.py): ``crm configure template new NAME TEMPLATE params ...`` + ``apply update NAME``.
"""
import re

import pytest

from templates_support import (TEMPLATES, apply_template, assert_stack_orders, constraints, crm_verify,
                               crm_ve_check_clean, examples_params, new_cib, stack_summary, template_examples, xml)

TEMPLATE_NAMES = ("ve-drbd-stack", "ve-add-container")


def _sections(name):
    """(header comment, [(comment block, parameter name)], generate text) of a template file."""
    text = (TEMPLATES / name).read_text()
    head, generate = text.split("\n%generate\n")
    params = re.findall(r"((?:^#.*\n)*)^%% (\S+)\s*$", head, re.M)
    return head, params, generate


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_format_matches_crmsh(name):
    head, params, generate = _sections(name)
    assert head.startswith(f"%name {name}\n")
    assert "\n%required\n" in head  # crmsh's parser crashes without an exact %required line
    assert params and generate.strip()
    for comment, param in params:
        assert f"# Example:\n# %% {param} " in comment, f"{name}: {param} has no '# Example:' line"
    # crmsh substitutes '%% NAME' by plain text replacement: no parameter may be a prefix of another
    names = [p for _, p in params]
    for a in names:
        assert not [b for b in names if b != a and b.startswith(a)], (name, a)
    # every %_:NAME used in %generate is a declared parameter
    assert set(re.findall(r"%_:([A-Za-z_]+)", generate)) <= set(names)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_header_warns_that_plain_apply_replaces_everything(name):
    head = (TEMPLATES / name).read_text().split("%required")[0]
    assert "apply update" in head
    assert re.search(r'plain "apply".*\n?.*REPLACES THE WHOLE\s+#?\s*CLUSTER CONFIGURATION', head), head


@pytest.fixture(scope="module")
def stack_cib(crmsh, manage_ve_agent, tmp_path_factory):
    """The stack template applied with its own example values (the bar of issue 9)."""
    cib = new_cib(tmp_path_factory.mktemp("tmpl") / "cib.xml")
    examples = template_examples("ve-drbd-stack")
    apply_template(crmsh, cib, examples.pop("id"), "ve-drbd-stack", examples_params(examples))
    return cib


def test_stack_template_with_its_examples_is_accepted_everywhere(stack_cib):
    crm_verify(stack_cib)
    crm_ve_check_clean(stack_cib)
    assert len(constraints(stack_cib)) >= 4
    resources, relations = stack_summary(stack_cib)
    assert resources["vz1-drbd"][3][0] == "vz1-drbd-clone"
    assert dict(resources["vz1-drbd"][3][1]) == {"promotable": "true", "promoted-max": "1",
                                                 "promoted-node-max": "1", "clone-max": "2",
                                                 "clone-node-max": "1", "notify": "true"}
    drbd_ops = {(op[0], op[2]): op[1] for op in resources["vz1-drbd"][2]}
    assert drbd_ops[("monitor", "Promoted")] == 29 and drbd_ops[("monitor", "Unpromoted")] == 31
    assert resources["vz1-fs"][0] == "ocf:heartbeat:Filesystem"
    assert ("device", "/dev/drbd/by-res/r0/0") in resources["vz1-fs"][1]
    agent, params, ops, _ = resources["ve101"]
    assert agent == "ocf:crm-ve:ManageVE"
    assert dict(params) == {"veid": "101", "dumpfile": "/vz/dump/Dump.101", "checkpoint_on_stop": "true"}
    assert relations == {
        ("colocation", "vz1-fs-with-drbd", "vz1-fs", None, "vz1-drbd-clone", "Promoted", "INFINITY"),
        ("order", "vz1-drbd-before-fs", "vz1-drbd-clone", "promote", "vz1-fs", "start", "Mandatory"),
        ("colocation", "ve101-with-vz1-fs", "ve101", None, "vz1-fs", None, "INFINITY"),
        ("order", "vz1-fs-before-ve101", "vz1-fs", "start", "ve101", "start", "Mandatory"),
    }


def test_stack_template_orders_promote_mount_start_and_back(stack_cib):
    assert_stack_orders(stack_cib, "vz1-drbd-clone", "vz1-fs", ["ve101"])


def test_second_and_third_container_keep_the_stack_correct(crmsh, manage_ve_agent, stack_cib, tmp_path):
    cib = tmp_path / "cib.xml"
    cib.write_bytes(stack_cib.read_bytes())
    examples = template_examples("ve-add-container")
    assert examples["filesystem"] == "vz1-fs"
    apply_template(crmsh, cib, "ve102", "ve-add-container", examples_params(examples))
    apply_template(crmsh, cib, "ve103", "ve-add-container",
           examples_params(examples, container="ve103", veid="103", dumpfile="/vz/dump/Dump.103"))
    crm_verify(cib)
    crm_ve_check_clean(cib)
    assert len(constraints(cib)) == 8
    assert_stack_orders(cib, "vz1-drbd-clone", "vz1-fs", ["ve101", "ve102", "ve103"])


def test_plain_apply_replaces_the_whole_configuration(crmsh, manage_ve_agent, tmp_path):
    """What every header warns about: ``apply`` without ``update`` erases what was there, cluster options
    included. Here crmsh refuses to commit only because stonith-enabled=false went too (crm_verify fails);
    with fencing configured, or with ``crm -F``, the erased configuration is committed."""
    cib = new_cib(tmp_path / "cib.xml")
    crmsh.run("configure", "primitive", "unrelated", "ocf:pacemaker:Dummy", cib=cib)
    examples = template_examples("ve-drbd-stack")
    crmsh.run("configure", "template", "new", "replaced", "ve-drbd-stack", "params",
              *examples_params(examples, id="vz9"), cib=cib)
    refused = crmsh.run("configure", "template", "apply", "replaced", cib=cib, check=False)
    assert refused.returncode != 0 and "STONITH" in refused.stderr
    crmsh.run("-F", "configure", "template", "apply", "replaced", cib=cib)
    crmsh.run("configure", "template", "delete", "replaced", "force", cib=cib)
    root = xml(cib)
    ids = set(root.xpath("//resources//primitive/@id"))
    assert "unrelated" not in ids and {"vz9-drbd", "vz9-fs", "ve101"} <= ids
    assert not root.xpath("//nvpair[@name='stonith-enabled']")


def test_template_on_a_pre_3_7_schema_gets_master_roles(crmsh, manage_ve_agent, tmp_path):
    """crmsh 4.4.1 converts Promoted/Unpromoted to Master/Slave (with a warning) where the schema predates
    them (pacemaker-3.7); the promotable clone itself is valid from pacemaker-3.0."""
    cib = new_cib(tmp_path / "cib.xml", schema="pacemaker-3.5")
    examples = template_examples("ve-drbd-stack")
    apply_template(crmsh, cib, examples.pop("id"), "ve-drbd-stack", examples_params(examples))
    crm_verify(cib)
    root = xml(cib)
    assert root.get("validate-with") == "pacemaker-3.5"
    assert set(root.xpath("//op/@role | //rsc_colocation/@with-rsc-role")) == {"Master", "Slave"}
    crm_ve_check_clean(cib)
    assert_stack_orders(cib, "vz1-drbd-clone", "vz1-fs", ["ve101"])


def test_required_parameter_missing_is_refused_by_crmsh(crmsh, manage_ve_agent, tmp_path):
    cib = new_cib(tmp_path / "cib.xml")
    before = cib.read_bytes()
    examples = template_examples("ve-drbd-stack")
    del examples["dumpfile"]
    crmsh.run("configure", "template", "new", "partial", "ve-drbd-stack", "params", *examples_params(examples),
              cib=cib)
    proc = crmsh.run("configure", "template", "apply", "update", "partial", cib=cib, check=False)
    crmsh.run("configure", "template", "delete", "partial", "force", cib=cib)
    assert "required parameter dumpfile not set" in proc.stderr
    assert cib.read_bytes() == before
