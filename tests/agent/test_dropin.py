"""Drop-in: a configuration that works with resource-agents' ocf:heartbeat:ManageVE works the
same with ocf:crm-ve:ManageVE.  Upstream's agent (installed with resource-agents) and this one run
side by side on the same configuration, against the same vzctl stand-in; upstream hard-codes
VZCTL=/usr/sbin/vzctl, so it runs from a copy whose VZCTL names the stand-in's wrapper."""
import os
import shlex
import xml.etree.ElementTree as ET

import pytest

from support.agent_sites import AGENT, make_sites, run_agent

UPSTREAM = "/usr/lib/ocf/resource.d/heartbeat/ManageVE"


def upstream_copy(world, vzctl):
    if not os.path.isfile(UPSTREAM):
        if os.environ.get("CI") == "true":
            pytest.fail("resource-agents' ManageVE is not installed")
        pytest.skip("resource-agents' ManageVE is not installed")
    with open(UPSTREAM) as f:
        text = f.read()
    assert text.count("\nVZCTL=/usr/sbin/vzctl\n") == 1
    path = os.path.join(world, "upstream-ManageVE-%d" % len(os.listdir(world)))
    with open(path, "w") as f:
        f.write(text.replace("\nVZCTL=/usr/sbin/vzctl\n", "\nVZCTL=%s\n" % shlex.quote(vzctl)))
    os.chmod(path, 0o755)
    return path


def side(world, name):
    """A world of its own for one of the two agents."""
    path = os.path.join(world, name)
    os.mkdir(path)
    return path


def migration_pair(world, dialect):
    """Two nodes whose default dump is on storage both reach, as upstream's migration needs:
    legacy DUMPDIR/Dump.ID, OpenVZ 7 PRIVATE/dump/Dump (one private area, on ext4 over DRBD,
    where OpenVZ 7 makes no owner check)."""
    sites = make_sites(world, dialect)
    shared = os.path.join(world, "shared")
    for site in sites:
        site.node.dumpdir = os.path.join(shared, "vzdump")
        os.makedirs(site.node.dumpdir, exist_ok=True)   # vzctl's package makes it; 3.0.x does not (V53)
        site.node.write_vz_conf()
        site.node.create("101", private=os.path.join(shared, "private", "101"))
        site.params["dumpfile"] = ""   # upstream's parameters only
    owner = os.path.join(shared, "private", "101", ".owner")
    if os.path.lexists(owner):
        os.unlink(owner)
    return sites


def migrate(world, dialect, agent_of):
    """start on a, migrate a -> b, stop: the exit codes, the checkpoint/restore calls, and
    whether the memory arrived."""
    a, b = migration_pair(world, dialect)
    rcs = []
    for site, action, settings in (
            (a, "start", {}), (a, "monitor", {}), (b, "monitor", {}),
            (a, "migrate_to", {"CRM_meta_migrate_target": "b"}),
            (b, "migrate_from", {"CRM_meta_migrate_source": "a"}),
            (a, "monitor", {}), (b, "monitor", {}), (b, "stop", {}), (b, "monitor", {})):
        if action == "migrate_to":
            memory = a.node.memory()
        run = site.agent(action, agent=agent_of(site), **settings)
        rcs.append((site.name, action, run.rc))
        if action == "migrate_from":
            arrived = b.node.running() and b.node.memory() == memory
    cpt = [argv for site in (a, b) for argv in site.node.calls()
           if argv[0] in ("chkpnt", "restore")]
    return rcs, cpt, arrived


@pytest.mark.parametrize("dialect", ["legacy", "legacy-3.0.22", "vz7"])
def test_migration_without_dumpfile_as_upstream(world, dialect):
    """Upstream migrates with vzctl chkpnt ID / vzctl restore ID (vzctl's default dump)."""
    theirs = migrate(side(world, "upstream"), dialect,
                     lambda site: upstream_copy(world, site.vzctl))
    ours = migrate(side(world, "ours"), dialect, lambda site: AGENT)
    assert ours[0] == theirs[0] == [
        ("a", "start", 0), ("a", "monitor", 0), ("b", "monitor", 7), ("a", "migrate_to", 0),
        ("b", "migrate_from", 0), ("a", "monitor", 7), ("b", "monitor", 0), ("b", "stop", 0),
        ("b", "monitor", 7)]
    assert ours[1] == theirs[1] == [["chkpnt", "101"], ["restore", "101"]]
    assert ours[2] and theirs[2]   # the memory moved with both


@pytest.mark.parametrize("dialect", ["legacy", "vz7"])
def test_a_failed_migration_without_dumpfile(world, dialect):
    """Both fail with OCF_ERR_GENERIC (on this node, not 6 everywhere) when vzctl fails."""
    results = []
    for name, agent_of in (("upstream", lambda site: upstream_copy(world, site.vzctl)),
                           ("ours", lambda site: AGENT)):
        a, b = migration_pair(side(world, name), dialect)
        assert a.agent("start", agent=agent_of(a)).rc == 0
        a.node.inject("chkpnt-fail")
        migrate_to = a.agent("migrate_to", agent=agent_of(a), CRM_meta_migrate_target="b")
        migrate_from = b.agent("migrate_from", agent=agent_of(b))   # no dump to restore
        results.append((migrate_to.rc, a.node.running(), migrate_from.rc, b.node.running()))
    assert results[0] == results[1] == (1, True, 1, False)


@pytest.mark.parametrize("veid", ["100", "1"])
def test_a_reserved_id_works_as_with_upstream(world, veid):
    """vzctl refuses only 0 (the host) and IDs above 2147483644 (legacy src/vzctl.c); IDs up to
    100 are reserved by convention, and upstream manages them, so this agent does too."""
    results = []
    for name, agent_of in (("upstream", lambda site: upstream_copy(world, site.vzctl)),
                           ("ours", lambda site: AGENT)):
        (a,) = make_sites(side(world, name), "legacy", names=("a",))
        a.node.create(veid)
        a.params.update(veid=veid, dumpfile="")
        rcs = [a.agent(action, agent=agent_of(a)).rc
               for action in ("monitor", "start", "monitor", "stop", "monitor")]
        results.append((rcs, [argv for argv in a.node.calls() if argv[0] != "status"]))
    assert results[0] == results[1] == ([7, 0, 0, 0, 7], [["start", veid], ["stop", veid]])


def test_veid_is_not_unique_as_upstream(world):
    """unique=0 in both: container IDs are per host (two DRBD pairs may each run a CT 101)."""
    def veid_unique(agent):
        root = ET.fromstring(run_agent("meta-data", {}, agent=agent).stdout)
        return next(p for p in root.iter("parameter") if p.get("name") == "veid").get("unique")
    assert veid_unique(upstream_copy(world, "/usr/sbin/vzctl")) == veid_unique(AGENT) == "0"
