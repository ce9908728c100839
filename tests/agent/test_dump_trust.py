"""The dump directory is untrusted until proven otherwise (issue 20, item 6).

Each attack is run as Pacemaker runs the agent, as root, against a dump directory that the
user `nobody` can write to (or replace), with `nobody` doing the planting from its own
process.  The agent must never write through a planted name, never restore a planted image,
never rename or remove what is not its own, and never block on what it reads; the container
still starts cold and stops.
"""
import math
import os
import pwd
import stat
import subprocess
import sys
import time

import pytest

from support.agent_sites import make_sites, need_root

SECRET = "root's own file\n"


def commands(site):
    return [argv[0] for argv in site.node.calls()]


def nobody():
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def as_nobody(work):
    """Run work() in a child process that has become `nobody`: the attacker."""
    need_root()
    uid, gid = nobody()
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            work()
            code = 0
        except BaseException:   # the child must never return into pytest
            import traceback
            traceback.print_exc()
            code = 1
        os._exit(code)
    assert os.waitpid(pid, 0)[1] == 0


def victim(world):
    """A root-owned 0600 file the attacker wants overwritten."""
    path = os.path.join(world, "victim")
    with open(path, "w") as f:
        f.write(SECRET)
    os.chmod(path, 0o600)
    return path


def untouched(path):
    with open(path) as f:
        return f.read() == SECRET


def next_pids(count=3000):
    """The PIDs the next processes will probably get, as an attacker guesses them."""
    with open("/proc/sys/kernel/ns_last_pid") as f:
        last = int(f.read())
    with open("/proc/sys/kernel/pid_max") as f:
        top = int(f.read())
    return [(last + n) % top for n in range(1, count + 1)]


def writable_by_nobody(directory):
    need_root()
    os.chown(directory, *nobody())


@pytest.fixture
def open_pair(pair):
    """The shared dump directory belongs to `nobody`."""
    writable_by_nobody(os.path.dirname(pair[0].dumpfile))
    return pair


def plant_symlinks(site, suffixes, target):
    names = ["%s%s%d" % (site.dumpfile, suffix, pid) for suffix in suffixes
             for pid in next_pids()]

    def plant():
        for name in names:
            os.symlink(target, name)
    as_nobody(plant)


def test_symlinks_at_the_cold_start_record_names_overwrite_nothing(open_pair, world):
    a, _ = open_pair
    secret = victim(world)
    plant_symlinks(a, [".coldstart.tmp."], secret)
    start = a.checkpointing("start")
    assert start.rc == 0, start
    assert a.node.running()
    assert untouched(secret)
    assert any("not trusted" in line for line in start.lines), start.lines


def test_symlinks_at_the_provenance_and_image_names_overwrite_nothing(open_pair, world):
    a, _ = open_pair
    secret = victim(world)
    assert a.checkpointing("start").rc == 0
    plant_symlinks(a, [".provenance.tmp.", ".tmp."], secret)
    stop = a.checkpointing("stop")
    assert stop.rc == 0, stop
    assert not a.node.running()
    assert untouched(secret)
    assert "chkpnt" not in commands(a)   # vzctl itself opens the image without O_NOFOLLOW
    assert any("not trusted" in line for line in stop.lines), stop.lines


def attacker_image(site, world):
    """A complete stand-in dump of container 101 holding the attacker's memory, root-only
    (the attacker links to it, so the agent would have to follow the link to restore)."""
    path = os.path.join(world, "attacker-image")
    site.node.vz.write_image(path, "101", "ATTACKER-CHOSEN-STATE")
    os.chmod(path, 0o700 if os.path.isdir(path) else 0o600)
    return path


def forged_provenance(when):
    return "container=101\nkind=stop\nnode=a\ntime=%s\nutc=x\nresource=ct101\n" % when


@pytest.mark.parametrize("when", ["inf", "now"])
def test_a_planted_image_with_forged_provenance_is_never_restored(open_pair, world, when):
    a, b = open_pair
    image = attacker_image(b, world)
    stamp = "%.6f" % time.time() if when == "now" else when

    def plant():
        os.symlink(image, b.dumpfile)
        with open(b.dumpfile + ".provenance", "w") as f:
            f.write(forged_provenance(stamp))
    as_nobody(plant)
    start = b.checkpointing("start")
    assert start.rc == 0, start
    assert b.node.running() and b.node.memory() != "ATTACKER-CHOSEN-STATE"
    assert "restore" not in commands(b)
    assert os.path.islink(b.dumpfile) and os.path.isfile(b.dumpfile + ".provenance")
    assert any("not trusted" in line for line in start.lines), start.lines


def test_a_dump_directory_swapped_through_a_writable_parent_is_never_restored(pair, world):
    """The dump directory is root's, but `nobody` may write its parent: it moves the real
    directory away and puts its own in its place."""
    a, b = pair
    dump_dir = os.path.dirname(b.dumpfile)
    writable_by_nobody(os.path.dirname(dump_dir))
    image = attacker_image(b, world)

    def swap():
        os.rename(dump_dir, dump_dir + ".real")
        os.mkdir(dump_dir, 0o755)
        os.symlink(image, b.dumpfile)
        with open(b.dumpfile + ".provenance", "w") as f:
            f.write(forged_provenance("%.6f" % time.time()))
    as_nobody(swap)
    os.chown(dump_dir, 0, 0)   # even owned by root, its parent is not
    start = b.checkpointing("start")
    assert start.rc == 0, start
    assert "restore" not in commands(b) and b.node.memory() != "ATTACKER-CHOSEN-STATE"


def test_a_sticky_parent_like_tmp_does_not_make_the_dump_directory_untrusted(pair):
    """Others may create in a sticky root-owned directory, but not move root's entries."""
    a, b = pair
    parent = os.path.dirname(os.path.dirname(b.dumpfile))
    os.chmod(parent, 0o1777)
    assert a.checkpointing("start").rc == 0
    memory = a.node.memory()
    assert a.checkpointing("stop").rc == 0
    assert b.checkpointing("start").rc == 0
    assert b.node.memory() == memory


def test_a_symlink_dump_in_a_trusted_directory_is_left_alone(pair, world):
    a, b = pair
    image = attacker_image(b, world)
    os.symlink(image, b.dumpfile)
    with open(b.dumpfile + ".provenance", "w") as f:
        f.write(forged_provenance("%.6f" % time.time()))
    start = b.checkpointing("start")
    assert start.rc == 0, start
    assert "restore" not in commands(b) and b.node.memory() != "ATTACKER-CHOSEN-STATE"
    assert os.path.islink(b.dumpfile)


def stale_siblings(path):
    directory, name = os.path.split(path)
    return [n for n in os.listdir(directory) if n.startswith(name + ".stale-")]


def test_a_dumpfile_naming_the_private_area_never_touches_it(pair):
    a, _ = pair
    private = a.node.vz.private("101")
    a.params["dumpfile"] = private
    start = a.checkpointing("start")
    assert start.rc == 0, start
    assert os.path.isdir(private) and stale_siblings(private) == []
    assert a.node.running()
    stop = a.checkpointing("stop")
    assert stop.rc == 0, stop
    assert not a.node.running() and "chkpnt" not in commands(a)
    assert os.path.isdir(private) and stale_siblings(private) == []
    assert any("private area" in line for line in start.lines + stop.lines)


def test_a_dumpfile_naming_a_foreign_file_is_never_renamed(pair):
    a, _ = pair
    with open(a.dumpfile, "w") as f:
        f.write("an operator's file\n")
    start = a.checkpointing("start")
    assert start.rc == 0, start
    assert a.node.running() and stale_siblings(a.dumpfile) == []
    with open(a.dumpfile) as f:
        assert f.read() == "an operator's file\n"
    stop = a.checkpointing("stop")   # nor is it overwritten by a checkpoint
    assert stop.rc == 0 and not a.node.running()
    with open(a.dumpfile) as f:
        assert f.read() == "an operator's file\n"


def stopped_with_dump(pair):
    a, b = pair
    assert a.checkpointing("start").rc == 0
    assert a.checkpointing("stop").rc == 0
    return a, b


@pytest.mark.parametrize("record", [".provenance", ".coldstart"])
def test_a_fifo_as_a_record_never_blocks(pair, record):
    a, b = stopped_with_dump(pair)
    path = a.dumpfile + record
    if os.path.lexists(path):
        os.unlink(path)
    os.mkfifo(path, 0o600)
    start = b.checkpointing("start", CRM_meta_timeout="20000")   # the guard is run_agent's
    assert start.rc == 0, start
    assert b.node.running() and "restore" not in commands(b)
    assert stat.S_ISFIFO(os.lstat(path).st_mode)   # never read, renamed or removed


def test_a_fifo_in_the_place_of_the_record_stops_without_checkpoint(pair):
    a, _ = pair
    assert a.checkpointing("start").rc == 0
    os.mkfifo(a.dumpfile + ".provenance", 0o600)
    stop = a.checkpointing("stop")
    assert stop.rc == 0 and not a.node.running()
    assert "chkpnt" not in commands(a)   # checked before vzctl kills the container
    assert stat.S_ISFIFO(os.lstat(a.dumpfile + ".provenance").st_mode)


def rewrite_record(path, key, value):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if not l.startswith(key + "=")]
    with open(path, "w") as f:
        f.write("\n".join(lines + ["%s=%s" % (key, value)]) + "\n")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "1e30", "-1", "0x10", "",
                                   ".", "1.2.3", "0", "a-week-ahead"])
def test_provenance_times_are_validated(pair, value):
    if value == "a-week-ahead":
        value = "%d" % (time.time() + 7 * 86400)
    a, b = stopped_with_dump(pair)
    rewrite_record(a.dumpfile + ".provenance", "time", value)
    start = b.checkpointing("start")
    assert start.rc == 0, start
    assert "restore" not in commands(b)
    assert len([n for n in stale_siblings(b.dumpfile) if not n.endswith(".provenance")]) == 1


@pytest.mark.parametrize("value", ["nan", "inf", "soon"])
def test_an_unusable_cold_start_record_makes_the_dump_stale(pair, value):
    a, b = stopped_with_dump(pair)
    rewrite_record(a.dumpfile + ".coldstart", "time", value)
    start = b.checkpointing("start")
    assert start.rc == 0 and "restore" not in commands(b)


def test_an_oversized_provenance_is_not_read_whole(pair):
    a, b = stopped_with_dump(pair)
    with open(a.dumpfile + ".provenance", "a") as f:
        f.write("x=%s\n" % ("y" * 10 ** 6))
    start = b.checkpointing("start")
    assert start.rc == 0 and "restore" not in commands(b)


def test_a_record_writable_by_others_is_not_trusted(pair):
    a, b = stopped_with_dump(pair)
    os.chmod(a.dumpfile + ".provenance", 0o666)
    start = b.checkpointing("start")
    assert start.rc == 0 and "restore" not in commands(b)


# -- a full or read-only dump filesystem still allows a cold start ---------------------------

@pytest.fixture
def small_fs(pair):
    """The shared dump directory is a 64 KiB tmpfs of its own (root may mount)."""
    need_root()
    directory = os.path.dirname(pair[0].dumpfile)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs",
                           directory], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % proc.stderr.strip())
    yield directory
    subprocess.run(["umount", "-l", directory], check=True)


def test_a_full_dump_filesystem_still_allows_a_cold_start(pair, small_fs):
    a, _ = pair
    fd = os.open(os.path.join(small_fs, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    start = a.checkpointing("start")
    assert start.rc == 0, start
    assert a.node.running()
    assert not [n for n in os.listdir(small_fs) if ".tmp." in n]   # no half-written record


def test_a_read_only_dump_filesystem_still_allows_a_cold_start(pair, small_fs):
    a, _ = pair
    subprocess.run(["mount", "-o", "remount,ro", small_fs], check=True)
    start = a.checkpointing("start")
    assert start.rc == 0, start
    assert a.node.running()


# -- OpenVZ 7's artefacts: .fail and .restore directories, restore-extra-args -----------------

def vz7_wrapper(site, world, command, script):
    """A vzctl for `site` that does what OpenVZ 7's vz-cpt/vz-rst do around one command
    (python `script`, with `dump` the --dumpfile and `rc` the stand-in's exit status), then
    answers with the stand-in for everything."""
    path = os.path.join(world, "vzctl-%s-%s" % (site.name, command))
    with open(path, "w") as f:
        f.write("#!%s\nimport os, subprocess, sys\n" % sys.executable)
        f.write("args = sys.argv[1:]\n")
        f.write("dump = args[args.index('--dumpfile') + 1] if '--dumpfile' in args else ''\n")
        f.write("if args[:1] == [%r]:\n" % command)
        f.write("    rc = None\n")
        f.write("".join("    %s\n" % line for line in script.splitlines()))
        f.write("    sys.exit(rc)\n")
        f.write("os.execv(%r, [%r] + args)\n" % (site.vzctl, site.vzctl))
    os.chmod(path, 0o755)
    return path


FAILING_VZ_CPT = """os.makedirs(dump + '.fail')
with open(os.path.join(dump + '.fail', 'dump.log'), 'w') as f:
    f.write('criu: the log of the failed dump\\n')
print('Failed to checkpoint the Container; all dump files and logs were saved to ' + dump + '.fail')
rc = 16"""


def test_a_failed_openvz7_checkpoint_keeps_its_fail_directory(world):
    (a,) = make_sites(world, "vz7", names=("a",))
    a.node.create("101")
    a.params["vzctl"] = vz7_wrapper(a, world, "chkpnt", FAILING_VZ_CPT)
    assert a.checkpointing("start").rc == 0
    stop = a.checkpointing("stop")
    assert stop.rc == 0 and not a.node.running()
    kept = [n for n in os.listdir(os.path.dirname(a.dumpfile)) if ".failed-" in n]
    assert len(kept) == 1, os.listdir(os.path.dirname(a.dumpfile))
    with open(os.path.join(os.path.dirname(a.dumpfile), kept[0], "dump.log")) as f:
        assert "failed dump" in f.read()
    assert any(kept[0] in line for line in stop.lines)


def test_a_fail_directory_of_an_earlier_checkpoint_is_set_aside_not_deleted(pair):
    a, _ = pair
    assert a.checkpointing("start").rc == 0
    leftover = a.dumpfile + ".tmp.4242.fail"
    os.makedirs(leftover)
    with open(os.path.join(leftover, "dump.log"), "w") as f:
        f.write("log\n")
    assert a.checkpointing("stop").rc == 0
    assert not os.path.lexists(leftover)
    kept = [n for n in os.listdir(os.path.dirname(a.dumpfile)) if ".failed-" in n]
    assert len(kept) == 1
    assert os.path.isfile(os.path.join(os.path.dirname(a.dumpfile), kept[0], "dump.log"))


RESTORE_LEAVING_LOGS = """rc = subprocess.call([%r] + args)
if rc == 0:
    os.makedirs(dump + '.restore', exist_ok=True)
    with open(os.path.join(dump + '.restore', 'restore.log'), 'w') as f:
        f.write('criu: restored\\n')"""


def test_the_restore_directory_of_openvz7_is_cleaned_up(world):
    a, b = make_sites(world, "vz7")
    for site in (a, b):
        site.node.create("101")
    b.params["vzctl"] = vz7_wrapper(b, world, "restore", RESTORE_LEAVING_LOGS % b.vzctl)
    assert a.checkpointing("start").rc == 0
    memory = a.node.memory()
    assert a.checkpointing("stop").rc == 0
    start = b.checkpointing("start")
    assert start.rc == 0 and b.node.memory() == memory
    assert not os.path.lexists(b.dumpfile + ".restore")
    assert any(".restore" in line for line in start.lines)


@pytest.mark.parametrize("how", ["writable", "symlink"])
def test_restore_extra_args_must_be_roots_own(world, how):
    a, b = make_sites(world, "vz7")
    for site in (a, b):
        site.node.create("101")
    assert a.checkpointing("start").rc == 0
    assert a.checkpointing("stop").rc == 0
    extra = os.path.join(a.dumpfile, "restore-extra-args")
    if how == "writable":
        with open(extra, "w") as f:
            f.write("VE_WORK_DIR=/tmp\n")
        os.chmod(extra, 0o666)
    else:
        os.symlink(os.path.join(world, "elsewhere"), extra)
    start = b.checkpointing("start")
    assert start.rc == 0 and "restore" not in commands(b)
    assert any("restore-extra-args" in line for line in start.lines), start.lines


def test_record_times_are_finite(pair):
    """The records the agent writes itself pass its own validation."""
    a, _ = stopped_with_dump(pair)
    with open(a.dumpfile + ".provenance") as f:
        times = [l.split("=", 1)[1] for l in f.read().splitlines() if l.startswith("time=")]
    assert len(times) == 1 and math.isfinite(float(times[0]))
    assert stat.S_IMODE(os.lstat(a.dumpfile + ".provenance").st_mode) & 0o022 == 0
