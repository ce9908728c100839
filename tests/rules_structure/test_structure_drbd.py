"""CV301-CV307: the DRBD clone itself (docs/rule-catalogue.md rows D1-D6, C18, C20, C21; a clone that can
never promote). Failing CIBs from the real crmsh (``ms``, Master/Slave) and pcs (promotable clone, Promoted),
forced where the tools refuse the form; the fixes run with the same tool; crm_verify and crm_simulate where the
scheduler can show the problem (an agent's own refusal, C21 and D3, cannot be shown offline: crm_simulate
runs no agent)."""
import pytest

from crm_ve.simulate import Simulator
from structure_support import blocking, build, check, cold_start, copy, crm_verify, fix_code, found, stack_problems
from support.cib_build import build_reference_crm, build_reference_pcs, cibadmin, cibadmin_create

TOOLS = ("crm", "pcs")
PCS_DRBD = ["resource", "create", "p_drbd_r0", "ocf:linbit:drbd", "drbd_resource=r0", "op", "monitor",
            "interval=29s", "role=Promoted", "monitor", "interval=31s", "role=Unpromoted"]
PCS_CLONE_META = ["promoted-max=1", "promoted-node-max=1", "clone-max=2", "clone-node-max=1", "notify=true"]
CRM_DRBD = ("primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 "
            "op monitor interval=29s role=Master op monitor interval=31s role=Slave")
CRM_MS = "ms ms_drbd_r0 p_drbd_r0 meta master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 notify=true"


def variant(tmp_path, tool, name, crm=None, pcs=None, force=False, extra_crm=(), extra_pcs=()):
    """The reference stack with the DRBD primitive/clone steps replaced (``crm``: {step: line}, ``pcs``: argv)."""
    path = str(tmp_path / f"{name}-{tool}.xml")
    if tool == "crm":
        return build_reference_crm(path, force=force, extra=extra_crm, **(crm or {}))
    changes = {"p_drbd_r0": pcs} if pcs else {}
    return build_reference_pcs(path, force=force, extra=extra_pcs, **changes)


@pytest.mark.parametrize("tool", TOOLS)
def test_every_structure_rule_passes_the_reference(reference, tool):
    assert blocking(reference(tool)) == []


# -------------------------------------------------------------------------------------------- CV301 (D1)

@pytest.mark.parametrize("tool", TOOLS)
def test_cv301_deprecated_agent(tmp_path, tool):
    path = variant(tmp_path, tool, "d1", force=True,
                   crm={"p_drbd_r0": CRM_DRBD.replace("ocf:linbit:drbd", "ocf:heartbeat:drbd")},
                   pcs=[w.replace("ocf:linbit:drbd", "ocf:heartbeat:drbd") for w in PCS_DRBD]
                   + ["promotable", "ms_drbd_r0"] + PCS_CLONE_META + ["--no-default-ops"])
    (finding,) = found(path, "CV301")
    assert finding.severity.label == "warning" and finding.fix.pcs == ()  # pcs cannot change an agent
    fix_code(path, "CV301", "crm")  # the scheduler does not care which agent: nothing to simulate
    assert blocking(path) == [] and crm_verify(path)[0] == 0


# ------------------------------------------------------------------------------------------- CV302 (C18)

@pytest.mark.parametrize("tool", TOOLS)
def test_cv302_plain_clone_is_never_promoted(tmp_path, tool):
    path = variant(tmp_path, tool, "c18", force=True,
                   crm={"ms_drbd_r0": "clone ms_drbd_r0 p_drbd_r0 meta clone-max=2 clone-node-max=1 notify=true"},
                   pcs=PCS_DRBD + ["clone", "ms_drbd_r0", "clone-max=2", "clone-node-max=1", "notify=true",
                                   "--no-default-ops"])
    (finding,) = found(path, "CV302")
    assert finding.severity.label == "error" and "never promoted" in finding.message
    assert crm_verify(path)[0] == 0  # crm_verify is silent (reference E-R3)
    result = cold_start(path)
    assert result.after.promoted("ms_drbd_r0") == [] and result.after.nodes("p_fs") == []
    assert any("p_fs" in line and "blocked" in line for line in result.summary)
    fix_code(path, "CV302", tool)
    assert blocking(path) == [] and stack_problems(path) == []


def test_cv302_drbd_in_no_clone(tmp_path):
    path = variant(tmp_path, "crm", "c18-bare", force=True,
                   crm={"ms_drbd_r0": None, "c_fs_on_drbd": None,
                        "o_drbd_before_fs": "order o_drbd_before_fs inf: p_drbd_r0:promote p_fs:start"})
    (finding,) = found(path, "CV302")
    assert "in no clone" in finding.message
    fix_code(path, "CV302", "crm")
    # now a promotable clone (crmsh moves the order onto it) that the scheduler promotes
    assert found(path, "CV302") == [] and found(path, "CV201") == []
    assert cold_start(path).after.promoted("ms_p_drbd_r0")


# ------------------------------------------------------------------------------------------- CV303 (C21)

@pytest.mark.parametrize("tool", TOOLS)
def test_cv303_notify_missing(tmp_path, tool):
    path = variant(tmp_path, tool, "c21", crm={"ms_drbd_r0": CRM_MS.replace(" notify=true", "")},
                   pcs=PCS_DRBD + ["promotable", "ms_drbd_r0"] + PCS_CLONE_META[:-1] + ["--no-default-ops"])
    (finding,) = found(path, "CV303")
    assert finding.severity.label == "error" and "OCF_ERR_CONFIGURED" in finding.message
    # no simulation: the refusal is the agent's (drbd_validate), and crm_simulate runs no agent
    fix_code(path, "CV303", tool)
    assert blocking(path) == []


def test_cv303_notify_from_rsc_defaults_or_ignored_by_the_agent(tmp_path):
    from_defaults = variant(tmp_path, "crm", "c21-defaults", crm={"ms_drbd_r0": CRM_MS.replace(" notify=true", "")},
                            extra_crm=("rsc_defaults notify=true",))
    assert found(from_defaults, "CV303") == []
    ignored = variant(tmp_path, "crm", "c21-ignored", crm={
        "ms_drbd_r0": CRM_MS.replace(" notify=true", ""),
        "p_drbd_r0": CRM_DRBD.replace("drbd_resource=r0", "drbd_resource=r0 ignore_missing_notifications=true")})
    assert found(ignored, "CV303") == []
    defaults_off = variant(tmp_path, "crm", "c21-off", crm={"ms_drbd_r0": CRM_MS.replace(" notify=true", "")},
                           extra_crm=("rsc_defaults notify=false",))
    (finding,) = found(defaults_off, "CV303")
    assert "rsc_defaults" in finding.message or "notify=false" in finding.message


# -------------------------------------------------------------------------------------------- CV304 (D3)

@pytest.mark.parametrize("tool", TOOLS)
def test_cv304_two_primaries_under_a_single_filesystem(tmp_path, tool):
    path = variant(tmp_path, tool, "d3", crm={"ms_drbd_r0": CRM_MS.replace("master-max=1 master-node-max=1",
                                                                          "master-max=2 master-node-max=2")},
                   pcs=PCS_DRBD + ["promotable", "ms_drbd_r0", "promoted-max=2", "promoted-node-max=2",
                                   "clone-max=2", "clone-node-max=1", "notify=true", "--no-default-ops"])
    findings = sorted(found(path, "CV304"), key=lambda f: f.severity)
    assert [f.severity.label for f in findings] == ["warning", "error"]
    # the scheduler promotes both (the agent would refuse without allow-two-primaries: not shown offline)
    assert len(cold_start(path).after.promoted("ms_drbd_r0")) == 2
    fix_code(path, "CV304", tool)
    assert blocking(path) == [] and len(cold_start(path).after.promoted("ms_drbd_r0")) == 1


def test_cv304_dual_primary_under_a_cloned_filesystem_is_fine(tmp_path):
    path = variant(tmp_path, "crm", "d3-cluster-fs",
                   crm={"ms_drbd_r0": CRM_MS.replace("master-max=1", "master-max=2"), "c_fs_on_drbd": None,
                        "o_drbd_before_fs": None, "c_ve_on_fs": None, "o_fs_before_ve": None},
                   extra_crm=("clone cl_fs p_fs meta interleave=true",
                              "colocation c_fs_on_drbd inf: cl_fs ms_drbd_r0:Master",
                              "order o_drbd_before_fs inf: ms_drbd_r0:promote cl_fs:start"))
    assert found(path, "CV304") == []


# -------------------------------------------------------------------------------------------- CV305 (D4)

@pytest.mark.parametrize("tool", TOOLS)
def test_cv305_clone_counts(tmp_path, tool):
    # crmsh refuses clone-node-max=2 ("anonymous clones support only one instance per node"): forced
    path = variant(tmp_path, tool, "d4", force=True, crm={"ms_drbd_r0": CRM_MS.replace("clone-max=2 clone-node-max=1",
                                                                          "clone-max=3 clone-node-max=2")},
                   pcs=PCS_DRBD + ["promotable", "ms_drbd_r0", "promoted-max=1", "promoted-node-max=1",
                                   "clone-max=3", "clone-node-max=2", "notify=true", "--no-default-ops"])
    assert sorted(f.message.split(":")[0] for f in found(path, "CV305")) == [
        "ms_drbd_r0 has clone-max=3", "ms_drbd_r0 has clone-node-max=2"]
    assert {f.severity.label for f in found(path, "CV305")} == {"warning"}
    # with a third node the scheduler starts a DRBD instance on it, where no replica lives
    cibadmin_create(path, "nodes", '<node id="node3" uname="node3"/>')
    assert len(cold_start(path).after.nodes("ms_drbd_r0")) == 3
    fix_code(path, "CV305", tool)
    assert found(path, "CV305") == []
    assert len(cold_start(path).after.nodes("ms_drbd_r0")) == 2


# --------------------------------------------------------------------------------------- CV306 (D5, C20)

@pytest.mark.parametrize("tool", TOOLS)
def test_cv306_same_interval_for_both_roles(tmp_path, tool):
    path = variant(tmp_path, tool, "c20", force=True,
                   crm={"p_drbd_r0": CRM_DRBD.replace("29s", "30s").replace("31s", "30s")})
    if tool == "pcs":  # pcs refuses two monitors with one interval even with --force: cibadmin changes one
        cibadmin(path, "-M", "-o", "resources", "-X", '<op id="p_drbd_r0-monitor-interval-31s" interval="29s"/>')
    (finding,) = found(path, "CV306")
    assert finding.severity.label == "error"
    code, output = crm_verify(path)
    assert code != 0 and "duplicate" in output
    fix_code(path, "CV306", tool)
    assert blocking(path) == [] and crm_verify(path)[0] == 0


@pytest.mark.parametrize("tool", TOOLS)
def test_cv306_no_monitor_for_the_primary(tmp_path, tool):
    path = variant(tmp_path, tool, "d5", crm={"p_drbd_r0": CRM_DRBD.replace(" op monitor interval=29s role=Master",
                                                                          "")},
                   pcs=PCS_DRBD[:5] + ["op", "monitor", "interval=31s", "role=Unpromoted", "promotable",
                                       "ms_drbd_r0"] + PCS_CLONE_META + ["--no-default-ops"])
    (finding,) = found(path, "CV306")
    assert finding.severity.label == "warning" and "Primary" in finding.message
    with Simulator(path) as sim:  # no recurring monitor on the promoted instance
        result = sim.cold_start()
        primary = result.after.promoted("ms_drbd_r0")
        recurring = {a.node for a in result.graph if a.primitive == "p_drbd_r0" and a.operation == "monitor"
                     and a.interval}
        assert primary and not set(primary) & recurring
    fix_code(path, "CV306", tool)
    assert blocking(path) == []
    result = cold_start(path)
    recurring = {a.node for a in result.graph if a.primitive == "p_drbd_r0" and a.operation == "monitor"
                 and a.interval}
    assert set(result.after.promoted("ms_drbd_r0")) <= recurring


# ------------------------------------------------------------------------------- CV307 (never promoted)

NEVER = {
    "target-role": ({"ms_drbd_r0": CRM_MS + " target-role=Slave"}, (),
                    PCS_CLONE_META + ["target-role=Unpromoted"], ()),
    "promoted-max-0": ({"ms_drbd_r0": CRM_MS.replace("master-max=1", "master-max=0")}, (),
                       ["promoted-max=0"] + PCS_CLONE_META[1:], ()),
    "banned-everywhere": ({}, ("location l_no_primary ms_drbd_r0 rule $role=Master -inf: defined #uname",),
                          PCS_CLONE_META, (["constraint", "location", "ms_drbd_r0", "rule", "role=promoted",
                                            "score=-INFINITY", "constraint-id=l_no_primary", "defined",
                                            "#uname"],)),
}


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("case", sorted(NEVER))
def test_cv307_never_promoted(tmp_path, tool, case):
    crm_changes, crm_extra, pcs_meta, pcs_extra = NEVER[case]
    path = variant(tmp_path, tool, f"never-{case}", crm=crm_changes, extra_crm=crm_extra,
                   pcs=PCS_DRBD + ["promotable", "ms_drbd_r0"] + pcs_meta + ["--no-default-ops"],
                   extra_pcs=pcs_extra)
    (finding,) = found(path, "CV307")
    assert finding.severity.label == "warning" and "can never be promoted" in finding.message
    result = cold_start(path)
    assert result.after.promoted("ms_drbd_r0") == [] and result.after.nodes("p_fs") == []
    fix_code(path, "CV307", tool)
    assert blocking(path) == [] and stack_problems(path) == []


def test_cv307_target_role_from_rsc_defaults(tmp_path):
    # forced: crm_verify also says 'Slave' makes no sense for the primitives (Pacemaker ignores it there)
    path = variant(tmp_path, "crm", "never-defaults", force=True, extra_crm=("rsc_defaults target-role=Slave",))
    (finding,) = found(path, "CV307")
    assert "rsc_defaults" in finding.message
    fix_code(path, "CV307", "crm")
    assert cold_start(path).after.promoted("ms_drbd_r0")


def test_cv307_ping_rule_and_fencing_constraint_are_not_reported(tmp_path):
    path = variant(tmp_path, "crm", "ping", extra_crm=(
        "location l_connected ms_drbd_r0 rule $role=Master -inf: not_defined pingd or pingd lte 0",
        "location drbd-fence-by-handler-r0-ms_drbd_r0 ms_drbd_r0 rule $role=Master -inf: #uname ne node1"))
    assert found(path, "CV307") == []
    assert cold_start(path).after.promoted("ms_drbd_r0") == []  # pingd is unset offline: the rule applies


def test_structure_rules_on_generated_stacks(tmp_path, manage_ve_agent):
    """``crm-ve stack new`` output for each era (ms + Master, clone + Master, clone + Promoted), applied by the
    real tools: no structure rule warns."""
    import subprocess
    import sys
    from support.cib_build import empty_cib
    for schema, fmt in (("pacemaker-2.10", "crm"), ("pacemaker-3.5", "pcs"), ("pacemaker-3.9", "crm"),
                        ("pacemaker-3.9", "pcs")):
        path = str(tmp_path / f"gen-{schema}-{fmt}.xml")
        empty_cib(path, schema)
        proc = subprocess.run([sys.executable, "-m", "crm_ve", "stack", "new", "vz1", "--drbd-resource", "r0",
                               "--directory", "/vz", "--veid", "101", "--dumpfile", "/vz/dump/Dump.101",
                               "--format", fmt, "-f", path, "--apply"], capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert blocking(path) == [], (schema, fmt, [f.message for f in blocking(path)])
        assert check(path)
