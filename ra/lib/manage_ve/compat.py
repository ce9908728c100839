"""Whether a dump can be restored on this node: what a checkpoint records of the node that
wrote it, and the check a start or migrate_from makes against this node before restoring.

Legacy CPT images (a file) are bound to the kernel's CPT version and CPU capabilities: vzmigrate
checks `vzcptcheck version` and `vzcptcheck caps` before it moves a container (legacy
bin/vzmigrate.in:461-492).  `vzcptcheck version` prints the kernel's CPT version, `vzcptcheck
caps` the CPU capabilities as a decimal bitmask, each on one line with exit 0, and exits 1 with
a message when /proc/cpt or /proc/rst cannot be opened (legacy src/vzcptcheck.c:107-125,
157-176, 56-79).  A dump may be restored here when its version equals this node's and its
capabilities are a subset of this node's.

OpenVZ 7 CRIU images (a directory) are bound to the CPU: criu compares a cpuinfo image against
the CPU it runs on (`criu cpuinfo dump` / `criu cpuinfo check`, criu/crtools.c, criu/arch/x86/
cpu.c).  The agent records this node's CPU flags from /proc/cpuinfo instead of running criu:
`criu cpuinfo dump` writes cpuinfo.img into a directory, which would put one more name of the
agent's in the untrusted dump directory, and its check needs criu on the node, while the flags
need nothing but /proc.  A dump may be restored here when its flags are a subset of this
node's.  The kernel release is recorded, for the log, and not compared.

What a node cannot tell (the tool missing or failing, a record written without these fields)
is unknown.  An unknown on either side is logged as a warning and the dump restored, as
vzmigrate skips its checks when vzcptcheck is missing or fails (legacy bin/vzmigrate.in:467-468,
481-482, 732-737): the restore itself still refuses an image the kernel cannot take (the dump
is then set aside as failed and the container started cold), so restoring costs a failed
restore at worst, while a cold start on every unknown would throw away the running service's
memory on each node that merely lacks the tool.

For tests only: MANAGEVE_TEST_CPUINFO names another file in the place of /proc/cpuinfo (the
vzctl stand-in writes one).  Pacemaker passes agents no such variable.
"""
import os

from ManageVE import getenv, log, spawn
from manage_ve import kernel
from manage_ve.trust import RECORD_LIMIT

UNKNOWN = "unknown"
CPUINFO = "/proc/cpuinfo"
TEST_CPUINFO = "MANAGEVE_TEST_CPUINFO"
TOOL_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")
CPUINFO_LIMIT = 4 << 20   # bytes; a few hundred CPUs' entries
FLAG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def tool(agent, name):
    """The path of helper `name`: beside vzctl (real vzctl, vzcptcheck and criu all lie in
    /usr/sbin), else in the system's binary directories; None if there is none."""
    for directory in (os.path.dirname(agent.vzctl),) + TOOL_DIRS:
        path = os.path.join(directory, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def one_number(agent, argv):
    """The single decimal line `argv` prints with exit 0, or UNKNOWN (logged)."""
    path = tool(agent, argv[0])
    if path is None:
        log("WARNING", "no %s on this node: dump compatibility recorded as unknown" % argv[0])
        return UNKNOWN
    rc, out = spawn([path] + argv[1:], agent.deadline(0.05))
    text = out.strip()
    if rc != 0 or not text.isdigit() or len(text) > 20:
        log("WARNING", "%s failed (exit %s): %r; recorded as unknown"
            % (" ".join(argv), rc, text[:200]))
        return UNKNOWN
    return str(int(text))


def legacy_on_upstream_kernel(agent):
    """Whether this node runs legacy vzctl 4.x on an upstream kernel, which checkpoints with
    CRIU into its default dump and ignores --dumpfile (legacy src/lib/hooks_ct.c:850-921).
    vzctl tells the kernels apart by /proc/vz (legacy src/lib/env.c:97-98); legacy's own
    vzcptcheck then finds no CPT module (src/vzcptcheck.c:72-79).  Both must hold: OpenVZ 7
    has no vzcptcheck and never runs on an upstream kernel, and where neither can tell the
    node is taken to honour --dumpfile, as it does on every OpenVZ kernel."""
    if kernel.openvz_kernel():
        return False
    path = tool(agent, "vzcptcheck")
    if path is None:
        return False
    rc, out = spawn([path, "version"], agent.deadline(0.05))
    return rc == 1 and "vzcpt not loaded" in out


def cpu_flags():
    """The CPU flags every processor of this node has, sorted and space-separated; UNKNOWN
    when /proc/cpuinfo cannot be read or lists none."""
    try:
        with open(getenv(TEST_CPUINFO) or CPUINFO, "rb") as f:
            text = f.read(CPUINFO_LIMIT).decode("ascii", "replace")
    except OSError:
        return UNKNOWN
    common = None
    for line in text.splitlines():
        key, _sep, value = line.partition(":")
        if key.strip() in ("flags", "Features"):   # x86, arm64
            flags = set(value.split())
            common = flags if common is None else common & flags
    flags = sorted(flag for flag in common or () if set(flag) <= FLAG_CHARS)
    return " ".join(flags) or UNKNOWN


def node_facts(agent, criu_image):
    """The provenance fields that say where a dump can be restored: for a CRIU image (a
    directory) this node's CPU flags, for a legacy CPT image its CPT version and capabilities;
    the kernel release for both."""
    facts = [("kernel_release", os.uname()[2])]
    if criu_image:
        flags = cpu_flags()
        if len(flags) > RECORD_LIMIT // 2:
            flags = UNKNOWN
        facts.append(("cpu_flags", flags))
    else:
        facts.append(("cpt_version", one_number(agent, ["vzcptcheck", "version"])))
        facts.append(("cpt_caps", one_number(agent, ["vzcptcheck", "caps"])))
    return facts


def unknown_side(name, recorded, here):
    """Which side cannot tell `name`, or None when both can."""
    sides = [side for side, value in (("the dump's node", recorded), ("this node", here))
             if value in (None, UNKNOWN)]
    return " and ".join(sides) or None


def incompatibility(agent, rec, criu_image):
    """Why the dump recorded by `rec` cannot work on this node, or None (after a warning
    when either side cannot tell: see the module's docstring)."""
    if criu_image:
        checks = [("CPU flags", rec.get("cpu_flags"), cpu_flags(), flags_problem)]
    else:
        checks = [("CPT version", rec.get("cpt_version"),
                   one_number(agent, ["vzcptcheck", "version"]), version_problem),
                  ("CPU capabilities", rec.get("cpt_caps"),
                   one_number(agent, ["vzcptcheck", "caps"]), caps_problem)]
    for name, recorded, here, problem in checks:
        unknown = unknown_side(name, recorded, here)
        if unknown:
            log("WARNING", "the %s of %s cannot be told (%s); restoring it as vzmigrate "
                "would, the restore itself refuses an image this kernel cannot take"
                % (name, agent.dumpfile, unknown))
            continue
        why = problem(recorded, here)
        if why:
            return "it was written on node %s (kernel %s), and this node differs in %s: %s" % (
                rec.get("node"), rec.get("kernel_release", UNKNOWN), name, why)
    return None


def version_problem(recorded, here):
    if not recorded.isdigit():
        return "the recorded CPT version %r is not a number" % recorded[:40]
    if int(recorded) != int(here):
        return "CPT version %s there, %s here" % (recorded, here)
    return None


def caps_problem(recorded, here):
    if not recorded.isdigit() or len(recorded) > 20:
        return "the recorded capabilities %r are not a number" % recorded[:40]
    missing = int(recorded) & ~int(here)
    if missing:
        return "capabilities %s there, %s here (missing bits %#x)" % (recorded, here, missing)
    return None


def flags_problem(recorded, here):
    flags = recorded.split()
    if not flags or any(not set(flag) <= FLAG_CHARS for flag in flags):
        return "the recorded CPU flags are not a list of flag names"
    missing = sorted(set(flags) - set(here.split()))
    if missing:
        return "missing CPU flags %s" % " ".join(missing[:20])
    return None
