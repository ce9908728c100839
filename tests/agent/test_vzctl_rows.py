"""The vzctl stand-in, row by row of docs/vzctl-behaviour.md (the behaviour of real vzctl the
agent relies on, per generation, with the source line of each).

Each row id of the document has one check here, run against every stand-in dialect the row is
about; a row without a check, or a check without a row, fails test_every_row_has_a_check.
"""
import os
import re
import shutil
import subprocess

import pytest

from support.agent_sites import REPO, make_sites

DOC = os.path.join(REPO, "docs", "vzctl-behaviour.md")
OLD = ("legacy-3.0.22", "legacy-3.0.23", "legacy-3.0.24")   # <= 3.0.30
LEGACY = OLD + ("legacy",)
VZ7 = ("vz7-7.0.137", "vz7-7.0.138", "vz7")
ALL = LEGACY + VZ7
CHECKS = {}


def check(row_id, dialects):
    """Register the decorated function as the check of `row_id`, run once per dialect."""
    def register(fn):
        assert row_id not in CHECKS, row_id
        CHECKS[row_id] = (fn, dialects)
        return fn
    return register


def doc_rows():
    with open(DOC) as f:
        return re.findall(r"^\| (V\d+) \|", f.read(), re.M)


class Box(object):
    """One stand-in node of `dialect`, with container 101 (stopped), and its vzctl."""

    def __init__(self, world, dialect, name="a", create=True):
        (self.site,) = make_sites(os.path.join(world, dialect), dialect, names=(name,))
        self.node = self.site.node
        self.dialect = dialect
        self.private = self.node.create("101") if create else None

    def __call__(self, *args):
        proc = subprocess.run([self.site.vzctl] + list(args), capture_output=True, text=True,
                              env={}, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr

    def rc(self, *args):
        return self(*args)[0]

    def status(self):
        return self("status", "101")[1].strip()

    def started(self):
        assert self.rc("start", "101") == 0
        return self.node.memory()

    def dumpfile(self, name="ct101.dump"):
        return os.path.join(self.site.shared, "dump", name)

    def mounted(self):
        return os.path.lexists(os.path.join(self.node.state, "mounted", "101"))

    def default_dump_ready(self):
        """Create the legacy DUMPDIR (vzctl 3.0.x would not: V52)."""
        os.makedirs(self.node.dumpdir, exist_ok=True)


def is_legacy(box):
    return box.dialect in LEGACY


def test_every_row_has_a_check():
    rows = doc_rows()
    assert len(rows) == len(set(rows)), "a row id is used twice"
    assert sorted(set(rows)) == sorted(CHECKS)


@pytest.mark.parametrize("row_id", doc_rows())
def test_row(row_id, world):
    if row_id not in CHECKS:
        pytest.fail("row %s of %s has no check" % (row_id, DOC))
    fn, dialects = CHECKS[row_id]
    for dialect in dialects:
        fn(Box(world, dialect))


# -- the command line -------------------------------------------------------------------------

@check("V1", ALL)
def global_options(vz):
    assert vz.rc("--quiet", "--verbose", "--skiplock", "status", "101") == 0
    assert vz("--frob", "status", "101") == (20, "", "Bad command: --frob\n")
    assert vz.rc("--skipowner", "status", "101") == (20 if is_legacy(vz) else 0)


@check("V2", ALL)
def bad_command(vz):
    assert vz("frobnicate", "101") == (20, "", "Bad command: frobnicate\n")


@check("V3", LEGACY)
def legacy_ids(vz):
    word = "Bad VE id" if vz.dialect == "legacy-3.0.22" else "Bad CT ID"
    assert vz("status", "no-such") == (21, "", "%s no-such\n" % word)
    assert vz.rc("status", "2147483645") == 21
    vz.node.create("102", name="web")
    assert vz("status", "web")[:2] == (0, "%s 102 exist unmounted down\n" % (
        "VEID" if vz.dialect == "legacy-3.0.22" else "CTID"))


@check("V4", VZ7)
def vz7_ids(vz):
    assert vz("status", "no-such") == (21, "", "Invalid ctid is specified: no-such\n")
    uuid = "0d7e2a5c-4f1b-4c1e-9d1a-3b2f6c7d8e9f"
    assert vz("status", uuid)[:2] == (0, "VEID %s deleted unmounted down\n" % uuid)


@check("V5", ALL)
def no_global_config(vz):
    os.unlink(vz.node.vz_conf)
    assert vz.rc("status", "101") == 10 and vz.rc("start", "101") == 10


@check("V6", LEGACY)
def unparsable_container_config(vz):
    with open(vz.node.vz.conf_path("101"), "a") as f:
        f.write("this is not a setting\n")
    for command in ("status", "start", "stop"):
        rc, out, err = vz(command, "101")
        assert rc == 10 and "Error in config file" in err


@check("V7", LEGACY)
def legacy_no_container_config(vz):
    assert vz("status", "102")[:2] == (0, "%s 102 deleted unmounted down\n" % (
        "VEID" if vz.dialect == "legacy-3.0.22" else "CTID"))
    noun = "VE" if vz.dialect == "legacy-3.0.22" else "Container"
    for command in ("start", "stop", "chkpnt", "restore"):
        assert vz(command, "102") == (14, "", "%s config file does not exist\n" % noun)


@check("V8", VZ7)
def vz7_no_container_config(vz):
    for command in ("start", "chkpnt", "restore"):
        assert vz(command, "102") == (14, "", "Container configuration file does not exist\n")
    assert vz("stop", "102") == (0, "Container is not running\n", "")
    assert vz.rc("status", "102") == 0
    os.rename(vz.private, vz.private + ".gone")   # the config is a symlink into it
    assert vz.rc("start", "101") == 14


@check("V9", ALL)
def not_an_openvz_kernel(vz):
    vz.node.set_kernel("none")
    for command in ("status", "start", "stop", "chkpnt", "restore"):
        assert vz.rc(command, "101") == 5, command
    assert vz.rc("frobnicate", "101") == 20   # the command line is read first


@check("V10", LEGACY)
def legacy_lock(vz):
    vz.node.inject("lock")
    assert vz.rc("status", "101") == 0
    rc, out, err = vz("start", "101")
    assert rc == 9 and err == ("VE already locked\n" if vz.dialect == "legacy-3.0.22" else
                               "Container already locked\n")
    assert vz.rc("--skiplock", "start", "101") == 0
    assert vz.rc("exec", "101", "true") == 0


@check("V11", VZ7)
def vz7_lock(vz):
    vz.node.inject("lock")
    assert vz.rc("status", "101") == 0
    assert vz("start", "101") == (9, "", "Cannot lock the Container\n")
    assert vz("register", vz.private, "101") == (9, "", "Cannot lock the Container\n")
    assert vz.rc("--skiplock", "start", "101") == 0


@check("V12", LEGACY)
def legacy_option_parser(vz):
    assert vz.rc("chkpnt", "101", "--frob") == 20
    vz.started()
    rc, out, err = vz("chkpnt", "101", "--suspend", "--kill")
    assert rc == 20 and "only one sub command" in err and vz.node.running()
    rc, out, err = vz("restore", "101", "leftover")
    if vz.dialect == "legacy":
        assert rc == 20 and "Invalid extra arguments: leftover" in err
        assert vz.rc("stop", "101", "leftover") == 20 and vz.node.running()
    else:   # ignored: the restore goes on and finds the container running
        assert rc == 31


@check("V13", VZ7)
def vz7_chkpnt_restore_parser(vz):
    assert vz.rc("chkpnt", "101", "--frob") == 21
    assert vz.rc("restore", "101", "--frob") == 21
    vz.started()
    assert vz.rc("chkpnt", "101", "--suspend", "--resume") == 0   # the last one wins
    assert vz.node.running() and not vz.node.paused()


@check("V14", VZ7)
def vz7_stop_parser(vz):
    assert vz.rc("stop", "101", "--frob") == 20
    vz.started()
    assert vz.rc("stop", "101", "leftover") == 0 and not vz.node.running()


@check("V15", ALL)
def stop_flags(vz):
    vz.started()
    if vz.dialect in OLD:
        assert vz.rc("stop", "101", "--skip-umount") == 20
    else:
        assert vz.rc("stop", "101", "--skip-umount") == 0 and vz.mounted()
        vz.started()
    force = vz("stop", "101", "--force")
    if is_legacy(vz):
        assert force[0] == 20 and vz.node.running()
    else:
        assert force[0] == 0 and not vz.node.running()
    vz.node.start_cold()
    assert vz.rc("stop", "101", "--fast") == 0 and not vz.node.running()


@check("V16", ALL)
def chkpnt_flags(vz):
    rejected = 20 if is_legacy(vz) else 21
    for flag in ("--skip-remount", "--skip-fsck"):
        assert vz.rc("chkpnt", "101", flag) == rejected
    for flag in ("--skip_arpdetect", "--flags=0", "--context=0"):
        assert vz.rc("chkpnt", "101", flag) == 31   # accepted; the container is down
    assert vz.rc("chkpnt", "101", "--keep_pages") == (rejected if is_legacy(vz) else 31)


@check("V17", ALL)
def restore_flags(vz):
    missing = vz.dumpfile("missing")
    remount = vz.rc("restore", "101", "--skip-remount", "--dumpfile", missing)
    fsck = vz.rc("restore", "101", "--skip-fsck", "--dumpfile", missing)
    if vz.dialect in OLD:
        assert (remount, fsck) == (20, 20)
    elif vz.dialect == "legacy":
        assert (remount, fsck) == (17, 17)
    else:
        assert (remount, fsck) == (21, 17)
    assert vz.rc("restore", "101", "--skip_arpdetect", "--dumpfile", missing) == 17


@check("V18", ALL)
def suspend_and_resume_aliases(vz):
    if vz.dialect in OLD:
        assert vz("suspend", "101") == (20, "", "Bad command: suspend\n")
        assert vz.rc("resume", "101") == 20
    else:
        assert vz.rc("suspend", "101") == 31
        memory = vz.started()
        assert vz.rc("suspend", "101") == 0 and not vz.node.running()
        assert vz.rc("resume", "101") == 0 and vz.node.memory() == memory


# -- status -------------------------------------------------------------------------------------

def status_cycle(vz, head, suspended):
    """down, running, checkpointed to the default dump: the three status lines."""
    vz.default_dump_ready()
    lines = [vz.status()]
    vz.started()
    lines.append(vz.status())
    assert vz.rc("chkpnt", "101") == 0
    lines.append(vz.status())
    assert lines == ["%s 101 exist unmounted down" % head, "%s 101 exist mounted running" % head,
                     "%s 101 exist unmounted %s" % (head, suspended)]


def paused_status(vz, expected):
    vz.node.crash()
    vz.node.start_cold()
    assert vz.rc("chkpnt", "101", "--suspend") == 0
    assert vz.status() == expected


@check("V20", ("legacy-3.0.22",))
def status_3_0_22(vz):
    status_cycle(vz, "VEID", "down")


@check("V21", ("legacy-3.0.23",))
def status_3_0_23(vz):
    status_cycle(vz, "CTID", "down")


@check("V22", ("legacy-3.0.24", "legacy"))
def status_3_0_24(vz):
    status_cycle(vz, "CTID", "down suspended")


@check("V23", ("vz7-7.0.137",))
def status_vz7_7_0_137(vz):
    status_cycle(vz, "VEID", "down suspended")
    paused_status(vz, "VEID 101 exist mounted running")   # no paused state yet


@check("V24", ("vz7-7.0.138",))
def status_vz7_7_0_138(vz):
    status_cycle(vz, "VEID", "down suspended")
    paused_status(vz, "VEID 101 exist mounted paused")


@check("V25", ("vz7",))
def status_vz7(vz):
    status_cycle(vz, "VEID", "suspended")
    paused_status(vz, "VEID 101 exist mounted paused")


def deleted(vz):
    return vz.status().split()[2] == "deleted"


@check("V26", LEGACY)
def legacy_exist(vz):
    assert not deleted(vz)
    os.rename(vz.private, vz.private + ".gone")
    assert deleted(vz)
    os.rename(vz.private + ".gone", vz.private)
    os.unlink(vz.node.vz.conf_path("101"))
    assert deleted(vz)


@check("V27", VZ7)
def vz7_exist(vz):
    with open(os.path.join(vz.private, ".owner"), "w") as f:
        f.write("elsewhere\n")
    assert not deleted(vz)   # ext4/xfs: the owner does not count
    vz.node.set_shared_fs()
    assert deleted(vz)
    vz.node.set_shared_fs(False)
    os.rename(vz.private, vz.private + ".gone")
    assert deleted(vz)


# -- start ----------------------------------------------------------------------------------------

@check("V30", ALL)
def start_disabled(vz):
    with open(vz.node.vz.conf_path("101"), "a") as f:
        f.write("DISABLED=yes\n")
    rc, out, err = vz("start", "101")
    assert rc == 105 and err.strip().endswith("start disabled") and not vz.node.running()
    assert vz.rc("start", "101", "--force") == 0 and vz.node.running()


@check("V31", ALL)
def start_without_private_area(vz):
    conf = vz.node.vz.conf_path("101")
    if os.path.islink(conf):   # OpenVZ 7: a config of its own, not the private area's
        shutil.copy(os.path.realpath(conf), conf + ".copy")
        os.rename(conf + ".copy", conf)
    os.rename(vz.private, vz.private + ".gone")
    rc, out, err = vz("start", "101")
    assert rc == 43 and "private area %s does not exist" % vz.private in err


@check("V32", ALL)
def start_when_running(vz):
    memory = vz.started()
    rc, out, err = vz("start", "101")
    assert rc == 32 and err.strip().endswith("is already running")
    assert vz.node.memory() == memory


@check("V33", ("vz7-7.0.138", "vz7"))
def start_unpauses(vz):
    memory = vz.started()
    assert vz.rc("chkpnt", "101", "--suspend") == 0 and vz.node.paused()
    assert vz("start", "101")[:2] == (0, "Unpause the Container\n")
    assert not vz.node.paused() and vz.node.memory() == memory


def start_from_default_dump(vz):
    """A start with a default dump restores it; if the restore fails, a cold start."""
    memory = vz.started()
    assert vz.rc("chkpnt", "101") == 0
    rc, out, err = vz("start", "101")
    assert rc == 0 and vz.node.memory() == memory
    assert not os.path.lexists(vz.node.default_dump())
    assert vz.rc("chkpnt", "101") == 0
    vz.node.inject("restore-fail", 1)
    assert vz.rc("start", "101") == 0 and vz.node.memory() != memory
    return out


@check("V34", ("legacy",))
def legacy_start_restores_default_dump(vz):
    out = start_from_default_dump(vz)
    assert "Dump file %s exists, trying to restore from it" % vz.node.default_dump() in out


@check("V35", VZ7)
def vz7_start_restores_default_dump(vz):
    assert "Restoring the Container ..." in start_from_default_dump(vz)


@check("V36", OLD)
def old_start_ignores_default_dump(vz):
    vz.default_dump_ready()
    memory = vz.started()
    assert vz.rc("chkpnt", "101") == 0
    rc, out, err = vz("start", "101")
    assert rc == 0 and "restore" not in out.lower() and vz.node.memory() != memory
    assert os.path.lexists(vz.node.default_dump())


@check("V37", ALL)
def cold_start(vz):
    assert not vz.mounted()
    rc, out, err = vz("start", "101")
    assert rc == 0 and out.strip().endswith("Container start in progress...")
    assert vz.node.running() and vz.mounted()


@check("V38", ("legacy",) + VZ7)
def cold_start_drops_default_dump(vz):
    start_from_default_dump(vz)   # the failed restore left the dump; the cold start drops it
    assert not os.path.lexists(vz.node.default_dump())


# -- stop ----------------------------------------------------------------------------------------

@check("V40", LEGACY)
def legacy_stop_when_down(vz):
    vz.node.start_cold()
    vz.node.crash()   # down, still mounted
    noun = "VE" if vz.dialect == "legacy-3.0.22" else "container"
    assert vz("stop", "101") == (0, "", "Unable to stop: %s is not running\n" % noun)
    assert vz.mounted()


@check("V41", VZ7)
def vz7_stop_when_down(vz):
    assert vz("stop", "101") == (0, "Container is not running\n", "")


@check("V42", ALL)
def stop_when_running(vz):
    for flags in ([], ["--fast"]):
        vz.started()
        rc, out, err = vz("stop", "101", *flags)
        assert rc == 0 and "Container was stopped" in out
        assert not vz.node.running() and not vz.mounted()


@check("V43", ALL)
def stop_fails(vz):
    vz.started()
    vz.node.inject("stop-fail", 1)
    rc, out, err = vz("stop", "101")
    assert rc == 33 and "Unable to stop" in err and vz.node.running()


def umount_cases(vz):
    """vzctl umount on a stopped, unmounted CT; a running one; a stopped, mounted one."""
    results = [vz("umount", "101")]
    vz.node.start_cold()
    results.append(vz("umount", "101"))
    vz.node.crash()
    results.append(vz("umount", "101"))
    assert not vz.mounted()
    return results


@check("V44", LEGACY)
def legacy_umount(vz):
    assert umount_cases(vz) == [(40, "", "CT is not mounted\n"),
                                (32, "", "Container is running -- stop it first\n"),
                                (0, "Container is unmounted\n", "")]


@check("V45", VZ7)
def vz7_umount(vz):
    assert umount_cases(vz) == [
        (40, "", "Container is not mounted\n"),
        (32, "", "Unable to unmount running Container: stop it first\n"),
        (0, "Container is unmounted\n", "")]


# -- chkpnt --------------------------------------------------------------------------------------

@check("V50", ALL)
def chkpnt_when_down(vz):
    rc, out, err = vz("chkpnt", "101", "--dumpfile", vz.dumpfile())
    assert rc == 31 and err.strip() == (
        "Unable to setup checkpointing: VE is not running" if vz.dialect == "legacy-3.0.22"
        else "Unable to setup checkpointing: container is not running" if is_legacy(vz)
        else "Container is not running")


@check("V51", LEGACY)
def legacy_dump_follows_symlinks(vz):
    target = vz.dumpfile("elsewhere")
    os.symlink(target, vz.dumpfile())
    memory = vz.started()
    assert vz.rc("chkpnt", "101", "--dumpfile", vz.dumpfile()) == 0
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert vz.node.vz.read_dump(target) == ("101", memory)


@check("V52", OLD)
def old_chkpnt_needs_the_directory(vz):
    vz.started()
    dump = os.path.join(vz.site.shared, "no-such-dir", "ct101.dump")
    rc, out, err = vz("chkpnt", "101", "--dumpfile", dump)
    assert rc == 16 and "Can not create dump file %s" % dump in err and vz.node.running()


@check("V53", ("legacy",))
def chkpnt_makes_the_directory(vz):
    vz.started()
    dump = os.path.join(vz.site.shared, "new-dir", "ct101.dump")
    assert vz.rc("chkpnt", "101", "--dumpfile", dump) == 0 and os.path.isfile(dump)


def assert_grandchild(vz, name):
    """The dump was made by a grandchild of vzctl, not by vzctl or its child."""
    (worker,) = vz.node.dump_workers()
    assert worker["worker"] == name
    assert worker["pid"] != worker["vzctl"] and worker["ppid"] != worker["vzctl"]


@check("V54", LEGACY)
def legacy_chkpnt_in_a_grandchild(vz):
    memory = vz.started()
    rc, out, err = vz("chkpnt", "101", "--dumpfile", vz.dumpfile())
    assert rc == 0 and "\tdump...\n\tkill...\n" in out and out.strip().endswith(
        "Checkpointing completed " + ("succesfully" if vz.dialect in OLD else "successfully"))
    assert_grandchild(vz, "cpt")
    assert not vz.node.running() and not vz.mounted()
    assert vz.node.vz.read_dump(vz.dumpfile()) == ("101", memory)


def failed_chkpnt(vz):
    vz.started()
    vz.node.inject("chkpnt-fail", 1)
    rc, out, err = vz("chkpnt", "101", "--dumpfile", vz.dumpfile())
    assert rc == 16 and "Checkpointing failed" in err
    assert vz.node.running() and vz.mounted()


@check("V55", ("legacy-3.0.22", "legacy-3.0.23"))
def old_failed_dump_stays(vz):
    failed_chkpnt(vz)
    assert os.path.isfile(vz.dumpfile())


@check("V56", ("legacy-3.0.24", "legacy"))
def failed_dump_is_unlinked(vz):
    failed_chkpnt(vz)
    assert not os.path.lexists(vz.dumpfile())


@check("V57", VZ7)
def vz7_chkpnt_by_helpers(vz):
    memory = vz.started()
    rc, out, err = vz("chkpnt", "101", "--dumpfile", vz.dumpfile())
    assert rc == 0 and out.strip().endswith("Checkpointing completed successfully")
    assert_grandchild(vz, "criu")
    assert not vz.node.running() and not vz.mounted()
    assert os.path.isdir(vz.dumpfile())
    assert vz.node.vz.read_dump(vz.dumpfile()) == ("101", memory)


def interrupted_chkpnt(vz):
    vz.started()
    vz.node.inject("chkpnt-fail", 1)
    vz.node.inject("chkpnt-leave-partial", 1)
    assert vz.rc("chkpnt", "101", "--dumpfile", vz.dumpfile()) == 16


@check("V58", ("vz7",))
def vz7_dump_via_tmp(vz):
    dump = vz.dumpfile()
    os.makedirs(dump + ".tmp")
    os.makedirs(dump)   # an old dump
    memory = vz.started()
    assert vz.rc("chkpnt", "101", "--dumpfile", dump) == 0
    assert not os.path.lexists(dump + ".tmp")
    assert vz.node.vz.read_dump(dump) == ("101", memory)
    os.rename(dump, vz.dumpfile("used"))
    interrupted_chkpnt(vz)
    assert os.path.isdir(dump + ".tmp") and not os.path.lexists(dump)


@check("V59", ("vz7-7.0.137", "vz7-7.0.138"))
def vz7_dump_in_place(vz):
    interrupted_chkpnt(vz)
    assert os.path.isdir(vz.dumpfile()) and not os.path.lexists(vz.dumpfile() + ".tmp")
    assert vz.node.vz.read_dump(vz.dumpfile()) is None


@check("V60", VZ7)
def vz7_failed_dump_moves_to_fail(vz):
    dump = vz.dumpfile()
    os.makedirs(dump + ".fail" + "/old-logs")
    failed_chkpnt(vz)
    assert not os.path.lexists(dump) and not os.path.lexists(dump + ".tmp")
    assert sorted(os.listdir(dump + ".fail")) == ["dump.log", "inventory.img"]


@check("V61", ("legacy",))
def upstream_kernel_ignores_dumpfile(vz):
    vz.node.set_kernel("upstream")
    memory = vz.started()
    assert vz.rc("chkpnt", "101", "--dumpfile", vz.dumpfile()) == 0
    assert not os.path.lexists(vz.dumpfile()) and os.path.lexists(vz.node.default_dump())
    assert vz.rc("restore", "101", "--dumpfile", vz.dumpfile()) == 0
    assert vz.node.memory() == memory


# -- restore ------------------------------------------------------------------------------------

def restore_running(vz):
    vz.started()
    return vz("restore", "101", "--dumpfile", vz.dumpfile())


@check("V62", OLD)
def old_restore_when_running(vz):
    rc, out, err = restore_running(vz)
    noun = "VE" if vz.dialect == "legacy-3.0.22" else "container"
    assert (rc, err) == (31, "Unable to perform restore: %s already running\n" % noun)


@check("V63", ("legacy",) + VZ7)
def restore_when_running(vz):
    rc, out, err = restore_running(vz)
    assert rc == 32 and err.strip().endswith("already running")


@check("V64", LEGACY)
def legacy_restore_without_dump(vz):
    rc, out, err = vz("restore", "101", "--dumpfile", vz.dumpfile())
    assert rc == 17 and "Unable to open %s: No such file or directory" % vz.dumpfile() in err


@check("V65", VZ7)
def vz7_restore_without_dump(vz):
    assert vz("restore", "101", "--dumpfile", vz.dumpfile()) == (
        17, "", "Container is not suspended\n")


def checkpointed(vz):
    memory = vz.started()
    assert vz.rc("chkpnt", "101", "--dumpfile", vz.dumpfile()) == 0
    return memory


@check("V66", ALL)
def restore_mounts_itself(vz):
    memory = checkpointed(vz)
    os.makedirs(os.path.join(vz.node.state, "mounted"), exist_ok=True)
    open(os.path.join(vz.node.state, "mounted", "101"), "w").close()   # left mounted
    rc, out, err = vz("restore", "101", "--dumpfile", vz.dumpfile())
    assert rc == 0 and "Container is unmounted\nContainer is mounted\n" in out
    assert vz.node.memory() == memory and vz.mounted()


def failed_restore(vz):
    checkpointed(vz)
    vz.node.inject("restore-fail", 1)
    rc, out, err = vz("restore", "101", "--dumpfile", vz.dumpfile())
    assert rc == 17 and not vz.node.running() and not vz.mounted()
    assert vz.node.vz.read_dump(vz.dumpfile()) is not None
    return err


@check("V67", LEGACY)
def legacy_failed_restore(vz):
    assert "Container restore failed" in failed_restore(vz)


@check("V68", VZ7)
def vz7_failed_restore(vz):
    assert "The restore log was saved in" in failed_restore(vz)


def restored(vz):
    memory = checkpointed(vz)
    rc, out, err = vz("restore", "101", "--dumpfile", vz.dumpfile())
    assert rc == 0 and vz.node.memory() == memory
    return out


@check("V69", OLD)
def old_restore_keeps_the_dump(vz):
    assert "Restoring completed succesfully" in restored(vz)
    assert os.path.isfile(vz.dumpfile())


@check("V70", ("legacy",))
def restore_unlinks_the_dump(vz):
    assert "Restoring completed successfully" in restored(vz)
    assert not os.path.lexists(vz.dumpfile())


@check("V71", VZ7)
def vz7_restore_keeps_a_custom_dump(vz):
    restored(vz)
    assert os.path.isdir(vz.dumpfile())
    assert os.listdir(vz.dumpfile() + ".restore") == ["dump.log"]
    assert vz.rc("chkpnt", "101") == 0   # to the default dump
    assert vz.rc("restore", "101") == 0 and not os.path.lexists(vz.node.default_dump())


# -- exec, register, the owner check, the default dump -----------------------------------------

@check("V80", ALL)
def exec_failures_are_8(vz):
    assert vz("exec", "101", "true") == (8, "", "Container is not running\n")
    vz.started()
    assert vz.rc("exec", "101", "true") == 0
    vz.node.inject("exec-fail", 1)
    assert vz.rc("exec", "101", "true") == 8
    assert vz.rc("exec", "101") == 20


@check("V81", LEGACY)
def legacy_has_no_register(vz):
    assert vz("register", vz.private, "101") == (20, "", "Bad command: register\n")


def unregistered(vz):
    """Container 101's private area, on this node without a config (as on a failover)."""
    os.unlink(vz.node.vz.conf_path("101"))
    with open(os.path.join(vz.private, ".owner"), "w") as f:
        f.write("elsewhere\n")
    assert deleted(vz)


@check("V82", VZ7)
def register(vz):
    unregistered(vz)
    assert vz("register", vz.private, "101", "--force") == (
        0, "Container 101 was successfully registered\n", "")
    with open(os.path.join(vz.private, ".owner")) as f:
        assert f.read() == "a"
    assert os.readlink(vz.node.vz.conf_path("101")) == os.path.join(vz.private, "ve.conf")
    assert not deleted(vz)


@check("V83", VZ7)
def register_failures_exit_255(vz):
    rc, out, err = vz("register", os.path.join(vz.site.dir, "nowhere"), "101")
    assert rc == 255 and "Container registration failed" in err
    unregistered(vz)
    vz.node.set_shared_fs()
    rc, out, err = vz("register", vz.private, "101")
    assert rc == 255 and "Owner check failed" in err
    assert vz.rc("register", vz.private, "101", "--force") == 0


@check("V84", VZ7)
def register_needs_a_number_or_uuid(vz):
    assert vz("register", vz.private, "web") == (21, "", "Invalid ctid is specified: web\n")


@check("V90", VZ7)
def owner_check_only_on_shared_fs(vz):
    with open(os.path.join(vz.private, ".owner"), "w") as f:
        f.write("elsewhere\n")
    assert vz.rc("start", "101") == 0 and vz.rc("stop", "101") == 0
    vz.node.set_shared_fs()
    assert vz.rc("start", "101") == 141


@check("V91", VZ7)
def owner_check_on_shared_fs(vz):
    vz.node.set_shared_fs()
    with open(os.path.join(vz.private, ".owner"), "w") as f:
        f.write("elsewhere\n")
    for command in ("start", "stop", "chkpnt", "restore", "exec"):
        rc, out, err = vz(command, "101", *(["true"] if command == "exec" else []))
        assert rc == 141 and "is registered for 'elsewhere'" in err, command
    assert vz("stop", "101", "--fast")[:2] == (0, "Container is not running\n")
    assert vz.status() == "VEID 101 deleted unmounted down"


@check("V92", LEGACY)
def legacy_default_dump(vz):
    vz.default_dump_ready()
    vz.started()
    assert vz.rc("chkpnt", "101") == 0
    assert os.path.isfile(os.path.join(vz.node.dumpdir, "Dump.101"))


@check("V93", VZ7)
def vz7_default_dump(vz):
    vz.started()
    assert vz.rc("chkpnt", "101") == 0
    assert os.path.isdir(os.path.join(vz.private, "dump", "Dump"))


def vzcptcheck(vz, *args):
    proc = subprocess.run([os.path.join(vz.site.dir, "vzcptcheck")] + list(args),
                          capture_output=True, text=True, env={}, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


@check("V94", ("legacy",))
def vzcptcheck_version(vz):
    vz.node.set_cpt(version=17)
    assert vzcptcheck(vz, "version") == (0, "17\n", "")
    assert vzcptcheck(vz, "version", "17")[0] == 0
    rc, _out, err = vzcptcheck(vz, "version", "16")
    assert rc == 2 and "CPT version 16 rejected: can't migrate" in err


@check("V95", ("legacy",))
def vzcptcheck_caps(vz):
    vz.node.set_cpt(caps=0b1011)
    assert vzcptcheck(vz, "caps") == (0, "11\n", "")
    assert vzcptcheck(vz, "caps", "3")[0] == 0
    rc, _out, err = vzcptcheck(vz, "caps", "4")
    assert rc == 2 and "Insufficient CPU capabilities: can't migrate" in err


@check("V96", ("legacy",))
def vzcptcheck_without_cpt(vz):
    vz.node.set_kernel("upstream")
    for command in ("version", "caps"):
        rc, out, err = vzcptcheck(vz, command)
        assert (rc, out) == (1, "") and "Kernel module vzcpt not loaded" in err
