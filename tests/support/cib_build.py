"""Build CIB files for tests with the real tools: cibadmin, crmsh (offline, ``CIB_file=``) and pcs (``-f``).

Every helper edits the file in place and raises :class:`ToolFailed` (with the tool's stderr) when the tool
refuses. Use ``force=True`` for the forms the tools refuse on purpose (``crm -F``, ``pcs --force``) and
:func:`cibadmin_create` for XML no front end writes.

Example::

    path = build_reference_crm(tmp_path / "e-m1.xml",
                               o_drbd_before_fs="order o_drbd_before_fs inf: ms_drbd_r0 p_fs")
    path = build_reference_pcs(tmp_path / "ref.xml")            # promotable clone, Promoted roles
    crm_load(path, "location l_fs p_fs 50: node2")
    pcs_run(path, "constraint", "order", "p_fs", "then", "p_ve", force=True)

:func:`empty_cib`, :func:`build_reference_crm` and :func:`build_reference_pcs` build each distinct CIB once per
test session (the tools run for real, once) and copy it to ``path`` afterwards (tests/support/session_cache.py).
"""
import os
import re
import shutil
import subprocess
import tempfile

from support.session_cache import cached_file

#: Nodes every CIB built here has (the simulation helper brings them online).
NODES = ("node1", "node2")
TIMEOUT = 120
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class ToolFailed(RuntimeError):
    """A CIB-building tool exited non-zero; the message carries its command line and stderr."""


def _run(argv, *, cib=None, stdin=None):
    exe = shutil.which(argv[0])
    if exe is None:
        raise ToolFailed(f"{argv[0]} is not installed")
    env = dict(os.environ)
    if cib is not None:
        env["CIB_file"] = str(cib)
    proc = subprocess.run([exe] + [str(a) for a in argv[1:]], env=env, input=stdin, capture_output=True,
                          text=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        err = _ANSI.sub("", (proc.stderr or "") + (proc.stdout or "")).strip()
        raise ToolFailed(f"{' '.join(map(str, argv))} (CIB_file={cib}) exited {proc.returncode}:\n{err}")
    return proc.stdout


def _write_new(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".cib-build-")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def empty_cib(path, schema=None, nodes=NODES):
    """``cibadmin --empty [schema]`` into ``path``, with ``stonith-enabled=false`` and ``nodes``."""
    def build(target):
        _write_new(target, _run(["cibadmin", "--empty"] + ([schema] if schema else [])))
        _run(["crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false"], cib=target)
        for node in nodes:
            cibadmin_create(target, "nodes", f'<node id="{node}" uname="{node}"/>')
    cached_file(repr(("empty_cib", schema, tuple(nodes))), path, build)
    return path


def crm_load(path, crm_text, force=False):
    """``CIB_file=path crm [-F] configure load update FILE`` with ``crm_text`` as FILE."""
    fd, tmp = tempfile.mkstemp(suffix=".crm", prefix="cib-build-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(crm_text if crm_text.endswith("\n") else crm_text + "\n")
        _run(["crm"] + (["-F"] if force else []) + ["configure", "load", "update", tmp], cib=path)
    finally:
        os.unlink(tmp)
    return path


def pcs_run(path, *argv, force=False):
    """``pcs -f path ARGV [--force]``; returns pcs's stdout."""
    return _run(["pcs", "-f", path] + list(argv) + (["--force"] if force else []))


def cibadmin_create(path, section, xml):
    """``CIB_file=path cibadmin -C -o SECTION -X XML``: raw XML, schema-checked by cibadmin only."""
    _run(["cibadmin", "-C", "-o", section, "-X", xml], cib=path)
    return path


def cibadmin(path, *argv):
    """Any other ``CIB_file=path cibadmin ARGV`` (``-D``, ``-M``, ``-Q``...); returns stdout."""
    return _run(["cibadmin"] + list(argv), cib=path)


# ---------------------------------------------------------------------------------------------------------
# The reference configuration (docs/pacemaker-semantics.md §1): DRBD r0 -> /vz on /dev/drbd0 -> VE 101.

#: crmsh, old syntax (``ms``, Master/Slave). Each line is named by the id it defines; override by name.
REFERENCE_CRM = {
    "p_drbd_r0": "primitive p_drbd_r0 ocf:linbit:drbd params drbd_resource=r0 "
                 "op monitor interval=29s role=Master op monitor interval=31s role=Slave",
    "ms_drbd_r0": "ms ms_drbd_r0 p_drbd_r0 meta master-max=1 master-node-max=1 clone-max=2 "
                  "clone-node-max=1 notify=true",
    "p_fs": "primitive p_fs ocf:heartbeat:Filesystem params device=/dev/drbd0 directory=/vz fstype=ext4",
    "p_ve": "primitive p_ve ocf:heartbeat:ManageVE params veid=101",
    "c_fs_on_drbd": "colocation c_fs_on_drbd inf: p_fs ms_drbd_r0:Master",
    "o_drbd_before_fs": "order o_drbd_before_fs inf: ms_drbd_r0:promote p_fs:start",
    "c_ve_on_fs": "colocation c_ve_on_fs inf: p_ve p_fs",
    "o_fs_before_ve": "order o_fs_before_ve inf: p_fs p_ve",
}

#: pcs 0.11 syntax (promotable clone, Promoted role), one argv per step, named like REFERENCE_CRM.
REFERENCE_PCS = {
    "p_drbd_r0": ["resource", "create", "p_drbd_r0", "ocf:linbit:drbd", "drbd_resource=r0",
                  "op", "monitor", "interval=29s", "role=Promoted", "monitor", "interval=31s", "role=Unpromoted",
                  "promotable", "ms_drbd_r0", "promoted-max=1", "promoted-node-max=1", "clone-max=2",
                  "clone-node-max=1", "notify=true", "--no-default-ops"],
    "p_fs": ["resource", "create", "p_fs", "ocf:heartbeat:Filesystem", "device=/dev/drbd0", "directory=/vz",
             "fstype=ext4", "--no-default-ops"],
    "p_ve": ["resource", "create", "p_ve", "ocf:heartbeat:ManageVE", "veid=101", "--no-default-ops"],
    "c_fs_on_drbd": ["constraint", "colocation", "add", "p_fs", "with", "promoted", "ms_drbd_r0", "INFINITY",
                     "id=c_fs_on_drbd"],
    "o_drbd_before_fs": ["constraint", "order", "promote", "ms_drbd_r0", "then", "start", "p_fs",
                         "id=o_drbd_before_fs"],
    "c_ve_on_fs": ["constraint", "colocation", "add", "p_ve", "with", "p_fs", "INFINITY", "id=c_ve_on_fs"],
    "o_fs_before_ve": ["constraint", "order", "p_fs", "then", "p_ve", "id=o_fs_before_ve"],
}


def _merge(base, changes, extra):
    merged = dict(base)
    for name, value in changes.items():
        if name not in base:
            raise KeyError(f"no step {name!r} in the reference configuration (have: {', '.join(base)})")
        merged[name] = value
    steps = [v for v in merged.values() if v is not None]
    return steps + list(extra)


def reference_crm(extra=(), **changes):
    """The reference crm text; ``name=None`` drops a line, ``name="..."`` replaces it, ``extra`` appends."""
    return "\n".join(_merge(REFERENCE_CRM, changes, extra)) + "\n"


def reference_pcs(extra=(), **changes):
    """The reference pcs steps (argv lists); same override rules as :func:`reference_crm`."""
    return _merge(REFERENCE_PCS, changes, extra)


def build_reference_crm(path, schema=None, force=False, extra=(), **changes):
    """An empty CIB plus the (changed) reference configuration loaded by crmsh; returns ``path``."""
    text = reference_crm(extra, **changes)

    def build(target):
        empty_cib(target, schema)
        crm_load(target, text, force=force)
    cached_file(repr(("build_reference_crm", schema, force, text)), path, build)
    return path


def build_reference_pcs(path, schema=None, force=False, extra=(), **changes):
    """An empty CIB plus the (changed) reference configuration made by pcs; returns ``path``."""
    steps = reference_pcs(extra, **changes)

    def build(target):
        empty_cib(target, schema)
        for argv in steps:
            pcs_run(target, *argv, force=force)
    cached_file(repr(("build_reference_pcs", schema, force, steps)), path, build)
    return path
