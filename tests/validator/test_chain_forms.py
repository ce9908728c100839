"""Rules CV101-CV104, form by form (docs/rule-catalogue.md rows C1-C17).

For every form and for both tools (crmsh with ``ms`` and Master/Slave, pcs with a promotable clone and
Promoted): the failing CIB gets exactly the expected error findings, each naming its form; crm_simulate shows
the defect in the scenario that exposes it; applying each finding's fix with the same real tool makes the CIB
check clean, and crm_simulate then shows no defect in that scenario nor in any of the harness's scenarios.
"""
import pytest

from chain_support import (
    Form, apply_fix, build_form, chain_findings, check, container_stopped_defect, drbd_recovery_under_mount,
    errors, fs_recovery_under_container, no_defect, order_defect, placement_defect, promotion_hijack,
)

COLD = order_defect("cold-start")
STANDBY = order_defect("standby-primary")
FS_PREF_50 = (("location l_fs_pref p_fs 50: node2",), (["constraint", "location", "p_fs", "prefers", "node2=50"],))
FS_PREF_5 = (("location l_fs_pref p_fs 5: node2",), (["constraint", "location", "p_fs", "prefers", "node2=5"],))
FS_PREF_200 = (("location l_fs_pref p_fs 200: node2",), (["constraint", "location", "p_fs", "prefers", "node2=200"],))
VE_PREF_50 = (("location l_ve_pref p_ve 50: node2",), (["constraint", "location", "p_ve", "prefers", "node2=50"],))
VE_PREF_200 = (("location l_ve_pref p_ve 200: node2",), (["constraint", "location", "p_ve", "prefers", "node2=200"],))


def form(name, codes, exposure, text="", setup=((), ()), **kwargs):
    return Form(name, tuple(codes), exposure, text, setup_crm=setup[0], setup_pcs=setup[1], **kwargs)


FAILING = [
    form("C1-after-start", ["CV102"], COLD, "after ms_drbd_r0 start, not promote",
         drop=("o_drbd_before_fs",), crm=("order o_drbd_before_fs inf: ms_drbd_r0 p_fs",),
         pcs=(["constraint", "order", "ms_drbd_r0", "then", "p_fs", "id=o_drbd_before_fs"],)),
    form("C2-then-action-omitted", ["CV102"], COLD, "omits then-action",
         drop=("o_drbd_before_fs",), crm=("order o_drbd_before_fs inf: ms_drbd_r0:promote p_fs",), tools=("crm",)),
    form("C2-then-action-omitted-xml", ["CV102"], COLD, "omits then-action", drop=("o_drbd_before_fs",),
         raw=(("constraints", '<rsc_order id="o_drbd_before_fs" kind="Mandatory" first="ms_drbd_r0" '
                              'first-action="promote" then="p_fs"/>'),), tools=("pcs",)),
    form("C3-no-role", ["CV101"], placement_defect, "without a role", setup=FS_PREF_50,
         drop=("c_fs_on_drbd",), crm=("colocation c_fs_on_drbd inf: p_fs ms_drbd_r0",),
         pcs=(["constraint", "colocation", "add", "p_fs", "with", "ms_drbd_r0", "INFINITY", "id=c_fs_on_drbd"],)),
    form("C3-unpromoted-role", ["CV101"], placement_defect, "Unpromoted role",
         drop=("c_fs_on_drbd",), crm=("colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Slave",),
         pcs=(["constraint", "colocation", "add", "p_fs", "with", "unpromoted", "ms_drbd_r0", "INFINITY",
               "id=c_fs_on_drbd"],)),
    form("C4-reversed", ["CV101"], promotion_hijack, "is reversed", setup=FS_PREF_5,
         drop=("c_fs_on_drbd",), crm=("colocation c_fs_on_drbd inf: ms_drbd_r0:Master p_fs",),
         pcs=(["constraint", "colocation", "add", "promoted", "ms_drbd_r0", "with", "p_fs", "INFINITY",
               "id=c_fs_on_drbd"],)),
    form("C5-role-on-filesystem", ["CV101"], placement_defect, "cannot be promoted", setup=FS_PREF_50,
         drop=("c_fs_on_drbd",), crm=("colocation c_fs_on_drbd inf: p_fs:Master ms_drbd_r0",),
         pcs=(["constraint", "colocation", "add", "promoted", "p_fs", "with", "ms_drbd_r0", "INFINITY",
               "id=c_fs_on_drbd"],), crm_force=True, pcs_force=True),
    form("C8-set-ve-first", ["CV103"], container_stopped_defect, "read as a chain the wrong way round",
         drop=("c_fs_on_drbd", "c_ve_on_fs"), crm=("colocation c_stack inf: p_ve p_fs ms_drbd_r0:Master",),
         pcs=(["constraint", "colocation", "set", "p_ve", "p_fs", "set", "ms_drbd_r0", "role=Promoted",
               "setoptions", "score=INFINITY", "id=c_stack"],)),
    form("C8-set-drbd-first", ["CV101"], container_stopped_defect, "read as a chain the wrong way round",
         drop=("c_fs_on_drbd", "c_ve_on_fs"), crm=("colocation c_stack inf: ms_drbd_r0:Master p_fs p_ve",),
         pcs=(["constraint", "colocation", "set", "ms_drbd_r0", "role=Promoted", "set", "p_fs", "p_ve",
               "setoptions", "score=INFINITY", "id=c_stack"],)),
    form("C9-promoted-set-first", ["CV101", "CV103"], container_stopped_defect, "",
         drop=("c_fs_on_drbd", "c_ve_on_fs"), crm=("colocation c_stack inf: ms_drbd_r0:Master ( p_fs p_ve )",),
         pcs=(["constraint", "colocation", "set", "ms_drbd_r0", "role=Promoted", "set", "p_fs", "p_ve",
               "sequential=false", "setoptions", "score=INFINITY", "id=c_stack"],)),
    form("C10-pcs-crm-equivalent-reversed", ["CV103"], container_stopped_defect, "is reversed",
         drop=("c_ve_on_fs",), crm=("colocation c_ve_on_fs inf: p_fs p_ve",),
         pcs=(["constraint", "colocation", "add", "p_fs", "with", "p_ve", "INFINITY", "id=c_ve_on_fs"],)),
    form("C11-asymmetrical", ["CV102"], STANDBY, "symmetrical=false",
         drop=("o_drbd_before_fs",),
         crm=("order o_drbd_before_fs Mandatory: ms_drbd_r0:promote p_fs:start symmetrical=false",),
         pcs=(["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "p_fs", "symmetrical=false",
               "id=o_drbd_before_fs"],)),
    form("C11-container-asymmetrical", ["CV104"], STANDBY, "symmetrical=false",
         drop=("o_fs_before_ve",), crm=("order o_fs_before_ve Mandatory: p_fs p_ve symmetrical=false",),
         pcs=(["constraint", "order", "p_fs", "then", "p_ve", "symmetrical=false", "id=o_fs_before_ve"],)),
    form("C12-optional", ["CV102"], drbd_recovery_under_mount, "is Optional",
         drop=("o_drbd_before_fs",), crm=("order o_drbd_before_fs 0: ms_drbd_r0:promote p_fs:start",),
         pcs=(["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "p_fs", "kind=Optional",
               "id=o_drbd_before_fs"],)),
    form("C12-legacy-score-0", ["CV102"], drbd_recovery_under_mount, "is Optional", drop=("o_drbd_before_fs",),
         raw=(("constraints", '<rsc_order id="o_drbd_before_fs" score="0" first="ms_drbd_r0" '
                              'first-action="promote" then="p_fs" then-action="start"/>'),), tools=("crm",)),
    form("C12-container-optional", ["CV104"], fs_recovery_under_container, "is Optional",
         drop=("o_fs_before_ve",), crm=("order o_fs_before_ve Optional: p_fs p_ve",),
         pcs=(["constraint", "order", "p_fs", "then", "p_ve", "kind=Optional", "id=o_fs_before_ve"],)),
    form("C13-score-0", ["CV101"], placement_defect, "score 0", setup=FS_PREF_50,
         drop=("c_fs_on_drbd",), crm=("colocation c_fs_on_drbd 0: p_fs ms_drbd_r0:Master",),
         pcs=(["constraint", "colocation", "add", "p_fs", "with", "promoted", "ms_drbd_r0", "0",
               "id=c_fs_on_drbd"],)),
    form("C13-no-score", ["CV101"], placement_defect, "no score", setup=FS_PREF_50, drop=("c_fs_on_drbd",),
         raw=(("constraints", '<rsc_colocation id="c_fs_on_drbd" rsc="p_fs" with-rsc="ms_drbd_r0" '
                              'with-rsc-role="Master"/>'),), tools=("crm",)),
    form("C14-finite", ["CV101"], placement_defect, "finite score", setup=FS_PREF_200,
         drop=("c_fs_on_drbd",), crm=("colocation c_fs_on_drbd 100: p_fs ms_drbd_r0:Master",),
         pcs=(["constraint", "colocation", "add", "p_fs", "with", "promoted", "ms_drbd_r0", "100",
               "id=c_fs_on_drbd"],)),
    form("C14-container-finite", ["CV103"], placement_defect, "finite score", setup=VE_PREF_200,
         drop=("c_ve_on_fs",), crm=("colocation c_ve_on_fs 100: p_ve p_fs",),
         pcs=(["constraint", "colocation", "add", "p_ve", "with", "p_fs", "100", "id=c_ve_on_fs"],)),
    form("C15-no-container-colocation", ["CV103"], placement_defect, "is not colocated", setup=VE_PREF_50,
         drop=("c_ve_on_fs",)),
    form("C16-no-container-order", ["CV104"], COLD, "is not ordered", drop=("o_fs_before_ve",)),
    form("C17-reversed", ["CV102"], COLD, "Inverted dependency",
         drop=("o_drbd_before_fs",), crm=("order o_drbd_before_fs inf: p_fs ms_drbd_r0:promote",),
         pcs=(["constraint", "order", "start", "p_fs", "then", "promote", "ms_drbd_r0",
               "id=o_drbd_before_fs"],)),
    form("C17-container-reversed", ["CV104"], COLD, "Inverted dependency",
         drop=("o_fs_before_ve",), crm=("order o_fs_before_ve inf: p_ve p_fs",),
         pcs=(["constraint", "order", "p_ve", "then", "p_fs", "id=o_fs_before_ve"],)),
    form("issue-bar", ["CV101", "CV102", "CV104"], COLD, "",
         drop=("o_drbd_before_fs", "c_fs_on_drbd", "o_fs_before_ve"),
         crm=("order o inf: ms_drbd_r0 p_fs", "colocation c inf: p_fs ms_drbd_r0"),
         pcs=(["constraint", "order", "ms_drbd_r0", "then", "p_fs", "id=o"],
              ["constraint", "colocation", "add", "p_fs", "with", "ms_drbd_r0", "INFINITY", "id=c"])),
]

PASSING = [
    form("reference", [], no_defect),
    form("ordered-set-chain", [], no_defect, drop=("o_drbd_before_fs", "o_fs_before_ve"),
         crm=("order o_chain inf: ms_drbd_r0:promote p_fs:start p_ve:start",),
         pcs=(["constraint", "order", "set", "ms_drbd_r0", "action=promote", "set", "p_fs", "p_ve",
               "action=start", "setoptions", "id=o_chain"],)),
    form("colocation-set-chain", [], no_defect, drop=("c_fs_on_drbd", "c_ve_on_fs"),
         crm=("colocation c_chain inf: p_fs p_ve ms_drbd_r0:Master",),
         pcs=(["constraint", "colocation", "set", "p_fs", "p_ve", "set", "ms_drbd_r0", "role=Promoted",
               "setoptions", "score=INFINITY", "id=c_chain"],)),
    form("listed-set", [], no_defect, drop=("c_ve_on_fs",), tools=("crm",),
         raw=(("constraints", '<rsc_colocation id="c_listed" score="INFINITY"><resource_set id="c_listed-0" '
                              'ordering="listed"><resource_ref id="p_ve"/><resource_ref id="p_fs"/></resource_set>'
                              '</rsc_colocation>'),)),
    form("score-1000000-is-infinity", [], no_defect, drop=("c_fs_on_drbd",), tools=("pcs",),
         pcs=(["constraint", "colocation", "add", "p_fs", "with", "promoted", "ms_drbd_r0", "1000000",
               "id=c_fs_on_drbd"],)),
]


def _cases(forms):
    return [pytest.param(f, tool, id=f"{f.name}-{tool}") for f in forms for tool in f.tools]


@pytest.mark.parametrize("form,tool", _cases(FAILING))
def test_failing_form_is_diagnosed_shown_by_the_scheduler_and_fixed(form, tool, reference_cibs, tmp_path):
    path = build_form(reference_cibs(tool), tmp_path / "failing.xml", form, tool)
    found = [f for f in chain_findings(path)]
    assert sorted(f.code for f in found) == sorted(form.codes), [f"{f.code}: {f.message}" for f in found]
    for finding in found:
        assert finding.severity.label == "error"
        assert finding.fix.crm and finding.fix.pcs
        assert finding.constraints or finding.resources
    if form.text:
        assert any(form.text in f.message for f in found), [f.message for f in found]
    assert not [f for f in errors(path) if f.code not in form.codes], "only the chain errors expected"

    defect = form.exposure(path)
    assert defect, f"crm_simulate does not show the {form.name} defect ({form.exposure.__name__})"

    for finding in found:
        apply_fix(path, finding, tool)
    remaining = errors(path)
    assert not remaining, [f"{f.code}: {f.message}" for f in remaining]
    assert form.exposure(path) is None
    assert no_defect(path) is None


@pytest.mark.parametrize("form,tool", _cases(PASSING))
def test_passing_form_is_clean_and_scheduled_right(form, tool, reference_cibs, tmp_path):
    path = build_form(reference_cibs(tool), tmp_path / "passing.xml", form, tool)
    assert errors(path) == []
    assert no_defect(path) is None
