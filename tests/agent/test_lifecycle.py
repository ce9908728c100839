"""The checkpoint lifecycle: every branch, for dump files (legacy) and CRIU directories (vz7).

`pair` is two nodes a and b sharing only the dump directory (parametrized over the legacy
and OpenVZ 7 dialects); the container's memory is a token the stand-in makes up at each cold
start, which only a checkpoint and restore carry over.
"""
import os

import pytest

from support.agent_sites import make_sites


def dump_names(site):
    return sorted(os.listdir(os.path.dirname(site.dumpfile)))


def base(site):
    return os.path.basename(site.dumpfile)


def commands(site):
    return [argv[0] for argv in site.node.calls()]


def read_record(path):
    with open(path) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line and
                    not line.startswith("#"))


# -- the bars of issue 6 ----------------------------------------------------------------------

def test_stop_on_a_then_start_on_b_restores_and_uses_the_dump_once(pair, dialect):
    a, b = pair
    assert a.checkpointing("start").rc == 0
    memory = a.node.memory()
    stop = a.checkpointing("stop")
    assert stop.rc == 0, stop
    assert not a.node.running()
    assert os.path.isdir(a.dumpfile) == (dialect == "vz7")   # CRIU directory on OpenVZ 7
    record = read_record(a.dumpfile + ".provenance")
    assert (record["container"], record["kind"], record["node"]) == ("101", "stop", "a")
    assert "target" not in record and float(record["time"]) > 0

    start = b.checkpointing("start")
    assert start.rc == 0, start
    assert b.node.running() and b.node.memory() == memory
    assert ["restore", "101", "--dumpfile", b.dumpfile] in b.node.calls()
    assert "start" not in commands(b)
    assert dump_names(b) == [base(b) + ".coldstart"]   # dump and record are gone

    b.node.forget_calls()
    again = b.checkpointing("start")   # a second start restores nothing
    assert again.rc == 0 and commands(b) == ["status"]
    assert b.node.memory() == memory


def test_after_a_hard_stop_the_next_start_is_cold(pair):
    a, b = pair
    assert a.checkpointing("start").rc == 0
    assert a.checkpointing("stop").rc == 0
    assert b.checkpointing("start").rc == 0
    memory = b.node.memory()
    assert b.agent("stop").rc == 0   # checkpoint_on_stop=false: a real stop
    assert not os.path.lexists(b.dumpfile)
    b.node.forget_calls()
    assert b.checkpointing("start").rc == 0
    assert "restore" not in commands(b) and "start" in commands(b)
    assert b.node.memory() != memory


def test_a_failed_checkpoint_still_stops_the_container(pair):
    a, _ = pair
    assert a.checkpointing("start").rc == 0
    a.node.inject("chkpnt-fail", 1)
    stop = a.checkpointing("stop")
    assert stop.rc == 0, stop
    assert not a.node.running()
    assert commands(a)[-3:] == ["chkpnt", "stop", "status"]
    assert any("checkpoint of container 101 failed" in line for line in stop.lines)
    names = dump_names(a)
    if a.node.dialect == "vz7":   # OpenVZ 7 keeps the failed dump's logs in <dump>.fail: set aside
        failed = [name for name in names if name.startswith(base(a) + ".failed-")]
        assert len(failed) == 1 and os.path.isdir(os.path.join(os.path.dirname(a.dumpfile), failed[0]))
        names.remove(failed[0])
    assert names == [base(a) + ".coldstart"]   # no dump, no partial image


def test_a_partial_image_left_by_a_failed_checkpoint_is_removed(pair):
    a, _ = pair
    assert a.checkpointing("start").rc == 0
    a.node.inject("chkpnt-fail", 1)
    a.node.inject("chkpnt-leave-partial", 1)
    stop = a.checkpointing("stop")
    assert stop.rc == 0 and not a.node.running()
    assert any("removed partial image" in line for line in stop.lines), stop
    assert dump_names(a) == [base(a) + ".coldstart"]


def test_partial_images_of_an_interrupted_checkpoint_are_removed_at_the_next(pair):
    a, _ = pair
    assert a.checkpointing("start").rc == 0
    leftover = a.dumpfile + ".tmp.4242"
    os.makedirs(leftover)
    assert a.checkpointing("stop").rc == 0
    assert not os.path.lexists(leftover)
    assert os.path.lexists(a.dumpfile)


def test_a_failed_restore_sets_the_dump_aside_and_starts_cold(pair):
    a, b = pair
    assert a.checkpointing("start").rc == 0
    memory = a.node.memory()
    assert a.checkpointing("stop").rc == 0
    b.node.inject("restore-fail", 1)
    start = b.checkpointing("start")
    assert start.rc == 0, start
    assert b.node.running() and b.node.memory() != memory
    failed = [n for n in dump_names(b) if ".failed-" in n]
    assert len(failed) == 2, dump_names(b)   # the dump and its provenance, renamed together
    dump = [n for n in failed if not n.endswith(".provenance")][0]
    assert dump.startswith(base(b) + ".failed-") and dump.endswith("Z")
    assert dump + ".provenance" in failed
    assert not os.path.lexists(b.dumpfile)
    assert commands(b)[-4:] == ["restore", "status", "start", "status"]


def stopped_with_dump(pair):
    a, b = pair
    assert a.checkpointing("start").rc == 0
    assert a.checkpointing("stop").rc == 0
    return a, b


def assert_set_aside_and_cold(site, start, reason):
    assert start.rc == 0, start
    assert site.node.running()
    assert "restore" not in commands(site)
    stale = [n for n in dump_names(site) if ".stale-" in n and not n.endswith(".provenance")]
    assert len(stale) == 1, dump_names(site)
    assert any(reason in line and "set aside" in line for line in start.lines), start.lines


def test_a_dump_while_the_container_runs_is_stale(pair):
    a, b = stopped_with_dump(pair)
    b.node.start_cold()
    b.node.forget_calls()
    start = b.checkpointing("start")
    assert start.rc == 0 and commands(b) == ["status"]
    stale = [n for n in dump_names(b) if ".stale-" in n]
    assert len(stale) == 2 and not os.path.lexists(b.dumpfile)
    assert any("already running" in line for line in start.lines)


def test_a_dump_without_provenance_is_never_restored_nor_touched(pair):
    """Without its record it is not the agent's dump: left where it is, for the operator."""
    a, b = stopped_with_dump(pair)
    os.unlink(a.dumpfile + ".provenance")
    start = b.checkpointing("start")
    assert start.rc == 0, start
    assert b.node.running() and "restore" not in commands(b)
    assert os.path.lexists(b.dumpfile) and not [n for n in dump_names(b) if ".stale-" in n]
    assert any("no provenance record" in line and "leaving it alone" in line
               for line in start.lines), start.lines


def test_a_dump_of_another_container_is_never_restored(pair):
    a, b = stopped_with_dump(pair)
    record = a.dumpfile + ".provenance"
    with open(record) as f:
        text = f.read()
    with open(record, "w") as f:
        f.write(text.replace("container=101", "container=102"))
    assert_set_aside_and_cold(b, b.checkpointing("start"), "written for container '102'")


def test_a_dump_older_than_the_last_cold_start_is_stale(pair):
    a, b = stopped_with_dump(pair)
    record = read_record(a.dumpfile + ".provenance")
    with open(a.dumpfile + ".coldstart", "w") as f:   # a cold start after the checkpoint
        f.write("container=101\nnode=b\ntime=%f\nutc=later\n" % (float(record["time"]) + 1))
    assert_set_aside_and_cold(b, b.checkpointing("start"), "before the container's last cold")


def test_a_cold_start_is_recorded(pair):
    a, _ = pair
    assert a.checkpointing("start").rc == 0
    record = read_record(a.dumpfile + ".coldstart")
    assert (record["container"], record["node"]) == ("101", "a")


def test_a_record_without_its_dump_is_dropped(pair):
    a, _ = pair
    with open(a.dumpfile + ".provenance", "w") as f:
        f.write("container=101\nkind=stop\nnode=a\ntime=1\n")
    start = a.checkpointing("start")
    assert start.rc == 0 and not os.path.lexists(a.dumpfile + ".provenance")


def test_an_old_dump_in_the_way_of_a_checkpoint_is_set_aside(pair):
    a, _ = pair
    assert a.checkpointing("start").rc == 0
    with open(a.dumpfile, "w") as f:
        f.write("an old dump\n")
    with open(a.dumpfile + ".provenance", "w") as f:
        f.write("container=101\nkind=stop\nnode=a\ntime=1\n")
    assert a.checkpointing("stop").rc == 0
    stale = [n for n in dump_names(a) if ".stale-" in n]
    assert len(stale) == 2 and stale[0] + ".provenance" == stale[1]   # with its record
    with open(os.path.join(os.path.dirname(a.dumpfile), stale[0])) as f:
        assert f.read() == "an old dump\n"
    assert read_record(a.dumpfile + ".provenance")["kind"] == "stop"


def test_without_the_dump_directory_stop_stops_without_checkpoint(pair):
    a, _ = pair
    assert a.checkpointing("start").rc == 0
    missing = os.path.join(a.dir, "not-mounted", "ct101.dump")
    stop = a.checkpointing("stop", dumpfile=missing)
    assert stop.rc == 0 and not a.node.running()
    assert "chkpnt" not in commands(a)
    assert not os.path.lexists(os.path.dirname(missing))   # vzctl did not create it either
    assert any("replicated filesystem mounted" in line for line in stop.lines)


# -- the default dump that vzctl start would restore by itself ---------------------------------

def test_the_default_dump_is_set_aside_before_a_cold_start(pair, dialect):
    a, _ = pair
    # the host's VE_STOP_MODE=suspend: vzctl suspends to the default dump behind the cluster
    a.node.start_cold()
    suspended_memory = a.node.memory()
    assert a.node.vz.main(["chkpnt", "101"]) == 0
    default = a.node.default_dump()
    assert os.path.lexists(default)
    assert a.node.vz.main(["status", "101"]) == 0
    start = a.checkpointing("start")
    assert start.rc == 0, start
    assert a.node.running() and a.node.memory() != suspended_memory
    assert not os.path.lexists(default)
    aside = [n for n in os.listdir(os.path.dirname(default)) if n.startswith(
        os.path.basename(default) + ".stale-")]
    assert len(aside) == 1
    if dialect == "legacy":   # DUMPDIR came from vz_conf, not vzctl's /vz/dump
        assert os.path.dirname(default) == os.path.join(a.dir, "vzdump")


def test_a_default_dump_the_agent_cannot_find_blocks_the_start(world):
    (a,) = make_sites(world, "legacy", names=("a",))   # OpenVZ 7 keeps it in the private area
    a.node.create("101")
    a.node.start_cold()
    assert a.node.vz.main(["chkpnt", "101"]) == 0
    other_conf = os.path.join(world, "other-vz.conf")   # without DUMPDIR
    with open(other_conf, "w") as f:
        f.write("VE_STOP_MODE=suspend\n")
    start = a.agent("start", vz_conf=other_conf)
    assert start.rc == 5 and not a.node.running()   # this node's vz.conf: local
    assert "default dump" in start.reasons()[-1]


# -- native migration through the shared dump ---------------------------------------------

def test_migration_from_a_to_b(pair):
    a, b = pair
    assert a.agent("start").rc == 0
    memory = a.node.memory()
    to = a.agent("migrate_to", CRM_meta_migrate_source="a", CRM_meta_migrate_target="b")
    assert to.rc == 0, to
    record = read_record(a.dumpfile + ".provenance")
    assert (record["kind"], record["node"], record["target"]) == ("migration", "a", "b")
    assert not a.node.running()
    frm = b.agent("migrate_from", CRM_meta_migrate_source="a", CRM_meta_migrate_target="b")
    assert frm.rc == 0, frm
    assert b.node.running() and b.node.memory() == memory
    assert dump_names(b) == [base(b) + ".coldstart"]   # a's cold start, before the migration
    a.node.forget_calls()
    stop = a.agent("stop")   # Pacemaker stops the source afterwards: a no-op
    assert stop.rc == 0 and commands(a) == ["status"]


def test_migrate_from_restores_only_a_migration_dump_for_this_node(world):
    a, b, c = make_sites(world, "legacy", names=("a", "b", "c"))
    for site in (a, b, c):
        site.node.create("101")
    assert a.agent("start").rc == 0
    memory = a.node.memory()
    assert a.agent("migrate_to", CRM_meta_migrate_target="b").rc == 0
    wrong = c.agent("migrate_from", CRM_meta_migrate_target="c")
    assert wrong.rc == 1 and "meant for node 'b'" in wrong.reasons()[-1]
    assert os.path.lexists(c.dumpfile) and not c.node.running()
    # Pacemaker then stops everywhere and starts: start restores the migration dump
    assert c.agent("stop").rc == 0
    assert c.agent("start").rc == 0
    assert c.node.memory() == memory and not os.path.lexists(c.dumpfile)


def test_migrate_from_refuses_a_stop_dump(pair):
    a, b = stopped_with_dump(pair)
    frm = b.agent("migrate_from", CRM_meta_migrate_target="b")
    assert frm.rc == 1 and "'stop' dump" in frm.reasons()[-1]
    assert os.path.lexists(b.dumpfile) and not b.node.running()


def test_migrate_to_needs_a_running_container(pair):
    a, _ = pair
    assert a.agent("migrate_to", CRM_meta_migrate_target="b").rc == 1
    assert a.agent("migrate_to", dumpfile="").rc == 1   # without dumpfile: test_dropin
    assert not a.node.running() and "chkpnt" not in commands(a)


def test_a_failed_migrate_to_leaves_the_container_running(pair):
    a, _ = pair
    assert a.agent("start").rc == 0
    a.node.inject("chkpnt-fail", 1)
    to = a.agent("migrate_to", CRM_meta_migrate_target="b")
    assert to.rc == 1 and a.node.running()
    assert not os.path.lexists(a.dumpfile)


def test_a_failed_migrate_from_restore_sets_the_dump_aside(pair):
    a, b = pair
    assert a.agent("start").rc == 0
    assert a.agent("migrate_to", CRM_meta_migrate_target="b").rc == 0
    b.node.inject("restore-fail", 1)
    frm = b.agent("migrate_from", CRM_meta_migrate_target="b")
    assert frm.rc == 1 and not b.node.running()
    assert any(".failed-" in n for n in dump_names(b)) and not os.path.lexists(b.dumpfile)
    assert b.agent("start").rc == 0 and b.node.running()   # then a cold start


def test_migrate_from_on_a_running_container_sets_the_dump_aside(pair):
    a, b = pair
    assert a.agent("start").rc == 0
    assert a.agent("migrate_to", CRM_meta_migrate_target="b").rc == 0
    b.node.start_cold()
    frm = b.agent("migrate_from", CRM_meta_migrate_target="b")
    assert frm.rc == 0 and "restore" not in commands(b)
    assert any(".stale-" in n for n in dump_names(b))


# -- OpenVZ 7: a node without the container's config registers its private area --------------
# On ext4/xfs over DRBD the `.owner` check (vzctl exit 141) never applies (libvzctl
# lib/cluster.c: GFS2, NFS and FUSE only): what b lacks is /etc/vz/conf/101.conf.

@pytest.fixture
def vz7_shared(world):
    """Container 101's private area on the replicated filesystem, registered on a only."""
    a, b = make_sites(world, "vz7")
    private = os.path.join(a.shared, "private", "101")
    a.node.create("101", private=private)
    return a, b, private


def test_probe_on_a_node_without_the_containers_config(vz7_shared):
    a, b, private = vz7_shared
    assert b.agent("monitor").rc == 7
    start = b.agent("start")
    assert start.rc == 5 and "register_private" in start.reasons()[-1]


def test_start_registers_the_private_area_and_restores(vz7_shared):
    a, b, private = vz7_shared
    assert a.checkpointing("start").rc == 0
    memory = a.node.memory()
    assert a.checkpointing("stop").rc == 0
    with open(os.path.join(private, ".owner")) as f:
        assert f.read().strip() == "a"
    start = b.checkpointing("start", register_private=private)
    assert start.rc == 0, start
    assert ["register", private, "101", "--force"] in b.node.calls()
    with open(os.path.join(private, ".owner")) as f:
        assert f.read().strip() == "b"
    assert b.node.running() and b.node.memory() == memory
    assert a.agent("monitor").rc == 7   # stopped there


def test_register_runs_whenever_the_config_is_missing_here(vz7_shared, world):
    """Even where vzctl status says the private area exists (found through vz.conf's
    VE_PRIVATE template), a node without 101.conf registers before it starts."""
    a, b, private = vz7_shared
    wrapper = os.path.join(world, "vzctl-b-status")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\n[ \"$1\" = status ] && [ ! -e %s ] && "
                "{ echo 'VEID 101 exist unmounted down'; exit 0; }\nexec %s \"$@\"\n"
                % (b.node.vz.conf_path("101"), b.vzctl))
    os.chmod(wrapper, 0o755)
    start = b.agent("start", vzctl=wrapper, register_private=private)
    assert start.rc == 0, start
    assert commands(b)[:1] == ["register"] and b.node.running()


def test_register_needs_the_private_area_here(vz7_shared, world):
    a, b, private = vz7_shared
    start = b.agent("start", register_private=os.path.join(world, "unmounted", "101"))
    assert start.rc == 5 and "is the replicated filesystem mounted" in start.reasons()[-1]
