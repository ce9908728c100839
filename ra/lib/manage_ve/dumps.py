"""The dump at `dumpfile`: the checkpoint image, its provenance record, the cold-start record.

Nothing is lost (an unusable dump of the agent's is renamed, never deleted), nothing is used
twice, and nothing that is not the agent's own is touched: the dump directory is untrusted
until module trust proves otherwise, and a name there that is not the agent's (a symlink, a
file with no provenance record, the container's private area) is never restored, renamed,
removed or overwritten.
"""
import os
import time

from ManageVE import AGENT, Exit, OCF_ERR_GENERIC, getenv, log
from manage_ve import compat, kernel, trust

KINDS = ("stop", "migration")
CLOCK_SKEW = 3600.0   # seconds a record's time may be ahead of this node's clock


def utc_stamp(when=None, iso=False):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ" if iso else "%Y%m%dT%H%M%SZ", time.gmtime(when))


def parse_record(text):
    rec = {}
    for line in text.splitlines():
        line = line.strip()
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            rec[key.strip()] = value.strip()
    return rec


def read_record(path):
    """A key=value file of this host's configuration (vz.conf, a container's config), or None
    if absent or unreadable."""
    try:
        with open(path) as f:
            return parse_record(f.read())
    except (IOError, OSError, UnicodeDecodeError):
        return None


def record_time(rec):
    """The record's time in seconds since the epoch: a plain decimal, positive, and at most
    CLOCK_SKEW ahead of this node's clock; None otherwise (inf, nan, 1e30, -1, 0x10...)."""
    text = rec.get("time", "")
    if set(text) - set("0123456789."):
        return None
    try:
        value = float(text)
    except ValueError:   # "", ".", "1.2.3"
        return None
    return value if 0 < value <= time.time() + CLOCK_SKEW else None


def private_areas(agent, ctid=None):
    """The container's private area(s) on this node: register_private, then VE_PRIVATE from
    its config."""
    areas = [agent.params["register_private"]]
    ctid = ctid or agent.veid
    conf = read_record(os.path.join(os.path.dirname(agent.params["vz_conf"]), "conf",
                                    ctid + ".conf")) or {}
    private = conf.get("VE_PRIVATE", "").strip("\"'")
    for var in ("${VEID}", "$VEID", "${CTID}", "$CTID"):
        private = private.replace(var, ctid)
    areas.append(private)
    return [os.path.normpath(area) for area in areas if area.startswith("/")]


def overlaps(path, other):
    return path == other or path.startswith(other + "/") or other.startswith(path + "/")


def fsync_path(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_record(path, rec):
    """Write a key=value record atomically: a new temporary file (never through a symlink),
    fsync, rename.  OSError or trust.Untrusted (something not the agent's at `path`) when it
    cannot; no temporary file is left behind."""
    if os.path.lexists(path):
        why = trust.entry_problem(path)
        if why:
            raise trust.Untrusted(why)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    fd = trust.create_exclusive(tmp)
    try:
        with os.fdopen(fd, "w") as f:
            f.write("# written by the %s resource agent (crm-ve)\n" % AGENT)
            for key, value in rec:
                f.write("%s=%s\n" % (key, value))
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_path(os.path.dirname(path))


def remove_own(path):
    """Remove a file, or a CRIU image directory, of the agent's; OSError otherwise."""
    why = trust.entry_problem(path, directories=True)
    if why:
        raise OSError(why)
    if os.path.isdir(path):
        import shutil
        shutil.rmtree(path)   # never follows a symlink inside
    else:
        os.unlink(path)


class Dumps(object):
    """The lifecycle of the dump at `dumpfile`: nothing is lost, nothing is used twice."""

    def __init__(self, agent):
        self.agent = agent
        self.path = agent.dumpfile
        self.directory = os.path.dirname(self.path)
        self.record = self.path + ".provenance"
        self.coldstart = self.path + ".coldstart"
        self.restore_logs = self.path + ".restore"   # OpenVZ 7 moves its restore logs there
        self._unusable = None

    def present(self):
        return os.path.lexists(self.path)

    def unusable(self):
        """Why the agent must not act on any of the dump's names, or None."""
        if self._unusable is None:
            path = os.path.normpath(self.path)
            private = [area for area in private_areas(self.agent) if overlaps(path, area)]
            if private:
                why = ("dumpfile %s is the container's private area %s, or overlaps it"
                       % (self.path, private[0]))
            else:
                why = trust.directory_problem(os.path.normpath(self.directory))
                if why:
                    why = "the dump directory %s is not trusted: %s" % (self.directory, why)
            self._unusable = why or ""
        return self._unusable or None

    def foreign(self):
        """Why the thing at `dumpfile` is not a dump of this agent's, or None."""
        why = self.unusable() or trust.entry_problem(self.path, directories=True)
        if why:
            return why
        if not os.path.lexists(self.record):
            return "it has no provenance record %s" % self.record
        return trust.entry_problem(self.record)

    @staticmethod
    def set_aside(path, kind, why, name=None):
        """Rename the dump at `path` (and its record) to NAME.KIND-UTC (NAME defaults to
        `path`); never delete it.  Only a file or real directory of the agent's is moved."""
        problem = trust.entry_problem(path, directories=True)
        if problem:
            raise Exit(OCF_ERR_GENERIC, "cannot set aside %s (%s): %s" % (path, why, problem))
        name = name or path
        dest = "%s.%s-%s" % (name, kind, utc_stamp())
        attempt = 1
        while os.path.lexists(dest) or os.path.lexists(dest + ".provenance"):
            attempt += 1
            dest = "%s.%s-%s-%d" % (name, kind, utc_stamp(), attempt)
        record = path + ".provenance"
        try:
            os.rename(path, dest)
            if os.path.lexists(record) and trust.entry_problem(record) is None:
                os.rename(record, dest + ".provenance")
        except OSError as e:
            raise Exit(OCF_ERR_GENERIC, "cannot set aside dump %s (%s): %s" % (path, why, e))
        fsync_path(os.path.dirname(path))
        log("WARNING", "dump %s set aside as %s: %s" % (path, dest, why))
        return dest

    def verdict(self, kinds=KINDS, target=None):
        """Why this agent's dump must not be restored, or None if it may be."""
        try:
            text = trust.read_record_text(self.record)
        except trust.Untrusted as e:
            return str(e)
        if text is None:
            return "it has no provenance record (%s)" % self.record
        rec = parse_record(text)
        if rec.get("container") != self.agent.veid:
            return "it was written for container %r, not %r" % (rec.get("container"),
                                                                self.agent.veid)
        if rec.get("kind") not in kinds:
            return "it is a %r dump, not %s" % (rec.get("kind"), " or ".join(kinds))
        written = record_time(rec)
        if written is None:
            return "its provenance record %s has no valid time (%r)" % (self.record,
                                                                       rec.get("time"))
        why = self.older_than_cold_start(rec, written)
        if why:
            return why
        if target is not None and rec.get("target") != target:
            return "it is meant for node %r, not %r" % (rec.get("target"), target)
        extra = os.path.join(self.path, "restore-extra-args")   # read by OpenVZ 7's restore
        if os.path.isdir(self.path) and os.path.lexists(extra):
            why = trust.entry_problem(extra)
            if why:
                return "OpenVZ 7 would read %s: %s" % (extra, why)
        return compat.incompatibility(self.agent, rec, os.path.isdir(self.path))

    def older_than_cold_start(self, rec, written):
        try:
            text = trust.read_record_text(self.coldstart)
        except trust.Untrusted as e:
            return "the cold-start record cannot be used (%s), so the dump may predate the " \
                   "container's last cold start" % e
        if text is None:
            return None
        cold = parse_record(text)
        cold_time = record_time(cold)
        if cold_time is None:
            return ("the cold-start record %s has no valid time (%r), so the dump may predate "
                    "the container's last cold start" % (self.coldstart, cold.get("time")))
        if written <= cold_time:
            return ("it was written at %s, before the container's last cold start at %s on %s"
                    % (rec.get("utc"), cold.get("utc"), cold.get("node")))
        return None

    def drop_orphan_record(self):
        if self.unusable() or self.present() or not os.path.lexists(self.record):
            return
        if trust.entry_problem(self.record) is None:
            log("INFO", "removing provenance record %s: its dump is gone" % self.record)
            try:
                os.unlink(self.record)
            except OSError:
                pass

    def consume(self):
        """After a successful restore the dump is gone (legacy vzctl removes it, OpenVZ 7
        keeps a custom --dumpfile): a dump is used once."""
        try:
            rec = parse_record(trust.read_record_text(self.record) or "")
        except trust.Untrusted:
            rec = {}
        for path in (self.path, self.record):
            if os.path.lexists(path):
                try:
                    remove_own(path)
                except OSError as e:
                    log("ERROR", "restored, but cannot remove the used dump %s: %s" % (path, e))
        self.remove_restore_logs()
        fsync_path(self.directory)
        log("INFO", "restored container %s from %s (a %s dump written on %s at %s); the dump "
            "is used and removed" % (self.agent.veid, self.path, rec.get("kind"), rec.get("node"),
                                     rec.get("utc")))

    def remove_restore_logs(self):
        if os.path.lexists(self.restore_logs):
            try:
                remove_own(self.restore_logs)
                log("INFO", "removed OpenVZ 7's restore logs %s" % self.restore_logs)
            except OSError as e:
                log("WARNING", "cannot remove OpenVZ 7's restore logs %s: %s"
                    % (self.restore_logs, e))

    def record_cold_start(self):
        """Record a cold start, so that an older dump is never restored over what the
        container does from now on.  Where it cannot be written the start goes on: an
        untrusted directory is never restored from, and in a full or read-only one every dump
        of the agent's was set aside before (or the start failed)."""
        why = self.unusable()
        if why:
            log("WARNING", "not recording the cold start of container %s: %s"
                % (self.agent.veid, why))
            return
        now = time.time()
        try:
            write_record(self.coldstart, (("container", self.agent.veid),
                                          ("node", self.agent.node()), ("time", "%.6f" % now),
                                          ("utc", utc_stamp(now, iso=True))))
        except (OSError, trust.Untrusted) as e:
            log("WARNING", "cannot record the cold start in %s: %s; starting cold anyway"
                % (self.coldstart, e))

    def remove_partials(self):
        """What an interrupted checkpoint or record write left: images and records being
        written are removed, OpenVZ 7's `.fail` directories (a failed dump with its logs) are
        set aside, its `.restore` logs removed."""
        base = os.path.basename(self.path)
        try:
            names = sorted(os.listdir(self.directory))
        except OSError:
            return
        for name in names:
            path = os.path.join(self.directory, name)
            if name.startswith(base + ".tmp.") and name.endswith(".fail"):
                self.keep_failed(path, "an earlier OpenVZ 7 checkpoint failed")
            elif name.startswith(tuple(base + suffix for suffix in (
                    ".tmp.", ".provenance.tmp.", ".coldstart.tmp."))):
                log("WARNING", "removing partial %s left by an interrupted checkpoint" % path)
                try:
                    remove_own(path)
                except OSError as e:
                    log("WARNING", "leaving %s alone: %s" % (path, e))
        self.remove_restore_logs()

    def keep_failed(self, path, why):
        """Set aside an OpenVZ 7 `.fail` directory as a failed dump, with its logs."""
        try:
            self.set_aside(path, "failed", why + "; vzctl's logs are kept there", self.path)
        except Exit as e:
            log("WARNING", e.reason)

    def checkpoint(self, kind, target=""):
        """vzctl chkpnt into a temporary image beside `dumpfile`, then record and rename.

        True when the dump is in place; False (logged) when the checkpoint failed, in which
        case no partial image is left behind."""
        agent = self.agent
        if not os.path.isdir(self.directory):
            log("ERROR", "cannot checkpoint: directory %s of dumpfile does not exist (is the "
                "replicated filesystem mounted?)" % self.directory)
            return False
        why = self.unusable()
        if why:
            log("ERROR", "not checkpointing container %s: %s" % (agent.veid, why))
            return False
        if compat.legacy_on_upstream_kernel(agent):
            log("WARNING", "not checkpointing container %s: this node runs legacy vzctl on an "
                "upstream kernel (no %s, no CPT module), which ignores --dumpfile; its memory "
                "is not kept" % (agent.veid, kernel.veinfo_path()))
            return False
        try:
            if self.present():
                why = self.foreign()
                if why:
                    log("ERROR", "not checkpointing container %s: %s is in the way and is not "
                        "a dump of this agent (%s); leaving it alone" % (agent.veid, self.path,
                                                                         why))
                    return False
                self.set_aside(self.path, "stale", "a dump was still there when a new "
                               "checkpoint began")
        except Exit as e:
            log("ERROR", e.reason)
            return False
        self.remove_partials()
        tmp = "%s.tmp.%d" % (self.path, os.getpid())
        if os.path.lexists(tmp):
            log("ERROR", "not checkpointing container %s: %s is in the way" % (agent.veid, tmp))
            return False
        why = os.path.lexists(self.record) and trust.entry_problem(self.record)
        if why:   # checked before vzctl kills the container: its record could not be written
            log("ERROR", "not checkpointing container %s: %s" % (agent.veid, why))
            return False
        os.umask(os.umask(0) | 0o022)   # vzctl's image must not be writable by others
        args = ["chkpnt", agent.veid, "--dumpfile", tmp]
        res = agent.run(args, share=0.6)
        if res.rc != 0:
            log("ERROR", "checkpoint of container %s failed: %s" % (agent.veid, res.failure(args)))
            for partial in (tmp, tmp + ".tmp"):
                if os.path.lexists(partial):
                    try:
                        remove_own(partial)
                        log("INFO", "removed partial image %s" % partial)
                    except OSError as e:
                        log("WARNING", "cannot remove partial image %s: %s" % (partial, e))
            if os.path.lexists(tmp + ".fail"):
                self.keep_failed(tmp + ".fail", "vzctl chkpnt failed: %s" % res.failure(args))
            return False
        why = trust.entry_problem(tmp, directories=True)
        if why:
            log("ERROR", "vzctl chkpnt %s reported success but wrote no usable image at %s: %s"
                % (agent.veid, tmp, why))
            return False
        now = time.time()
        rec = [("container", agent.veid), ("kind", kind), ("node", agent.node()),
               ("time", "%.6f" % now), ("utc", utc_stamp(now, iso=True)),
               ("resource", getenv("OCF_RESOURCE_INSTANCE"))]
        if kind == "migration":
            rec.append(("target", target))
        rec += compat.node_facts(agent, os.path.isdir(tmp))
        try:
            fsync_path(tmp)
            # the record first, then the image: a crash in between leaves a record without
            # a dump (dropped later), never a dump without its record
            write_record(self.record, rec)
            os.rename(tmp, self.path)
            fsync_path(self.directory)
        except (OSError, trust.Untrusted) as e:
            log("ERROR", "cannot put the checkpoint of container %s in place: %s" % (agent.veid, e))
            if os.path.lexists(tmp):
                try:
                    self.set_aside(tmp, "failed", "it could not be renamed into place")
                except Exit as failure:
                    log("ERROR", failure.reason)
            return False
        log("INFO", "checkpointed container %s into %s (%s dump%s)"
            % (agent.veid, self.path, kind, " for node %s" % target if target else ""))
        return True
