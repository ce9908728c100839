"""The vzctl stand-in answers like real vzctl (docs/vzctl-behaviour.md; tests/agent/test_vzctl_rows.py checks it
row by row), run through the generated wrapper."""
import os
import subprocess

import pytest

from support.agent_sites import make_sites


class Vz(object):
    def __init__(self, site):
        self.site = site

    def __call__(self, *args):
        proc = subprocess.run([self.site.vzctl] + list(args), capture_output=True, text=True,
                              env={}, timeout=30)
        return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(params=["legacy", "vz7"])
def vz(request, world):
    (site,) = make_sites(world, request.param, names=("a",))
    site.node.create("101")
    return Vz(site)


def legacy(vz):
    return vz.site.node.dialect == "legacy"


def test_status_lines(vz):
    head = "CTID" if legacy(vz) else "VEID"
    assert vz("status", "101") == (0, "%s 101 exist unmounted down\n" % head, "")
    vz("start", "101")
    assert vz("status", "101")[1] == "%s 101 exist mounted running\n" % head
    assert vz("chkpnt", "101")[0] == 0   # to the default dump
    assert vz("status", "101")[1] == ("CTID 101 exist unmounted down suspended\n" if legacy(vz)
                                      else "VEID 101 exist unmounted suspended\n")
    os.rename(vz.site.node.vz.private("101"), vz.site.node.vz.private("101") + ".gone")
    assert vz("status", "101")[1] == "%s 101 deleted unmounted down\n" % head


def test_legacy_3_0_22_status(world):
    (site,) = make_sites(world, "legacy-3.0.22", names=("a",))
    site.node.create("101")
    vz = Vz(site)
    assert vz("status", "101")[1] == "VEID 101 exist unmounted down\n"
    vz("start", "101")
    os.makedirs(site.node.dumpdir)   # vzctl 3.0.x does not create it (V52)
    vz("chkpnt", "101")
    assert vz("status", "101")[1] == "VEID 101 exist unmounted down\n"   # no "suspended"
    assert vz("suspend", "101")[:1] == (20,)   # the alias came with 4.1


def test_checkpoint_and_restore_exit_codes(vz):
    rc, out, err = vz("chkpnt", "101")
    assert rc == 31 and err.strip() == ("Unable to setup checkpointing: container is not "
                                        "running" if legacy(vz) else "Container is not running")
    dump = os.path.join(vz.site.dir, "d", "101.dump")
    rc, out, err = vz("restore", "101", "--dumpfile", dump)
    assert rc == 17
    vz("start", "101")
    vz.site.node.inject("chkpnt-fail", 1)
    rc, out, err = vz("chkpnt", "101", "--dumpfile", dump)
    assert rc == 16 and "Checkpointing failed" in err and vz.site.node.running()
    assert not os.path.lexists(dump)
    rc, out, err = vz("restore", "101", "--dumpfile", dump)
    assert rc == 32
    rc, out, err = vz("start", "101")
    assert (rc, err.strip()) == (32, "Container is already running")
    memory = vz.site.node.memory()
    assert vz("chkpnt", "101", "--dumpfile", dump)[0] == 0 and not vz.site.node.running()
    assert os.path.isdir(dump) == (not legacy(vz))
    rc, out, err = vz("restore", "101", "--dumpfile", dump)
    assert rc == 0 and "Restoring completed successfully" in out
    assert vz.site.node.memory() == memory
    assert os.path.lexists(dump) == (not legacy(vz))   # vz7 keeps a custom dump


def test_start_restores_the_default_dump(vz):
    vz("start", "101")
    memory = vz.site.node.memory()
    vz("chkpnt", "101")
    rc, out, err = vz("start", "101")
    assert rc == 0 and ("trying to restore from it" if legacy(vz) else "Restoring the Container")\
        in out
    assert vz.site.node.memory() == memory
    assert not os.path.lexists(vz.site.node.default_dump())


def test_stop_when_not_running_succeeds(vz):
    rc, out, err = vz("stop", "101")
    assert rc == 0
    assert (err if legacy(vz) else out).strip() == (
        "Unable to stop: container is not running" if legacy(vz) else "Container is not running")


def test_bad_command_and_bad_id(vz):
    assert vz("frobnicate", "101") == (20, "", "Bad command: frobnicate\n")
    assert vz("status", "no-such-name") == (21, "", ("Bad CT ID no-such-name\n" if legacy(vz) else
                                                     "Invalid ctid is specified: no-such-name\n"))


def test_lock_and_stages(vz):
    vz.site.node.inject("lock", 1)
    rc, out, err = vz("start", "101")
    assert rc == 9 and err.strip() == ("Container already locked" if legacy(vz) else
                                       "Cannot lock the Container")
    assert vz("start", "101")[0] == 0
    dump = os.path.join(vz.site.dir, "staged.dump")
    if legacy(vz):   # OpenVZ 7 takes the last stage flag (V13)
        assert vz("chkpnt", "101", "--suspend", "--kill")[0] == 20
    assert vz("chkpnt", "101", "--dump")[0] == 20   # needs --dumpfile
    assert vz("chkpnt", "101", "--suspend")[0] == 0 and vz.site.node.paused()
    assert vz("chkpnt", "101", "--dump", "--dumpfile", dump)[0] == 0
    assert vz("chkpnt", "101", "--kill")[0] == 0 and not vz.site.node.running()
    assert vz("restore", "101", "--undump", "--dumpfile", dump)[0] == 0
    assert vz.site.node.paused()
    assert vz("restore", "101", "--resume")[0] == 0 and not vz.site.node.paused()


def test_openvz7_owner_check_and_register(world):
    """The private area on GFS2/NFS/FUSE: the only place where vzctl checks its owner (V90)."""
    a, b = make_sites(world, "vz7")
    for site in (a, b):
        site.node.set_shared_fs()
    private = os.path.join(a.shared, "private", "101")
    a.node.create("101", private=private)
    b.node.create("101", private=private, owner="a")   # b's registration is stale
    vz = Vz(b)
    assert vz("status", "101")[1] == "VEID 101 deleted unmounted down\n"
    rc, out, err = vz("start", "101")
    assert rc == 141 and "is registered for 'a'" in err
    rc, out, err = vz("register", private, "101")
    assert rc == 255 and "Owner check failed" in err
    rc, out, err = vz("register", private, "101", "--force")
    assert rc == 0 and "Container 101 was successfully registered" in out
    assert vz("status", "101")[1] == "VEID 101 exist unmounted down\n"
    assert Vz(a)("status", "101")[1] == "VEID 101 deleted unmounted down\n"
    assert Vz(a)("register", private, "101")[0] == 255


def test_legacy_has_no_register(world):
    (site,) = make_sites(world, "legacy", names=("a",))
    assert Vz(site)("register", "/x", "101") == (20, "", "Bad command: register\n")
