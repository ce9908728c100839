"""The commit gate (issue 10) against the live single-node cluster: crm shell flow and pcs flow.

Shadows live in a per-test CIB_shadow_dir (not /var/lib/pacemaker/cib).  The DRBD clones are configured with
target-role=Stopped: there is no DRBD kernel module here, and nothing of the stack may start.
"""
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from support.cib_build import reference_crm
from support.gate_plugin import gate_plugin_path
from support.live_cluster import cluster_processes
from support.tools import require_tools

pytestmark = pytest.mark.live

STOPPED_STACK = reference_crm(
    ms_drbd_r0="ms ms_drbd_r0 p_drbd_r0 meta master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 "
               "notify=true target-role=Stopped")
#: The reference stack without the order that starts the Filesystem after DRBD's promotion.
BROKEN_STACK = reference_crm(
    o_drbd_before_fs=None,
    ms_drbd_r0="ms ms_drbd_r0 p_drbd_r0 meta master-max=1 master-node-max=1 clone-max=2 clone-node-max=1 "
               "notify=true target-role=Stopped")


@pytest.fixture
def gate(clean_live_cluster, tmp_path):
    """The cluster, plus an environment for crm-ve, crmsh and crm_shadow: private shadow dir, GT101 plugin."""
    require_tools("crm", "crm_shadow")
    shadows = tmp_path / "shadows"
    shadows.mkdir()
    plugin = gate_plugin_path(tmp_path / "plugin")
    env = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow", "NO_COLOR")}
    env.update(CIB_shadow_dir=str(shadows), PYTHONPATH=str(plugin))
    return Gate(clean_live_cluster, env, tmp_path)


class Gate:
    def __init__(self, cluster, env, tmp_path):
        self.cluster, self.env, self.tmp = cluster, env, tmp_path

    def crm_ve(self, *args, **env):
        return subprocess.run([sys.executable, "-m", "crm_ve", *map(str, args)], capture_output=True, text=True,
                              env=dict(self.env, **env), timeout=300)

    def in_shadow(self, name, crm_text):
        """crmsh edits the shadow NAME (CIB_shadow=NAME crm configure load update FILE)."""
        path = self.tmp / f"{name}-{time.monotonic_ns()}.crm"
        path.write_text(crm_text)
        proc = subprocess.run(["crm", "configure", "load", "update", str(path)], capture_output=True, text=True,
                              env=dict(self.env, CIB_shadow=name), timeout=120)
        assert proc.returncode == 0, proc.stderr

    def shadow_file(self, name):
        return Path(self.env["CIB_shadow_dir"]) / f"shadow.{name}"

    def shadow_digest(self, name):
        return hashlib.sha256(self.shadow_file(name).read_bytes()).hexdigest()

    def live_ids(self, section):
        root = etree.fromstring(self.cluster.cib_xml(section).encode())
        return {e.get("id") for e in root}


def test_clean_shadow_commits_and_the_live_cib_holds_it(gate):
    c = gate.cluster
    made = gate.crm_ve("shadow", "new", "clean")
    assert made.returncode == 0, made.stderr
    assert gate.shadow_file("clean").exists()
    gate.in_shadow("clean", STOPPED_STACK)
    c.run("crm_attribute", "--node", c.node_name, "--lifetime", "reboot", "--name", "gate-probe", "--update", "7")
    before = c.cib_version()

    proc = gate.crm_ve("commit", "clean")

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[error]" not in proc.stdout  # warnings (e.g. timeouts below the agents' advice) do not block
    assert "shadow:clean: committed" in proc.stderr
    assert {"o_drbd_before_fs", "c_fs_on_drbd", "c_ve_on_fs", "o_fs_before_ve"} <= gate.live_ids("constraints")
    assert {"ms_drbd_r0", "p_fs", "p_ve"} <= gate.live_ids("resources")
    assert c.cib_version().epoch > before.epoch
    # Only the configuration was written: the node's transient attribute (status section) is still there.
    assert c.run("crm_attribute", "--node", c.node_name, "--lifetime", "reboot", "--name", "gate-probe",
                 "--query", "--quiet").stdout.strip() == "7"
    c.wait_idle()
    assert c.resource_has_state("p_fs", "Stopped") and c.resource_has_state("p_ve", "Stopped")
    # Committing it again: nothing to do.
    again = gate.crm_ve("commit", "clean")
    assert again.returncode == 0 and "nothing to commit" in again.stderr


def test_broken_stack_is_refused_then_the_corrected_shadow_commits(gate):
    """The issue's bar, with the built-in chain rules (CV1xx)."""
    c = gate.cluster
    assert gate.crm_ve("shadow", "new", "stack").returncode == 0
    gate.in_shadow("stack", BROKEN_STACK)
    shadow_before = gate.shadow_digest("stack")
    version, digest = c.cib_version(), c.configuration_digest()

    refused = gate.crm_ve("commit", "stack")

    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "CV10" in refused.stdout and "o_drbd_before_fs" not in gate.live_ids("constraints")
    assert "not committed" in refused.stderr
    assert (c.cib_version().admin_epoch, c.cib_version().epoch) == (version.admin_epoch, version.epoch)
    assert c.configuration_digest() == digest
    assert gate.shadow_digest("stack") == shadow_before

    gate.in_shadow("stack", "order o_drbd_before_fs inf: ms_drbd_r0:promote p_fs:start\n")
    committed = gate.crm_ve("commit", "stack")
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert {"o_drbd_before_fs", "c_fs_on_drbd", "c_ve_on_fs", "o_fs_before_ve"} <= gate.live_ids("constraints")


def test_shadow_with_an_error_finding_is_refused_and_nothing_changes_then_force_commits(gate):
    c = gate.cluster
    assert gate.crm_ve("shadow", "new", "bad").returncode == 0
    gate.in_shadow("bad", "primitive broken-1 ocf:pacemaker:Dummy meta target-role=Stopped\n")
    shadow_before = gate.shadow_digest("bad")
    version, digest = c.cib_version(), c.configuration_digest()

    refused = gate.crm_ve("commit", "bad")

    assert refused.returncode == 1
    assert "GT101 gate-test-broken-id [error] broken-1" in refused.stdout
    assert "shadow:bad: not committed: the check found 1 error" in refused.stderr
    assert c.configuration_digest() == digest
    assert (c.cib_version().admin_epoch, c.cib_version().epoch) == (version.admin_epoch, version.epoch)
    assert gate.shadow_digest("bad") == shadow_before
    assert "broken-1" not in gate.live_ids("resources")

    dry = gate.crm_ve("commit", "bad", "--force", "--dry-run")
    assert dry.returncode == 0 and "dry run: would patch" in dry.stderr and "added broken-1" in dry.stderr
    assert c.configuration_digest() == digest

    forced = gate.crm_ve("commit", "bad", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "committed despite 1 error (--force)" in forced.stderr
    assert "broken-1" in gate.live_ids("resources")


def test_a_live_change_after_shadow_new_is_refused_with_exit_3_unless_forced(gate):
    c = gate.cluster
    assert gate.crm_ve("shadow", "new", "race").returncode == 0
    gate.in_shadow("race", "primitive mine ocf:pacemaker:Dummy meta target-role=Stopped\n")
    # Someone else changes the live configuration meanwhile.
    c.crm("configure", "primitive", "theirs", "ocf:pacemaker:Dummy", "meta", "target-role=Stopped")
    version, digest = c.cib_version(), c.configuration_digest()

    refused = gate.crm_ve("commit", "race")

    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "refused: the live configuration changed since 'crm-ve shadow new race'" in refused.stderr
    assert "resources: added theirs" in refused.stderr
    assert c.configuration_digest() == digest
    assert (c.cib_version().admin_epoch, c.cib_version().epoch) == (version.admin_epoch, version.epoch)

    forced = gate.crm_ve("commit", "race", "--force-overwrite")
    assert forced.returncode == 0, forced.stderr
    assert "overwriting it (--force-overwrite)" in forced.stderr
    ids = gate.live_ids("resources")
    assert "mine" in ids and "theirs" not in ids


def test_shadow_made_without_crm_ve_gets_pacemakers_version_rule_and_a_warning(gate):
    c = gate.cluster
    subprocess.run(["crm_shadow", "--create", "plain", "--batch"], env=gate.env, check=True, capture_output=True)
    gate.in_shadow("plain", "primitive plain-1 ocf:pacemaker:Dummy meta target-role=Stopped\n")
    # The live CIB moves further ahead than the shadow did (two configuration changes against one).
    c.crm("configure", "primitive", "live-1", "ocf:pacemaker:Dummy", "meta", "target-role=Stopped")
    c.crm("configure", "primitive", "live-2", "ocf:pacemaker:Dummy", "meta", "target-role=Stopped")
    digest = c.configuration_digest()

    older = gate.crm_ve("commit", "plain")

    assert older.returncode == 3, older.stdout + older.stderr
    assert "concurrent changes to the live CIB cannot be detected" in older.stderr
    assert "is newer than shadow:plain" in older.stderr
    assert c.configuration_digest() == digest

    # A shadow that is ahead of the live CIB is committed, with the warning.
    subprocess.run(["crm_shadow", "--create", "ahead", "--batch"], env=gate.env, check=True, capture_output=True)
    gate.in_shadow("ahead", "primitive ahead-1 ocf:pacemaker:Dummy meta target-role=Stopped\n")
    ahead = gate.crm_ve("commit", "ahead")
    assert ahead.returncode == 0, ahead.stderr
    assert "concurrent changes to the live CIB cannot be detected" in ahead.stderr
    assert "ahead-1" in gate.live_ids("resources")


def test_a_write_the_cib_manager_rejects_leaves_everything_as_it_was(gate):
    c = gate.cluster
    assert gate.crm_ve("shadow", "new", "reject").returncode == 0
    gate.in_shadow("reject", "primitive fine-1 ocf:pacemaker:Dummy meta target-role=Stopped\n"
                             "primitive fine-2 ocf:pacemaker:Dummy meta target-role=Stopped\n")
    # An attribute the schema does not allow, on the second resource: the CIB manager validates the whole
    # replacement and refuses it; the first resource must not arrive alone.
    path = gate.shadow_file("reject")
    root = etree.parse(str(path)).getroot()
    root.find(".//primitive[@id='fine-2']").set("no-such-attribute", "1")
    path.write_bytes(etree.tostring(root))
    version, digest = c.cib_version(), c.configuration_digest()

    proc = gate.crm_ve("commit", "reject")

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "shadow:reject: not committed: cibadmin --patch" in proc.stderr
    assert "nothing was changed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert c.configuration_digest() == digest
    assert (c.cib_version().admin_epoch, c.cib_version().epoch) == (version.admin_epoch, version.epoch)
    assert not {"fine-1", "fine-2"} & gate.live_ids("resources")


def test_a_cib_manager_that_stops_answering_commits_nothing(gate):
    c = gate.cluster
    assert gate.crm_ve("shadow", "new", "hang").returncode == 0
    gate.in_shadow("hang", "primitive hang-1 ocf:pacemaker:Dummy meta target-role=Stopped\n")
    shadow_before = gate.shadow_digest("hang")
    version, digest = c.cib_version(), c.configuration_digest()
    [based] = [pid for pid, name in cluster_processes() if name == "pacemaker-based"]
    os.kill(based, signal.SIGSTOP)
    try:
        proc = gate.crm_ve("commit", "hang", "--timeout", "3")
    finally:
        os.kill(based, signal.SIGCONT)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "did not finish within 3 s" in proc.stderr and "nothing was changed" in proc.stderr
    c.wait_idle()
    assert c.configuration_digest() == digest
    assert (c.cib_version().admin_epoch, c.cib_version().epoch) == (version.admin_epoch, version.epoch)
    assert gate.shadow_digest("hang") == shadow_before
    # The cluster is still usable, and the shadow still commits.
    assert gate.crm_ve("commit", "hang").returncode == 0
    assert "hang-1" in gate.live_ids("resources")


def test_no_such_shadow_is_one_line_exit_2(gate):
    proc = gate.crm_ve("commit", "never-made")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "no shadow CIB named 'never-made'" in proc.stderr


# ------------------------------------------------------------------------------------------------ pcs flow
@pytest.fixture
def pcs_gate(gate):
    require_tools("pcs")
    return gate


def _pcs(gate, *args, cib=None):
    argv = ["pcs"] + (["-f", str(cib)] if cib else []) + [str(a) for a in args]
    proc = subprocess.run(argv, capture_output=True, text=True, env=gate.env, timeout=120)
    assert proc.returncode == 0, f"{argv}: {proc.stdout}{proc.stderr}"
    return proc


def _pcs_copy(gate, name):
    orig, new = gate.tmp / f"{name}-orig.xml", gate.tmp / f"{name}.xml"
    _pcs(gate, "cluster", "cib", orig)
    new.write_bytes(orig.read_bytes())
    return orig, new


def test_pcs_flow_clean_file_is_pushed_with_diff_against(pcs_gate):
    gate = pcs_gate
    c = gate.cluster
    orig, new = _pcs_copy(gate, "clean")
    _pcs(gate, "resource", "create", "pcs-1", "ocf:pacemaker:Dummy", "--disabled", "--no-default-ops", cib=new)
    _pcs(gate, "constraint", "location", "pcs-1", "prefers", f"{c.node_name}=10", cib=new)
    c.run("crm_attribute", "--node", c.node_name, "--lifetime", "reboot", "--name", "gate-probe", "--update", "8")

    proc = gate.crm_ve("push", new, "--diff-against", orig)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{new}: pushed to the live CIB" in proc.stderr
    assert "pcs-1" in gate.live_ids("resources")
    assert any(i.startswith("location-pcs-1") for i in gate.live_ids("constraints"))
    assert c.run("crm_attribute", "--node", c.node_name, "--lifetime", "reboot", "--name", "gate-probe",
                 "--query", "--quiet").stdout.strip() == "8"


def test_pcs_flow_without_diff_against_pushes_the_configuration_only(pcs_gate):
    gate = pcs_gate
    c = gate.cluster
    _, new = _pcs_copy(gate, "plain")
    _pcs(gate, "resource", "create", "plain-1", "ocf:pacemaker:Dummy", "--disabled", "--no-default-ops", cib=new)
    c.run("crm_attribute", "--node", c.node_name, "--lifetime", "reboot", "--name", "gate-probe", "--update", "9")

    proc = gate.crm_ve("push", new)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "concurrent changes to the live CIB cannot be detected" in proc.stderr
    assert f"{new}: pushed to the live CIB" in proc.stderr
    assert "plain-1" in gate.live_ids("resources")
    assert c.run("crm_attribute", "--node", c.node_name, "--lifetime", "reboot", "--name", "gate-probe",
                 "--query", "--quiet").stdout.strip() == "9"


def test_pcs_flow_error_finding_is_refused_and_nothing_changes(pcs_gate):
    gate = pcs_gate
    c = gate.cluster
    orig, new = _pcs_copy(gate, "bad")
    _pcs(gate, "resource", "create", "broken-pcs", "ocf:pacemaker:Dummy", "--disabled", "--no-default-ops", cib=new)
    version, digest = c.cib_version(), c.configuration_digest()

    proc = gate.crm_ve("push", new, "--diff-against", orig)

    assert proc.returncode == 1
    assert "GT101" in proc.stdout and "not pushed" in proc.stderr
    assert c.configuration_digest() == digest
    assert (c.cib_version().admin_epoch, c.cib_version().epoch) == (version.admin_epoch, version.epoch)


def test_pcs_flow_live_change_since_orig_is_refused_with_exit_3(pcs_gate):
    gate = pcs_gate
    c = gate.cluster
    orig, new = _pcs_copy(gate, "race")
    _pcs(gate, "resource", "create", "pcs-mine", "ocf:pacemaker:Dummy", "--disabled", "--no-default-ops", cib=new)
    _pcs(gate, "resource", "create", "pcs-theirs", "ocf:pacemaker:Dummy", "--disabled", "--no-default-ops")
    digest = c.configuration_digest()

    proc = gate.crm_ve("push", new, "--diff-against", orig)

    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "resources: added pcs-theirs" in proc.stderr
    assert c.configuration_digest() == digest

    # --force-overwrite with ORIG: only the difference ORIG -> FILE is applied, so the other change survives;
    # the merged result is what gets checked.
    forced = gate.crm_ve("push", new, "--diff-against", orig, "--force-overwrite")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "checking the live configuration with the difference" in forced.stderr
    assert {"pcs-mine", "pcs-theirs"} <= gate.live_ids("resources")


def test_pcs_flow_a_cib_manager_that_stops_answering_pushes_nothing(pcs_gate):
    gate = pcs_gate
    c = gate.cluster
    orig, new = _pcs_copy(gate, "hang")
    _pcs(gate, "resource", "create", "pcs-hang", "ocf:pacemaker:Dummy", "--disabled", "--no-default-ops", cib=new)
    version, digest = c.cib_version(), c.configuration_digest()
    [based] = [pid for pid, name in cluster_processes() if name == "pacemaker-based"]
    os.kill(based, signal.SIGSTOP)
    try:
        proc = gate.crm_ve("push", new, "--diff-against", orig, "--timeout", "3")
    finally:
        os.kill(based, signal.SIGCONT)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "did not finish within 3 s" in proc.stderr and "nothing was changed" in proc.stderr
    c.wait_idle()
    assert c.configuration_digest() == digest
    assert (c.cib_version().admin_epoch, c.cib_version().epoch) == (version.admin_epoch, version.epoch)
    assert gate.crm_ve("push", new, "--diff-against", orig).returncode == 0
    assert "pcs-hang" in gate.live_ids("resources")
