"""``crm-ve stack new`` / ``add-container``: checked parameters, pcs and crm output for the CIB's schema, and
all-or-nothing application with the real pcs and crmsh; the result equals what the crmsh template gives."""
import shlex
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crm_ve import stack
from crm_ve.package_files import agent_path
from support.agent_module import load_agent
from templates_support import (apply_template, assert_stack_orders, crm_verify, crm_ve, crm_ve_check_clean,
                               examples_params, new_cib, stack_summary, template_examples, xml)

NEW = ["stack", "new", "vz1", "--drbd-resource", "r0", "--directory", "/vz", "--options", "noatime",
       "--veid", "101", "--dumpfile", "/vz/dump/Dump.101"]
ADD = [["stack", "add-container", "vz1-fs", "--veid", "102", "--dumpfile", "/vz/dump/Dump.102"],
       ["stack", "add-container", "vz1-fs", "--veid", "103", "--dumpfile", "/vz/dump/Dump.103"]]
CONTAINERS = ["ve101", "ve102", "ve103"]


def ok(*argv):
    proc = crm_ve(*argv)
    assert proc.returncode == 0, f"crm-ve {' '.join(map(str, argv))}: {proc.returncode}\n{proc.stdout}{proc.stderr}"
    return proc.stdout


def refused(*argv, code=2):
    proc = crm_ve(*argv)
    assert proc.returncode == code, f"crm-ve {' '.join(map(str, argv))}: {proc.returncode}\n{proc.stderr}"
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm-ve: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def pcs_apply(cib, fmt="pcs"):
    ok(*NEW, "-f", cib, "--apply", "--format", fmt)
    for argv in ADD:
        ok(*argv, "-f", cib, "--apply", "--format", fmt)
    return cib


@pytest.fixture(scope="module")
def template_cib(crmsh, manage_ve_agent, tmp_path_factory):
    """The stack template with its examples, plus two containers by the add-container template."""
    cib = new_cib(tmp_path_factory.mktemp("stack-cmd") / "template.xml")
    examples = template_examples("ve-drbd-stack")
    apply_template(crmsh, cib, examples.pop("id"), "ve-drbd-stack", examples_params(examples))
    for n in ("102", "103"):
        apply_template(crmsh, cib, f"ve{n}", "ve-add-container",
                       examples_params(template_examples("ve-add-container"), container=f"ve{n}", veid=n,
                                       dumpfile=f"/vz/dump/Dump.{n}"))
    return cib


@pytest.fixture(scope="module")
def pcs_cib(pcs_tool_module, manage_ve_agent, tmp_path_factory):
    return pcs_apply(new_cib(tmp_path_factory.mktemp("stack-cmd") / "pcs.xml"))


@pytest.fixture(scope="module")
def pcs_tool_module():
    from support.tools import require_tools
    require_tools("pcs", "crm", "cibadmin", "crm_attribute", "crm_verify", "crm_simulate")


# ------------------------------------------------------------------------------------------------ the bars


def test_pcs_sequence_gives_a_cib_accepted_everywhere(pcs_cib):
    crm_verify(pcs_cib)
    crm_ve_check_clean(pcs_cib)
    root = xml(pcs_cib)
    assert root.xpath("//clone[@id='vz1-drbd-clone']/meta_attributes/nvpair[@name='promotable']/@value") == ["true"]
    assert set(root.xpath("//op/@role | //rsc_colocation/@with-rsc-role")) == {"Promoted", "Unpromoted"}
    assert len(root.xpath("//rsc_order | //rsc_colocation")) == 8
    assert_stack_orders(pcs_cib, "vz1-drbd-clone", "vz1-fs", CONTAINERS)


def test_pcs_sequence_equals_the_template(pcs_cib, template_cib):
    assert stack_summary(pcs_cib) == stack_summary(template_cib)


def test_crm_format_equals_the_template(crmsh, manage_ve_agent, template_cib, tmp_path):
    cib = pcs_apply(new_cib(tmp_path / "crm.xml"), fmt="crm")
    crm_verify(cib)
    assert stack_summary(cib) == stack_summary(template_cib)


def test_printed_pcs_commands_run_by_pcs_give_the_same_cib(pcs_tool_module, manage_ve_agent, pcs_cib, tmp_path):
    """Printed with -f FILE (checked against it), each line run as it is."""
    cib = new_cib(tmp_path / "printed.xml")
    for argv in [NEW] + ADD:
        before = cib.read_bytes()
        lines = ok(*argv, "-f", cib).splitlines()
        assert cib.read_bytes() == before  # printing applies nothing
        for line in lines:
            words = shlex.split(line)
            assert words[:3] == ["pcs", "-f", str(cib)]
            subprocess.run(words, check=True, capture_output=True, timeout=120)
    assert stack_summary(cib) == stack_summary(pcs_cib)


def test_container_timeouts_are_the_agents_advice():
    proc = subprocess.run(["python3", str(agent_path()), "meta-data"], capture_output=True, text=True, check=True)
    advised = {(a.get("name"), a.get("depth") or "0"): (a.get("timeout"), a.get("interval") or "0s")
               for a in etree.fromstring(proc.stdout.encode()).iter("action")}
    for op in stack.CONTAINER_OPS:
        assert advised[(op.name, op.check_level or "0")] == (op.timeout, op.interval), op
    assert {op.check_level for op in stack.CONTAINER_OPS if op.name == "monitor"} == {None, "10"}


# ------------------------------------------------------------------------------------------------ schemas


@pytest.mark.parametrize("schema, element, roles", [
    ("pacemaker-2.10", "master", {"Master", "Slave"}),
    ("pacemaker-3.5", "clone", {"Master", "Slave"}),
    ("pacemaker-3.9", "clone", {"Promoted", "Unpromoted"}),
])
def test_crm_output_fits_the_cib_schema(pcs_tool_module, manage_ve_agent, tmp_path, schema, element, roles):
    cib = pcs_apply(new_cib(tmp_path / "cib.xml", schema=schema), fmt="crm")
    root = xml(cib)
    assert root.get("validate-with") == schema
    assert root.xpath(f"//{element}[@id='vz1-drbd-clone']")
    assert set(root.xpath("//op/@role | //rsc_colocation/@with-rsc-role")) == roles
    crm_verify(cib)
    crm_ve_check_clean(cib)
    assert_stack_orders(cib, "vz1-drbd-clone", "vz1-fs", CONTAINERS)


def test_pcs_on_a_pre_3_7_schema_writes_master_roles(pcs_tool_module, manage_ve_agent, tmp_path):
    cib = pcs_apply(new_cib(tmp_path / "cib.xml", schema="pacemaker-3.5"))
    root = xml(cib)
    assert root.get("validate-with") == "pacemaker-3.5"
    assert set(root.xpath("//op/@role | //rsc_colocation/@with-rsc-role")) == {"Master", "Slave"}
    crm_verify(cib)
    assert_stack_orders(cib, "vz1-drbd-clone", "vz1-fs", CONTAINERS)


def test_pcs_refused_where_the_schema_predates_promotable_clones(pcs_tool_module, tmp_path):
    cib = new_cib(tmp_path / "cib.xml", schema="pacemaker-2.10")
    before = cib.read_bytes()
    assert "use --format crm" in refused(*NEW, "-f", cib, "--apply")
    assert cib.read_bytes() == before


@pytest.mark.parametrize("schema, legacy, promoted", [
    (None, False, "Promoted"), ("pacemaker-4.0", False, "Promoted"), ("pacemaker-next", False, "Promoted"),
    ("pacemaker-3.7", False, "Promoted"), ("pacemaker-3.6", False, "Master"), ("pacemaker-3.0", False, "Master"),
    ("pacemaker-2.10", True, "Master"), ("pacemaker-1.2", True, "Master"), ("transitional-0.6", True, "Master"),
])
def test_dialect_for_schema(schema, legacy, promoted):
    dialect = stack.dialect_for(schema)
    assert (dialect.legacy_master, dialect.promoted) == (legacy, promoted)


def test_printed_crm_for_a_named_schema():
    assert "\nms vz1-drbd-clone vz1-drbd \\\n\tmeta master-max=1" in ok(*NEW, "--format", "crm",
                                                                       "--schema", "pacemaker-2.10")
    text = ok(*NEW, "--format", "crm")
    assert "\nclone vz1-drbd-clone vz1-drbd \\\n\tmeta promotable=true promoted-max=1" in text
    assert "colocation vz1-fs-with-drbd inf: vz1-fs vz1-drbd-clone:Promoted" in text


# ------------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("change, message", [
    (["--veid", "0"], "--veid '0' is 0, the host"),
    (["--veid", "2147483645"], "--veid '2147483645' is larger than 2147483644"),
    (["--veid=-web"], "--veid '-web' must not start with '-'"),
    (["--veid", "web server"], "--veid 'web server' contains ' '"),
    (["--veid", "101;reboot"], "--veid '101;reboot' contains ';'"),
    (["--directory", "vz"], "--directory 'vz' is not an absolute path"),
    (["--directory", "/vz/"], "--directory '/vz/' is not a normalized path"),
    (["--dumpfile", "/var/dump/Dump.101"], "--dumpfile '/var/dump/Dump.101' is not below the mount point /vz"),
    (["--dumpfile", "/vz"], "--dumpfile '/vz' is not below the mount point /vz"),
    (["--dumpfile", "/vz/../var/Dump.101"], "is not a normalized path"),
    (["--dumpfile", "/vzdump/Dump.101"], "is not below the mount point /vz"),
    (["--container", "1st"], "--container '1st' is not a valid id"),
    (["--container", "vz1-fs"], "--container 'vz1-fs' is also the id of another part of the stack"),
    (["--drbd-resource", "r 0"], "--drbd-resource 'r 0' is not a DRBD resource name"),
    (["--device", "drbd0"], "--device 'drbd0' is not an absolute path"),
    (["--fstype", "ext4 -o x"], "--fstype 'ext4 -o x' is not a filesystem type"),
    (["--options", "noatime;reboot"], "--options 'noatime;reboot' is not a list of mount options"),
    (["--options", "data=ordered noatime"], "is not a list of mount options"),
])
def test_bad_parameter_one_line_exit_2_nothing_applied(pcs_tool_module, tmp_path, change, message):
    cib = new_cib(tmp_path / "cib.xml")
    before = cib.read_bytes()
    line = refused(*NEW, *change, "-f", cib, "--apply")
    assert message in line
    assert cib.read_bytes() == before


def test_ids_and_storage_already_in_the_cib_are_refused(pcs_cib, tmp_path):
    cib = tmp_path / "cib.xml"
    cib.write_bytes(pcs_cib.read_bytes())
    before = cib.read_bytes()
    other = ["--veid", "201", "--dumpfile", "/vz2/Dump.201", "--directory", "/vz2", "--drbd-resource", "r1"]
    cases = [
        (["stack", "new", "vz1"] + other, "id 'vz1-drbd-clone' already exists in"),
        (["stack", "new", "vz2"] + other + ["--container", "ve101"], "--container 've101' already exists in"),
        (["stack", "new", "vz2"] + other[:-1] + ["r0"],
         "--drbd-resource 'r0' is already managed by resource vz1-drbd"),
        (["stack", "new", "vz2", "--directory", "/vz", "--drbd-resource", "r1", "--veid", "201",
          "--dumpfile", "/vz/Dump.201"], "--directory '/vz' is already mounted by resource vz1-fs"),
        (["stack", "add-container", "vz1-fs", "--veid", "101", "--dumpfile", "/vz/d"],
         "--veid '101' is already managed by resource ve101"),
        (["stack", "add-container", "vz1-fs", "--veid", "104", "--dumpfile", "/vz/dump/Dump.103"],
         "--dumpfile '/vz/dump/Dump.103' is already the dump file of resource ve103"),
        (["stack", "add-container", "vz1-fs", "--veid", "104", "--dumpfile", "/srv/Dump.104"],
         "--dumpfile '/srv/Dump.104' is not below the mount point /vz"),
        (["stack", "add-container", "vz9-fs", "--veid", "104", "--dumpfile", "/vz/Dump.104"],
         "filesystem 'vz9-fs' does not exist in"),
        (["stack", "add-container", "vz1-drbd", "--veid", "104", "--dumpfile", "/vz/Dump.104"],
         "is a ocf:linbit:drbd resource"),
        (["stack", "add-container", "vz1-fs", "--directory", "/srv", "--veid", "104", "--dumpfile", "/srv/D"],
         "--directory '/srv': vz1-fs mounts /vz"),
    ]
    for argv, message in cases:
        assert message in refused(*argv, "-f", cib, "--apply"), argv
    assert cib.read_bytes() == before


def test_usage_mistakes():
    assert "--apply needs -f FILE" in refused(*NEW, "--apply")
    assert "give -f FILE (the CIB) or --directory" in refused(*ADD[0])
    assert "--schema" in refused(*NEW, "-f", "/nonexistent.xml", "--schema", "pacemaker-3.9")
    assert "/nonexistent.xml" in refused(*NEW, "-f", "/nonexistent.xml")
    assert "invalid choice" in refused(*NEW, "--format", "xml")


def test_a_step_refused_by_the_tool_applies_nothing(crmsh, manage_ve_agent, tmp_path):
    """crmsh commits only a configuration that crm_verify accepts: with no-quorum-policy=suicide and fencing
    disabled (a configuration error to Pacemaker), ``crm configure load update`` fails, and the file stays as
    it was."""
    cib = new_cib(tmp_path / "cib.xml")
    subprocess.run(["crm_attribute", "-t", "crm_config", "-n", "no-quorum-policy", "-v", "suicide"], check=True,
                   env={"CIB_file": str(cib), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, capture_output=True)
    before = cib.read_bytes()
    line = refused(*NEW, "-f", cib, "--apply", "--format", "crm")
    assert "crm configure load update failed, nothing applied" in line
    assert cib.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".crm-ve-stack-")]


def _without_fencing(cib, disabled):
    """``cib`` with fencing disabled (stonith-enabled=false), or enabled with no device (the option deleted)."""
    argv = ["crm_attribute", "-t", "crm_config", "-n", "stonith-enabled"] + (["-v", "false"] if disabled else ["-D"])
    subprocess.run(argv, check=True, env={"CIB_file": str(cib), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                   capture_output=True)
    return cib


@pytest.mark.parametrize("disabled, warning", [
    (False, "has no fencing device: Pacemaker starts no resource until one is configured"),
    (True, "cib.xml (stonith-enabled=false): DRBD risks a split brain"),
])
def test_missing_fencing_is_the_same_warning_in_both_formats(crmsh, pcs_tool_module, manage_ve_agent, tmp_path,
                                                            disabled, warning):
    results = {}
    for fmt in ("pcs", "crm"):
        directory = tmp_path / fmt
        directory.mkdir()
        cib = _without_fencing(new_cib(directory / "cib.xml"), disabled)
        proc = crm_ve(*NEW, "-f", cib, "--apply", "--format", fmt)
        assert proc.returncode == 0, proc.stderr
        (line,) = proc.stderr.splitlines()
        assert line.startswith("crm-ve stack: warning: ") and warning in line, line
        results[fmt] = stack_summary(cib)
    assert results["pcs"] == results["crm"]


@pytest.mark.parametrize("fmt", ["pcs", "crm"])
def test_mount_options_with_values_are_applied(crmsh, pcs_tool_module, manage_ve_agent, tmp_path, fmt):
    cib = new_cib(tmp_path / "cib.xml")
    argv = [w if w != "noatime" else "data=ordered,noatime" for w in NEW]
    ok(*argv, "-f", cib, "--apply", "--format", fmt)
    assert 'name="options" value="data=ordered,noatime"' in cib.read_text()
    crm_ve_check_clean(cib)


@pytest.mark.parametrize("change, warning", [
    (["--device", "/dev/sdb1"], "--device '/dev/sdb1' is not a DRBD device"),
    (["--fstype", "ext9"], "--fstype 'ext9' is not a filesystem type Linux knows"),
])
def test_what_the_target_node_may_still_have_is_a_warning(change, warning):
    proc = crm_ve(*NEW, *change)
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("crm-ve stack: warning: ") and warning in line


@pytest.mark.parametrize("device", ["/dev/drbd0", "/dev/drbd12", "/dev/drbd/by-res/r0/0", "/dev/drbd/by-res/r0"])
def test_drbd_devices_get_no_warning(device):
    proc = crm_ve(*NEW, "--device", device, "--fstype", "xfs")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_a_schema_pacemaker_does_not_know_is_refused():
    assert "--schema 'pacemaker-9.9' is no schema Pacemaker knows" in refused(*NEW, "--schema", "pacemaker-9.9")
    assert "--schema 'pacemaker-x' is no schema Pacemaker knows" in refused(*NEW, "--schema", "pacemaker-x")
    assert "promotable=true" in ok(*NEW, "--format", "crm", "--schema", "pacemaker-3.10")


def test_add_container_prints_without_a_cib_given_the_mount_point():
    text = ok(*ADD[0], "--directory", "/vz", "--format", "crm")
    assert text.startswith("primitive ve102 ocf:crm-ve:ManageVE \\\n\tparams veid=102 dumpfile=/vz/dump/Dump.102 "
                           "checkpoint_on_stop=true")
    assert "colocation ve102-with-vz1-fs inf: ve102 vz1-fs\norder vz1-fs-before-ve102 Mandatory: vz1-fs:start " \
           "ve102:start\n" in text


# ------------------------------------------------------------------------------------------------ veid grammar


AGENT = load_agent()


@pytest.mark.parametrize("veid", ["101", "2147483644", "100", "0", "2147483645", "web-1", "db_2.prod", "-x", "",
                                  "a b", "x;y", "0d5c6d1c-2b4e-4e3a-9a55-2b1d3f0e6a11", "ünï", "١٢٣", "101\n"])
def test_veid_grammar_is_the_agents(veid):
    assert (stack.veid_problem(veid) is None) == (AGENT.veid_problem(veid) is None), veid


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_veid_grammar_is_the_agents_for_any_text(veid):
    assert (stack.veid_problem(veid) is None) == (AGENT.veid_problem(veid) is None)
