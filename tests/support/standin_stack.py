"""Turn a real DRBD -> Filesystem -> container stack into one the two-node test cluster can run.

The test machines have no DRBD kernel module and no block device to mount, so in a CIB built by
our templates (or written by hand) this swaps, and changes nothing else (ids, meta attributes,
operations and every constraint stay as they were built):

* ``ocf:linbit:drbd`` -> ``ocf:pacemaker:Stateful`` (a promotable clone that promotes without
  DRBD; its instance attributes, ``drbd_resource`` ..., are dropped);
* ``ocf:heartbeat:Filesystem`` -> ``ocf:crmve-test:FakeFS`` (tests/support/ocf/FakeFS): it
  bind-mounts the cluster's shared directory onto the mount point, in the node's own mount
  namespace; the mount point moves under the node-private directory;
* every ``ocf:crm-ve:ManageVE`` parameter that names a path under the old mount point (the
  ``dumpfile``) follows the mount point; with ``vzctl`` given, the agent's ``vzctl`` parameter is
  pointed at it (the vzctl stand-in's wrapper).
"""
from __future__ import annotations

from typing import Dict, Optional

from lxml import etree

STATEFUL = ("ocf", "pacemaker", "Stateful")
FAKEFS_PROVIDER = "crmve-test"


def _agent(primitive) -> tuple:
    return (primitive.get("class"), primitive.get("provider"), primitive.get("type"))


def _params(primitive) -> Dict[str, etree._Element]:
    return {nv.get("name"): nv for nv in primitive.xpath("./instance_attributes/nvpair")}


def _set_params(primitive, values: Dict[str, str]) -> None:
    """Replace PRIMITIVE's instance attributes by VALUES (one set, ids derived from the primitive)."""
    for attrs in primitive.findall("instance_attributes"):
        primitive.remove(attrs)
    if not values:
        return
    rid = primitive.get("id")
    attrs = etree.Element("instance_attributes", id=f"{rid}-instance_attributes")
    for name, value in values.items():
        etree.SubElement(attrs, "nvpair", id=f"{rid}-instance_attributes-{name}", name=name, value=value)
    # instance_attributes must come before operations in the schema.
    primitive.insert(0, attrs)


def substitute_standins(configuration: bytes, shared_dir: str, node_private_dir: str,
                        vzctl: Optional[str] = None, extra_agent_params: Optional[Dict[str, str]] = None
                        ) -> bytes:
    """Return CONFIGURATION (a ``<cib>`` or ``<configuration>`` document) with the stand-ins.

    SHARED_DIR is the directory both nodes see (the "replicated" storage); each Filesystem's
    mount point ``/X`` becomes ``NODE_PRIVATE_DIR/X``.  EXTRA_AGENT_PARAMS are set on every
    ManageVE resource.
    """
    root = etree.fromstring(configuration, etree.XMLParser(resolve_entities=False, no_network=True))
    moved: Dict[str, str] = {}
    for prim in root.iter("primitive"):
        agent = _agent(prim)
        if agent == ("ocf", "linbit", "drbd"):
            prim.set("provider", STATEFUL[1])
            prim.set("type", STATEFUL[2])
            _set_params(prim, {})
        elif agent == ("ocf", "heartbeat", "Filesystem"):
            params = _params(prim)
            old = params["directory"].get("value").rstrip("/")
            new = node_private_dir.rstrip("/") + "/" + old.lstrip("/")
            moved[old] = new
            prim.set("provider", FAKEFS_PROVIDER)
            prim.set("type", "FakeFS")
            _set_params(prim, {"source": shared_dir, "directory": new})
    for prim in root.iter("primitive"):
        if _agent(prim)[2] != "ManageVE":
            continue
        values = {name: nv.get("value") for name, nv in _params(prim).items()}
        for name, value in values.items():
            for old, new in moved.items():
                if value == old or value.startswith(old + "/"):
                    values[name] = new + value[len(old):]
        if vzctl:
            values["vzctl"] = vzctl
        values.update(extra_agent_params or {})
        _set_params(prim, values)
    return etree.tostring(root)


def mount_points(configuration: bytes) -> Dict[str, str]:
    """FakeFS resource id -> its (node-private) mount point, in a substituted configuration."""
    root = etree.fromstring(configuration)
    return {prim.get("id"): _params(prim)["directory"].get("value")
            for prim in root.iter("primitive") if prim.get("type") == "FakeFS"}


#: The stand-ins and the agents they stand in for, as (class, provider, type).
STANDS_IN_FOR = {STATEFUL: ("ocf", "linbit", "drbd"),
                 ("ocf", FAKEFS_PROVIDER, "FakeFS"): ("ocf", "heartbeat", "Filesystem")}


def as_real_agents(cib: bytes) -> bytes:
    """A live CIB of the test cluster, with each stand-in named as the agent it stands in for.

    For tools that recognise a storage stack by its agents (``crm-ve check``): the primitives
    and the status section's ``lrm_resource`` entries are renamed together, parameters and
    operation history untouched, so that the scheduler sees the same resources in the same
    state (a changed agent in the configuration alone would make it restart them).
    """
    root = etree.fromstring(cib, etree.XMLParser(resolve_entities=False, no_network=True,
                                                 huge_tree=False))
    for el in root.iter("primitive", "lrm_resource"):
        real = STANDS_IN_FOR.get((el.get("class"), el.get("provider"), el.get("type")))
        if real:
            el.set("provider", real[1])
            el.set("type", real[2])
    return etree.tostring(root)
