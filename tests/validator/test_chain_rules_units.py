"""Rules CV101-CV104 on CIB text, for the forms that no front end writes in one command and for correct
layouts that must stay clean (cloned Filesystems, groups holding the container, constraints naming the clone's
child, chains through sets). Where a fix is given it is applied with the real crmsh and checked again."""
import pytest

from chain_support import apply_fix, chain_findings
from crm_ve.checker import check_document
from crm_ve.plugins import PluginHost
from crm_ve.reader import parse_cib
from support.tools import require_tools

HOST = PluginHost(autoload=False)

DRBD = ('<master id="ms"><meta_attributes id="ms-m"><nvpair id="ms-n" name="notify" value="true"/>'
        '</meta_attributes><primitive id="d" class="ocf" provider="linbit" type="drbd">'
        '<instance_attributes id="d-ia"><nvpair id="d-r" name="drbd_resource" value="r0"/></instance_attributes>'
        '<operations><op id="d-m1" name="monitor" interval="29s" role="Master"/>'
        '<op id="d-m2" name="monitor" interval="31s" role="Slave"/></operations></primitive></master>')
FS = ('<primitive id="fs" class="ocf" provider="heartbeat" type="Filesystem"><instance_attributes id="fs-ia">'
      '<nvpair id="fs-d" name="device" value="/dev/drbd/by-res/r0/0"/><nvpair id="fs-p" name="directory" '
      'value="/vz"/><nvpair id="fs-t" name="fstype" value="ext4"/></instance_attributes></primitive>')


def ve(rid="ve", veid="101"):
    return (f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="ManageVE"><instance_attributes '
            f'id="{rid}-ia"><nvpair id="{rid}-v" name="veid" value="{veid}"/></instance_attributes></primitive>')


FS_OK = ('<rsc_colocation id="c_fs" rsc="fs" with-rsc="ms" with-rsc-role="Master" score="INFINITY"/>'
         '<rsc_order id="o_fs" first="ms" first-action="promote" then="fs" then-action="start"/>')
VE_OK = ('<rsc_colocation id="c_ve" rsc="ve" with-rsc="fs" score="INFINITY"/>'
         '<rsc_order id="o_ve" first="fs" then="ve"/>')


def cib(resources, constraints, extra=""):
    return (f'<cib validate-with="pacemaker-3.9" admin_epoch="0" epoch="1" num_updates="0"><configuration>'
            f'<crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="o-s" name="stonith-enabled" '
            f'value="false"/></cluster_property_set></crm_config><nodes><node id="node1" uname="node1"/>'
            f'<node id="node2" uname="node2"/></nodes><resources>{resources}</resources>'
            f"<constraints>{constraints}</constraints>{extra}</configuration><status/></cib>")


def chain(text):
    findings, failures = check_document(parse_cib(text.encode(), "t.xml"), HOST.rules, HOST.workload_agents)
    assert not failures
    return [f for f in findings if f.code.startswith("CV1")]


def codes(text):
    return sorted(f.code for f in chain(text))


# ------------------------------------------------------------------------------------------ stays clean

CLEAN = {
    "reference": cib(DRBD + FS + ve(), FS_OK + VE_OK),
    "constraints naming the clone's child (C6 is another rule's)": cib(
        DRBD + FS + ve(), FS_OK.replace('with-rsc="ms"', 'with-rsc="d"').replace('first="ms"', 'first="d"')
        + VE_OK),
    "dual-primary with a cloned Filesystem": cib(
        DRBD.replace('name="notify" value="true"/>', 'name="notify" value="true"/><nvpair id="ms-mm" '
                     'name="master-max" value="2"/>') + '<clone id="cl_fs">' + FS + "</clone>" + ve(),
        '<rsc_colocation id="c_fs" rsc="cl_fs" with-rsc="ms" with-rsc-role="Master" score="INFINITY"/>'
        '<rsc_order id="o_fs" first="ms" first-action="promote" then="cl_fs" then-action="start"/>'
        '<rsc_colocation id="c_ve" rsc="ve" with-rsc="cl_fs" score="INFINITY"/>'
        '<rsc_order id="o_ve" first="cl_fs" then="ve"/>'),
    "container in a group with its address": cib(
        DRBD + FS + '<group id="g_ve"><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">'
        '<instance_attributes id="ip-ia"><nvpair id="ip-i" name="ip" value="192.0.2.10"/></instance_attributes>'
        "</primitive>" + ve() + "</group>",
        FS_OK + '<rsc_colocation id="c_ve" rsc="g_ve" with-rsc="fs" score="INFINITY"/>'
        '<rsc_order id="o_ve" first="fs" then="g_ve"/>'),
    "legacy score INFINITY on the orders": cib(
        DRBD + FS + ve(), FS_OK.replace('then-action="start"/>', 'then-action="start" score="INFINITY"/>')
        + VE_OK.replace('then="ve"/>', 'then="ve" score="INFINITY"/>')),
    "an unrelated anti-colocation does not tie the container": cib(
        DRBD + FS + ve() + ve("ve2", "102")
        + FS.replace('id="fs', 'id="fs2').replace("/vz", "/srv").replace("/dev/drbd/by-res/r0/0", "nas:/export"),
        FS_OK + VE_OK + '<rsc_colocation id="c_ve2" rsc="ve2" with-rsc="fs" score="INFINITY"/>'
        '<rsc_order id="o_ve2" first="fs" then="ve2"/>'
        '<rsc_colocation id="apart" rsc="ve" with-rsc="fs2" score="-INFINITY"/>'),
    "one ordered set and one colocation set for the whole chain": cib(
        DRBD + FS + ve(),
        '<rsc_order id="o"><resource_set id="o-0" action="promote"><resource_ref id="ms"/></resource_set>'
        '<resource_set id="o-1" action="start"><resource_ref id="fs"/><resource_ref id="ve"/></resource_set>'
        '</rsc_order><rsc_colocation id="c" score="INFINITY"><resource_set id="c-0"><resource_ref id="fs"/>'
        '<resource_ref id="ve"/></resource_set><resource_set id="c-1" role="Promoted"><resource_ref id="ms"/>'
        "</resource_set></rsc_colocation>"),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_correct_layouts_are_clean(name):
    assert chain(CLEAN[name]) == []


def test_a_non_promotable_drbd_clone_is_left_to_the_drbd_rules():
    text = cib(DRBD.replace("<master", "<clone").replace("</master>", "</clone>") + FS + ve(), FS_OK + VE_OK)
    assert codes(text) == []


# ------------------------------------------------------------------------------------------------ errors

def test_group_order_switched_off_by_a_date_rule_is_an_error_naming_the_rule():
    rule = ('<meta_attributes id="g-m"><rule id="r_date" score="INFINITY"><date_expression id="r_date-e" '
            'operation="gt" start="2030-01-01"/></rule><nvpair id="g-o" name="ordered" value="false"/>'
            "</meta_attributes>")
    text = cib(DRBD + f'<group id="g">{rule}' + FS + ve() + "</group>",
               '<rsc_colocation id="c" rsc="g" with-rsc="ms" with-rsc-role="Master" score="INFINITY"/>'
               '<rsc_order id="o" first="ms" first-action="promote" then="g" then-action="start"/>')
    found = chain(text)
    assert [f.code for f in found] == ["CV104"]
    assert "only while group g is ordered" in found[0].message and "r_date" in found[0].message


def test_node_attribute_colocation_is_not_the_same_node():
    text = cib(DRBD + FS + ve(), FS_OK.replace('score="INFINITY"/>', 'score="INFINITY" node-attribute="rack"/>',
                                                1) + VE_OK)
    found = chain(text)
    assert [f.code for f in found] == ["CV101"] and "node attribute rack" in found[0].message


def test_serialize_does_not_order():
    text = cib(DRBD + FS + ve(), FS_OK + VE_OK.replace('then="ve"/>', 'then="ve" kind="Serialize"/>'))
    found = chain(text)
    assert [f.code for f in found] == ["CV104"] and "Serialize" in found[0].message


def test_require_all_false_set_does_not_order_after_a_particular_member():
    other = ('<primitive id="other" class="ocf" provider="heartbeat" type="Dummy"/>')
    text = cib(DRBD + FS + ve() + other, FS_OK + VE_OK.split("<rsc_order")[0]
               + '<rsc_order id="o_any"><resource_set id="a-0" sequential="false" require-all="false">'
                 '<resource_ref id="fs"/><resource_ref id="other"/></resource_set><resource_set id="a-1">'
                 '<resource_ref id="ve"/></resource_set></rsc_order>')
    found = chain(text)
    assert [f.code for f in found] == ["CV104"] and "require-all=false" in found[0].message


def test_right_and_reversed_order_together_are_a_loop():
    text = cib(DRBD + FS + ve(), FS_OK + VE_OK + '<rsc_order id="o_back" first="ve" then="fs"/>')
    found = chain(text)
    assert [f.code for f in found] == ["CV104"]
    assert "loop" in found[0].message and found[0].constraints == ("o_back",)
    assert found[0].fix.crm == ("crm configure delete o_back",)


def test_reversed_colocation_next_to_the_right_one_is_still_an_inverted_dependency():
    text = cib(DRBD + FS + ve(), FS_OK + VE_OK
               + '<rsc_colocation id="c_back" rsc="ms" rsc-role="Master" with-rsc="fs" score="INFINITY"/>')
    found = chain(text)
    assert [f.code for f in found] == ["CV101"] and found[0].fix.pcs == ("pcs constraint delete c_back",)


def test_container_tied_only_by_its_dumpfile(tmp_path):
    container = ('<primitive id="ve" class="ocf" provider="crm-ve" type="ManageVE"><instance_attributes id="ve-ia">'
                 '<nvpair id="ve-v" name="veid" value="101"/><nvpair id="ve-d" name="dumpfile" '
                 'value="/vz/dump/Dump.101"/></instance_attributes></primitive>')
    other = FS.replace('id="fs', 'id="fs2').replace("/vz", "/srv").replace("r0/0", "r1/0")
    drbd2 = DRBD.replace('id="ms', 'id="ms2').replace('id="d', 'id="d2').replace('value="r0"', 'value="r1"')
    text = cib(DRBD + drbd2 + FS + other + container,
               FS_OK + FS_OK.replace("c_fs", "c_fs2").replace("o_fs", "o_fs2").replace('"fs"', '"fs2"')
               .replace('"ms"', '"ms2"'))
    found = chain(text)
    assert sorted(f.code for f in found) == ["CV103", "CV104"]
    assert all("dumpfile /vz/dump/Dump.101 is under /vz" in f.message for f in found)


def test_fixes_of_these_forms_work_with_crmsh(tmp_path):
    require_tools("cibadmin", "crm")
    path = tmp_path / "loop.xml"
    path.write_text(cib(DRBD + FS + ve(), FS_OK + VE_OK + '<rsc_order id="o_back" first="ve" then="fs"/>'
                        + '<rsc_colocation id="c_back" rsc="ms" rsc-role="Master" with-rsc="fs" '
                          'score="INFINITY"/>'))
    found = chain_findings(path)
    assert sorted(f.code for f in found) == ["CV101", "CV104"]
    for finding in found:
        apply_fix(path, finding, "crm")
    assert chain_findings(path) == []
