"""The dump at `dumpfile`: the checkpoint image, its provenance record, the cold-start record.

Nothing is lost (an unusable dump is renamed, never deleted) and nothing is used twice.
"""
import os
import time

from ManageVE import AGENT, Exit, OCF_ERR_GENERIC, getenv, log


def utc_stamp(when=None, iso=False):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ" if iso else "%Y%m%dT%H%M%SZ", time.gmtime(when))


def read_record(path):
    """A key=value file (a record, or a vz.conf), or None if absent or unreadable."""
    try:
        with open(path) as f:
            text = f.read()
    except (IOError, OSError, UnicodeDecodeError):
        return None
    rec = {}
    for line in text.splitlines():
        line = line.strip()
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            rec[key.strip()] = value.strip()
    return rec


def record_time(rec):
    try:
        return float(rec.get("time", ""))
    except (TypeError, ValueError):
        return None


def fsync_path(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_record(path, rec):
    """Write a key=value record atomically: temporary file, fsync, rename."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("# written by the %s resource agent (crm-ve)\n" % AGENT)
        for key, value in rec:
            f.write("%s=%s\n" % (key, value))
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)
    fsync_path(os.path.dirname(path))


def remove_image(path):
    """Remove a dump: a file, or a CRIU image directory."""
    if os.path.isdir(path) and not os.path.islink(path):
        import shutil
        shutil.rmtree(path)
    else:
        os.unlink(path)


class Dumps(object):
    """The lifecycle of the dump at `dumpfile`: nothing is lost, nothing is used twice."""

    def __init__(self, agent):
        self.agent = agent
        self.path = agent.dumpfile
        self.record = self.path + ".provenance"
        self.coldstart = self.path + ".coldstart"

    def present(self):
        return os.path.lexists(self.path)

    @staticmethod
    def set_aside(path, kind, why):
        """Rename the dump at `path` (and its record) to PATH.KIND-UTC; never delete it."""
        dest = "%s.%s-%s" % (path, kind, utc_stamp())
        attempt = 1
        while os.path.lexists(dest) or os.path.lexists(dest + ".provenance"):
            attempt += 1
            dest = "%s.%s-%s-%d" % (path, kind, utc_stamp(), attempt)
        try:
            os.rename(path, dest)
            if os.path.lexists(path + ".provenance"):
                os.rename(path + ".provenance", dest + ".provenance")
        except OSError as e:
            raise Exit(OCF_ERR_GENERIC, "cannot set aside dump %s (%s): %s" % (path, why, e))
        fsync_path(os.path.dirname(path))
        log("WARNING", "dump %s set aside as %s: %s" % (path, dest, why))
        return dest

    def verdict(self, kinds=("stop", "migration"), target=None):
        """Why the dump must not be restored, or None if it may be."""
        rec = read_record(self.record)
        if rec is None:
            return "it has no provenance record (%s)" % self.record
        if rec.get("container") != self.agent.veid:
            return "it was written for container %r, not %r" % (rec.get("container"),
                                                                self.agent.veid)
        if rec.get("kind") not in kinds:
            return "it is a %r dump, not %s" % (rec.get("kind"), " or ".join(kinds))
        written = record_time(rec)
        if written is None:
            return "its provenance record %s is unreadable" % self.record
        cold = read_record(self.coldstart) or {}
        cold_time = record_time(cold)
        if cold_time is not None and written <= cold_time:
            return ("it was written at %s, before the container's last cold start at %s on %s"
                    % (rec.get("utc"), cold.get("utc"), cold.get("node")))
        if target is not None and rec.get("target") != target:
            return "it is meant for node %r, not %r" % (rec.get("target"), target)
        return None

    def drop_orphan_record(self):
        if not self.present() and os.path.lexists(self.record):
            log("INFO", "removing provenance record %s: its dump is gone" % self.record)
            try:
                os.unlink(self.record)
            except OSError:
                pass

    def consume(self):
        """After a successful restore the dump is gone (legacy vzctl removes it, OpenVZ 7
        keeps a custom --dumpfile): a dump is used once."""
        rec = read_record(self.record) or {}
        try:
            if self.present():
                remove_image(self.path)
            if os.path.lexists(self.record):
                os.unlink(self.record)
        except OSError as e:
            log("ERROR", "restored, but cannot remove the used dump %s: %s" % (self.path, e))
        fsync_path(os.path.dirname(self.path))
        log("INFO", "restored container %s from %s (a %s dump written on %s at %s); the dump "
            "is used and removed" % (self.agent.veid, self.path, rec.get("kind"), rec.get("node"),
                                     rec.get("utc")))

    def record_cold_start(self):
        now = time.time()
        try:
            write_record(self.coldstart, (("container", self.agent.veid),
                                          ("node", self.agent.node()), ("time", "%.6f" % now),
                                          ("utc", utc_stamp(now, iso=True))))
        except (IOError, OSError) as e:
            raise Exit(OCF_ERR_GENERIC, "cannot record the cold start in %s: %s"
                       % (self.coldstart, e))

    def remove_partials(self):
        directory, base = os.path.split(self.path)
        try:
            names = os.listdir(directory)
        except OSError:
            return
        for name in names:
            if name.startswith(base + ".tmp."):
                path = os.path.join(directory, name)
                log("WARNING", "removing partial image %s left by an interrupted checkpoint"
                    % path)
                try:
                    remove_image(path)
                except OSError as e:
                    log("WARNING", "cannot remove %s: %s" % (path, e))

    def checkpoint(self, kind, target=""):
        """vzctl chkpnt into a temporary image beside `dumpfile`, then record and rename.

        True when the dump is in place; False (logged) when the checkpoint failed, in which
        case no partial image is left behind."""
        agent = self.agent
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            log("ERROR", "cannot checkpoint: directory %s of dumpfile does not exist (is the "
                "replicated filesystem mounted?)" % directory)
            return False
        if self.present():
            self.set_aside(self.path, "stale", "a dump was still there when a new checkpoint "
                           "began")
        self.remove_partials()
        tmp = "%s.tmp.%d" % (self.path, os.getpid())
        args = ["chkpnt", agent.veid, "--dumpfile", tmp]
        res = agent.run(args, share=0.6)
        if res.rc != 0:
            log("ERROR", "checkpoint of container %s failed: %s" % (agent.veid, res.failure(args)))
            if os.path.lexists(tmp):
                try:
                    remove_image(tmp)
                    log("INFO", "removed partial image %s" % tmp)
                except OSError as e:
                    log("WARNING", "cannot remove partial image %s: %s" % (tmp, e))
            return False
        if not os.path.lexists(tmp):
            log("ERROR", "vzctl chkpnt %s reported success but wrote no image at %s"
                % (agent.veid, tmp))
            return False
        now = time.time()
        rec = [("container", agent.veid), ("kind", kind), ("node", agent.node()),
               ("time", "%.6f" % now), ("utc", utc_stamp(now, iso=True)),
               ("resource", getenv("OCF_RESOURCE_INSTANCE"))]
        if kind == "migration":
            rec.append(("target", target))
        try:
            fsync_path(tmp)
            # the record first, then the image: a crash in between leaves a record without
            # a dump (dropped later), never a dump without its record
            write_record(self.record, rec)
            os.rename(tmp, self.path)
            fsync_path(directory)
        except (IOError, OSError) as e:
            log("ERROR", "cannot put the checkpoint of container %s in place: %s" % (agent.veid, e))
            if os.path.lexists(tmp):
                self.set_aside(tmp, "failed", "it could not be renamed into place")
            return False
        log("INFO", "checkpointed container %s into %s (%s dump%s)"
            % (agent.veid, self.path, kind, " for node %s" % target if target else ""))
        return True
