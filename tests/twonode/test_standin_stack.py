"""The stand-in substitution (support/standin_stack.py) keeps a stack valid and its constraints intact.

Runs offline (no cluster), with the real crmsh and crm_verify.
"""
import subprocess

from lxml import etree

from support import cib_build, crm_template, standin_stack
from support.tools import require_tools

REFERENCE_WITH_AGENT = cib_build.reference_crm(
    p_ve="primitive p_ve ocf:crm-ve:ManageVE params veid=101 checkpoint_on_stop=true "
         "dumpfile=/vz/dump/101.dump op monitor interval=10s",
)


def _constraints(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml).find(".//constraints"), method="c14n")


def test_substitution_swaps_agents_and_keeps_constraints(tmp_path):
    require_tools("crm", "cibadmin", "crm_verify")
    cib = tmp_path / "cib.xml"
    cib_build.empty_cib(cib)
    # crmsh checks agents' meta-data; ManageVE may not be installed here, hence -F.
    cib_build.crm_load(cib, REFERENCE_WITH_AGENT, force=True)
    before = cib.read_bytes()
    after = standin_stack.substitute_standins(before, "/srv/shared", "/run/crmve-node",
                                              vzctl="/run/crmve-node/vzctl")
    root = etree.fromstring(after)
    agents = {p.get("id"): (p.get("class"), p.get("provider"), p.get("type")) for p in root.iter("primitive")}
    assert agents == {"p_drbd_r0": ("ocf", "pacemaker", "Stateful"),
                      "p_fs": ("ocf", "crmve-test", "FakeFS"),
                      "p_ve": ("ocf", "crm-ve", "ManageVE")}
    params = {p.get("id"): {nv.get("name"): nv.get("value") for nv in p.iter("nvpair")
                            if nv.getparent().tag == "instance_attributes"} for p in root.iter("primitive")}
    assert params["p_drbd_r0"] == {}
    assert params["p_fs"] == {"source": "/srv/shared", "directory": "/run/crmve-node/vz"}
    assert params["p_ve"] == {"veid": "101", "checkpoint_on_stop": "true",
                              "dumpfile": "/run/crmve-node/vz/dump/101.dump", "vzctl": "/run/crmve-node/vzctl"}
    assert _constraints(after) == _constraints(before)
    assert standin_stack.mount_points(after) == {"p_fs": "/run/crmve-node/vz"}
    out = tmp_path / "standins.xml"
    out.write_bytes(after)
    # Stateful and FakeFS need not be installed for crm_verify: it checks the configuration.
    proc = subprocess.run(["crm_verify", "-x", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


#: The stack template's parameters, as its own "# Example:" lines give them.
TEMPLATE_PARAMS = dict(id="vz1", drbd_resource="r0", device="/dev/drbd/by-res/r0/0", directory="/vz",
                       fstype="ext4", container="ve101", veid="101", dumpfile="/vz/dump/Dump.101")


def test_template_stack_with_standins_verifies(tmp_path, manageve_agent):
    require_tools("crm", "cibadmin", "crm_verify")
    cib = cib_build.empty_cib(tmp_path / "cib.xml")
    crm_template.apply_template(cib, "ve-drbd-stack", "vz1", TEMPLATE_PARAMS, tmp_path)
    before = cib.read_bytes()
    after = standin_stack.substitute_standins(before, "/srv/shared", "/run/crmve-node")
    types = sorted(p.get("type") for p in etree.fromstring(after).iter("primitive"))
    assert types == ["FakeFS", "ManageVE", "Stateful"]
    assert len(etree.fromstring(after).find(".//constraints")) >= 4
    assert _constraints(after) == _constraints(before)
    (tmp_path / "standins.xml").write_bytes(after)
    proc = subprocess.run(["crm_verify", "-x", str(tmp_path / "standins.xml")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_as_real_agents_renames_configuration_and_history_together(tmp_path):
    require_tools("crm", "cibadmin")
    cib = cib_build.empty_cib(tmp_path / "cib.xml")
    cib_build.crm_load(cib, REFERENCE_WITH_AGENT, force=True)
    standins = etree.fromstring(standin_stack.substitute_standins(cib.read_bytes(), "/srv/shared",
                                                                  "/run/crmve-node"))
    # Operation history as a live cluster records it: lrm_resource names the agent too.
    status = etree.SubElement(standins, "status")
    lrm = etree.SubElement(etree.SubElement(etree.SubElement(status, "node_state", id="1"), "lrm", id="1"),
                           "lrm_resources")
    for prim in standins.iter("primitive"):
        etree.SubElement(lrm, "lrm_resource", id=prim.get("id"), **{k: prim.get(k) for k in
                                                                    ("class", "provider", "type")})
    real = etree.fromstring(standin_stack.as_real_agents(etree.tostring(standins)))
    for tag in ("primitive", "lrm_resource"):
        agents = {e.get("id"): (e.get("provider"), e.get("type")) for e in real.iter(tag)}
        assert agents == {"p_drbd_r0": ("linbit", "drbd"), "p_fs": ("heartbeat", "Filesystem"),
                          "p_ve": ("crm-ve", "ManageVE")}, tag
    # Parameters stay those of the stand-ins: the scheduler's operation digests still match.
    assert [nv.get("name") for nv in real.xpath("//primitive[@id='p_fs']/instance_attributes/nvpair")] == [
        "source", "directory"]
