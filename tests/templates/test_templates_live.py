"""The cluster scripts run by ``crm script run`` on the real single-node cluster (tests/support/live_cluster.py).

There is no DRBD kernel module and no OpenVZ, so the stack is created with target_role=Stopped: nothing starts,
the cluster only probes. What the scripts committed to the live CIB is then checked like the offline results:
crm_verify, crm-ve check, and crm_simulate on the same resources and constraints in a two-node CIB.
"""
import subprocess

import pytest

from templates_support import (TIMEOUT, assert_stack_orders, crm_verify, crm_ve, crm_ve_check_clean,
                               examples_params, new_cib, xml)

pytestmark = pytest.mark.live

STACK_PARAMS = {"id": "vz1", "drbd_resource": "r0", "device": "/dev/drbd/by-res/r0/0", "directory": "/vz",
                "fstype": "ext4", "container": "ve101", "veid": "101", "dumpfile": "/vz/dump/Dump.101",
                "target_role": "Stopped"}


def run_script(crmsh, name, params):
    proc = crmsh.run("script", "run", name, *examples_params(params), check=False)
    assert proc.returncode == 0, f"crm script run {name}:\n{proc.stdout}{proc.stderr}"
    return proc


def offline_copy(cluster, path):
    """The live configuration's resources and constraints in a fresh two-node CIB, the stack let start."""
    cib = new_cib(path)
    for scope in ("resources", "constraints"):
        subprocess.run(["cibadmin", "--replace", "--scope", scope, "--xml-text", cluster.cib_xml(scope)],
                       env={"CIB_file": str(cib), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, check=True,
                       capture_output=True, timeout=TIMEOUT)
    subprocess.run(["crm_resource", "--resource", "vz1-drbd-clone", "--meta", "--delete-parameter",
                    "target-role"], env={"CIB_file": str(cib), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                   check=True, capture_output=True, timeout=TIMEOUT)
    return cib


def test_scripts_run_on_a_live_cluster(clean_live_cluster, crmsh, manage_ve_agent, tmp_path):
    cluster = clean_live_cluster
    run_script(crmsh, "ve-drbd-stack", STACK_PARAMS)
    for n in ("102", "103"):
        run_script(crmsh, "ve-add-container", {"filesystem": "vz1-fs", "container": f"ve{n}", "veid": n,
                                               "dumpfile": f"/vz/dump/Dump.{n}"})
    cluster.wait_idle()
    live = tmp_path / "live.xml"
    live.write_text(cluster.cib_xml())
    root = xml(live)
    assert set(root.xpath("//resources//primitive/@id")) == {"vz1-drbd", "vz1-fs", "ve101", "ve102", "ve103"}
    assert len(root.xpath("//rsc_order | //rsc_colocation")) == 8
    for resource in ("vz1-fs", "ve101", "ve102", "ve103"):
        assert not [r for r in cluster.resources(resource) if r.active], resource
    crm_verify(live)
    check = crm_ve("check", "--live")
    assert check.returncode == 0, check.stdout + check.stderr
    cib = offline_copy(cluster, tmp_path / "offline.xml")
    crm_ve_check_clean(cib)
    assert_stack_orders(cib, "vz1-drbd-clone", "vz1-fs", ["ve101", "ve102", "ve103"])
