"""Mutated CIBs never crash the checker: exit 0 or 1 (the document stays a CIB), never an exception.

Hypothesis mutates a rich seed CIB (both role vocabularies, groups, sets, tags, templates, rules, defaults,
tickets) and, when the corpus is present, a few of Pacemaker's scheduler CIBs: attributes and elements dropped,
duplicated, renamed and moved, ids swapped and dangling, roles, scores, kinds, actions and booleans set to valid
and invalid values, suppression comments added. ``<cib>`` and ``<configuration>`` themselves are kept, so a
one-line input error (exit 2) is never the right answer here.
"""
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crm_ve.cli import main
from support.sweep import examples

SEED = """<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
 <configuration>
  <crm_config><cluster_property_set id="cib-bootstrap-options">
   <nvpair id="o-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
  <resources>
   <template id="tpl_ve" class="ocf" provider="heartbeat" type="ManageVE">
    <meta_attributes id="tpl_ve-meta"><nvpair id="tpl_ve-am" name="allow-migrate" value="true"/></meta_attributes>
   </template>
   <master id="ms_drbd_r0">
    <meta_attributes id="ms-meta">
     <nvpair id="ms-mm" name="master-max" value="1"/><nvpair id="ms-n" name="notify" value="true"/>
     <nvpair id="ms-tr" name="target-role" value="Started"/></meta_attributes>
    <primitive id="p_drbd_r0" class="ocf" provider="linbit" type="drbd">
     <instance_attributes id="p_drbd_r0-ia"><nvpair id="p_drbd_r0-res" name="drbd_resource" value="r0"/>
     </instance_attributes>
     <operations><op id="p_drbd_r0-m1" name="monitor" interval="29s" role="Master"/>
      <op id="p_drbd_r0-m2" name="monitor" interval="31s" role="Slave" timeout="20s"/></operations>
    </primitive>
   </master>
   <clone id="cl_drbd_r1">
    <meta_attributes id="cl-meta"><nvpair id="cl-prom" name="promotable" value="true"/>
     <nvpair id="cl-pm" name="promoted-max" value="1"/></meta_attributes>
    <primitive id="p_drbd_r1" class="ocf" provider="heartbeat" type="drbd">
     <instance_attributes id="p_drbd_r1-ia"><nvpair id="p_drbd_r1-res" name="drbd_resource" value="r1"/>
     </instance_attributes>
    </primitive>
   </clone>
   <group id="g_ve">
    <!--# crm-ve: ignore[CV301]-->
    <primitive id="p_fs" class="ocf" provider="heartbeat" type="Filesystem">
     <instance_attributes id="p_fs-ia"><nvpair id="p_fs-dev" name="device" value="/dev/drbd/by-res/r0"/>
      <nvpair id="p_fs-dir" name="directory" value="/vz"/><nvpair id="p_fs-t" name="fstype" value="ext4"/>
     </instance_attributes>
    </primitive>
    <primitive id="p_ve" template="tpl_ve">
     <instance_attributes id="p_ve-ia"><nvpair id="p_ve-id" name="veid" value="101"/>
      <nvpair id="p_ve-dump" name="dumpfile" value="/vz/dump/101"/></instance_attributes>
     <operations><op id="p_ve-start" name="start" interval="0" timeout="75s"/></operations>
    </primitive>
   </group>
   <primitive id="p_fs2" class="ocf" provider="heartbeat" type="Filesystem">
    <instance_attributes id="p_fs2-ia"><nvpair id="p_fs2-dev" name="device" value="/dev/drbd1"/>
     <nvpair id="p_fs2-dir" name="directory" value="/vz2"/></instance_attributes>
   </primitive>
   <primitive id="p_ve2" class="ocf" provider="crm-ve" type="ManageVE">
    <instance_attributes id="p_ve2-ia"><nvpair id="p_ve2-id" name="veid" value="102"/></instance_attributes>
   </primitive>
  </resources>
  <constraints>
   <rsc_colocation id="c_g_on_drbd" score="INFINITY" rsc="g_ve" with-rsc="ms_drbd_r0" with-rsc-role="Master"/>
   <rsc_order id="o_drbd_g" first="ms_drbd_r0" first-action="promote" then="g_ve" then-action="start"
    kind="Mandatory"/>
   <rsc_order id="o_set" kind="Mandatory" symmetrical="true">
    <resource_set id="o_set-0" role="Promoted" action="promote"><resource_ref id="cl_drbd_r1"/></resource_set>
    <resource_set id="o_set-1" sequential="false"><resource_ref id="p_fs2"/><resource_ref id="p_ve2"/>
    </resource_set>
   </rsc_order>
   <rsc_colocation id="c_set" score="500">
    <resource_set id="c_set-0"><resource_ref id="p_ve2"/><resource_ref id="p_fs2"/></resource_set>
    <resource_set id="c_set-1" role="Promoted"><resource_ref id="cl_drbd_r1"/></resource_set>
   </rsc_colocation>
   <rsc_order id="o_legacy" first="p_fs2" then="p_ve2" score="0"/>
   <rsc_location id="l_ban" rsc="g_ve" node="node2" score="-INFINITY"/>
   <rsc_location id="l_rule" rsc="ms_drbd_r0">
    <rule id="l_rule-r" score="-INFINITY" role="Master" boolean-op="or">
     <expression id="l_rule-e" attribute="#uname" operation="eq" value="node1"/>
     <date_expression id="l_rule-d" operation="in_range" start="2024-01-01"/>
    </rule>
   </rsc_location>
   <rsc_ticket id="t_site" ticket="T1" rsc="ms_drbd_r0" rsc-role="Master" loss-policy="demote"/>
   <rsc_colocation id="c_tag" score="INFINITY" rsc="all_ves" with-rsc="p_fs2"/>
  </constraints>
  <tags><tag id="all_ves"><obj_ref id="p_ve"/><obj_ref id="p_ve2"/></tag></tags>
  <rsc_defaults><meta_attributes id="rsc-options">
   <nvpair id="rsc-stick" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>
  <op_defaults><meta_attributes id="op-options"><nvpair id="op-to" name="timeout" value="30s"/>
  </meta_attributes></op_defaults>
 </configuration>
 <status/>
</cib>
"""

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("CRM_VE_CORPUS") or PROJECT_ROOT.parent / "shared/corpus/pacemaker-scheduler")
CORPUS_SEEDS = ("promoted-colocation.xml", "order-mandatory.xml", "bundle-order-startup-clone.xml",
                "group-dependents.xml", "coloc-clone-stays-active.xml", "bug-5143-ms-shuffle.xml", "colocation-influence.xml")


def seeds():
    found = [SEED.encode()]
    for name in CORPUS_SEEDS:
        if (CORPUS / name).is_file():
            found.append((CORPUS / name).read_bytes())
    return found


SEEDS = seeds()
ATTRIBUTES = ("id", "rsc", "with-rsc", "first", "then", "rsc-role", "with-rsc-role", "first-action", "then-action",
              "role", "action", "kind", "score", "symmetrical", "sequential", "require-all", "name", "value",
              "class", "provider", "type", "template", "node", "interval", "timeout", "ticket", "loss-policy",
              "promotable", "boolean-op", "operation", "attribute", "score-attribute", "influence")
VALUES = ("Master", "Slave", "Promoted", "Unpromoted", "Started", "Stopped", "promote", "demote", "start", "stop",
          "Mandatory", "Optional", "Serialize", "INFINITY", "-INFINITY", "+INFINITY", "inf", "0", "-0", "100",
          "-5", "2000000", "99999999999999999999", "abc", "", " ", "true", "false", "yes", "maybe", "ocf",
          "heartbeat", "linbit", "drbd", "Filesystem", "ManageVE", "VirtualDomain", "/dev/drbd0", "/dev/drbd1",
          "/dev/drbd/by-res/r0/0", "/vz", "/vz/dump", "r0", "r1", "20s", "0s", "1min", "-1", "10ms", "P1D",
          "#uname", "node1", "nosuch", "crm-ve: ignore[CV301]", "\u00e9\u00e8", "a" * 300)
TAGS = ("primitive", "group", "clone", "master", "bundle", "template", "rsc_order", "rsc_colocation",
        "rsc_location", "rsc_ticket", "resource_set", "resource_ref", "meta_attributes", "instance_attributes",
        "nvpair", "op", "operations", "rule", "expression", "tag", "obj_ref", "node", "bogus")
COMMENTS = ("# crm-ve: ignore[CV301]", "# crm-ve: ignore", "# crm-ve: ignore[]", "crm-ve: ignore[CV1, x y]",
            "# crm-ve: frob", "# crm-ve:ignore[CV901,CV902]", "# unrelated", "crm-ve:")


def _elements(root):
    """Every element below <configuration> (the <cib> and <configuration> elements themselves stay)."""
    configuration = root.find("configuration")
    return [e for e in configuration.iter() if isinstance(e.tag, str) and e is not configuration]


def _ids(root):
    return [e.get("id") for e in _elements(root) if e.get("id")] or ["x"]


def mutate(root, data):
    elements = _elements(root)
    if not elements:
        return
    element = data.draw(st.sampled_from(elements))
    operation = data.draw(st.sampled_from(
        ("drop_attr", "set_attr", "ref_attr", "rename_attr", "drop_elem", "dup_elem", "rename_elem", "move_elem",
         "swap_ids", "comment", "new_child")))
    attrs = list(element.attrib)
    if operation == "drop_attr" and attrs:
        del element.attrib[data.draw(st.sampled_from(attrs))]
    elif operation == "set_attr":
        element.set(data.draw(st.sampled_from(ATTRIBUTES)), data.draw(st.sampled_from(VALUES)))
    elif operation == "ref_attr":
        element.set(data.draw(st.sampled_from(ATTRIBUTES[:5])), data.draw(st.sampled_from(_ids(root))))
    elif operation == "rename_attr" and attrs:
        old = data.draw(st.sampled_from(attrs))
        value = element.attrib.pop(old)
        element.set(data.draw(st.sampled_from(ATTRIBUTES)), value)
    elif operation == "drop_elem":
        element.getparent().remove(element)
    elif operation == "dup_elem":
        element.addnext(etree.fromstring(etree.tostring(element)))
    elif operation == "rename_elem":
        element.tag = data.draw(st.sampled_from(TAGS))
    elif operation == "move_elem":
        target = data.draw(st.sampled_from(elements))
        if element not in list(target.iterancestors()) and target is not element:
            target.append(element)
    elif operation == "swap_ids":
        other = data.draw(st.sampled_from(elements))
        first, second = element.get("id"), other.get("id")
        for node, value in ((element, second), (other, first)):
            if value is None:
                node.attrib.pop("id", None)
            else:
                node.set("id", value)
    elif operation == "comment":
        element.insert(0, etree.Comment(data.draw(st.sampled_from(COMMENTS))))
    elif operation == "new_child":
        child = etree.SubElement(element, data.draw(st.sampled_from(TAGS)))
        child.set("id", data.draw(st.sampled_from(_ids(root) + ["fresh"])))
        child.set(data.draw(st.sampled_from(ATTRIBUTES)), data.draw(st.sampled_from(VALUES)))


@settings(max_examples=examples(int(os.environ.get("CRM_VE_FUZZ_EXAMPLES", "150"))), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_cibs_never_crash_the_checker(data, tmp_path_factory, capsys, monkeypatch):
    root = etree.fromstring(data.draw(st.sampled_from(SEEDS)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=12))):
        mutate(root, data)
    # Most mutations break the schema (refused, exit 2, one line per error); without one (validate-with=none,
    # which Pacemaker accepts) the rules see every mutation. Duplicate ids are refused either way.
    schema = data.draw(st.booleans())
    if not schema and root.tag == "cib":
        root.set("validate-with", "none")
    path = tmp_path_factory.mktemp("fuzz") / "cib.xml"
    path.write_bytes(etree.tostring(root))
    output = data.draw(st.sampled_from(("text", "json", "sarif", "github")))
    monkeypatch.setenv("CRM_VE_DISABLE_PLUGIN_AUTOLOAD", "1")
    code = main(["check", "--format", output, str(path)])  # any exception fails the test with the mutated CIB
    _, err = capsys.readouterr()
    refusals = [line for line in err.splitlines() if line.startswith(f"crm-ve: {path}")
                and (": duplicate id " in line or schema and (": schema pacemaker-" in line
                                                             or line.endswith(" more errors)")))]
    assert code in (0, 1) or code == 2 and refusals == err.splitlines(), f"exit {code}: {err}\n{path.read_text()}"


@settings(max_examples=examples(int(os.environ.get("CRM_VE_FUZZ_EXAMPLES", "150"))), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(SEED)), flips=st.lists(
    st.tuples(st.integers(min_value=0, max_value=len(SEED) - 1), st.integers(min_value=0, max_value=255)),
    max_size=4))
def test_damaged_bytes_are_read_or_refused_in_one_line(cut, flips, tmp_path_factory, capsys, monkeypatch):
    damaged = bytearray(SEED.encode()[:cut])
    for position, byte in flips:
        if position < len(damaged):
            damaged[position] = byte
    path = tmp_path_factory.mktemp("bytes") / "cib.xml"
    path.write_bytes(bytes(damaged))
    monkeypatch.setenv("CRM_VE_DISABLE_PLUGIN_AUTOLOAD", "1")
    code = main(["check", str(path)])
    out, err = capsys.readouterr()
    if code == 2:
        assert out == "" and err.count("\n") == 1 and err.startswith(f"crm-ve: {path}"), err
    else:
        assert code in (0, 1) and err == "", err


def test_the_mutations_reach_the_interesting_shapes():
    """The seed is what the fuzz test mutates: it must parse as a CIB and hold every vocabulary of interest."""
    root = etree.fromstring(SEED.encode())
    tags = {element.tag for element in root.iter() if isinstance(element.tag, str)}
    assert {"master", "clone", "group", "template", "resource_set", "rsc_ticket", "tag", "rule",
            "date_expression", "op_defaults"} <= tags
    assert any(isinstance(node, etree._Comment) for node in root.iter())


#: The checker on a parsed CIB, past the input checks (a subprocess: a loop would hang it, not the suite).
MODEL_ONLY = """
import sys
from crm_ve.checker import check_documents
from crm_ve.plugins import PluginHost
from crm_ve.reader import read_cib
check_documents([read_cib(sys.argv[1])], PluginHost())
"""


def test_a_resource_repeating_its_parents_id_is_checked(tmp_path):
    """Duplicate ids are invalid, and crm-ve refuses them (exit 2, as crm_verify does); the model must still
    survive one: a primitive with its clone's id once made it take the clone for its own parent and loop forever
    (found by mutation). The first element with an id wins."""
    root = etree.fromstring(SEED.encode())
    primitive = root.find(".//clone[@id='cl_drbd_r1']/primitive")
    primitive.set("id", "cl_drbd_r1")
    path = tmp_path / "cib.xml"
    path.write_bytes(etree.tostring(root))
    env = {**os.environ, "CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"}
    run = subprocess.run([sys.executable, "-m", "crm_ve", "check", str(path)], capture_output=True, text=True,
                         timeout=120, env=env)
    assert run.returncode == 2 and run.stderr == f"crm-ve: {path}:24: duplicate id 'cl_drbd_r1' (first defined " \
                                                 "on line 21)\n", run.stderr
    check = subprocess.run([sys.executable, "-c", MODEL_ONLY, str(path)], capture_output=True, text=True,
                           timeout=120, env=env)
    assert check.returncode == 0 and "Traceback" not in check.stderr, check.stderr
