"""A stand-in for vzctl, for tests only: a test double, never shipped, never installed.

The test machines have no OpenVZ kernel.  This program answers the vzctl command line the way
real vzctl does, for the commands the agent uses, in each generation of vzctl: the model is
docs/vzctl-behaviour.md, one row per behaviour with the real source line it comes from, and
the code below names the row (V1, V2 ...) it implements.  The dialects (VZSTANDIN_DIALECT):

  legacy-3.0.22   vzctl <= 3.0.22: "VEID 101 exist mounted running", "VE" in messages
  legacy-3.0.23   vzctl 3.0.23: "CTID ...", otherwise as 3.0.22
  legacy-3.0.24   vzctl 3.0.24 - 3.0.30: "CTID ... down suspended", a failed dump unlinked
  legacy          vzctl 4.x (4.11.1): restore exits 32 on a running CT and unlinks the dump,
                  start restores the default dump, suspend/resume aliases
  vz7-7.0.137     OpenVZ 7 before v7.0.138: "VEID 101 exist unmounted down suspended", no pause,
                  CRIU image directories written in place
  vz7-7.0.138     OpenVZ 7 v7.0.138 - v7.0.193: "paused" as the 4th word
  vz7             OpenVZ 7 v7.0.194 and later: "VEID 101 exist unmounted suspended", CRIU image
                  directories written via DUMP.tmp, moved to DUMP.fail on failure

State lives in one directory per node (VZSTANDIN_STATE), so a move between nodes is two state
directories sharing a dump directory:

  vz.conf              the global config (DUMPDIR=...); missing: exit 10
  conf/CTID.conf       the container config (VE_PRIVATE=..., NAME=..., DISABLED=yes); on vz7
                       a symlink to PRIVATE/ve.conf, made by `register`; a line that is not
                       KEY=VALUE, a comment or blank makes it unparsable (legacy: exit 10)
  run/CTID/memory      the container runs; `memory` is its memory, a token a cold start makes
                       up and a checkpoint/restore must carry over; run/CTID/paused: frozen
  mounted/CTID         the container's filesystem is mounted
  kernel               "none": not an OpenVZ kernel (exit 5); "upstream": legacy 4.x on an
                       upstream kernel (CRIU, --dumpfile ignored); absent: an OpenVZ kernel
  shared-fs            present: the private areas lie on GFS2/NFS/FUSE (OpenVZ 7 owner check)
  veinfo               the kernel's list of running containers, as /proc/vz/veinfo ("ID CLASS
                       NPROC" per line, ID 0 the host), rewritten whenever one starts or stops:
                       the agent reads it when its test sets MANAGEVE_TEST_VEINFO
  faults/NAME          fault injection (see FAULTS); the content is a count of calls to
                       affect, or empty for every call (an exit code for the faults that
                       carry one)
  calls.log            one JSON line per call: {"argv": [...], "pid": N}, and one per
                       checkpoint worker: {"worker": ..., "pid": N, "ppid": N, "vzctl": N}
  workers              the pids of chkpnt's helpers (fault chkpnt-workers), one a line

A checkpoint killed mid-dump.  vzctl suspends the container before it dumps it and, on a
full chkpnt, resumes it only when the dump fails (legacy src/lib/hooks_vz.c:617-638: CPT_SUSPEND,
CPT_DUMP, CPT_RESUME on error, CPT_KILL); OpenVZ 7's CRIU dumps it with its freezer cgroup
frozen (libvzctl scripts/vz-cpt.in:126).  A chkpnt killed in between leaves it so: here
run/CTID/paused stays.  Legacy status still says "running" (the container exists); OpenVZ 7
says "paused" (vzctl src/vzctl.c:1465-1467, the freezer state, libvzctl lib/env_nsops.c:
1830-1843).  Such a container is stopped as follows:
  legacy  `vzctl stop` and `stop --fast` fail with 33 "operation timed out": both need the
          container's tasks to run (halt, then the reboot syscall inside it; src/lib/env.c:
          845-990), and suspended tasks do not (this is the stand-in's reading of the kernel
          side, which is not in vzctl's sources).  `vzctl chkpnt ID --resume` joins the
          checkpoint context and resumes it (src/lib/cpt.c:45-105, src/vzctl-actions.c:
          1456-1468); with no context it exits 16 "Can not join cpt context" (cpt.c:74-76).
  vz7     `vzctl stop` enters the frozen container and waits for it, forever (libvzctl
          lib/env_nsops.c:1505-1541: its child joins the frozen cgroup, env_wait): it hangs
          here.  `stop --fast` thaws and kills (env_nsops.c:1426-1450).  `vzctl chkpnt ID
          --resume` thaws the cgroup (vzctl src/vzctl.c:320, libvzctl lib/env.c:1168-1176,
          lib/env_nsops.c:1775-1784), also when it is not frozen.

The settings come from the environment, which Pacemaker does not pass to agents: tests point
the agent's `vzctl` parameter at a wrapper script (support.vzctl_wrapper) that sets them.
The module also offers Node, the tests' view of a node's state.
"""
import json
import os
import shutil
import signal
import sys
import time

VEID_MAX = 2147483644
DUMPFILE_ARG = "--dumpfile"

# Fault name -> what it does (and what the agent must make of it).
FAULTS = {
    "chkpnt-fail": "the dump fails and the container keeps running (exit 16): legacy resumes "
                   "it and, from 3.0.24, unlinks the dump (V55, V56); OpenVZ 7 moves the "
                   "image directory to DUMP.fail (V60)",
    "chkpnt-leave-partial": "with chkpnt-fail: vzctl does not clean up, as when it is killed "
                            "mid-dump: the partial image stays where it was being written",
    "restore-fail": "the undump fails, the dump stays (exit 17; V67, V68)",
    "lock": "lockable commands fail as if another vzctl held the lock (exit 9; V10, V11)",
    "hang-COMMAND": "vzctl itself never returns from COMMAND (the agent must kill it at its "
                    "deadline)",
    "stop-fail": "stop without --fast fails, the container keeps running (exit 33; V43)",
    "stop-fast-fail": "stop --fast fails too (exit 33)",
    "start-fail": "a cold start fails with the exit code in the file (default 79); until "
                  "cleared",
    "exec-fail": "exec fails (exit 8; V80)",
    "status-rc": "status prints nothing and exits with the code in the file; until cleared",
    "status-garbage": "status prints something that is not a status line",
    "chkpnt-workers": "chkpnt suspends the container, then dumps in helpers forked twice "
                      "(legacy hooks_vz.c:741-760) that stay in vzctl's process group, ignore "
                      "SIGTERM and keep appending to the image; vzctl waits for them (hangs)",
    "chkpnt-workers-frozen": "with chkpnt-workers: the helpers are in a frozen freezer cgroup "
                             "(OpenVZ 7 helpers inside the frozen container), where SIGKILL "
                             "cannot end them until it thaws; needs root and the cgroup v1 "
                             "freezer",
}
WORKER_LIFETIME = 300   # seconds a chkpnt helper writes at most, should nothing end it
FREEZER = "/sys/fs/cgroup/freezer"


class Generation(object):
    """What sets one generation of vzctl apart (docs/vzctl-behaviour.md, "Generations")."""

    def __init__(self, legacy, head, noun="container", suspended_word=True, state_word=False,
                 pause=False, unlinks_failed_dump=True, makes_dump_dir=True,
                 restore_running_rc=32, keeps_dump=False, aliases=True, restores_default=True,
                 extra_args_rejected=True, dump_via_tmp=False, done="successfully"):
        self.legacy = legacy
        self.head = head                          # V20-V25
        self.noun = noun                          # "VE" in 3.0.22's messages
        self.suspended_word = suspended_word      # V22-V24: a 5th word " suspended"
        self.state_word = state_word              # V25: "suspended" replaces "down"
        self.pause = pause                        # V24, V25, V33
        self.unlinks_failed_dump = unlinks_failed_dump   # V55 / V56
        self.makes_dump_dir = makes_dump_dir      # V52 / V53
        self.restore_running_rc = restore_running_rc     # V62 / V63
        self.keeps_dump = keeps_dump              # V69 / V70 (legacy)
        self.aliases = aliases                    # V18
        self.restores_default = restores_default  # V34-V36
        self.extra_args_rejected = extra_args_rejected   # V12
        self.dump_via_tmp = dump_via_tmp          # V58 / V59
        self.done = done                          # "succesfully" up to 3.0.30


def _legacy_3_0(head, noun, suspended_word, unlinks_failed_dump):
    return Generation(True, head, noun=noun, suspended_word=suspended_word,
                      unlinks_failed_dump=unlinks_failed_dump, makes_dump_dir=False,
                      restore_running_rc=31, keeps_dump=True, aliases=False,
                      restores_default=False, extra_args_rejected=False, done="succesfully")


GENERATIONS = {
    "legacy-3.0.22": _legacy_3_0("VEID", "VE", False, False),
    "legacy-3.0.23": _legacy_3_0("CTID", "container", False, False),
    "legacy-3.0.24": _legacy_3_0("CTID", "container", True, True),
    "legacy": Generation(True, "CTID"),
    "vz7-7.0.137": Generation(False, "VEID"),
    "vz7-7.0.138": Generation(False, "VEID", pause=True),
    "vz7": Generation(False, "VEID", suspended_word=False, state_word=True, pause=True,
                      dump_via_tmp=True),
}
DIALECTS = tuple(GENERATIONS)

# Flags each command accepts, name -> takes an argument (V15-V17 and the start flags).
LEGACY_START = {"--force": False, "--wait": False, "--skip_ve_setup": False}
LEGACY4_START = dict(LEGACY_START, **{"--skip-fsck": False, "--skip-remount": False})
CPT_COMMON = {"--dumpfile": True, "--flags": True, "--context": True, "--skip_arpdetect": False}
CHKPNT_STAGES = ("--dump", "--suspend", "--resume", "--kill")
RESTORE_STAGES = ("--undump", "--kill", "--resume")
VZ7_CHKPNT_EXTRA = {"--keep_pages": False, "--unfreeze": False, "--stop-tracker": False,
                    "--create-devmap": False}
VZ7_START = {"--force": False, "--skip_ve_setup": False, "--wait": False, "--osrelease": True,
             "--skip-fsck": False}


def flag_table(dialect, command):
    """The getopt table of `command` in `dialect`: {flag: takes_argument}, or None when the
    command takes no flags the stand-in knows of."""
    gen = GENERATIONS[dialect]
    old = dialect.startswith("legacy-3.0")
    if command == "start":
        return LEGACY_START if old else LEGACY4_START if gen.legacy else VZ7_START
    if command == "stop":   # V15
        if old:
            return {"--fast": False}
        flags = {"--fast": False, "--skip-umount": False}
        if not gen.legacy:
            flags["--force"] = False
        return flags
    if command == "chkpnt":   # V16
        table = dict(CPT_COMMON, **{s: False for s in CHKPNT_STAGES})
        if not gen.legacy:
            table.update(VZ7_CHKPNT_EXTRA)
        return table
    if command == "restore":   # V17
        table = dict(CPT_COMMON, **{s: False for s in RESTORE_STAGES})
        if not old:
            table["--skip-fsck"] = False
            if gen.legacy:
                table["--skip-remount"] = False
        return table
    return None


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
    except (OSError, UnicodeDecodeError):
        return None
    return result


def parses(path):
    """Whether a config file parses: every line KEY=VALUE, a comment or blank (V6)."""
    try:
        with open(path) as f:
            return all("=" in line or not line.strip() or line.strip().startswith("#")
                       for line in f)
    except (OSError, UnicodeDecodeError):
        return False


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


def is_uuid(text):
    parts = text.split("-")
    return ([len(p) for p in parts] == [8, 4, 4, 4, 12]
            and all(c in "0123456789abcdefABCDEF" for p in parts for c in p))


class Vzctl(object):
    def __init__(self, state, dialect, node):
        if dialect not in GENERATIONS:
            raise SystemExit("vzctl stand-in: unknown dialect %r" % dialect)
        self.state = state
        self.dialect = dialect
        self.gen = GENERATIONS[dialect]
        self.node = node
        self.legacy = self.gen.legacy

    def ct(self, text):
        """A message in this generation's words: 3.0.22 says "VE" for "container"."""
        return text.replace("container", self.gen.noun).replace(
            "Container", self.gen.noun[0].upper() + self.gen.noun[1:])

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

    def kernel(self):
        """"openvz", "none" (V9) or "upstream" (V61)."""
        try:
            with open(self.path("kernel")) as f:
                return f.read().strip() or "openvz"
        except OSError:
            return "openvz"

    def shared_fs(self):
        return exists(self.path("shared-fs"))

    def conf_path(self, ctid):
        return self.path("conf", ctid + ".conf")

    def conf(self, ctid):
        return read_kv(self.conf_path(ctid))

    def private(self, ctid):
        conf = self.conf(ctid) or {}
        private = conf.get("VE_PRIVATE", "")
        return private.replace("$VEID", ctid).replace("${VEID}", ctid) or None

    def owner_ok(self, private):
        """V90: the owner check passes unless the private area is on a shared filesystem
        and its .owner names another host."""
        if self.legacy or private is None or not self.shared_fs():
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
        """V92, V93."""
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

    def set_paused(self, ctid, on):
        flag = os.path.join(self.run_dir(ctid), "paused")
        if on:
            open(flag, "w").close()
        elif exists(flag):
            os.unlink(flag)

    def mounted(self, ctid):
        return exists(self.path("mounted", ctid))

    def exists(self, ctid):
        """V26, V27."""
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
        if self.kernel() == "upstream":   # no /proc/vz (V61)
            if exists(self.path("veinfo")):
                os.unlink(self.path("veinfo"))
            return
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
    def write_image(self, path, ctid, memory):
        """The image's content; `memory` None: a partial image."""
        if self.legacy:
            with open(path, "w") as f:
                f.write("VZSTANDIN-DUMP\nctid=%s\n" % ctid)
                if memory is not None:
                    f.write("memory=%s\nend\n" % memory)
        else:
            os.makedirs(path, exist_ok=True)
            with open(os.path.join(path, "inventory.img"), "w") as f:
                f.write("ctid=%s\n" % ctid)
            with open(os.path.join(path, "dump.log"), "w") as f:
                f.write("criu dump log\n")
            if memory is not None:
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
        while args and args[0] in ("--quiet", "--verbose", "--skiplock", "--skipowner"):   # V1
            flag = args.pop(0)
            if flag == "--skipowner" and self.legacy:
                args.insert(0, flag)
                break
            skiplock = skiplock or flag == "--skiplock"
        if not args:
            err("Usage: vzctl [options] <command> <ctid> [parameters]")
            return 20
        command = args.pop(0)
        commands = {"status": self.status, "start": self.start, "stop": self.stop,
                    "chkpnt": self.chkpnt, "restore": self.restore, "exec": self.exec_,
                    "umount": self.umount}
        if self.gen.aliases:   # V18
            commands["suspend"] = self.chkpnt
            commands["resume"] = self.restore
        if not self.legacy:
            commands["register"] = None   # V81: legacy has none
        if command not in commands:
            err("Bad command: %s" % command)   # V1, V2, V81
            return 20
        if self.fault("hang-" + command):
            while True:
                time.sleep(3600)
        name = {"suspend": "chkpnt", "resume": "restore"}.get(command, command)
        try:
            if name == "register":
                return self.register(args, skiplock)
            ctid = self.ctid(args)
            opts = args[1:]
            if not self.legacy and self.kernel() == "none":   # V9 (vzctl2_lib_init)
                raise VzError(5, "Your kernel does not support working with virtual "
                              "environments or necessary modules are not loaded")
            if not exists(self.path("vz.conf")):   # V5
                raise VzError(10, "Global configuration file %s not found"
                              % self.path("vz.conf"))
            parsed = self.parse_options(name, opts)
            self.check_config(name, ctid, opts)
            if self.legacy and self.kernel() == "none":   # V9 (vz_open in run_action)
                raise VzError(5, "Unable to open /dev/vzctl: No such file or directory")
            self.take_lock(name, ctid, opts, skiplock)
            return commands[command](ctid, parsed) or 0
        except VzError as e:
            if e.msg:
                err(e.msg)
            return e.rc

    def log_call(self, argv):
        self.log({"argv": argv, "pid": os.getpid()})

    def log(self, entry):
        try:
            with open(self.path("calls.log"), "a") as f:
                f.write(json.dumps(entry) + "\n")
        except OSError:
            pass

    def ctid(self, args):
        """V3, V4."""
        if not args:
            raise VzError(21, self.ct("CT ID missing") if self.legacy else "ctid is not given")
        given = args[0]
        if given.isdigit() and (not self.legacy or int(given) <= VEID_MAX):
            return str(int(given))
        name_file = self.path("names", given)
        if exists(name_file):
            with open(name_file) as f:
                return f.read().strip()
        if not self.legacy and is_uuid(given):
            return given.lower()
        if self.legacy:
            raise VzError(21, ("Bad VE id %s" if self.gen.noun == "VE" else "Bad CT ID %s")
                          % given)
        raise VzError(21, "Invalid ctid is specified: %s" % given)

    def check_config(self, command, ctid, opts):
        path = self.conf_path(ctid)
        if self.legacy and os.path.isfile(path) and not parses(path):   # V6
            raise VzError(10, "Error in config file %s" % path)
        if command == "status" or (exists(path) if self.legacy else os.path.exists(path)):
            return   # OpenVZ 7 follows the symlink to PRIVATE/ve.conf (V8)
        if self.legacy:   # V7
            raise VzError(14, self.ct("Container config file does not exist"))
        if command != "stop":   # V8
            raise VzError(14, "Container configuration file does not exist")

    def take_lock(self, command, ctid, opts, skiplock):
        """The owner check (V91) and the lock (V10, V11)."""
        if not self.legacy and command != "status" and not (command == "stop" and
                                                            "--fast" in opts):
            private = self.private(ctid)
            if private and os.path.isdir(private) and not self.owner_ok(private):
                raise VzError(141, "Owner check failed on the server '%s': Container (%s) is "
                              "registered for '%s'" % (self.node, private,
                                                       self.owner_of(private)))
        if command not in ("status", "exec") and not skiplock and self.fault("lock"):
            raise VzError(9, self.ct("Container already locked") if self.legacy else
                          "Cannot lock the Container")

    def parse_options(self, command, opts):
        """getopt_long over the command's table (V12-V17): {flag: value}, stages in order."""
        if command == "exec":   # V80: the rest is the command line
            if not opts:
                raise VzError(20, "No command line given for exec")
            return {}
        table = flag_table(self.dialect, command)
        if table is None:
            return {}
        parsed, stages, extra = {}, [], []
        i = 0
        while i < len(opts):
            word = opts[i]
            i += 1
            if not word.startswith("--"):
                extra.append(word)
                continue
            flag, eq, value = word.partition("=")
            if flag not in table:
                unknown = 21 if (not self.legacy and command in ("chkpnt", "restore")) else 20
                raise VzError(unknown, "vzctl: unrecognized option '%s'" % word)   # V12-V14
            if table[flag] and not eq:
                if i >= len(opts):
                    raise VzError(20, "vzctl: option '%s' requires an argument" % flag)
                value = opts[i]
                i += 1
            parsed[flag] = value if table[flag] else True
            if flag in CHKPNT_STAGES + RESTORE_STAGES:
                stages.append(flag)
        if self.legacy and len(stages) > 1:   # V12
            raise VzError(20, "Invalid syntax: only one sub command may be used")
        rejected = self.gen.extra_args_rejected if self.legacy else command != "stop"
        if extra and rejected:   # V12, V14
            raise VzError(20, "Invalid extra arguments: %s " % " ".join(extra))
        parsed["stage"] = stages[-1] if stages else None   # V13: the last one wins on vz7
        return parsed

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
        gen = self.gen
        if run:
            state = "paused" if gen.pause and self.paused(ctid) else "running"   # V24, V25
        else:
            state = "suspended" if gen.state_word and suspended else "down"   # V25
        say("%s %s %s %s %s%s" % (gen.head, ctid, "exist" if exist else "deleted",   # V20-V25
                                  "mounted" if mounted else "unmounted", state,
                                  " suspended" if gen.suspended_word and suspended else ""))
        return 0

    def check_private(self, ctid):
        private = self.private(ctid)
        if not private or not os.path.isdir(private):   # V31
            raise VzError(43, self.ct("Container private area %s does not exist") % private)

    def cold_start(self, ctid):
        """V37, V38."""
        say(self.ct("Starting container...") if self.legacy else "Starting Container ...")
        if not self.mounted(ctid):
            self.set_mounted(ctid, True)
        rc = self.fault_value("start-fail", 79)
        if rc is not None:
            self.set_mounted(ctid, False)
            raise VzError(rc, "Error: container start failed (injected)")
        self.set_running(ctid, os.urandom(8).hex())
        say("Container start in progress...")
        dump = self.default_dump(ctid)
        if self.gen.restores_default and dump and exists(dump):   # V38
            remove_image(dump)

    def start(self, ctid, opts):
        conf = self.conf(ctid) or {}
        if conf.get("DISABLED", "").lower() == "yes" and "--force" not in opts:   # V30
            raise VzError(105, self.ct("Container start disabled"))
        self.check_private(ctid)
        if self.running(ctid):
            if self.gen.pause and self.paused(ctid):   # V33
                self.set_paused(ctid, False)
                say("Unpause the Container")
                return 0
            raise VzError(32, self.ct("Container is already running"))   # V32
        dump = self.default_dump(ctid)
        if self.gen.restores_default and dump and exists(dump):   # V34, V35 (not V36)
            if self.legacy:
                say("Dump file %s exists, trying to restore from it" % dump)
            if self.restore_from(ctid, dump, default=True) == 0:
                return 0
        self.cold_start(ctid)
        return 0

    def stop(self, ctid, opts):
        if not self.running(ctid):
            if self.legacy:   # V40
                err(self.ct("Unable to stop: container is not running"))
            else:   # V41, V8
                say("Container is not running")
            return 0
        fast = "--fast" in opts
        say("Killing container ..." if fast else
            "Stopping container ..." if self.legacy else "Stopping the Container ...")
        if self.paused(ctid):   # suspended or frozen: see the module's docstring
            if self.legacy:
                raise VzError(33, "Unable to stop container: operation timed out")
            if not fast:
                while True:
                    time.sleep(3600)
            self.set_paused(ctid, False)
        if self.fault("stop-fast-fail" if fast else "stop-fail"):   # V43
            raise VzError(33, "Unable to stop container: operation timed out")
        self.kill_ct(ctid)   # V42
        say("Container was stopped")
        if "--skip-umount" not in opts:
            self.set_mounted(ctid, False)
        return 0

    def umount(self, ctid, opts):
        """V44 (legacy: not mounted first), V45 (OpenVZ 7: running first)."""
        running = VzError(32, "Container is running -- stop it first" if self.legacy else
                          "Unable to unmount running Container: stop it first")
        if self.running(ctid) and not self.legacy:
            raise running
        if not self.mounted(ctid) and not self.running(ctid):
            raise VzError(40, "CT is not mounted" if self.legacy else "Container is not mounted")
        if self.running(ctid):
            raise running
        self.set_mounted(ctid, False)
        return 0

    def chkpnt(self, ctid, opts):
        if not self.running(ctid):   # V50
            raise VzError(31, self.ct("Unable to setup checkpointing: container is not "
                                      "running") if self.legacy else "Container is not running")
        stage = opts.get("stage")
        if stage == "--suspend":
            self.set_paused(ctid, True)
            say("Setting up checkpoint...\n\tsuspend...\nCheckpointing completed successfully")
            return 0
        if stage == "--resume":
            if self.paused(ctid):
                self.set_paused(ctid, False)
            elif self.legacy:
                raise VzError(16, "Can not join cpt context %s: No such process" % ctid)
            say("Resuming...")
            return 0
        if stage == "--kill":
            self.kill_ct(ctid)
            say("Killing...")
            self.set_mounted(ctid, False)
            return 0
        dumpfile = opts.get(DUMPFILE_ARG)
        if stage == "--dump" and not dumpfile:
            raise VzError(20, "Error: dumpfile is not specified")
        if not dumpfile or self.kernel() == "upstream":   # V61
            dumpfile = self.default_dump(ctid)
        fail = self.fault("chkpnt-fail")
        keep_partial = bool(fail and self.fault("chkpnt-leave-partial"))
        say("Setting up checkpoint...")
        if self.legacy:
            rc = self.legacy_chkpnt(ctid, dumpfile, stage, fail, keep_partial)
        else:   # V57
            rc = self.in_worker("criu", lambda: self.criu_dump(ctid, dumpfile, stage, fail,
                                                               keep_partial))
        if rc != 0:
            raise VzError(16, "Checkpointing failed")
        if stage is None:   # the network is cleared, the private area unmounted
            self.set_mounted(ctid, False)
        say("Checkpointing completed %s" % self.gen.done)
        return 0

    def legacy_chkpnt(self, ctid, path, stage, fail, keep_partial):
        """V51-V56: vzctl opens the dump, a grandchild suspends, dumps and kills."""
        if self.gen.makes_dump_dir:   # V53
            os.makedirs(os.path.dirname(path), exist_ok=True)
        try:   # V51: O_CREAT|O_TRUNC, 0600, following symlinks
            fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_RDWR, 0o600)
        except OSError as e:   # V52
            err("Can not create dump file %s: %s" % (path, e.strerror))
            return 16
        os.close(fd)
        rc = self.in_worker("cpt", lambda: self.cpt_dump(ctid, path, stage, fail))   # V54
        if rc != 0 and self.gen.unlinks_failed_dump and not keep_partial:   # V55, V56
            os.unlink(path)
        return rc

    def cpt_dump(self, ctid, path, stage, fail):
        """The grandchild's work (V54): 0, or 16 with the container resumed.  A full chkpnt
        suspends the container first: killed before it resumes or kills it, it stays so."""
        if stage is None:
            say("\tsuspend...")
            self.set_paused(ctid, True)
        say("\tdump...")
        if self.helpers_gave_up(ctid, path, stage):
            err("Error: dump failed (helpers ended)")
            return 16
        if fail:
            self.write_image(path, ctid, None)
            err("Error: dump failed (injected)")
            if stage is None:
                self.set_paused(ctid, False)   # vzctl resumes the container
            return 16
        self.write_image(path, ctid, self.memory(ctid))
        if stage is None:
            say("\tkill...")
            self.kill_ct(ctid)
        return 0

    def helpers_gave_up(self, ctid, image, stage):
        """Fault chkpnt-workers on a full chkpnt: the dump runs in helpers that outlive a killed
        vzctl, then give up, and the container is resumed (thawed); False when it does not apply."""
        if stage is not None or not self.fault("chkpnt-workers"):
            return False
        self.dump_in_workers(image, bool(self.fault("chkpnt-workers-frozen")))
        self.set_paused(ctid, False)
        return True

    def criu_dump(self, ctid, dumpdir, stage, fail, keep_partial):
        """vz-cpt and criu (V57-V60): 0, or 1 with the container left running."""
        work = dumpdir + ".tmp" if self.gen.dump_via_tmp else dumpdir   # V58, V59
        remove_image(work)
        os.makedirs(work)
        if stage is None:   # CRIU dumps the container frozen (libvzctl scripts/vz-cpt.in:126)
            self.set_paused(ctid, True)
        if self.helpers_gave_up(ctid, work, stage):
            say("Failed to checkpoint the Container")
            return 1
        if fail:
            self.set_paused(ctid, False)
            self.write_image(work, ctid, None)
            if keep_partial:
                return 1
            remove_image(dumpdir + ".fail")   # V60
            os.rename(work, dumpdir + ".fail")
            say("Failed to checkpoint the Container")
            say("All dump files and logs were saved to %s.fail" % dumpdir)
            return 1
        self.write_image(work, ctid, self.memory(ctid))
        if stage is None:   # no --leave-running: the tasks are killed
            self.kill_ct(ctid)
        if work != dumpdir:
            remove_image(dumpdir)
            os.rename(work, dumpdir)
        say("Checkpointing finished successfully")
        return 0

    def in_worker(self, name, work):
        """Run `work` in a grandchild while this process and the child wait (V54, V57); the
        grandchild's exit code."""
        vzctl = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        child = os.fork()
        if child == 0:
            code = 1
            try:
                worker = os.fork()
                if worker == 0:
                    try:
                        self.log({"worker": name, "pid": os.getpid(), "ppid": os.getppid(),
                                  "vzctl": vzctl})
                        code = work()
                    except Exception:   # the worker's own bug: shown, never a silent exit
                        import traceback
                        traceback.print_exc()
                    finally:
                        sys.stdout.flush()
                        sys.stderr.flush()
                        os._exit(code)
                code = exit_code(os.waitpid(worker, 0)[1])
            finally:
                os._exit(code)
        return exit_code(os.waitpid(child, 0)[1])

    def dump_in_workers(self, image, frozen):
        """chkpnt's work done in helpers that outlive a killed vzctl (fault chkpnt-workers):
        a child and a grandchild, as legacy vzctl forks (hooks_vz.c:741-760), without setsid,
        ignoring SIGTERM; the grandchild appends to `image` (a file; in an image directory on
        OpenVZ 7) until WORKER_LIFETIME is over.  vzctl waits for them, as legacy's env_wait."""
        child = os.fork()
        if child == 0:
            try:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                cgroup = self.freezer_cgroup() if frozen else None
                if cgroup:
                    os.makedirs(cgroup, exist_ok=True)
                    with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                        f.write(str(os.getpid()))
                grandchild = os.fork()
                if grandchild == 0:
                    self.keep_writing(image)
                    os._exit(0)
                with open(self.path("workers"), "a") as f:
                    f.write("%d\n%d\n" % (os.getpid(), grandchild))
                if cgroup:
                    with open(os.path.join(cgroup, "freezer.state"), "w") as f:
                        f.write("FROZEN")
                os.waitpid(grandchild, 0)
            finally:
                os._exit(0)
        os.waitpid(child, 0)

    def keep_writing(self, image):
        target = image if self.legacy else os.path.join(image, "pages-1.img")
        end = time.monotonic() + WORKER_LIFETIME
        while time.monotonic() < end:
            try:
                if not self.legacy:
                    os.makedirs(image, exist_ok=True)   # as vz-cpt's `mkdir -p $dumpdir`
                with open(target, "ab") as f:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
            time.sleep(0.01)

    def freezer_cgroup(self):
        return os.path.join(FREEZER, "vzstandin-%08x" % (hash_path(self.state)))

    def restore(self, ctid, opts):
        stage = opts.get("stage")
        dumpfile = opts.get(DUMPFILE_ARG)
        if stage == "--resume":
            if not self.running(ctid):
                raise VzError(31, "Container is not running")
            self.set_paused(ctid, False)
            say("Resuming...")
            return 0
        if stage == "--kill":
            self.kill_ct(ctid)
            say("Killing...")
            return 0
        if stage == "--undump" and not dumpfile:
            raise VzError(20, "Error: dumpfile is not specified")
        if self.running(ctid):   # V62, V63
            raise VzError(self.gen.restore_running_rc, self.ct(
                "Unable to perform restore: container already running") if self.legacy
                else "Container is already running")
        custom = dumpfile is not None and self.kernel() != "upstream"   # V61
        path = dumpfile if custom else self.default_dump(ctid)
        return self.restore_from(ctid, path, default=not custom, freeze=stage == "--undump",
                                 strict=True)

    def restore_from(self, ctid, path, default, freeze=False, strict=False):
        """Restore from `path`; 0, or raise (strict) / return 17."""
        self.check_private(ctid)
        if not self.legacy and not exists(path):   # V65
            raise VzError(17, "Container is not suspended")
        say(self.ct("Restoring container ...") if self.legacy else
            "Restoring the Container ...")
        if not exists(path):   # V64
            raise VzError(17, "Unable to open %s: No such file or directory" % path)
        found = self.read_dump(path)
        failure = None
        if self.fault("restore-fail"):
            failure = "Error: undump failed (injected)"
        elif found is None:
            failure = "Error: undump failed: %s is not a complete dump" % path
        elif found[0] != ctid:
            failure = "Error: undump failed: the dump is of container %s" % found[0]
        if self.mounted(ctid):   # V66: unmount first, then mount
            self.set_mounted(ctid, False)
        self.set_mounted(ctid, True)
        if failure:   # V67, V68: the dump stays
            self.kill_ct(ctid)
            self.set_mounted(ctid, False)
            failure += ("\nContainer restore failed" if self.legacy else
                        "\nThe restore log was saved in %s/restore.log" % path)
            if strict:
                raise VzError(17, failure)
            err(failure)
            return 17
        self.set_running(ctid, found[1])
        if freeze:
            self.set_paused(ctid, True)
        say("Restoring completed %s" % self.gen.done)
        if self.legacy:
            if not self.gen.keeps_dump:   # V70 (V69: kept)
                remove_image(path)
        elif default:   # V71: the default dump goes, a custom one stays
            remove_image(path)
        else:
            self.keep_restore_logs(path)
        return 0

    @staticmethod
    def keep_restore_logs(path):
        """V71: the logs of a successful restore move into PATH.restore/."""
        logs = path + ".restore"
        os.makedirs(logs, exist_ok=True)
        for name in ("dump.log", "restore.log"):
            if exists(os.path.join(path, name)):
                os.rename(os.path.join(path, name), os.path.join(logs, name))

    def exec_(self, ctid, opts):
        """V80: every failure is 8."""
        if not self.running(ctid):
            err("Container is not running")
            return 8
        if self.fault("exec-fail"):
            return 8
        return 0

    def register(self, args, skiplock):
        """V82-V84 (OpenVZ 7)."""
        if not args:
            raise VzError(20, "Usage: vzctl register <path>")
        if len(args) < 2:
            raise VzError(20, "Usage: vzctl register <path> <ctid>")
        private, given = args[0], args[1]
        ctid = given.lower() if is_uuid(given) else str(int(given)) if given.isdigit() else None
        if ctid is None:   # V84
            raise VzError(21, "Invalid ctid is specified: %s" % given)
        flags = self.parse_register_flags(args[2:])
        if self.kernel() == "none":   # V9
            raise VzError(5, "Your kernel does not support working with virtual "
                          "environments or necessary modules are not loaded")
        if not skiplock and self.fault("lock"):   # V11
            raise VzError(9, "Cannot lock the Container")
        veconf = os.path.join(private, "ve.conf")
        if not os.path.isdir(private) or not exists(veconf):   # V83
            raise VzError(255, "Error: Broken Container, no %s file found\nContainer "
                          "registration failed: broken private area" % veconf)
        owner = self.owner_of(private)
        if "--force" not in flags and not self.owner_ok(private):   # V83, V90
            raise VzError(255, "Owner check failed on the server %s; Container is registered "
                          "for %s\nContainer registration failed: owner check" % (self.node,
                                                                                owner))
        with open(os.path.join(private, ".owner"), "w") as f:   # V82
            f.write(self.node)
        conf = self.conf_path(ctid)
        os.makedirs(os.path.dirname(conf), exist_ok=True)
        if exists(conf):
            os.unlink(conf)
        os.symlink(veconf, conf)
        say("Container %s was successfully registered" % ctid)
        return 0

    @staticmethod
    def parse_register_flags(words):
        known = ("--skip_cluster", "--force", "--renew", "--start")
        for word in words:
            if word not in known:
                raise VzError(20, "vzctl: unrecognized option '%s'" % word)
        return words


def exit_code(status):
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 128 + os.WTERMSIG(status)


def hash_path(path):
    import zlib
    return zlib.crc32(os.path.abspath(path).encode())


def process_state(pid):
    """The state letter of process `pid` in /proc (R, S, D, Z...), or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rfind(b")") + 2:].split()[0].decode()


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
        self.set_cpu_flags(CPU_FLAGS)

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
        if not GENERATIONS[self.dialect].legacy:
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
        self.vz.set_running(ctid, os.urandom(8).hex())
        os.makedirs(os.path.join(self.state, "mounted"), exist_ok=True)
        open(os.path.join(self.state, "mounted", ctid), "w").close()

    def crash(self, ctid="101"):
        """The container dies (no dump, nothing unmounted)."""
        self.vz.kill_ct(ctid)

    def default_dump(self, ctid="101"):
        return self.vz.default_dump(ctid)

    def set_kernel(self, kind):
        """"openvz" (the default), "none" (V9) or "upstream" (legacy 4.x with CRIU: V61)."""
        assert kind in ("openvz", "none", "upstream"), kind
        with open(os.path.join(self.state, "kernel"), "w") as f:
            f.write(kind)
        self.vz.write_veinfo()

    def set_cpt(self, version=None, caps=None):
        """What this node's kernel tells vzcptcheck (V94, V95): its CPT version, its CPU
        capabilities (a bitmask); None leaves a value as it is."""
        for name, value in (("cpt-version", version), ("cpt-caps", caps)):
            if value is not None:
                with open(os.path.join(self.state, name), "w") as f:
                    f.write(str(value))

    @property
    def cpuinfo(self):
        """This node's stand-in for /proc/cpuinfo, which the agent reads for CPU flags."""
        return os.path.join(self.state, "cpuinfo")

    def set_cpu_flags(self, flags):
        """The CPU flags this node's processors have (two processors, the same flags)."""
        with open(self.cpuinfo, "w") as f:
            for cpu in range(2):
                f.write("processor\t: %d\nvendor_id\t: GenuineIntel\nflags\t\t: %s\n\n"
                        % (cpu, " ".join(flags)))

    def set_shared_fs(self, on=True):
        """The private areas lie on GFS2/NFS/FUSE (on), or ext4/xfs over DRBD (off): V90."""
        path = os.path.join(self.state, "shared-fs")
        if on:
            open(path, "w").close()
        elif os.path.lexists(path):
            os.unlink(path)

    def workers(self):
        """The pids of chkpnt's helpers (fault chkpnt-workers) that have not exited."""
        try:
            with open(os.path.join(self.state, "workers")) as f:
                pids = [int(line) for line in f if line.strip()]
        except OSError:
            return []
        return [pid for pid in pids if process_state(pid) not in (None, "Z", "X")]

    def end_workers(self):
        """Thaw chkpnt's helpers if frozen and kill them: a test's cleanup."""
        cgroup = self.vz.freezer_cgroup()
        if os.path.isdir(cgroup):
            with open(os.path.join(cgroup, "freezer.state"), "w") as f:
                f.write("THAWED")
        for pid in self.workers():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        end = time.monotonic() + 10
        while self.workers() and time.monotonic() < end:
            time.sleep(0.05)
        if os.path.isdir(cgroup):
            os.rmdir(cgroup)

    def log_entries(self):
        try:
            with open(os.path.join(self.state, "calls.log")) as f:
                return [json.loads(line) for line in f]
        except OSError:
            return []

    def calls(self):
        """The argv of every vzctl call, oldest first."""
        return [entry["argv"] for entry in self.log_entries() if "argv" in entry]

    def dump_workers(self):
        """The checkpoint workers vzctl forked: {"worker", "pid", "ppid", "vzctl"} each."""
        return [entry for entry in self.log_entries() if "worker" in entry]

    def forget_calls(self):
        path = os.path.join(self.state, "calls.log")
        if os.path.exists(path):
            os.unlink(path)


def run():
    """vzctl's command line, on the node the wrapper's environment names."""
    try:
        state = os.environ["VZSTANDIN_STATE"]
    except KeyError:
        raise SystemExit("vzctl stand-in: VZSTANDIN_STATE is not set (use a wrapper from "
                         "support.vzctl_wrapper)")
    standin = Vzctl(state, os.environ.get("VZSTANDIN_DIALECT", "legacy"),
                    os.environ.get("VZSTANDIN_NODE", "node"))
    sys.exit(standin.main(sys.argv[1:]))


CPT_VERSION = "12"   # what a node's kernel answers unless its test sets another (set_cpt)
CPT_CAPS = "16777215"
CPU_FLAGS = ("fpu", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "aes")


def vzcptcheck(vz, argv):
    """legacy vzcptcheck (src/vzcptcheck.c): `version` and `caps` print the kernel's value,
    `version V` and `caps C` test one; V94-V96."""
    def setting(name, default):
        try:
            with open(vz.path(name)) as f:
                return f.read().strip()
        except OSError:
            return default
    if vz.kernel() != "openvz":   # V96 (cpt_open)
        sys.stderr.write("Can't open /proc/cpt: No such file or directory\n"
                         "Kernel module vzcpt not loaded\n")
        return 1
    version, caps = setting("cpt-version", CPT_VERSION), setting("cpt-caps", CPT_CAPS)
    if argv == ["version"]:
        print(version)
        return 0
    if argv == ["caps"]:
        print(caps)
        return 0
    if len(argv) == 2 and argv[0] == "version":
        if int(argv[1] or 0) != int(version):
            sys.stderr.write("CPT version %d rejected: can't migrate\n" % int(argv[1] or 0))
            return 2
        return 0
    if len(argv) == 2 and argv[0] == "caps":
        if int(argv[1] or 0) & ~int(caps):
            sys.stderr.write("Insufficient CPU capabilities: can't migrate\n")
            return 2
        return 0
    sys.stderr.write("Usage:\tvzcptcheck <command> [argument ...]\n")
    return 1


def run_vzcptcheck():
    """vzcptcheck's command line, on the node the wrapper's environment names."""
    vz = Vzctl(os.environ["VZSTANDIN_STATE"], os.environ.get("VZSTANDIN_DIALECT", "legacy"),
               os.environ.get("VZSTANDIN_NODE", "node"))
    sys.exit(vzcptcheck(vz, sys.argv[1:]))


if __name__ == "__main__":
    run()
