"""DOCS: every text of the meta-data and of the man page, keyed by the names of the agent's table.

Unindented text (consumers print it verbatim); paragraphs separated by a blank line.
"""

LONGDESC = """\
Manages an OpenVZ container (legacy OpenVZ with vzctl 3.x/4.x, or OpenVZ 7 / Virtuozzo). It \
is a drop-in superset of ocf:heartbeat:ManageVE: with only veid set it starts, stops, monitors \
and migrates the container the same way, but reads vzctl's own exit status, calls vzctl status \
once per check, understands the status lines of every vzctl version, accepts container names \
and OpenVZ 7 UUIDs, and returns exit code 6 for a malformed veid.

Stop succeeds whenever the container certainly does not run on this node: when vzctl status \
says so, when it exits 5 (not an OpenVZ kernel), and when vzctl cannot read a configuration \
(exit 10) or is not installed but the kernel's list of running containers (/proc/vz/veinfo) \
does not show it; otherwise stop runs vzctl stop and fails if the container may still run. A \
container that is down but still mounted (exist mounted down, after a crash or vzctl mount) is \
unmounted with vzctl umount, so that the filesystem below it can be unmounted.

Checkpoint on stop, restore on start: with checkpoint_on_stop=true, stop checkpoints the \
container (vzctl chkpnt) into dumpfile, which should lie on the replicated filesystem that \
also holds the container, and start restores it (vzctl restore) on whichever node mounts that \
filesystem next. A Pacemaker move over active/passive DRBD, which is always a stop followed \
by a start, then keeps the container's memory and processes. If the checkpoint fails the \
container is stopped anyway (vzctl stop, then vzctl stop --fast); if the restore fails the \
container is started cold.

A dump is used once. It is written beside dumpfile and renamed into place when complete, with \
a provenance record (dumpfile.provenance: container, kind, node, time). After a successful \
restore the dump and its record are removed. A dump that is stale (the container is already \
running, the record is missing or names another container, or it is older than the \
container's last cold start, recorded in dumpfile.coldstart) or that fails to restore is \
renamed to dumpfile.stale-TIME or dumpfile.failed-TIME (UTC), never restored and never \
deleted. Before a cold start, the default dump that vzctl start would restore by itself \
(DUMPDIR/Dump.ID with DUMPDIR from vz_conf, or PRIVATE/dump/Dump on OpenVZ 7, e.g. left by \
VE_STOP_MODE=suspend) is set aside the same way.

A dump is restored only where it can work. The provenance record also holds what the dump \
needs of a node: for a legacy CPT image the output of vzcptcheck version and vzcptcheck caps \
on the node that wrote it, for an OpenVZ 7 CRIU image the CPU flags every processor there has \
(/proc/cpuinfo), and the kernel release (recorded, not compared). Start and migrate_from \
restore a legacy dump only when this node's CPT version is the same and its capabilities \
include the recorded ones, an OpenVZ 7 dump only when this node's CPUs have every recorded \
flag; otherwise the dump is set aside as dumpfile.stale-TIME, the reason logged, and the \
container started cold. vzcptcheck is looked for beside vzctl, then in /usr/sbin, /usr/bin, \
/sbin and /bin. When either side cannot tell (vzcptcheck missing or failing, a record without \
these fields) a warning is logged and the dump restored, as vzmigrate does: the restore itself \
refuses an image the kernel cannot take. Legacy vzctl 4.x on an upstream kernel (no /proc/vz, \
and vzcptcheck finds no CPT module) ignores --dumpfile: there stop stops the container without checkpoint and logs that its \
memory is not kept, and validate-all with OCF_CHECK_LEVEL=10 returns 5 when dumpfile is set.

The dump directory is untrusted until proven otherwise: whoever can write to it can plant a \
symlink or an image for root to restore. The agent reads, renames, removes or checkpoints \
into it only when it and every directory above it up to its filesystem's mount point are \
real directories owned by root and not writable by group or others (a sticky directory such \
as /tmp passes above it), and acts only on regular files (or real directories for OpenVZ 7 \
images) owned by root and not writable by others. Otherwise nothing there is restored or \
touched, the reason is logged, and the container starts cold (and stops without checkpoint). \
A name at dumpfile without a provenance record, a symlink, or the container's private area is \
not a dump of the agent's and is left alone. Records are never written through a symlink and \
a FIFO never blocks a read. A full or read-only dump filesystem still allows a cold start.

Native migration: migrate_to (run on the source node) checkpoints the running container into \
dumpfile, recording the target node; migrate_from (run on the target node) restores only a \
migration dump meant for that node and verifies that the container runs. Without dumpfile they \
run vzctl chkpnt veid and vzctl restore veid as ocf:heartbeat:ManageVE does, with vzctl's own \
default dump (DUMPDIR/Dump.veid, on OpenVZ 7 in the private area), which must then be on \
storage both nodes reach. This needs \
allow-migrate=true and storage reachable from both nodes at once (shared or dual-primary); \
with active/passive DRBD Pacemaker never migrates, and checkpoint_on_stop is the way to keep \
the container's state.

OpenVZ 7 knows a container on a node only once its private area is registered there \
(/etc/vz/conf/ID.conf). When register_private is set and this node has no such config (the \
container's first failover to it, on any storage) or vzctl reports the container as not \
existing, start and migrate_from first run vzctl register register_private veid --force. \
OpenVZ 7's owner check (vzctl exit 141) exists only on GFS2, NFS and FUSE, never on ext4 or \
xfs over DRBD. With OpenVZ 7, failed checkpoints (dumpfile.tmp.PID.fail, with vzctl's logs) \
are set aside as dumpfile.failed-TIME, and the restore logs (dumpfile.restore) are removed.

A monitor operation with OCF_CHECK_LEVEL=10 also runs vzctl exec veid true to check that the \
container answers. The meta-data advertises it as a second monitor (depth 10, every 60s), so \
pcs 0.11 creates both monitors by default, the deep one with OCF_CHECK_LEVEL=10."""

SHORTDESC = "Manages an OpenVZ container, with checkpoint on stop and restore on start"

# Parameter docs: name -> (shortdesc, longdesc).
PARAMETER_DOCS = {
    "veid": (
        "OpenVZ container ID or name",
        "The container: a number from 1 to 2147483644 (OpenVZ reserves IDs up to 100 by "
        "convention, but vzctl and ocf:heartbeat:ManageVE accept them; 0 is the host), a "
        "container name set with vzctl set --name (letters, digits, '-', '_' and '.', not "
        "starting with '-'), or on OpenVZ 7 a UUID. Anything else, including spaces and shell "
        "metacharacters, is refused with exit code 6 (OCF_ERR_CONFIGURED), except by stop, "
        "which succeeds: no container can run under such an ID. Not unique, as upstream: "
        "container IDs are per host, so a cluster of two DRBD pairs may run a container 101 "
        "on each."),
    "dumpfile": (
        "Absolute path of the checkpoint image",
        "Absolute path of the checkpoint image (a file with legacy vzctl, a CRIU image "
        "directory on OpenVZ 7), the same path on every node, on the replicated filesystem. "
        "The agent keeps dumpfile.provenance and dumpfile.coldstart beside it and renames "
        "unusable dumps to dumpfile.stale-TIME or dumpfile.failed-TIME. Required when "
        "checkpoint_on_stop is true; without it migrate_to and migrate_from use vzctl's "
        "default dump, as ocf:heartbeat:ManageVE does. Give every resource its own dumpfile. "
        "Refused (exit code 6): whitespace or any of *?[]$`'\"\\;&|<>(){} (OpenVZ 7's vz-cpt "
        "uses the path unquoted in a shell script), a '.' or '..' component, and a path that "
        "is or overlaps register_private. Its directory must be root's alone (see "
        "DESCRIPTION), or no dump is written or restored."),
    "checkpoint_on_stop": (
        "Checkpoint on stop, restore on start",
        "If true, stop checkpoints the container into dumpfile instead of shutting it down, "
        "and start restores it from there. If false (the default, as upstream ManageVE), stop "
        "shuts the container down; start still restores a valid dump left in dumpfile, e.g. "
        "by a migration that did not finish."),
    "vzctl": (
        "Path of the vzctl binary",
        "Absolute path of the vzctl binary. The agent runs it directly, never through a "
        "shell."),
    "vz_conf": (
        "Path of the global OpenVZ configuration",
        "Absolute path of the global OpenVZ configuration file. The agent reads DUMPDIR from "
        "it (to find the default dump that vzctl start would restore by itself) and looks for "
        "the container configuration in the conf directory beside it."),
    "register_private": (
        "OpenVZ 7: private area to register on this node",
        "OpenVZ 7 only: absolute path of the container's private area on the replicated "
        "filesystem. When set and this node has no /etc/vz/conf/ID.conf (the container's "
        "first failover to it) or vzctl reports the container as not existing here, start and "
        "migrate_from run vzctl register register_private veid --force before starting or "
        "restoring it. Empty (the default): never register."),
}

# Action docs, for the man page: name -> description.
ACTION_DOCS = {
    "start":
        "Restores the container from a valid dump in dumpfile if there is one, else sets "
        "unusable dumps aside and starts it cold. Succeeds if the container is already "
        "running.",
    "stop":
        "With checkpoint_on_stop=true checkpoints the container into dumpfile; otherwise, or "
        "if the checkpoint fails, runs vzctl stop and then vzctl stop --fast. Succeeds if the "
        "container is already stopped, without touching any dump, or cannot run here (not "
        "an OpenVZ kernel; a configuration vzctl cannot read, or no vzctl, and the kernel does "
        "not list it); unmounts it if it is down but mounted. Fails while it may still run.",
    "monitor":
        "Runs vzctl status once: 0 if the container runs, 7 if it is stopped or not present "
        "on this node (or this is not an OpenVZ kernel). With OCF_CHECK_LEVEL=10 (the second, "
        "deeper monitor) also runs vzctl exec veid true; an OCF_CHECK_LEVEL that is not a "
        "number is exit code 6.",
    "migrate_to":
        "Runs on the source node: checkpoints the running container into dumpfile as a "
        "migration dump for the target node; without dumpfile, vzctl chkpnt veid.",
    "migrate_from":
        "Runs on the target node: restores the migration dump meant for this node (without "
        "dumpfile, vzctl restore veid) and verifies that the container runs.",
    "validate-all":
        "Checks the parameters (exit code 6 with one line per bad parameter); with "
        "OCF_CHECK_LEVEL=10 also that vzctl is installed (5).",
    "meta-data":
        "Prints the agent's OCF meta-data.",
}

HIDDEN_ACTION_DOCS = {
    "status": "Same as monitor; kept for compatibility with ocf:heartbeat:ManageVE.",
    "usage": "Prints the usage line.",
    "man-data": "Prints, as JSON, what the man page needs beyond meta-data: action "
                "descriptions, exit status, files, examples, see also.",
}

# What the man page needs and OCF meta-data cannot carry; printed by `man-data`.
MAN_DATA = {
    "exit_status": (
        (0, "OCF_SUCCESS", "Success; monitor: the container is running."),
        (1, "OCF_ERR_GENERIC", "vzctl failed (checkpoint, restore, stop, start) or its output "
         "could not be understood; monitor: the container is paused or did not answer."),
        (2, "OCF_ERR_ARGS", "The agent was called without an action (further arguments are "
         "ignored)."),
        (3, "OCF_ERR_UNIMPLEMENTED", "Unknown action."),
        (5, "OCF_ERR_INSTALLED", "Something on this node only (Pacemaker then tries the other "
         "node): vzctl is missing, cannot read its configuration (exit 10) or this is not an "
         "OpenVZ kernel, the agent's library is missing, damaged or of another version, or when "
         "starting the container's configuration or private area is missing on this node, "
         "its start is disabled there (vzctl exit 105: DISABLED=yes in this node's container "
         "config), or vzctl has a default dump the agent cannot find; validate-all with "
         "OCF_CHECK_LEVEL=10 when dumpfile is set and vzctl runs on an upstream kernel, "
         "which ignores --dumpfile. Stop returns 5 only when "
         "vzctl is missing and the container may still run."),
        (6, "OCF_ERR_CONFIGURED", "Wrong on every node: a parameter is invalid (malformed "
         "veid, relative path, bad boolean, checkpointing without dumpfile, a dumpfile with whitespace or shell "
         "characters) or OCF_CHECK_LEVEL is not a number; one line names each. From stop only for an invalid vzctl while the "
         "kernel may still run the container."),
        (7, "OCF_NOT_RUNNING", "monitor: the container is stopped, does not exist on this "
         "node (passive node whose filesystem is not mounted), or this is not an OpenVZ "
         "kernel."),
    ),
    "files": (
        ("/usr/lib/ocf/resource.d/crm-ve/ManageVE", "the agent"),
        ("/usr/lib/ocf/lib/crm-ve/manage_ve/", "the agent's library (Python, byte-compiled at "
         "install): everything but monitor's common case; the agent refuses a missing or damaged "
         "library or one of another version (exit 5), except that stop then stops the container "
         "without checkpoint"),
        ("dumpfile", "the checkpoint image (file, or CRIU directory on OpenVZ 7)"),
        ("dumpfile.provenance", "who wrote the dump: container, kind (stop or migration), "
         "node, time, target node, and what it needs of a node: kernel_release, cpt_version "
         "and cpt_caps (legacy) or cpu_flags (OpenVZ 7)"),
        ("/usr/sbin/vzcptcheck", "legacy: the CPT version and CPU capabilities recorded with "
         "a dump and compared before restoring it"),
        ("dumpfile.coldstart", "when and where the container was last started cold; older "
         "dumps are stale"),
        ("dumpfile.stale-TIME, dumpfile.failed-TIME", "dumps set aside (UTC time), with their "
         ".provenance, and OpenVZ 7's failed checkpoints with their logs; remove them by hand "
         "once inspected"),
        ("dirname(dumpfile)", "must be a real directory owned by root and not writable by "
         "group or others, as must every directory above it up to its mount point (sticky "
         "ones pass); otherwise no dump there is written, restored, renamed or removed"),
        ("/etc/vz/vz.conf", "DUMPDIR, where vzctl start looks for a default dump"),
        ("/etc/vz/names/NAME", "a container name's link to its configuration: how stop finds "
         "a named container in the kernel's list"),
        ("/proc/vz/veinfo", "the kernel's list of running containers, which stop reads when "
         "vzctl cannot tell"),
        ("/usr/sbin/vzctl", "the OpenVZ control utility"),
    ),
    "examples": (
        ("A container that keeps its memory across moves (crm shell)", "crm",
         "crm configure primitive ct101 ocf:crm-ve:ManageVE \\\n"
         "    params veid=101 dumpfile=/vz/dump/ct101.dump \\\n"
         "    checkpoint_on_stop=true \\\n"
         "    op start timeout=120s op stop timeout=120s \\\n"
         "    op monitor interval=10s timeout=20s \\\n"
         "    op monitor interval=60s timeout=30s OCF_CHECK_LEVEL=10"),
        ("The same with pcs", "pcs",
         "pcs resource create ct101 ocf:crm-ve:ManageVE veid=101 \\\n"
         "    dumpfile=/vz/dump/ct101.dump checkpoint_on_stop=true \\\n"
         "    op start timeout=120s op stop timeout=120s \\\n"
         "    op monitor interval=10s timeout=20s \\\n"
         "    op monitor interval=60s timeout=30s OCF_CHECK_LEVEL=10"),
        ("The full stack on DRBD: DRBD, filesystem, container (crm shell)", "crm",
         "crm configure <<'EOF'\n"
         "primitive drbd_vz ocf:linbit:drbd params drbd_resource=vz \\\n"
         "    op monitor interval=29s role=Promoted \\\n"
         "    op monitor interval=31s role=Unpromoted\n"
         "clone ms_drbd_vz drbd_vz meta promotable=true \\\n"
         "    promoted-max=1 clone-max=2 notify=true\n"
         "primitive fs_vz ocf:heartbeat:Filesystem \\\n"
         "    params device=/dev/drbd/by-res/vz/0 directory=/vz \\\n"
         "    fstype=ext4 op monitor interval=20s timeout=40s\n"
         "primitive ct101 ocf:crm-ve:ManageVE \\\n"
         "    params veid=101 dumpfile=/vz/dump/ct101.dump \\\n"
         "    checkpoint_on_stop=true \\\n"
         "    op start timeout=120s op stop timeout=120s \\\n"
         "    op monitor interval=10s timeout=20s\n"
         "group g_vz fs_vz ct101\n"
         "colocation col_vz_on_drbd inf: g_vz ms_drbd_vz:Promoted\n"
         "order ord_drbd_before_vz Mandatory: \\\n"
         "    ms_drbd_vz:promote g_vz:start\n"
         "EOF"),
        ("The full stack on DRBD with pcs", "pcs",
         "pcs resource create drbd_vz ocf:linbit:drbd \\\n"
         "    drbd_resource=vz promotable promoted-max=1 \\\n"
         "    clone-max=2 notify=true\n"
         "pcs resource create fs_vz ocf:heartbeat:Filesystem \\\n"
         "    device=/dev/drbd/by-res/vz/0 directory=/vz \\\n"
         "    fstype=ext4 --group g_vz\n"
         "pcs resource create ct101 ocf:crm-ve:ManageVE veid=101 \\\n"
         "    dumpfile=/vz/dump/ct101.dump checkpoint_on_stop=true \\\n"
         "    op start timeout=120s op stop timeout=120s --group g_vz\n"
         "pcs constraint colocation add g_vz with Promoted \\\n"
         "    drbd_vz-clone INFINITY\n"
         "pcs constraint order promote drbd_vz-clone then start g_vz"),
    ),
    "see_also": ("vzctl(8)", "vz.conf(5)", "crm(8)", "pcs(8)", "ocf_heartbeat_ManageVE(7)",
                 "ocf_heartbeat_Filesystem(7)", "ocf_linbit_drbd(7)"),
}
