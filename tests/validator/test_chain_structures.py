"""Rules CV101-CV104 on stacks built from groups, chains (DRBD -> LVM -> Filesystem), tags, templates and old
schemas, with crmsh and pcs; the failing ones are shown by crm_simulate and fixed with the real tools."""
import pytest
from lxml import etree

from chain_support import (
    apply_fix, chain_findings, check, errors, fix_all, no_defect, order_defect, placement_defect,
)
from crm_ve.model import build_model
from crm_ve.reader import read_cib
from support.cib_build import build_reference_crm, build_reference_pcs, crm_load, empty_cib, reference_pcs
from support.tools import require_tools

COLD = order_defect("cold-start")
NO_STACK_CONSTRAINTS = dict(c_fs_on_drbd=None, o_drbd_before_fs=None, c_ve_on_fs=None, o_fs_before_ve=None)


def crm_cib(path, extra, force=False, schema=None, **changes):
    require_tools("cibadmin", "crm_attribute", "crm_simulate", "crm")
    return build_reference_crm(str(path), schema=schema, force=force, extra=extra, **changes)


def pcs_cib(path, extra, schema=None, **changes):
    require_tools("cibadmin", "crm_attribute", "crm_simulate", "pcs")
    return build_reference_pcs(str(path), schema=schema, extra=extra, **changes)


def grouped_pcs(*members):
    """pcs steps creating p_fs and p_ve in group g_vz (in ``members`` order)."""
    steps = {}
    for name in members:
        steps[name] = reference_pcs()[["p_drbd_r0", "p_fs", "p_ve"].index(name)] + ["--group", "g_vz"]
    return steps


def codes(path):
    return sorted(f.code for f in chain_findings(path))


# ------------------------------------------------------------------------------------------------- groups

GROUP_ON_GROUP_CRM = ["group g_vz p_fs p_ve", "colocation c_vz_on_drbd inf: g_vz ms_drbd_r0:Master",
                      "order o_drbd_before_vz inf: ms_drbd_r0:promote g_vz:start"]
GROUP_ON_GROUP_PCS = [["constraint", "colocation", "add", "g_vz", "with", "promoted", "ms_drbd_r0", "INFINITY",
                       "id=c_vz_on_drbd"],
                      ["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "g_vz",
                       "id=o_drbd_before_vz"]]


@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_e_g1_constraints_on_the_group_are_clean(tool, tmp_path):
    path = tmp_path / "g1.xml"
    if tool == "crm":
        crm_cib(path, GROUP_ON_GROUP_CRM, **NO_STACK_CONSTRAINTS)
    else:
        pcs_cib(path, GROUP_ON_GROUP_PCS, **NO_STACK_CONSTRAINTS, **grouped_pcs("p_fs", "p_ve"))
    assert errors(path) == []
    assert no_defect(path) is None
    stack = build_model(read_cib(str(path))).stacks(["ocf:heartbeat:ManageVE"]).stack_of("p_fs")
    assert stack.containers[0].kind == "group"


@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_e_g3_constraints_on_the_first_member_are_clean(tool, tmp_path):
    path = tmp_path / "g3.xml"
    if tool == "crm":
        crm_cib(path, ["group g_vz p_fs p_ve"], force=True, o_fs_before_ve=None, c_ve_on_fs=None)
    else:
        pcs_cib(path, [], o_fs_before_ve=None, c_ve_on_fs=None, **grouped_pcs("p_fs", "p_ve"))
    assert errors(path) == []
    assert no_defect(path) is None


@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_e_g2_constraints_on_the_last_member_are_errors_and_fixed_on_the_group(tool, tmp_path):
    path = tmp_path / "g2.xml"
    if tool == "crm":
        crm_cib(path, ["group g_vz p_fs p_ve", "colocation c_ve_on_drbd inf: p_ve ms_drbd_r0:Master",
                       "order o_drbd_before_ve inf: ms_drbd_r0:promote p_ve:start"], force=True,
                **NO_STACK_CONSTRAINTS)
    else:
        pcs_cib(path, [["constraint", "colocation", "add", "p_ve", "with", "promoted", "ms_drbd_r0", "INFINITY",
                        "id=c_ve_on_drbd"],
                       ["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "p_ve",
                        "id=o_drbd_before_ve"]], **NO_STACK_CONSTRAINTS, **grouped_pcs("p_fs", "p_ve"))
    found = chain_findings(path)
    assert sorted(f.code for f in found) == ["CV101", "CV102"]
    assert all("later member of group g_vz" in f.message for f in found), [f.message for f in found]
    assert COLD(path), "crm_simulate: p_fs mounted without waiting for the promote"
    for finding in found:
        apply_fix(path, finding, tool)
        assert any("g_vz" in command for command in (finding.fix.crm if tool == "crm" else finding.fix.pcs))
    assert errors(path) == []
    assert no_defect(path) is None


@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_group_listing_the_container_first_is_one_inverted_dependency(tool, tmp_path):
    path = tmp_path / "g-reversed.xml"
    if tool == "crm":
        crm_cib(path, ["group g_vz p_ve p_fs"] + GROUP_ON_GROUP_CRM[1:], **NO_STACK_CONSTRAINTS)
    else:
        pcs_cib(path, [["resource", "group", "add", "g_vz", "p_fs"]] + GROUP_ON_GROUP_PCS, **NO_STACK_CONSTRAINTS,
                **grouped_pcs("p_ve"))
    group = etree.parse(str(path)).getroot().find(".//group[@id='g_vz']")
    assert [p.get("id") for p in group.findall("primitive")] == ["p_ve", "p_fs"]
    found = chain_findings(path)
    assert [f.code for f in found] == ["CV103"], [f.message for f in found]
    assert "Inverted dependency: group g_vz lists p_ve before p_fs" in found[0].message
    assert "CV104" in found[0].message  # the order half of the same mistake, in the same finding
    assert COLD(path)
    apply_fix(path, found[0], tool)
    assert errors(path) == []
    assert no_defect(path) is None


@pytest.mark.parametrize("meta,code", [("ordered", "CV104"), ("collocated", "CV103")])
@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_group_meta_switching_off_the_implied_relation(meta, code, tool, tmp_path):
    path = tmp_path / f"g-{meta}.xml"
    crm_cib(path, [f"group g_vz p_fs p_ve meta {meta}=false"] + GROUP_ON_GROUP_CRM[1:], force=True,
            **NO_STACK_CONSTRAINTS)
    found = chain_findings(path)
    assert [f.code for f in found] == [code], [f.message for f in found]
    assert f"{meta}=false" in found[0].message
    if meta == "ordered":
        assert COLD(path)
    apply_fix(path, found[0], tool)
    assert errors(path) == []
    assert no_defect(path) is None


# ------------------------------------------------------------------------------------------------ chains

LVM_CRM = [
    "primitive p_lvm ocf:heartbeat:LVM-activate params vgname=vg_vz vg_access_mode=system_id",
    "colocation c_lvm_on_drbd inf: p_lvm ms_drbd_r0:Master",
    "order o_drbd_before_lvm inf: ms_drbd_r0:promote p_lvm:start",
    "colocation c_fs_on_lvm inf: p_fs p_lvm",
    "order o_lvm_before_fs inf: p_lvm p_fs",
]
LVM_FS = "primitive p_fs ocf:heartbeat:Filesystem params device=/dev/vg_vz/lv_vz directory=/vz fstype=ext4"


def test_chain_through_lvm_is_as_good_as_direct(tmp_path):
    path = tmp_path / "lvm.xml"
    crm_cib(path, LVM_CRM, p_fs=LVM_FS, c_fs_on_drbd=None, o_drbd_before_fs=None)
    model = build_model(read_cib(str(path)))
    tie = model.stacks(["ocf:heartbeat:ManageVE"]).filesystem_ties["p_fs"]
    assert (tie.kind, tie.upper) == ("through", "ms_drbd_r0") and "p_lvm" in tie.reason
    assert model.has_mandatory_order_path(("ms_drbd_r0", "promote"), ("p_ve", "start"))
    assert errors(path) == []
    assert no_defect(path) is None


def test_chain_through_lvm_with_a_missing_link_is_an_error(tmp_path):
    path = tmp_path / "lvm-broken.xml"
    crm_cib(path, LVM_CRM[:-1], p_fs=LVM_FS, c_fs_on_drbd=None, o_drbd_before_fs=None)
    assert codes(path) == ["CV102"]
    assert COLD(path)
    fix_all(path, "crm")
    assert errors(path) == []
    assert COLD(path) is None


# ------------------------------------------------------------------------------------- tags and templates

def test_e_t1_tag_colocated_and_ordered_as_a_whole_leaves_container_unrelated_to_its_filesystem(tmp_path):
    path = tmp_path / "t1.xml"
    crm_cib(path, ["tag t_vz p_fs p_ve", "colocation c_vz inf: t_vz ms_drbd_r0:Master",
                   "order o_vz inf: ms_drbd_r0:promote t_vz:start"], **NO_STACK_CONSTRAINTS)
    assert codes(path) == ["CV103", "CV104"]
    assert COLD(path)  # the container does not wait for the mount
    fix_all(path, "crm")
    assert errors(path) == []
    assert no_defect(path) is None


def test_e_ta_omitted_then_action_towards_a_tag_defaults_to_start(tmp_path):
    path = tmp_path / "ta.xml"
    crm_cib(path, ["tag t_fs p_fs", "order o_drbd_before_fs inf: ms_drbd_r0:promote t_fs"], o_drbd_before_fs=None)
    order = etree.parse(str(path)).getroot().find(".//rsc_order[@id='o_drbd_before_fs']")
    assert order.get("then") == "t_fs" and order.get("then-action") is None
    assert errors(path) == []
    assert no_defect(path) is None


def test_template_derived_containers_ordered_and_colocated_through_the_template(tmp_path):
    path = tmp_path / "tmpl.xml"
    crm_cib(path, ["rsc_template vz_tmpl ocf:heartbeat:ManageVE",
                   "primitive p_ve @vz_tmpl params veid=101",
                   "primitive p_ve2 @vz_tmpl params veid=102",
                   "colocation c_vz_on_fs inf: vz_tmpl p_fs",
                   "order o_fs_before_vz inf: p_fs vz_tmpl"], p_ve=None, c_ve_on_fs=None, o_fs_before_ve=None)
    model = build_model(read_cib(str(path)))
    assert model.resources["p_ve2"].agent == "ocf:heartbeat:ManageVE"
    ties = model.stacks(["ocf:heartbeat:ManageVE"]).container_ties
    assert {ties["p_ve"][0].upper, ties["p_ve2"][0].upper} == {"p_fs"}
    assert errors(path) == []
    assert no_defect(path) is None


def test_one_broken_container_of_two_is_the_only_finding(tmp_path):
    path = tmp_path / "two.xml"
    crm_cib(path, ["primitive p_ve2 ocf:heartbeat:ManageVE params veid=102",
                   "colocation c_ve2_on_fs inf: p_ve2 p_fs"])
    found = chain_findings(path)
    assert [(f.code, f.resources) for f in found] == [("CV104", ("p_ve2", "p_fs"))]
    fix_all(path, "crm")
    assert errors(path) == []


# ------------------------------------------------------------------------------------------ vocabulary

@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_fix_on_a_pacemaker_3_6_cib_uses_master(tool, tmp_path):
    path = tmp_path / "old.xml"
    crm_cib(path, [], schema="pacemaker-3.6",
            c_fs_on_drbd="colocation c_fs_on_drbd inf: p_fs ms_drbd_r0")
    assert read_cib(str(path)).validate_with == "pacemaker-3.6"
    found = chain_findings(path)
    assert [f.code for f in found] == ["CV101"]
    assert "ms_drbd_r0:Master" in found[0].fix.crm[-1] and "Promoted" not in " ".join(found[0].fix.crm)
    assert "with promoted ms_drbd_r0" in found[0].fix.pcs[-1]
    apply_fix(path, found[0], tool)
    root = etree.parse(str(path)).getroot()
    assert root.find(".//rsc_colocation[@id='c_fs_on_drbd']").get("with-rsc-role") == "Master"
    assert errors(path) == []


def test_fix_on_a_new_schema_cib_uses_promoted(tmp_path):
    path = tmp_path / "new.xml"
    crm_cib(path, [], c_fs_on_drbd="colocation c_fs_on_drbd inf: p_fs ms_drbd_r0")
    found = chain_findings(path)
    assert "ms_drbd_r0:Promoted" in found[0].fix.crm[-1]
