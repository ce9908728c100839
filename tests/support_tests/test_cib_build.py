"""The CIB builders run the real cibadmin, crmsh and pcs and say so when a tool refuses."""
import pytest
from lxml import etree

from support.cib_build import (REFERENCE_CRM, ToolFailed, build_reference_crm, build_reference_pcs,
                               cibadmin_create, crm_load, empty_cib, pcs_run, reference_crm, reference_pcs)


def xml(path):
    return etree.parse(str(path)).getroot()


def test_empty_cib_has_schema_stonith_off_and_two_nodes(pacemaker_tools, tmp_path):
    root = xml(empty_cib(tmp_path / "a.xml", schema="pacemaker-2.10"))
    assert root.get("validate-with") == "pacemaker-2.10"
    assert root.xpath("//crm_config//nvpair[@name='stonith-enabled']/@value") == ["false"]
    assert root.xpath("configuration/nodes/node/@uname") == ["node1", "node2"]
    assert xml(empty_cib(tmp_path / "b.xml")).get("validate-with") != "pacemaker-2.10"


def test_crm_reference_uses_master_element_and_master_roles(crmsh, tmp_path):
    root = xml(build_reference_crm(tmp_path / "ref.xml"))
    assert root.xpath("//resources/master/@id") == ["ms_drbd_r0"]
    assert root.xpath("//resources/master/primitive/@type") == ["drbd"]
    col = root.xpath("//rsc_colocation[@id='c_fs_on_drbd']")[0]
    assert (col.get("rsc"), col.get("with-rsc"), col.get("with-rsc-role")) == ("p_fs", "ms_drbd_r0", "Master")
    order = root.xpath("//rsc_order[@id='o_drbd_before_fs']")[0]
    assert (order.get("first-action"), order.get("then-action")) == ("promote", "start")
    assert sorted(root.xpath("//primitive/@type")) == ["Filesystem", "ManageVE", "drbd"]


def test_pcs_reference_uses_promotable_clone_and_promoted_role(pcs, tmp_path):
    root = xml(build_reference_pcs(tmp_path / "ref.xml"))
    assert root.xpath("//resources/master") == []
    assert root.xpath("//clone[@id='ms_drbd_r0']/meta_attributes/nvpair[@name='promotable']/@value") == ["true"]
    assert root.xpath("//rsc_colocation[@id='c_fs_on_drbd']/@with-rsc-role") == ["Promoted"]
    assert root.xpath("//primitive[@id='p_drbd_r0']/operations/op/@role") == ["Promoted", "Unpromoted"]


def test_overrides_replace_and_drop_named_lines():
    text = reference_crm(o_fs_before_ve=None, c_ve_on_fs="colocation c_ve_on_fs 100: p_ve p_fs",
                         extra=["location l1 p_fs 50: node2"])
    assert "o_fs_before_ve" not in text
    assert "colocation c_ve_on_fs 100: p_ve p_fs" in text.splitlines()
    assert text.splitlines()[-1] == "location l1 p_fs 50: node2"
    assert len(text.splitlines()) == len(REFERENCE_CRM) - 1 + 1
    assert [argv for argv in reference_pcs(p_ve=None) if "ManageVE" in argv] == []
    with pytest.raises(KeyError):
        reference_crm(no_such_line=None)


def test_crmsh_refusal_raises_with_its_message_and_force_overrides(crmsh, tmp_path):
    path = build_reference_crm(tmp_path / "c6.xml")
    bad = "order o_c6 inf: p_drbd_r0:promote p_fs:start"   # C6: the primitive inside the clone
    with pytest.raises(ToolFailed, match="not a valid resource"):
        crm_load(path, bad)
    assert xml(path).xpath("//rsc_order[@id='o_c6']") == []
    crm_load(path, bad, force=True)
    assert xml(path).xpath("//rsc_order[@id='o_c6']/@first") == ["p_drbd_r0"]


def test_pcs_refusal_raises_and_force_overrides(pcs, tmp_path):
    path = build_reference_pcs(tmp_path / "p.xml")
    argv = ("constraint", "colocation", "add", "p_ve", "with", "no_such_rsc", "INFINITY")
    with pytest.raises(ToolFailed, match="no_such_rsc"):
        pcs_run(path, *argv)
    # an order between existing resources that already are ordered: pcs refuses the duplicate without --force
    dup = ("constraint", "order", "p_fs", "then", "p_ve", "id=o_dup")
    with pytest.raises(ToolFailed, match="(?i)duplicate"):
        pcs_run(path, *dup)
    pcs_run(path, *dup, force=True)
    assert xml(path).xpath("//rsc_order[@id='o_dup']/@then") == ["p_ve"]


def test_cibadmin_create_checks_the_schema(pacemaker_tools, tmp_path):
    path = empty_cib(tmp_path / "x.xml")
    cibadmin_create(path, "resources", '<primitive id="d" class="ocf" provider="heartbeat" type="Dummy"/>')
    cibadmin_create(path, "resources", '<primitive id="e" class="ocf" provider="heartbeat" type="Dummy"/>')
    cibadmin_create(path, "constraints", '<rsc_order id="o" first="d" then="e" kind="Optional"/>')
    assert xml(path).xpath("//rsc_order[@id='o']/@kind") == ["Optional"]
    with pytest.raises(ToolFailed, match="cibadmin"):   # kind is case-sensitive in the schema
        cibadmin_create(path, "constraints", '<rsc_order id="o2" first="d" then="e" kind="optional"/>')
    assert xml(path).xpath("//rsc_order[@id='o2']") == []
