"""Rules CV401-CV406 (contradictions, bans, tickets, DRBD fencing) with CIBs made by the real crmsh and pcs.

For each rule: the failing CIB has the finding, the passing CIB has not, applying the finding's fix with the
same tool removes it, and where the scheduler shows the problem, crm_simulate shows it on the failing CIB and
not after the fix.
"""
import pytest

from placement_support import TOOLS, Case, apply_fix, check, cold_start, findings, stack_nodes, standby

# --------------------------------------------------------------------------------------------- CV401

ANTI_FS = Case("anti-fs", crm_extra=("colocation c_apart -1000: p_fs ms_drbd_r0:Master",),
               pcs_extra=(["constraint", "colocation", "add", "p_fs", "with", "promoted", "ms_drbd_r0", "-1000",
                           "id=c_apart"],), force=True)
ANTI_VE = Case("anti-ve", crm_extra=("colocation c_apart -inf: p_ve p_fs",),
               pcs_extra=(["constraint", "colocation", "add", "p_ve", "with", "p_fs", "-INFINITY", "id=c_apart"],),
               force=True)
NOT_ON_SECONDARY = Case("not-on-secondary", crm_extra=("colocation c_apart -inf: p_fs ms_drbd_r0:Slave",),
                        pcs_extra=(["constraint", "colocation", "add", "p_fs", "with", "unpromoted", "ms_drbd_r0",
                                    "-INFINITY", "id=c_apart"],))


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("case, stopped", [(ANTI_FS, "p_fs"), (ANTI_VE, "p_ve")], ids=["fs-drbd", "ve-fs"])
def test_cv401_anti_colocation_in_stack(tmp_path, tool, case, stopped):
    path = case.build(tool, tmp_path)
    found = findings(path, "CV401")
    assert len(found) == 1 and found[0].severity.label == "error", found
    assert found[0].constraints == ("c_apart",) and "c_apart" in found[0].message
    promoted, fs_nodes, ve_nodes = stack_nodes(cold_start(path))
    assert promoted and stopped not in (fs_nodes and "p_fs", ve_nodes and "p_ve")  # crm_simulate: stopped
    apply_fix(path, found[0], tool)
    assert findings(path, "CV401") == []
    promoted, fs_nodes, ve_nodes = stack_nodes(cold_start(path))
    assert promoted == fs_nodes == ve_nodes and len(promoted) == 1


@pytest.mark.parametrize("tool", TOOLS)
def test_cv401_passes_the_reference_and_anti_colocation_with_the_secondary(tmp_path, tool):
    for case in (Case("reference"), NOT_ON_SECONDARY):
        path = case.build(tool, tmp_path)
        assert findings(path, "CV401") == []
        promoted, fs_nodes, ve_nodes = stack_nodes(cold_start(path))
        assert promoted == fs_nodes == ve_nodes and len(promoted) == 1


# ------------------------------------------------------------------------------------- CV402, CV403

CONTRADICTING_BANS = Case(
    "contradicting-bans",
    crm_extra=("location l_fs p_fs -inf: node1",
               "location l_ms ms_drbd_r0 rule $role=Master -inf: #uname eq node2"),
    pcs_extra=(["constraint", "location", "p_fs", "avoids", "node1"],
               ["constraint", "location", "ms_drbd_r0", "rule", "role=Promoted", "score=-INFINITY",
                "constraint-id=l_ms", "#uname", "eq", "node2"]))
CONTAINER_BANS = Case(
    "container-bans",
    crm_extra=("location l_ve p_ve -inf: node1", "location l_fs p_fs -inf: node2"),
    pcs_extra=(["constraint", "location", "p_ve", "avoids", "node1"],
               ["constraint", "location", "p_fs", "avoids", "node2"]))
LEFTOVER_BAN = Case(
    "leftover-ban",
    crm_extra=("location cli-ban-p_fs-on-node2 p_fs role=Started -inf: node2",),
    pcs_extra=(["resource", "ban", "p_fs", "node2"],))
PING_RULE = Case(
    "ping-rule",
    crm_extra=("location l_ping p_fs rule -inf: not_defined pingd or pingd lte 0",),
    pcs_extra=(["constraint", "location", "p_fs", "rule", "score=-INFINITY", "not_defined", "pingd", "or",
                "pingd", "lte", "0"],))


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("case", [CONTRADICTING_BANS, CONTAINER_BANS], ids=lambda c: c.name)
def test_cv402_bans_that_leave_no_node(tmp_path, tool, case):
    path = case.build(tool, tmp_path)
    found = findings(path, "CV402")
    assert len(found) == 1 and found[0].severity.label == "error", found
    assert "node1" in found[0].message and "node2" in found[0].message
    promoted, fs_nodes, ve_nodes = stack_nodes(cold_start(path))
    assert promoted and not ve_nodes  # DRBD promoted, the container (and with E-X4 the Filesystem) stopped
    if case is CONTRADICTING_BANS:
        assert not fs_nodes
    apply_fix(path, found[0], tool)
    assert findings(path, "CV402") == []
    promoted, fs_nodes, ve_nodes = stack_nodes(cold_start(path))
    assert promoted == fs_nodes == ve_nodes and len(promoted) == 1


@pytest.mark.parametrize("tool", TOOLS)
def test_cv403_a_ban_that_removes_failover(tmp_path, tool):
    path = LEFTOVER_BAN.build(tool, tmp_path)
    found = findings(path, "CV403")
    assert len(found) == 1 and found[0].severity.label == "warning", found
    assert "cli-ban-p_fs-on-node2" in found[0].message and "Only node1" in found[0].message
    assert findings(path, "CV402") == []
    cold, after = standby(path, "node1")
    assert stack_nodes(cold)[1:] == (["node1"], ["node1"])
    assert stack_nodes(after)[1:] == ([], [])  # standby of the only node: the stack stops, no failover
    apply_fix(path, found[0], tool)
    assert findings(path, "CV403") == []
    cold, after = standby(path, "node1")
    assert stack_nodes(after) == (["node2"], ["node2"], ["node2"])


@pytest.mark.parametrize("tool", TOOLS)
def test_cv402_cv403_pass_the_reference_and_run_time_rules(tmp_path, tool):
    path = Case("reference").build(tool, tmp_path)
    assert [f for f in check(path) if f.code in ("CV402", "CV403")] == []
    _, after = standby(path, "node1")
    assert stack_nodes(after) == (["node2"], ["node2"], ["node2"])
    # a ban on a run-time attribute (connectivity) may or may not apply: not counted
    path = PING_RULE.build(tool, tmp_path)
    assert [f for f in check(path) if f.code in ("CV402", "CV403")] == []


# --------------------------------------------------------------------------------------------- CV404

ONE_TICKET = Case("one-ticket", crm_extra=("rsc_ticket t_drbd site-a: ms_drbd_r0:Master loss-policy=demote",),
                  pcs_extra=(["constraint", "ticket", "add", "site-a", "promoted", "ms_drbd_r0",
                              "loss-policy=demote", "id=t_drbd"],))
TWO_TICKETS = Case("two-tickets",
                   crm_extra=ONE_TICKET.crm_extra + ("rsc_ticket t_ve site-b: p_ve",),
                   pcs_extra=ONE_TICKET.pcs_extra + (["constraint", "ticket", "add", "site-b", "p_ve", "id=t_ve"],))


@pytest.mark.parametrize("tool", TOOLS)
def test_cv404_one_ticket_for_the_stack_is_not_reported_and_the_stack_stops_without_it(tmp_path, tool):
    path = ONE_TICKET.build(tool, tmp_path)
    assert findings(path, "CV404") == []
    # the ticket is not granted in a fresh CIB: DRBD is not promoted and nothing above it runs
    assert stack_nodes(cold_start(path)) == ([], [], [])
    assert findings(Case("reference").build(tool, tmp_path), "CV404") == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv404_different_tickets_on_one_stack(tmp_path, tool):
    path = TWO_TICKETS.build(tool, tmp_path)
    found = findings(path, "CV404")
    assert len(found) == 1 and found[0].severity.label == "warning", found
    assert "site-a" in found[0].message and "site-b" in found[0].message
    apply_fix(path, found[0], tool)
    assert findings(path, "CV404") == []
    assert 'ticket="site-b"' not in open(path).read() and 'ticket="site-a"' in open(path).read()


# ------------------------------------------------------------------------------------- CV405, CV406

FENCED = Case("fenced",
              crm_extra=("location drbd-fence-by-handler-r0-ms_drbd_r0 ms_drbd_r0 "
                         "rule $role=Master -inf: #uname ne node1",),
              pcs_extra=(["constraint", "location", "ms_drbd_r0", "rule", "role=Promoted", "score=-INFINITY",
                          "constraint-id=drbd-fence-by-handler-r0-ms_drbd_r0", "#uname", "ne", "node1"],))
FENCING_ON = Case("fencing-on",
                  crm_extra=('primitive st_ssh stonith:external/ssh params hostlist="node1 node2"',
                             "property stonith-enabled=true"),
                  pcs_extra=(["stonith", "create", "st_ssh", "external/ssh", "hostlist=node1 node2"],
                             ["property", "set", "stonith-enabled=true"]))
DEVICE_ONLY = Case("device-only", crm_extra=FENCING_ON.crm_extra[:1], pcs_extra=FENCING_ON.pcs_extra[:1])
NO_DEVICE = Case("no-device", crm_extra=("property stonith-enabled=true",),
                 pcs_extra=(["property", "set", "stonith-enabled=true"],), force=True)


@pytest.mark.parametrize("tool", TOOLS)
def test_cv405_drbd_fence_constraint_left(tmp_path, tool):
    path = FENCED.build(tool, tmp_path)
    found = findings(path, "CV405")
    assert len(found) == 1 and found[0].severity.label == "warning" and "but node1" in found[0].message
    assert [f for f in check(path) if f.code in ("CV402", "CV403")] == []  # said once, by CV405
    _, after = standby(path, "node1")
    assert stack_nodes(after) == ([], [], [])  # DRBD cannot be promoted on node2: no failover
    apply_fix(path, found[0], tool)
    assert findings(path, "CV405") == []
    _, after = standby(path, "node1")
    assert stack_nodes(after) == (["node2"], ["node2"], ["node2"])
    assert findings(Case("reference").build(tool, tmp_path), "CV405") == []


@pytest.mark.parametrize("tool", TOOLS)
def test_cv406_fencing_disabled_on_a_drbd_cluster(tmp_path, tool):
    disabled = Case("reference").build(tool, tmp_path)  # the reference has stonith-enabled=false
    found = findings(disabled, "CV406")
    assert len(found) == 1 and "stonith-enabled=false" in found[0].message and not found[0].fix
    assert findings(FENCING_ON.build(tool, tmp_path), "CV406") == []
    no_device = findings(NO_DEVICE.build(tool, tmp_path), "CV406")
    assert len(no_device) == 1 and "no fencing device" in no_device[0].message
    path = DEVICE_ONLY.build(tool, tmp_path)
    found = findings(path, "CV406")
    assert len(found) == 1
    apply_fix(path, found[0], tool)
    assert findings(path, "CV406") == []
