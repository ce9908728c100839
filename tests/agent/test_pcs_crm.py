"""pcs and the crm shell accept the installed agent: they read its meta-data from the OCF
directory (the session fixture ocf_agent installs it as ocf:crm-ve:ManageVE)."""
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from support.agent_sites import need_tool


@pytest.fixture
def cib(world):
    """An empty CIB file without fencing (there is no fencing device here)."""
    cibadmin = need_tool("cibadmin")
    path = os.path.join(world, "cib.xml")
    with open(path, "w") as f:
        f.write(subprocess.run([cibadmin, "--empty"], capture_output=True, text=True,
                               check=True).stdout)
    crm(path, "configure", "property", "stonith-enabled=false")
    return path


def run(argv, cib_file, env=None):
    full = dict(os.environ, CIB_file=cib_file, **(env or {}))
    return subprocess.run(argv, env=full, capture_output=True, text=True, timeout=120)


def crm(cib_file, *args, check=True):
    proc = run([need_tool("crm")] + list(args), cib_file)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def pcs(cib_file, *args):
    return run([need_tool("pcs"), "-f", cib_file] + list(args), cib_file)


def primitive(cib_file, rid):
    root = ET.parse(cib_file).getroot()
    found = [p for p in root.iter("primitive") if p.get("id") == rid]
    assert len(found) == 1
    return found[0]


def test_pcs_resource_create(ocf_agent, cib):
    proc = pcs(cib, "resource", "create", "ct101", "ocf:crm-ve:ManageVE", "veid=101",
               "dumpfile=/vz/dump/ct101.dump", "checkpoint_on_stop=true")
    assert proc.returncode == 0, proc.stderr
    p = primitive(cib, "ct101")
    assert (p.get("class"), p.get("provider"), p.get("type")) == ("ocf", "crm-ve", "ManageVE")
    params = {nv.get("name"): nv.get("value") for nv in p.findall("instance_attributes/nvpair")}
    assert params == {"veid": "101", "dumpfile": "/vz/dump/ct101.dump",
                      "checkpoint_on_stop": "true"}
    ops = {(op.get("name"), op.get("interval"), op.get("timeout"),
            tuple((nv.get("name"), nv.get("value")) for nv in op.iter("nvpair")))
           for op in p.iter("op")}
    # pcs copied the operations, with their timeouts, from the agent's meta-data: both monitors,
    # the deep one (depth="10") with OCF_CHECK_LEVEL=10
    assert ("start", "0s", "120s", ()) in ops and ("monitor", "10s", "20s", ()) in ops
    assert ("monitor", "60s", "30s", (("OCF_CHECK_LEVEL", "10"),)) in ops
    assert {"migrate_to", "migrate_from"} <= {op[0] for op in ops}


def test_pcs_checks_parameters_against_the_meta_data(ocf_agent, cib):
    missing = pcs(cib, "resource", "create", "x", "ocf:crm-ve:ManageVE", "dumpfile=/d")
    assert missing.returncode != 0 and "required resource option 'veid'" in missing.stderr
    unknown = pcs(cib, "resource", "create", "y", "ocf:crm-ve:ManageVE", "veid=101", "ctid=1")
    assert unknown.returncode != 0
    assert "allowed options are: 'checkpoint_on_stop', 'dumpfile', 'register_private', " \
           "'veid', 'vz_conf', 'vzctl'" in unknown.stderr


def test_pcs_takes_one_veid_twice_but_not_one_dumpfile(ocf_agent, cib):
    """veid is unique=0 as in ocf:heartbeat:ManageVE: container IDs are per host, so a cluster
    with two DRBD pairs may run a container 101 on each; a dump path is one file."""
    assert pcs(cib, "resource", "create", "a", "ocf:crm-ve:ManageVE", "veid=101",
               "dumpfile=/vz1/dump/101.dump").returncode == 0
    assert pcs(cib, "resource", "create", "b", "ocf:crm-ve:ManageVE",
               "veid=102").returncode == 0   # unset dumpfiles do not clash
    same_id = pcs(cib, "resource", "create", "c", "ocf:crm-ve:ManageVE", "veid=101",
                  "dumpfile=/vz2/dump/101.dump")
    assert same_id.returncode == 0, same_id.stderr
    clash = pcs(cib, "resource", "create", "d", "ocf:crm-ve:ManageVE", "veid=103",
                "dumpfile=/vz1/dump/101.dump")
    assert clash.returncode != 0 and "dumpfile" in clash.stderr and "unique" in clash.stderr


def test_crm_configure_primitive(ocf_agent, cib):
    crm(cib, "configure", "primitive", "ct101", "ocf:crm-ve:ManageVE", "params", "veid=101",
        "dumpfile=/vz/dump/ct101.dump", "checkpoint_on_stop=true",
        "op", "start", "timeout=120s", "op", "stop", "timeout=120s",
        "op", "monitor", "interval=10s", "timeout=20s",
        "op", "monitor", "interval=60s", "timeout=30s", "OCF_CHECK_LEVEL=10")
    p = primitive(cib, "ct101")
    assert (p.get("provider"), p.get("type")) == ("crm-ve", "ManageVE")
    levels = [nv.get("value") for op in p.iter("op") for nv in op.iter("nvpair")
              if nv.get("name") == "OCF_CHECK_LEVEL"]
    assert levels == ["10"]
    shown = crm(cib, "configure", "show", "ct101").stdout
    assert "ocf:crm-ve:ManageVE" in shown and "veid=101" in shown


def test_crm_checks_parameters_and_timeouts_against_the_meta_data(ocf_agent, cib):
    missing = crm(cib, "configure", "primitive", "x", "ocf:crm-ve:ManageVE", "params",
                  "dumpfile=/d", check=False)
    assert missing.returncode != 0 and 'required parameter "veid" not defined' in missing.stderr
    unknown = crm(cib, "configure", "primitive", "y", "ocf:crm-ve:ManageVE", "params",
                  "veid=101", "ctid=1", check=False)
    assert unknown.returncode != 0 and 'parameter "ctid" is not known' in unknown.stderr
    short = crm(cib, "configure", "primitive", "z", "ocf:crm-ve:ManageVE", "params",
                "veid=102", "op", "start", "timeout=10s")
    assert "smaller than the advised 120s" in short.stdout + short.stderr   # crmsh warns on stdout


def test_crm_ra_info(ocf_agent, cib):
    info = crm(cib, "ra", "info", "ocf:crm-ve:ManageVE").stdout
    assert info.startswith("Manages an OpenVZ container")
    for name in ("veid*", "dumpfile", "checkpoint_on_stop", "register_private"):
        assert name in info
