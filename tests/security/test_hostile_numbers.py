"""Numbers as Pacemaker 2.1.5 reads them, and no number that breaks a check (issue 17, item 6).

Scores and intervals of more than 4,300 digits (Python's limit for ``int(str)``) and ``masters="²"`` gave
tracebacks in ``check``, ``check --simulate`` and ``stack --veid``, and rules CV101-104, CV306 and CV504
failed. Every number is now read by one module (crm_ve.model.values) the way Pacemaker's own parsers read it
(``char2score``, ``pcmk__scan_min_int``, ``crm_get_msec``, ``crm_parse_interval_spec``, ``unpack_timeout``):

* what Pacemaker makes of awkward spellings is asked of crm_simulate itself, on CIBs with
  ``validate-with="none"`` (so that its schema does not refuse them first) and compared with the model;
* a property-based test feeds hostile numbers to every numeric field any rule reads and runs the checker:
  never a traceback, never a rule failure.
"""
import re
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crm_ve.model.values import INFINITY, parse_count, parse_interval_ms, parse_score, parse_timeout_ms
from support.inprocess_cli import crm_ve  # noqa: F401
from support.sweep import examples
from support.tools import require_tools

HUGE = "9" * 5000
#: spellings that have broken or could break a reader of numbers
AWKWARD = (
    "100", "-100", "0", "-0", "+5", " 7 ", "\t8\n", "0005", "0" * 5000 + "42", HUGE, "-" + HUGE,
    "99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "2147483647", "2147483648", "4294967296", "1000000", "1000001", "-1000001", "12abc", "1e3", "0x10", "1_000",
    "1.5", "3.", ".5", "²", "\u0661\u0662", "\uff11\uff12", "INFINITY", "+INFINITY", "-INFINITY", "infinity",
    "inf", "-inf", "red", "Yellow", "", " ", "-", "+",
)
AWKWARD_DURATIONS = (
    "10s", "10", "10 min", "10minutes", "10 sec extra", "10x", "1.5s", ".5s", ".5us", "5ms", "1500us", "1h",
    "1hr", "-5", "+5", "P1D", "P2D", "P1W", "P1M", "P1Y", "P2Y", "PT30S", "P1DT30S", "PT1M", "PT-1S", "PT+5S",
    "PT:5S", "PT", "P", "P5", "PTS", "PT5S/x", "PT5S x", "PT9999999999S", "PT4294967295S", "PT99999999999S",
    "P2147483648D", "3000000s", "5000000s", "4294967296ms", "9223372036854775807ms", HUGE, HUGE + "ms",
    "P" + HUGE + "D", "²s", "\u0663s", "abc",
)
NODES = ("node1", "node2", "node3")


def simulated_cib(resources, constraints=""):
    """A CIB for crm_simulate: no schema (every spelling reaches the parsers), NODES online, no fencing."""
    nodes = "".join(f'<node id="{n}" uname="{n}"/>' for n in NODES)
    states = "".join(f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
                     f'expected="member"/>' for n in NODES)
    root = etree.fromstring(
        f'<cib validate-with="none" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1"><configuration>'
        f'<crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/>'
        f"</cluster_property_set></crm_config><nodes>{nodes}</nodes>"
        f"<resources/><constraints/></configuration><status>{states}</status></cib>")
    root.find("configuration/resources").extend(resources)
    root.find("configuration/constraints").extend(constraints or [])
    return root


def dummy(rid):
    return etree.Element("primitive", id=rid, **{"class": "ocf", "provider": "heartbeat", "type": "Dummy"})


def run_simulate(tmp_path, root, *argv):
    crm_simulate, = require_tools("crm_simulate")
    path = tmp_path / "cib.xml"
    path.write_bytes(etree.tostring(root))
    run = subprocess.run([crm_simulate, "-x", str(path), *argv], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_scores_are_read_as_crm_simulate_reads_them(tmp_path):
    """One Dummy per spelling, a location on node1 with that score: its allocation score there."""
    resources = [dummy(f"d{i}") for i in range(len(AWKWARD))]
    locations = [etree.Element("rsc_location", id=f"l{i}", rsc=f"d{i}", node="node1", score=text)
                 for i, text in enumerate(AWKWARD)]
    out = run_simulate(tmp_path, simulated_cib(resources, locations), "-s")
    shown = {f"d{i}": {INFINITY: "INFINITY", -INFINITY: "-INFINITY"}.get(parse_score(text), str(parse_score(text)))
             for i, text in enumerate(AWKWARD)}
    scores = dict(re.findall(r" (d\d+) allocation score on node1: (\S+)", out))
    assert scores == shown


def test_intervals_and_timeouts_are_read_as_crm_simulate_reads_them(tmp_path):
    """One Dummy per spelling with a monitor of that interval and of that timeout: the recurring monitor in the
    transition graph (none for an interval read as 0) and its timeout."""
    spellings = [text for text in AWKWARD_DURATIONS if not re.match(r"P.*\.[0-9]{11}", text)]
    resources = []
    for i, text in enumerate(spellings):
        resource = dummy(f"d{i}")
        operations = etree.SubElement(resource, "operations")
        etree.SubElement(operations, "op", id=f"d{i}-m", name="monitor", interval=text, timeout=text)
        resources.append(resource)
    graph = tmp_path / "graph.xml"
    run_simulate(tmp_path, simulated_cib(resources), "-S", "-G", str(graph))
    recurring = {}
    for op in etree.parse(str(graph)).iter("rsc_op"):
        rid, _, interval = op.get("operation_key").rpartition("_monitor_")
        if rid and interval != "0":
            recurring[rid] = (int(interval), int(op.find("attributes").get("CRM_meta_timeout")))
    expected = {f"d{i}": (parse_interval_ms(text), parse_timeout_ms(text)) for i, text in enumerate(spellings)
                if parse_interval_ms(text) > 0}
    assert recurring == expected


#: clone-max spellings (none read as more instances than there are nodes: Pacemaker would create them all)
AWKWARD_COUNTS = ("2", "\u00b2", "1x", " 3", "\t2\n", "+2", "-1", "0x3", "2.9", "", "abc", "\u0661", "1e3",
                  "0" * 5000 + "2", HUGE, "-" + HUGE, "99999999999999999999", "-9223372036854775809")


def test_counts_are_read_as_crm_simulate_reads_them(tmp_path):
    """One clone per spelling of clone-max: the instances started on three nodes."""
    resources = []
    for i, text in enumerate(AWKWARD_COUNTS):
        clone = etree.Element("clone", id=f"c{i}")
        meta = etree.SubElement(clone, "meta_attributes", id=f"c{i}-meta")
        etree.SubElement(meta, "nvpair", id=f"c{i}-cm", name="clone-max", value=text)
        clone.append(dummy(f"d{i}"))
        resources.append(clone)
    out = run_simulate(tmp_path, simulated_cib(resources), "-S")
    started = {f"d{i}": 0 for i in range(len(AWKWARD_COUNTS))}
    for rid in re.findall(r"Resource action: +(d\d+):\d+ +start on", out):
        started[rid] += 1
    assert started == {f"d{i}": parse_count(text) for i, text in enumerate(AWKWARD_COUNTS)}


# ------------------------------------------------------------------ hostile numbers in every field a rule reads

STACK = """<cib validate-with="pacemaker-3.9" crm_feature_set="3.16.1" epoch="1" num_updates="0" admin_epoch="0">
 <configuration>
  <crm_config><cluster_property_set id="cib-bootstrap-options">
   <nvpair id="o-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/></nodes>
  <resources>
   <master id="ms_drbd_r0">
    <meta_attributes id="ms-meta" score="1">
     <nvpair id="ms-mm" name="master-max" value="1"/><nvpair id="ms-mnm" name="master-node-max" value="1"/>
     <nvpair id="ms-cm" name="clone-max" value="2"/><nvpair id="ms-cnm" name="clone-node-max" value="1"/>
     <nvpair id="ms-n" name="notify" value="true"/></meta_attributes>
    <primitive id="p_drbd_r0" class="ocf" provider="linbit" type="drbd">
     <instance_attributes id="p_drbd_r0-ia"><nvpair id="p_drbd_r0-res" name="drbd_resource" value="r0"/>
     </instance_attributes>
     <operations><op id="p_drbd_r0-m1" name="monitor" interval="29s" role="Master" timeout="20s"/>
      <op id="p_drbd_r0-m2" name="monitor" interval="31s" role="Slave" timeout="20s"/>
      <op id="p_drbd_r0-start" name="start" interval="0" timeout="240s"/></operations>
    </primitive>
   </master>
   <clone id="cl_drbd_r1">
    <meta_attributes id="cl-meta"><nvpair id="cl-prom" name="promotable" value="true"/>
     <nvpair id="cl-pm" name="promoted-max" value="1"/><nvpair id="cl-pnm" name="promoted-node-max" value="1"/>
     <nvpair id="cl-cm" name="clone-max" value="2"/><nvpair id="cl-n" name="notify" value="true"/>
    </meta_attributes>
    <primitive id="p_drbd_r1" class="ocf" provider="linbit" type="drbd">
     <instance_attributes id="p_drbd_r1-ia"><nvpair id="p_drbd_r1-res" name="drbd_resource" value="r1"/>
     </instance_attributes>
     <operations><op id="p_drbd_r1-m1" name="monitor" interval="29s" role="Promoted"/>
      <op id="p_drbd_r1-m2" name="monitor" interval="31s" role="Unpromoted"/></operations>
    </primitive>
   </clone>
   <primitive id="p_fs" class="ocf" provider="heartbeat" type="Filesystem">
    <instance_attributes id="p_fs-ia"><nvpair id="p_fs-dev" name="device" value="/dev/drbd/by-res/r0/0"/>
     <nvpair id="p_fs-dir" name="directory" value="/vz"/><nvpair id="p_fs-t" name="fstype" value="ext4"/>
    </instance_attributes>
    <operations><op id="p_fs-start" name="start" interval="0" timeout="60s"/>
     <op id="p_fs-mon" name="monitor" interval="20s"><meta_attributes id="p_fs-mon-meta">
      <nvpair id="p_fs-mon-to" name="timeout" value="40s"/></meta_attributes></op></operations>
   </primitive>
   <primitive id="p_ve" class="ocf" provider="heartbeat" type="ManageVE">
    <instance_attributes id="p_ve-ia"><nvpair id="p_ve-id" name="veid" value="101"/></instance_attributes>
    <meta_attributes id="p_ve-meta" score="5"><nvpair id="p_ve-am" name="allow-migrate" value="true"/>
    </meta_attributes>
    <operations><op id="p_ve-start" name="start" interval="0" timeout="75s"/>
     <op id="p_ve-stop" name="stop" interval="0s" timeout="75s"/></operations>
   </primitive>
   <primitive id="p_fs1" class="ocf" provider="heartbeat" type="Filesystem">
    <instance_attributes id="p_fs1-ia"><nvpair id="p_fs1-dev" name="device" value="/dev/drbd1"/>
     <nvpair id="p_fs1-dir" name="directory" value="/vz1"/></instance_attributes>
   </primitive>
   <primitive id="p_ve1" class="ocf" provider="heartbeat" type="ManageVE">
    <instance_attributes id="p_ve1-ia"><nvpair id="p_ve1-id" name="veid" value="102"/></instance_attributes>
   </primitive>
   <bundle id="b"><docker image="img" replicas="2" promoted-max="1"/>
    <primitive id="p_b" class="ocf" provider="heartbeat" type="Dummy"/></bundle>
   <bundle id="b2"><podman image="img" masters="1"/></bundle>
  </resources>
  <constraints>
   <rsc_colocation id="c_fs" score="INFINITY" rsc="p_fs" with-rsc="ms_drbd_r0" with-rsc-role="Master"/>
   <rsc_order id="o_fs" first="ms_drbd_r0" first-action="promote" then="p_fs" then-action="start" score="1"/>
   <rsc_colocation id="c_ve" score="INFINITY" rsc="p_ve" with-rsc="p_fs"/>
   <rsc_order id="o_ve" kind="Mandatory" first="p_fs" then="p_ve"/>
   <rsc_colocation id="c_set" score="INFINITY">
    <resource_set id="c_set-0" score="100"><resource_ref id="p_ve1"/><resource_ref id="p_fs1"/></resource_set>
    <resource_set id="c_set-1" role="Promoted"><resource_ref id="cl_drbd_r1"/></resource_set></rsc_colocation>
   <rsc_order id="o_set" kind="Mandatory">
    <resource_set id="o_set-0" action="promote"><resource_ref id="cl_drbd_r1"/></resource_set>
    <resource_set id="o_set-1"><resource_ref id="p_fs1"/><resource_ref id="p_ve1"/></resource_set></rsc_order>
   <rsc_location id="l_ban" rsc="p_ve" node="node2" score="-INFINITY"/>
   <rsc_location id="l_rule" rsc="ms_drbd_r0">
    <rule id="l_rule-r" score="-INFINITY" role="Master">
     <expression id="l_rule-e" attribute="#uname" operation="eq" value="node1"/></rule></rsc_location>
   <rsc_location id="l_pattern" rsc-pattern="^p_ve[0-9]" node="node3" score="10"/>
  </constraints>
  <op_defaults><meta_attributes id="op-options">
   <rule id="op-rule" score="1"><op_expression id="op-rule-e" name="monitor" interval="29s"/></rule>
   <nvpair id="op-to" name="timeout" value="30s"/></meta_attributes></op_defaults>
 </configuration>
 <status/>
</cib>
"""

#: (XPath, attribute) of every number a rule reads, directly or through the model
NUMERIC_FIELDS = (
    ("//rsc_colocation[@id='c_fs']", "score"), ("//rsc_colocation[@id='c_ve']", "score"),
    ("//rsc_colocation[@id='c_set']", "score"), ("//resource_set[@id='c_set-0']", "score"),
    ("//rsc_order[@id='o_fs']", "score"), ("//rsc_location[@id='l_ban']", "score"),
    ("//rsc_location[@id='l_pattern']", "score"), ("//rule[@id='l_rule-r']", "score"),
    ("//rule[@id='op-rule']", "score"), ("//meta_attributes[@id='ms-meta']", "score"),
    ("//meta_attributes[@id='p_ve-meta']", "score"),
    ("//op[@id='p_drbd_r0-m1']", "interval"), ("//op[@id='p_drbd_r0-m2']", "interval"),
    ("//op[@id='p_drbd_r1-m1']", "interval"), ("//op[@id='p_drbd_r0-m1']", "timeout"),
    ("//op[@id='p_drbd_r0-start']", "timeout"), ("//op[@id='p_ve-start']", "timeout"),
    ("//op[@id='p_ve-stop']", "interval"), ("//op[@id='p_fs-mon']", "interval"),
    ("//nvpair[@id='p_fs-mon-to']", "value"), ("//nvpair[@id='op-to']", "value"),
    ("//op_expression[@id='op-rule-e']", "interval"),
    ("//nvpair[@id='ms-mm']", "value"), ("//nvpair[@id='ms-mnm']", "value"), ("//nvpair[@id='ms-cm']", "value"),
    ("//nvpair[@id='ms-cnm']", "value"), ("//nvpair[@id='cl-pm']", "value"), ("//nvpair[@id='cl-pnm']", "value"),
    ("//nvpair[@id='cl-cm']", "value"), ("//docker", "replicas"), ("//docker", "promoted-max"),
    ("//podman", "masters"), ("//nvpair[@id='p_ve-id']", "value"),
)
#: numbers in the document's own attributes and in device names
TEXT_FIELDS = (("/cib", "validate-with", "pacemaker-3.{}"), ("/cib", "crm_feature_set", "3.{}"),
               ("/cib", "epoch", "{}"), ("//nvpair[@id='p_fs1-dev']", "value", "/dev/drbd{}"))

HOSTILE = st.one_of(
    st.sampled_from(AWKWARD + AWKWARD_DURATIONS),
    st.text(alphabet="0123456789+-., \t\nPTYMWDHSmsuhinfINFTY\u00b2\u0663\uff11", max_size=24),
    st.integers(min_value=-10 ** 40, max_value=10 ** 40).map(str),
    st.integers(min_value=4250, max_value=4400).map(lambda n: "7" * n),
)


@settings(max_examples=examples(80), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_numbers_in_any_field_never_break_a_check(data, crm_ve, tmp_path_factory):
    """Pacemaker's schema refuses most hostile scores (exit 2, one line per error); with none (validate-with=none,
    which Pacemaker accepts) every number reaches the rules."""
    root = etree.fromstring(STACK.encode())
    schema = data.draw(st.booleans())
    if not schema:
        root.set("validate-with", "none")
    chosen = data.draw(st.sets(st.sampled_from(range(len(NUMERIC_FIELDS) + len(TEXT_FIELDS))), min_size=1))
    for index in chosen:
        value = data.draw(HOSTILE)
        if index < len(NUMERIC_FIELDS):
            xpath, attribute = NUMERIC_FIELDS[index]
        else:
            xpath, attribute, template = TEXT_FIELDS[index - len(NUMERIC_FIELDS)]
            value = template.format(value)
        for element in root.xpath(xpath):
            element.set(attribute, value)
    path = tmp_path_factory.mktemp("numbers") / "cib.xml"
    path.write_bytes(etree.tostring(root))
    output = data.draw(st.sampled_from(("text", "json")))
    code, out, err = crm_ve("check", "--format", output, path)  # an exception fails the test
    refusals = [line for line in err.splitlines() if schema and line.startswith(f"crm-ve: {path}:")
                and (": schema pacemaker-3.9: " in line or line.endswith(" more errors)"))]
    assert code in (0, 1) and err == "" or code == 2 and err and refusals == err.splitlines(), (code, err)


def test_the_issue_reproducers_check_without_a_rule_failure(crm_ve, tmp_path):
    """The fields the issue names, all at once: a score, intervals and timeouts of 5,000 digits, ``²``."""
    root = etree.fromstring(STACK.encode())
    for xpath, attribute, value in (("//rsc_colocation[@id='c_fs']", "score", HUGE),
                                    ("//op[@id='p_drbd_r0-m1']", "interval", HUGE + "s"),
                                    ("//op[@id='p_ve-start']", "timeout", HUGE),
                                    ("//podman", "masters", "\u00b2"), ("//nvpair[@id='ms-mm']", "value", "\u00b2"),
                                    ("/cib", "validate-with", "pacemaker-3." + HUGE)):
        root.xpath(xpath)[0].set(attribute, value)
    path = tmp_path / "cib.xml"
    path.write_bytes(etree.tostring(root))
    code, out, err = crm_ve("check", path)
    assert code == 1 and err == "", err
    # a score beyond a C long long is 0 to Pacemaker: the colocation is ignored, so CV101 reports it
    assert "CV101" in out and "master-max='²' (read as 0)" in out, out


@pytest.mark.parametrize("value", [HUGE, "\u00b2", "-" + HUGE, "P" + HUGE + "D", "PT9999999999S", "3x"])
def test_check_simulate_survives_hostile_numbers(crm_ve, tmp_path, value):
    """In the fields Pacemaker's schema takes any text in (the simulation runs on them), and a score as long
    as the schema's integers go (libxml2 refuses a 5,000-digit one)."""
    require_tools("crm_simulate", "cibadmin")
    root = etree.fromstring(STACK.encode())
    root.xpath("//rsc_colocation[@id='c_ve']")[0].set("score", "-99999999999999999999")
    for xpath, attribute in (("//op[@id='p_drbd_r0-m1']", "interval"), ("//op[@id='p_fs-mon']", "interval"),
                             ("//op[@id='p_drbd_r0-m1']", "timeout"), ("//nvpair[@id='ms-cm']", "value"),
                             ("//nvpair[@id='ms-mm']", "value"), ("/cib", "crm_feature_set")):
        root.xpath(xpath)[0].set(attribute, value)
    path = tmp_path / "cib.xml"
    path.write_bytes(etree.tostring(root))
    code, out, err = crm_ve("check", "--simulate", path)
    assert code in (1, 2, 4) and err == "", (code, err)
    if code == 2:  # Pacemaker's schema refuses a value: the report says the simulation could not run, and why
        assert f"{path}: simulation failed: crm_simulate cannot use {path}" in out, out


@pytest.mark.parametrize("veid", [HUGE, "0" * 5000 + "101", "\u00b2", "1\u00b2", "-" + HUGE])
def test_stack_veid_refuses_the_issue_reproducers_in_one_line(crm_ve, veid):
    code, out, err = crm_ve("stack", "new", "s1", "--drbd-resource", "r0", "--directory", "/vz", f"--veid={veid}",
                            "--dumpfile", "/vz/dump/x")
    if veid.lstrip("0") == "101":
        assert code == 0, err  # leading zeros are no other number
    else:
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("crm-ve: --veid"), err


@settings(max_examples=examples(150), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(veid=HOSTILE.filter(lambda text: "\0" not in text))
def test_stack_veid_takes_or_refuses_any_number_in_one_line(crm_ve, veid):
    code, out, err = crm_ve("stack", "new", "s1", "--drbd-resource", "r0", "--directory", "/vz", f"--veid={veid}",
                            "--dumpfile", "/vz/dump/x")
    assert code in (0, 2), (code, err)
    if code == 2:
        assert out == "" and err.count("\n") == 1 and err.startswith("crm-ve: --veid"), err
