"""The session's live cluster (tests/support/live_cluster.py): DC, resources, CIB helpers, refusal."""
import os
import time

import pytest

from support.live_cluster import (LiveCluster, LiveClusterError, cluster_processes, configured_reasons,
                                  running_reasons)
from support.tools import require_tools

pytestmark = pytest.mark.live


def test_this_node_is_dc_with_quorum_and_no_fencing(live_cluster):
    c = live_cluster
    assert c.dc() == c.node_name == os.uname().nodename
    assert c.node_name in c.run("crmadmin", "--dc_lookup").stdout
    # corosync's node name is the host name: Pacemaker, crmsh and uname agree.
    assert c.run("crm_node", "--name").stdout.strip() == c.node_name
    assert c.run("crm_attribute", "--type", "crm_config", "--name", "stonith-enabled",
                 "--query", "--quiet").stdout.strip() == "false"
    assert [n.get("name") for n in c.status_xml().iter("node") if n.get("online") == "true"] == [c.node_name]


def test_dummy_primitive_configured_with_crmsh_starts_then_stops(clean_live_cluster):
    c = clean_live_cluster
    before = c.cib_version()
    c.crm("configure", "primitive", "fixture-dummy", "ocf:pacemaker:Dummy", "op", "monitor", "interval=10s")
    c.wait_for_resource("fixture-dummy", "Started")
    assert c.locate("fixture-dummy") == [c.node_name]
    [instance] = c.resources("fixture-dummy")
    assert (instance.role, instance.active, instance.failed, instance.nodes) == ("Started", True, False,
                                                                                 (c.node_name,))
    assert c.cib_version().epoch > before.epoch

    c.crm("resource", "stop", "fixture-dummy")
    c.wait_for_resource("fixture-dummy", "Stopped")
    assert c.locate("fixture-dummy") == []
    [instance] = c.resources("fixture-dummy")
    assert (instance.role, instance.active) == ("Stopped", False)
    c.wait_idle()
    assert c.failed_actions() == []


def test_wait_for_resource_times_out_with_diagnostics(clean_live_cluster):
    c = clean_live_cluster
    c.crm("configure", "primitive", "fixture-never", "ocf:pacemaker:Dummy", "meta", "target-role=Stopped")
    c.wait_idle()
    with pytest.raises(LiveClusterError, match=r"(?s)fixture-never not Started within 1 s.*crm_mon"):
        c.wait_for_resource("fixture-never", "Started", timeout=1)


def test_configuration_digest_follows_the_configuration_not_the_status(clean_live_cluster):
    c = clean_live_cluster
    digest, version = c.configuration_digest(), c.cib_version()
    # A transient node attribute lives in the status section ...
    c.run("crm_attribute", "--node", c.node_name, "--lifetime", "reboot", "--name", "crmve-probe", "--update", "1")
    deadline = time.monotonic() + 30
    while c.run("crm_attribute", "--node", c.node_name, "--lifetime", "reboot", "--name", "crmve-probe",
                "--query", "--quiet", check=False).stdout.strip() != "1":
        assert time.monotonic() < deadline, "the transient attribute never reached the CIB"
        time.sleep(0.2)
    assert c.configuration_digest() == digest
    after_status = c.cib_version()
    assert (after_status.admin_epoch, after_status.epoch) == (version.admin_epoch, version.epoch)
    assert after_status.num_updates > version.num_updates
    # ... a permanent one in the configuration (nodes section).
    c.run("crm_attribute", "--node", c.node_name, "--lifetime", "forever", "--name", "crmve-probe", "--update", "2")
    assert c.configuration_digest() != digest
    assert c.cib_version().epoch > version.epoch
    c.run("crm_attribute", "--node", c.node_name, "--lifetime", "forever", "--name", "crmve-probe", "--delete")
    c.run("crm_attribute", "--node", c.node_name, "--lifetime", "reboot", "--name", "crmve-probe", "--delete")


def test_a_second_cluster_is_refused_while_one_runs(live_cluster):
    assert {"corosync", "pacemakerd", "pacemaker-based"} <= {name for _, name in cluster_processes()}
    [reason] = running_reasons()
    assert "already running" in reason and "corosync pid" in reason
    other = LiveCluster(lock_wait=0, log=lambda msg: None)
    try:
        with pytest.raises(LiveClusterError, match=f"another test session \\(pid {os.getpid()}\\) holds"):
            other.start()
    finally:
        other.stop()
        other.remove_workdir()
    assert live_cluster.dc() == live_cluster.node_name


def test_a_configured_node_is_recognised(tmp_path):
    require_tools("dpkg-query")
    conf, authkey, cib_dir = tmp_path / "corosync.conf", tmp_path / "authkey", tmp_path / "cib"
    cib_dir.mkdir()
    assert configured_reasons(str(conf), str(authkey), str(cib_dir), state_dirs=[str(cib_dir)]) == []

    conf.write_text("totem {\n    version: 2\n    cluster_name: production\n}\n")
    authkey.write_bytes(b"\0" * 128)
    (cib_dir / "cib.xml").write_text(
        '<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/>'
        '<resources><primitive id="web" class="ocf" provider="heartbeat" type="apache"/></resources>'
        '<constraints/></configuration><status/></cib>')
    (tmp_path / "cib.crm-ve-saved").mkdir()
    reasons = configured_reasons(str(conf), str(authkey), str(cib_dir), state_dirs=[str(cib_dir)])
    assert [r.split(" ")[0] for r in reasons] == [str(conf), str(authkey), str(cib_dir / "cib.xml"),
                                                 str(tmp_path / "cib.crm-ve-saved")]
    assert "differs from the corosync package's default" in reasons[0]
    assert reasons[2].endswith("has resources")


def test_an_empty_cib_does_not_count_as_configured(tmp_path):
    (tmp_path / "cib.xml").write_text('<cib epoch="3" num_updates="0" admin_epoch="0"><configuration>'
                                      '<crm_config/><nodes/><resources/><constraints/></configuration>'
                                      '<status/></cib>')
    assert configured_reasons(str(tmp_path / "none.conf"), str(tmp_path / "none.key"), str(tmp_path),
                              state_dirs=[]) == []
