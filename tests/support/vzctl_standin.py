"""A stand-in for vzctl, for tests only: a test double, never shipped, never installed.

The test machines have no OpenVZ kernel.  This program answers the vzctl command line the way
real vzctl does, in three dialects, for the commands the agent uses:

  legacy          vzctl 4.x (>= 4.1): "CTID 101 exist mounted running", a 6th status word
                  "suspended" when the default dump exists, `start` restores the default dump
  legacy-3.0.22   vzctl <= 3.0.22: "VEID 101 exist mounted running", no "suspended" word,
                  `start` never restores
  vz7             OpenVZ 7: "VEID 101 exist unmounted suspended" (4th word running, paused,
                  down or suspended), CRIU image directories as dumps, the private area's
                  .owner host check, `register PRIVATE CTID [--force]`, a custom --dumpfile is
                  kept after a restore

Messages and exit codes follow the fidelity checklist of shared/design/reference/
ra-vzctl-man.md section 5.3 and the vzctl sources cited there.

State lives in one directory per node (VZSTANDIN_STATE), so a move between nodes is two state
directories sharing a dump directory:

  vz.conf              the global config (DUMPDIR=...); missing: exit 10
  conf/CTID.conf       the container config (VE_PRIVATE=..., NAME=..., DISABLED=yes); on vz7
                       a symlink to PRIVATE/ve.conf, made by `register`
  run/CTID/memory      the container runs; `memory` is its memory, a token a cold start makes
                       up and a checkpoint/restore must carry over; run/CTID/paused: frozen
  mounted/CTID         the container's filesystem is mounted
  veinfo               the kernel's list of running containers, as /proc/vz/veinfo ("ID CLASS
                       NPROC" per line, ID 0 the host), rewritten whenever one starts or stops:
                       the agent reads it when its test sets MANAGEVE_TEST_VEINFO
  faults/NAME          fault injection (see FAULTS); the content is a count of calls to
                       affect, or empty for every call (an exit code for the faults that
                       carry one)
  calls.log            one JSON line per call: {"argv": [...]}

The settings come from the environment, which Pacemaker does not pass to agents: tests point
the agent's `vzctl` parameter at a wrapper script (support.vzctl_wrapper) that sets them.
The module also offers Node, the tests' view of a node's state.
"""
import json
import os
import random
import shutil
import sys
import time

VEID_MAX = 2147483644
DIALECTS = ("legacy", "legacy-3.0.22", "vz7")

# Fault name -> what it does (and what the agent must make of it).
FAULTS = {
    "chkpnt-fail": "chkpnt fails and the container keeps running: legacy vzctl resumes it "
                   "and removes the partial dump (exit 16)",
    "chkpnt-leave-partial": "with chkpnt-fail: the partial image stays behind",
    "restore-fail": "restore fails, the dump stays (exit 17)",
    "lock": "lockable commands fail as if another vzctl held the lock (exit 9)",
    "hang-COMMAND": "COMMAND never returns (the agent must kill it at its deadline)",
    "stop-fail": "stop without --fast fails, the container keeps running (exit 33)",
    "stop-fast-fail": "stop --fast fails too (exit 33)",
    "start-fail": "a cold start fails with the exit code in the file (default 79); until "
                  "cleared",
    "exec-fail": "exec fails (exit 8)",
    "status-rc": "status prints nothing and exits with the code in the file; until cleared",
    "status-garbage": "status prints something that is not a status line",
}


class VzError(Exception):
    def __init__(self, rc, msg=None):
        Exception.__init__(self, rc, msg)
        self.rc = rc
        self.msg = msg


def read_kv(path):
    result = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if "=" in line and not line.startswith("#"):
                    key, value = line.split("=", 1)
                    result[key.strip()] = value.strip().strip("\"'")
    except OSError:
        return None
    return result


def say(msg):
    print(msg, flush=True)


def err(msg):
    print(msg, file=sys.stderr, flush=True)


def exists(path):
    return os.path.lexists(path)


def remove_image(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif exists(path):
        os.unlink(path)


class Vzctl(object):
    def __init__(self, state, dialect, node):
        if dialect not in DIALECTS:
            raise SystemExit("vzctl stand-in: unknown dialect %r" % dialect)
        self.state = state
        self.dialect = dialect
        self.node = node
        self.legacy = dialect != "vz7"

    # -- state ---------------------------------------------------------------------------
    def path(self, *parts):
        return os.path.join(self.state, *parts)

    def fault(self, name):
        """Whether fault `name` applies to this call; a count in its file is used up."""
        path = self.path("faults", name)
        if not exists(path):
            return None
        with open(path) as f:
            text = f.read().strip()
        if text.isdigit():
            left = int(text)
            if left <= 0:
                os.unlink(path)
                return None
            if left == 1:
                os.unlink(path)
            else:
                with open(path, "w") as f:
                    f.write(str(left - 1))
        return text or "always"

    def fault_value(self, name, default):
        """For the faults that carry a value (an exit code): None if not injected."""
        path = self.path("faults", name)
        if not exists(path):
            return None
        with open(path) as f:
            text = f.read().strip()
        return int(text) if text.isdigit() else default

    def conf_path(self, ctid):
        return self.path("conf", ctid + ".conf")

    def conf(self, ctid):
        return read_kv(self.conf_path(ctid))

    def private(self, ctid):
        conf = self.conf(ctid) or {}
        private = conf.get("VE_PRIVATE", "")
        return private.replace("$VEID", ctid).replace("${VEID}", ctid) or None

    def owner_ok(self, private):
        if self.legacy or private is None:
            return True
        owner = self.owner_of(private)
        return not owner or owner == self.node

    def owner_of(self, private):
        try:
            with open(os.path.join(private, ".owner")) as f:
                return f.read().strip()
        except OSError:
            return ""

    def dumpdir(self):
        conf = read_kv(self.path("vz.conf")) or {}
        return conf.get("DUMPDIR") or ("/vz/dump" if self.legacy else "/vz/tmp")

    def default_dump(self, ctid):
        if self.legacy:
            return os.path.join(self.dumpdir(), "Dump." + ctid)
        private = self.private(ctid)
        return os.path.join(private, "dump", "Dump") if private else None

    def run_dir(self, ctid):
        return self.path("run", ctid)

    def running(self, ctid):
        return os.path.isdir(self.run_dir(ctid))

    def paused(self, ctid):
        return exists(os.path.join(self.run_dir(ctid), "paused"))

    def mounted(self, ctid):
        return exists(self.path("mounted", ctid))

    def exists(self, ctid):
        private = self.private(ctid)
        return (exists(self.conf_path(ctid)) and private is not None
                and os.path.isdir(private) and self.owner_ok(private))

    def set_mounted(self, ctid, on):
        path = self.path("mounted", ctid)
        if on:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").close()
            say("Container is mounted")
        elif exists(path):
            os.unlink(path)
            say("Container is unmounted")

    def set_running(self, ctid, memory):
        d = self.run_dir(ctid)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "memory"), "w") as f:
            f.write(memory)
        self.write_veinfo()

    def write_veinfo(self):
        """The kernel's list (/proc/vz/veinfo): the host, then each running container."""
        try:
            running = sorted(os.listdir(self.path("run")))
        except OSError:
            running = []
        text = "".join("%10s %5d %5d\n" % (ctid, 0, 1) for ctid in ["0"] + running)
        with open(self.path("veinfo.tmp"), "w") as f:
            f.write(text)
        os.rename(self.path("veinfo.tmp"), self.path("veinfo"))

    def memory(self, ctid):
        with open(os.path.join(self.run_dir(ctid), "memory")) as f:
            return f.read()

    def kill_ct(self, ctid):
        shutil.rmtree(self.run_dir(ctid), ignore_errors=True)
        self.write_veinfo()

    # -- dumps: a file (legacy) or a CRIU image directory (vz7) --------------------------
    def write_dump(self, path, ctid, memory, partial=False):
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)   # vzctl's make_dir(dumpfile) creates the parents
        if self.legacy:
            with open(path, "w") as f:
                f.write("VZSTANDIN-DUMP\nctid=%s\n" % ctid)
                if not partial:
                    f.write("memory=%s\nend\n" % memory)
        else:
            os.makedirs(path, exist_ok=True)
            with open(os.path.join(path, "inventory.img"), "w") as f:
                f.write("ctid=%s\n" % ctid)
            if not partial:
                with open(os.path.join(path, "pages-1.img"), "w") as f:
                    f.write("memory=%s\n" % memory)

    def read_dump(self, path):
        """(ctid, memory) of a complete dump, or None."""
        files = ([path] if os.path.isfile(path) else
                 [os.path.join(path, "inventory.img"), os.path.join(path, "pages-1.img")])
        data = {}
        for name in files:
            found = read_kv(name)
            if found is None:
                return None
            data.update(found)
        if "ctid" not in data or "memory" not in data:
            return None
        return data["ctid"], data["memory"]

    # -- command line --------------------------------------------------------------------
    def main(self, argv):
        self.log_call(argv)
        args = list(argv)
        skiplock = False
        while args and args[0].startswith("--"):
            flag = args.pop(0)
            if flag == "--skiplock":
                skiplock = True
            elif flag in ("--quiet", "--verbose", "--skipowner") and not (
                    flag == "--skipowner" and self.legacy):
                pass
            else:
                err("Invalid option %s" % flag)
                return 20
        if not args:
            err("Usage: vzctl [options] <command> <ctid> [parameters]")
            return 20
        command = args.pop(0)
        commands = {"status": self.status, "start": self.start, "stop": self.stop,
                    "chkpnt": self.chkpnt, "restore": self.restore, "exec": self.exec_,
                    "register": self.register, "umount": self.umount}
        if self.dialect != "legacy-3.0.22":
            commands["suspend"] = self.chkpnt
            commands["resume"] = self.restore
        if self.legacy:
            del commands["register"]
        if command not in commands:
            err("Bad command: %s" % command)
            return 20
        if self.fault("hang-" + command):
            while True:
                time.sleep(3600)
        try:
            if command == "register":
                return self.register(args, skiplock)
            ctid = self.ctid(args)
            if not exists(self.path("vz.conf")):
                err("Global configuration file %s not found" % self.path("vz.conf"))
                return 10
            if command != "status" and not exists(self.conf_path(ctid)):
                err("Container config file does not exist" if self.legacy else
                    "Container configuration file does not exist")
                return 14
            if command not in ("status", "exec") and not skiplock and self.fault("lock"):
                err("Container already locked" if self.legacy else "Cannot lock the Container")
                return 9
            if (not self.legacy and command not in ("status",)
                    and not (command == "stop" and "--fast" in args)):
                private = self.private(ctid)
                if private and os.path.isdir(private) and not self.owner_ok(private):
                    err("Owner check failed on the server '%s': Container (%s) is registered "
                        "for '%s'" % (self.node, private, self.owner_of(private)))
                    return 141
            return commands[command](ctid, args[1:]) or 0
        except VzError as e:
            if e.msg:
                err(e.msg)
            return e.rc

    def log_call(self, argv):
        try:
            with open(self.path("calls.log"), "a") as f:
                f.write(json.dumps({"argv": argv, "pid": os.getpid()}) + "\n")
        except OSError:
            pass

    def ctid(self, args):
        if not args:
            raise VzError(21, "CT ID missing" if self.legacy else
                          "Invalid ctid is specified: ")
        given = args[0]
        if given.isdigit():
            if int(given) > VEID_MAX and self.legacy:
                raise VzError(21, "Bad CT ID %s" % given)
            return str(int(given))
        name_file = self.path("names", given)
        if exists(name_file):
            with open(name_file) as f:
                return f.read().strip()
        if not self.legacy and is_uuid(given):
            return given.lower()
        raise VzError(21, ("Bad CT ID %s" if self.legacy else
                           "Invalid ctid is specified: %s") % given)

    # -- commands ------------------------------------------------------------------------
    def status(self, ctid, opts):
        rc = self.fault_value("status-rc", 1)
        if rc is not None:
            return rc
        if self.fault("status-garbage"):
            say("Segmentation fault in vzctl status")
            return 0
        exist = self.exists(ctid)
        run = self.running(ctid)
        mounted = run or self.mounted(ctid)
        dump = self.default_dump(ctid)
        suspended = exist and not run and dump is not None and exists(dump)
        if self.dialect == "vz7":
            state = ("paused" if self.paused(ctid) else "running") if run else (
                "suspended" if suspended else "down")
            say("VEID %s %s %s %s" % (ctid, "exist" if exist else "deleted",
                                      "mounted" if mounted else "unmounted", state))
        elif self.dialect == "legacy-3.0.22":
            say("VEID %s %s %s %s" % (ctid, "exist" if exist else "deleted",
                                      "mounted" if mounted else "unmounted",
                                      "running" if run else "down"))
        else:
            say("CTID %s %s %s %s%s" % (ctid, "exist" if exist else "deleted",
                                        "mounted" if mounted else "unmounted",
                                        "running" if run else "down",
                                        " suspended" if suspended else ""))
        return 0

    def check_private(self, ctid):
        private = self.private(ctid)
        if not private or not os.path.isdir(private):
            raise VzError(43, "Container private area %s does not exist" % private)

    def cold_start(self, ctid):
        say("Starting container..." if self.legacy else "Starting Container ...")
        if not self.mounted(ctid):
            self.set_mounted(ctid, True)
        rc = self.fault_value("start-fail", 79)
        if rc is not None:
            self.set_mounted(ctid, False)
            raise VzError(rc, "Error: container start failed (injected)")
        self.set_running(ctid, "%016x" % random.getrandbits(64))
        say("Container start in progress...")

    def start(self, ctid, opts):
        conf = self.conf(ctid) or {}
        if conf.get("DISABLED", "").lower() == "yes" and "--force" not in opts:
            raise VzError(105, "Container start disabled")
        self.check_private(ctid)
        if self.running(ctid):
            if not self.legacy and self.paused(ctid):
                os.unlink(os.path.join(self.run_dir(ctid), "paused"))
                say("Container is unpaused")
                return 0
            raise VzError(32, "Container is already running")
        dump = self.default_dump(ctid)
        if self.dialect != "legacy-3.0.22" and dump and exists(dump):
            say("Dump file %s exists, trying to restore from it" % dump)
            if self.restore_from(ctid, dump, default=True) == 0:
                return 0
        self.cold_start(ctid)
        if not self.legacy and dump and exists(dump):
            remove_image(dump)   # a successful vz7 start drops the default dump
        return 0

    def stop(self, ctid, opts):
        if not self.running(ctid):
            if self.legacy:
                err("Unable to stop: container is not running")
            else:
                say("Container is not running")
            return 0
        fast = "--fast" in opts
        say("Killing container ..." if fast else
            "Stopping container ..." if self.legacy else "Stopping the Container ...")
        if self.fault("stop-fast-fail" if fast else "stop-fail"):
            raise VzError(33, "Unable to stop container: operation timed out")
        self.kill_ct(ctid)
        say("Container was stopped")
        self.set_mounted(ctid, False)
        return 0

    def umount(self, ctid, opts):
        """legacy src/lib/fs.c vps_umount: 40 when not mounted, 32 when running."""
        if not self.mounted(ctid) and not self.running(ctid):
            raise VzError(40, "CT is not mounted" if self.legacy else "Container is not mounted")
        if self.running(ctid):
            raise VzError(32, "Container is running -- stop it first" if self.legacy else
                          "Container is running")
        self.set_mounted(ctid, False)
        return 0

    def chkpnt(self, ctid, opts):
        dumpfile, stages = self.cpt_options(opts, ("--suspend", "--dump", "--kill",
                                                   "--resume"))
        if not self.running(ctid):
            raise VzError(31, "Unable to setup checkpointing: container is not running"
                          if self.legacy else "Container is not running")
        stage = stages[0] if stages else None
        if stage == "--suspend":
            open(os.path.join(self.run_dir(ctid), "paused"), "w").close()
            say("Setting up checkpoint...\n\tsuspend...\nCheckpointing completed successfully")
            return 0
        if stage == "--resume":
            if exists(os.path.join(self.run_dir(ctid), "paused")):
                os.unlink(os.path.join(self.run_dir(ctid), "paused"))
            say("Resuming...")
            return 0
        if stage == "--kill":
            self.kill_ct(ctid)
            say("Killing...")
            self.set_mounted(ctid, False)
            return 0
        if stage == "--dump" and not dumpfile:
            raise VzError(20, "Error: dumpfile is not specified")
        path = dumpfile or self.default_dump(ctid)
        say("Setting up checkpoint...")
        if stage is None:
            say("\tsuspend...")
        say("\tdump...")
        if self.fault("chkpnt-fail"):
            self.write_dump(path, ctid, None, partial=True)
            if not self.fault("chkpnt-leave-partial"):
                remove_image(path)
            raise VzError(16, "Error: dump failed (injected)\nCheckpointing failed")
        self.write_dump(path, ctid, self.memory(ctid))
        if stage is None:
            say("\tkill...")
            self.kill_ct(ctid)
            self.set_mounted(ctid, False)
        say("Checkpointing completed successfully")
        return 0

    def restore(self, ctid, opts):
        dumpfile, stages = self.cpt_options(opts, ("--undump", "--kill", "--resume"))
        stage = stages[0] if stages else None
        if stage == "--resume":
            if not self.running(ctid):
                raise VzError(31, "Container is not running")
            if exists(os.path.join(self.run_dir(ctid), "paused")):
                os.unlink(os.path.join(self.run_dir(ctid), "paused"))
            say("Resuming...")
            return 0
        if stage == "--kill":
            self.kill_ct(ctid)
            say("Killing...")
            return 0
        if stage == "--undump" and not dumpfile:
            raise VzError(20, "Error: dumpfile is not specified")
        if self.running(ctid):
            raise VzError(32, "Unable to perform restore: container already running"
                          if self.legacy else "Container is already running")
        path = dumpfile or self.default_dump(ctid)
        return self.restore_from(ctid, path, default=dumpfile is None,
                                 freeze=stage == "--undump", strict=True)

    def restore_from(self, ctid, path, default, freeze=False, strict=False):
        """Restore from `path`; 0, or raise (strict) / return 17."""
        self.check_private(ctid)
        if not self.legacy and not exists(path):
            raise VzError(17, "Container is not suspended")
        say("Restoring container ..." if self.legacy else "Restoring the Container ...")
        if not exists(path):
            raise VzError(17, "Unable to open %s: No such file or directory" % path)
        found = self.read_dump(path)
        failure = None
        if self.fault("restore-fail"):
            failure = "Error: undump failed (injected)"
        elif found is None:
            failure = "Error: undump failed: %s is not a complete dump" % path
        elif found[0] != ctid:
            failure = "Error: undump failed: the dump is of container %s" % found[0]
        if failure:
            if strict:
                raise VzError(17, failure + "\nRestoring failed")
            err(failure + "\nRestoring failed")
            return 17
        if not self.mounted(ctid):
            self.set_mounted(ctid, True)
        self.set_running(ctid, found[1])
        if freeze:
            open(os.path.join(self.run_dir(ctid), "paused"), "w").close()
        say("Restoring completed successfully")
        if self.legacy or default:   # legacy unlinks every dump it used; vz7 keeps a custom one
            remove_image(path)
        return 0

    def cpt_options(self, opts, stage_names):
        dumpfile = None
        stages = []
        i = 0
        while i < len(opts):
            opt = opts[i]
            if opt == "--dumpfile":
                if i + 1 >= len(opts):
                    raise VzError(20, "Invalid syntax: --dumpfile needs an argument")
                dumpfile = opts[i + 1]
                i += 1
            elif opt in stage_names:
                stages.append(opt)
            elif opt in ("--context", "--flags"):
                i += 1
            elif opt in ("--skip_arpdetect", "--skip-remount", "--skip-fsck", "--keep_pages",
                         "--unfreeze"):
                pass
            else:
                raise VzError(20, "Invalid option %s" % opt)
            i += 1
        if len(stages) > 1:
            raise VzError(20, "Invalid syntax: only one sub command may be used")
        return dumpfile, stages

    def exec_(self, ctid, opts):
        if not self.running(ctid):
            raise VzError(31, "Container is not running")
        if self.fault("exec-fail"):
            return 8
        return 0

    def register(self, args, skiplock):
        if len(args) < 2:
            raise VzError(20, "Usage: vzctl register <path> <ctid>")
        private, given = args[0], args[1]
        force = "--force" in args[2:]
        ctid = given.lower() if is_uuid(given) else str(int(given)) if given.isdigit() else None
        if ctid is None:
            raise VzError(21, "Invalid ctid is specified: %s" % given)
        veconf = os.path.join(private, "ve.conf")
        if not exists(veconf):
            raise VzError(140, "Error: Broken Container, no %s file found" % veconf)
        owner = self.owner_of(private)
        if owner and owner != self.node and not force:
            raise VzError(140, "Owner check failed on the server %s; Container is registered "
                          "for %s" % (self.node, owner))
        with open(os.path.join(private, ".owner"), "w") as f:
            f.write(self.node + "\n")
        conf = self.conf_path(ctid)
        os.makedirs(os.path.dirname(conf), exist_ok=True)
        if exists(conf):
            os.unlink(conf)
        os.symlink(veconf, conf)
        say("Container %s was successfully registered" % ctid)
        return 0


def is_uuid(text):
    parts = text.split("-")
    return ([len(p) for p in parts] == [8, 4, 4, 4, 12]
            and all(c in "0123456789abcdefABCDEF" for p in parts for c in p))


# ---------------------------------------------------------------------------------------------
# The tests' view of a node.

class Node(object):
    """One node's stand-in state: create containers, inject faults, look at the result."""

    def __init__(self, state, dialect="legacy", name="node", dumpdir=None):
        self.state = state
        self.dialect = dialect
        self.name = name
        os.makedirs(os.path.join(state, "conf"), exist_ok=True)
        os.makedirs(os.path.join(state, "faults"), exist_ok=True)
        self.dumpdir = dumpdir or os.path.join(state, "dump")
        self.write_vz_conf()
        self.vz = Vzctl(state, dialect, name)
        self.vz.write_veinfo()

    @property
    def veinfo(self):
        """This node's stand-in for /proc/vz/veinfo."""
        return os.path.join(self.state, "veinfo")

    @property
    def vz_conf(self):
        return os.path.join(self.state, "vz.conf")

    def write_vz_conf(self, **extra):
        with open(self.vz_conf, "w") as f:
            f.write('## stand-in global config\nVE_STOP_MODE=suspend\nDUMPDIR="%s"\n'
                    % self.dumpdir)
            for key, value in extra.items():
                f.write('%s="%s"\n' % (key, value))

    def create(self, ctid="101", private=None, name=None, owner=None, register=True):
        """A stopped container whose private area is `private` (made here if missing)."""
        private = private or os.path.join(self.state, "private", ctid)
        os.makedirs(private, exist_ok=True)
        text = 'VE_PRIVATE="%s"\nVE_ROOT="/vz/root/%s"\n' % (private, ctid)
        if name:
            text += 'NAME="%s"\n' % name
            os.makedirs(os.path.join(self.state, "names"), exist_ok=True)
            with open(os.path.join(self.state, "names", name), "w") as f:
                f.write(ctid)
        if self.dialect == "vz7":
            with open(os.path.join(private, "ve.conf"), "w") as f:
                f.write(text)
            with open(os.path.join(private, ".owner"), "w") as f:
                f.write((owner or self.name) + "\n")
            if register:
                conf = os.path.join(self.state, "conf", ctid + ".conf")
                if os.path.lexists(conf):
                    os.unlink(conf)
                os.symlink(os.path.join(private, "ve.conf"), conf)
        else:
            with open(os.path.join(self.state, "conf", ctid + ".conf"), "w") as f:
                f.write(text)
        return private

    def inject(self, fault, value=""):
        base = fault.split("-")[0] if fault.startswith("hang-") else fault
        assert fault in FAULTS or base == "hang", fault
        with open(os.path.join(self.state, "faults", fault), "w") as f:
            f.write(str(value))

    def clear(self, fault):
        path = os.path.join(self.state, "faults", fault)
        if os.path.lexists(path):
            os.unlink(path)

    def running(self, ctid="101"):
        return self.vz.running(ctid)

    def paused(self, ctid="101"):
        return self.vz.paused(ctid)

    def memory(self, ctid="101"):
        return self.vz.memory(ctid)

    def start_cold(self, ctid="101"):
        """Start the container behind the agent's back (as an operator would)."""
        self.vz.set_running(ctid, "%016x" % random.getrandbits(64))
        os.makedirs(os.path.join(self.state, "mounted"), exist_ok=True)
        open(os.path.join(self.state, "mounted", ctid), "w").close()

    def crash(self, ctid="101"):
        """The container dies (no dump, nothing unmounted)."""
        self.vz.kill_ct(ctid)

    def default_dump(self, ctid="101"):
        return self.vz.default_dump(ctid)

    def calls(self):
        try:
            with open(os.path.join(self.state, "calls.log")) as f:
                return [json.loads(line)["argv"] for line in f]
        except OSError:
            return []

    def forget_calls(self):
        path = os.path.join(self.state, "calls.log")
        if os.path.exists(path):
            os.unlink(path)


if __name__ == "__main__":
    try:
        state = os.environ["VZSTANDIN_STATE"]
    except KeyError:
        raise SystemExit("vzctl stand-in: VZSTANDIN_STATE is not set (use a wrapper from "
                         "support.vzctl_wrapper)")
    standin = Vzctl(state, os.environ.get("VZSTANDIN_DIALECT", "legacy"),
                    os.environ.get("VZSTANDIN_NODE", "node"))
    sys.exit(standin.main(sys.argv[1:]))
