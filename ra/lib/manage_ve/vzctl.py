"""vzctl as the agent reads it: its exit codes, its status line in full, the result of one call."""
from ManageVE import (Exit, OCF_ERR_GENERIC, OCF_ERR_INSTALLED, log, matches, one_line,
                      parse_status, shown)

# vzctl exit codes the agent acts on (legacy include/vzerror.h, OpenVZ 7 lib/vzerror.h).
VZ_BAD_KERNEL = 5   # any vzctl command on a kernel without OpenVZ (legacy vz_open, vz7 lib_init)
VZ_LOCKED = 9
VZ_NOCONFIG = 10    # vz.conf missing, or a config (vz.conf, the container's) not parsable
VZ_NOVECONFIG = 14
VZ_INVALID_PARAMETER_VALUE = 21
VZ_VE_RUNNING = 32
VZ_FS_NOT_MOUNTED = 40
VZ_FS_NOPRVT = 43
VZ_VE_START_DISABLED = 105
VZ_ENV_MANAGE_DISABLED = 141   # OpenVZ 7: the private area's .owner names another host


class Status(object):
    __slots__ = ("ctid", "exists", "mounted", "state", "suspended", "running")

    def __init__(self, words):
        self.ctid = words[1]
        self.exists = words[2] == "exist"
        self.mounted = words[3] == "mounted"
        self.state = words[4]
        self.suspended = words[4] == "suspended" or words[5:] == ["suspended"]
        self.running = words[4] in ("running", "paused")


def status_of(veid, rc, out, for_start=False):
    """Interpret one `vzctl status`: a Status, None when the container is not present on this
    node (vzctl does not know it, or this kernel has no OpenVZ: no container runs here), or
    Exit with the OCF code when vzctl cannot tell."""
    if rc is None:
        raise Exit(OCF_ERR_GENERIC, "vzctl status %s did not answer within the operation "
                   "timeout; killed it" % veid)
    if rc != 0:
        why = "vzctl status %s failed (exit %d): %s" % (veid, rc, one_line(out))
        if rc in (VZ_NOCONFIG, 127):
            raise Exit(OCF_ERR_INSTALLED, why)
        if rc in (VZ_BAD_KERNEL, VZ_INVALID_PARAMETER_VALUE):   # or: a name unknown here
            if for_start:
                raise Exit(OCF_ERR_INSTALLED, why)
            log("INFO", why + "; the container is not present on this node")
            return None
        raise Exit(OCF_ERR_GENERIC, why)
    words = parse_status(out)
    if words is None:
        raise Exit(OCF_ERR_GENERIC, "cannot understand the output of vzctl status %s: %r"
                   % (veid, out.strip()[:200]))
    if not matches(veid, words[1]):
        raise Exit(OCF_ERR_GENERIC, "vzctl status %s reported container %s"
                   % (veid, shown(words[1])))
    return Status(words)


class Result(object):
    __slots__ = ("rc", "out")

    def __init__(self, rc, out):
        self.rc, self.out = rc, out

    @property
    def timed_out(self):
        return self.rc is None

    def text(self):
        return one_line(self.out)

    def failure(self, args):
        """`vzctl ARGS failed (exit N): messages` or `... did not finish in time`."""
        if self.rc is None:
            return "vzctl %s did not finish within the operation timeout" % " ".join(args)
        return "vzctl %s failed (exit %d): %s" % (" ".join(args), self.rc, self.text())
