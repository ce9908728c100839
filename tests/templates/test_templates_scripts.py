"""The cluster scripts, read by the real crmsh from ~/.config/crm/scripts (no root): described with
``crm script json``, checked and expanded by ``crm script verify``, whose output is loaded offline with
``crm configure load update`` (``crm script run`` needs a live cluster: see test_templates_live.py).
"""
import json

import pytest

from templates_support import (SCRIPTS, assert_stack_orders, constraints, crm_verify, crm_ve_check_clean,
                               examples_params, new_cib, script_verify_text, stack_summary, xml)

SCRIPT_NAMES = ("ve-drbd-stack", "ve-add-container")
#: The parameter types crmsh 4.4 checks (crmsh/scripts.py _verify_type).
CRMSH_TYPES = {"string", "integer", "boolean", "resource", "enum", "ip_address", "ip_network", "port", "email"}


def describe(crmsh, name):
    # crmsh re-splits its command line: the JSON needs a space after each comma
    proc = crmsh.run("script", "json", json.dumps(["show", name]))
    return json.loads(proc.stdout.splitlines()[0])


def script_examples(crmsh, name, **changes):
    parameters = describe(crmsh, name)["steps"][0]["parameters"]
    return examples_params({p["name"]: p["example"] for p in parameters if "example" in p}, **changes)


def verify(crmsh, cib, name, params, check=True):
    return crmsh.run("script", "verify", name, *params, cib=cib, check=check)


def load(crmsh, cib, text):
    crmsh.run("configure", "load", "update", "-", cib=cib, input=text)


@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_script_is_version_2_2_with_typed_documented_parameters(crmsh, name):
    main = (SCRIPTS / name / "main.yml").read_text()
    assert "\nversion: 2.2\n" in main
    description = describe(crmsh, name)
    assert description["name"] == name and description["shortdesc"] and description["longdesc"]
    parameters = description["steps"][0]["parameters"]
    assert parameters
    for p in parameters:
        assert p["type"] in CRMSH_TYPES and p["shortdesc"], p
        assert "example" in p, f"{name}: {p['name']} has no example"
    listed = crmsh.run("script", "list").stdout
    assert name in listed


@pytest.fixture(scope="module")
def script_stack_cib(crmsh, manage_ve_agent, tmp_path_factory):
    cib = new_cib(tmp_path_factory.mktemp("script") / "cib.xml")
    params = script_examples(crmsh, "ve-drbd-stack", target_role=None)  # the default: the cluster starts it
    text = script_verify_text(verify(crmsh, cib, "ve-drbd-stack", params).stdout)
    load(crmsh, cib, text)
    return cib


def test_stack_script_output_is_accepted_and_orders_right(script_stack_cib):
    crm_verify(script_stack_cib)
    crm_ve_check_clean(script_stack_cib)
    assert len(constraints(script_stack_cib)) == 4
    resources, _ = stack_summary(script_stack_cib)
    assert set(resources) == {"vz1-drbd", "vz1-fs", "ve101"}
    assert "target-role" not in dict(resources["vz1-drbd"][3][1])
    assert_stack_orders(script_stack_cib, "vz1-drbd-clone", "vz1-fs", ["ve101"])


def test_add_container_script_twice_keeps_the_stack_right(crmsh, manage_ve_agent, script_stack_cib, tmp_path):
    cib = tmp_path / "cib.xml"
    cib.write_bytes(script_stack_cib.read_bytes())
    for params in (script_examples(crmsh, "ve-add-container"),
                   script_examples(crmsh, "ve-add-container", container="ve103", veid="103",
                                   dumpfile="/vz/dump/Dump.103")):
        load(crmsh, cib, script_verify_text(verify(crmsh, cib, "ve-add-container", params).stdout))
    crm_verify(cib)
    crm_ve_check_clean(cib)
    assert len(constraints(cib)) == 8
    assert_stack_orders(cib, "vz1-drbd-clone", "vz1-fs", ["ve101", "ve102", "ve103"])


def test_verify_checks_against_the_target_cib(crmsh, manage_ve_agent, tmp_path):
    """crm script verify commits the output to a shadow of the current CIB: a container on a Filesystem that
    the CIB does not have is refused."""
    cib = new_cib(tmp_path / "cib.xml")
    proc = verify(crmsh, cib, "ve-add-container", script_examples(crmsh, "ve-add-container"), check=False)
    assert proc.returncode != 0 and "vz1-fs" in proc.stderr


@pytest.mark.parametrize("change, message", [
    ({"dumpfile": None}, "Missing required parameter(s): dumpfile"),
    ({"target_role": "sometimes"}, "target_role=sometimes does not match 'Started|Stopped'"),
    ({"container": "ve 101"}, "invalid resource identifier"),
])
def test_verify_refuses_what_its_types_catch(crmsh, manage_ve_agent, tmp_path, change, message):
    cib = new_cib(tmp_path / "cib.xml")
    params = script_examples(crmsh, "ve-drbd-stack", **change)
    proc = verify(crmsh, cib, "ve-drbd-stack", params, check=False)
    assert proc.returncode != 0 and message in proc.stderr


def test_stack_script_can_create_the_stack_stopped(crmsh, manage_ve_agent, tmp_path):
    cib = new_cib(tmp_path / "cib.xml")
    params = script_examples(crmsh, "ve-drbd-stack", target_role="stopped")
    load(crmsh, cib, script_verify_text(verify(crmsh, cib, "ve-drbd-stack", params).stdout))
    crm_verify(cib)
    meta = xml(cib).xpath("//clone[@id='vz1-drbd-clone']/meta_attributes/nvpair[@name='target-role']/@value")
    assert meta == ["Stopped"]
