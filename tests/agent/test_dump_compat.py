"""A dump restored where it can work (issue 20, item 8): the provenance records what the dump
needs of a node, a start restores it only on a node that has it and starts cold otherwise; on
legacy vzctl with an upstream kernel, which ignores --dumpfile, nothing is checkpointed."""
import os

import pytest

from support.agent_sites import make_sites
from support.vzctl_standin import CPU_FLAGS


def read_record(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def set_aside(site, kind="stale"):
    directory = os.path.dirname(site.dumpfile)
    return [name for name in os.listdir(directory)
            if name.startswith(os.path.basename(site.dumpfile) + ".%s-" % kind)
            and not name.endswith(".provenance")]


def moved(a, b):
    """Start on a, stop with checkpoint on a, start on b: the start on b."""
    assert a.checkpointing("start").rc == 0
    memory = a.node.memory()
    stop = a.checkpointing("stop")
    assert stop.rc == 0, stop
    assert os.path.lexists(a.dumpfile)
    start = b.checkpointing("start")
    assert start.rc == 0, start
    assert b.node.running()
    return start, memory


def test_a_legacy_dump_records_the_nodes_cpt_version_and_caps(world):
    a, b = make_sites(world, "legacy")
    for site in (a, b):
        site.node.create("101")
    a.node.set_cpt(version=14, caps=1023)
    assert a.checkpointing("start").rc == 0
    assert a.checkpointing("stop").rc == 0
    record = read_record(a.dumpfile + ".provenance")
    assert (record["cpt_version"], record["cpt_caps"]) == ("14", "1023")
    assert record["kernel_release"] == os.uname()[2]
    assert "cpu_flags" not in record


@pytest.mark.parametrize("version, caps", [(12, 255), (11, 255), (12, 511)])
def test_a_legacy_dump_is_restored_only_on_the_same_version_with_its_caps(world, version, caps):
    a, b = make_sites(world, "legacy")
    for site in (a, b):
        site.node.create("101")
    a.node.set_cpt(version=version, caps=caps)
    b.node.set_cpt(version=12, caps=255)
    start, memory = moved(a, b)
    compatible = (version, caps) == (12, 255)
    assert (b.node.memory() == memory) == compatible
    assert ("start" in [argv[0] for argv in b.node.calls()]) == (not compatible)
    assert len(set_aside(b)) == (0 if compatible else 1)
    if not compatible:
        assert "CPT version" in start.stderr or "CPU capabilities" in start.stderr
        assert "set aside" in start.stderr and "started container 101 cold" in start.stderr


def test_caps_a_subset_of_this_nodes_restore(world):
    a, b = make_sites(world, "legacy")
    for site in (a, b):
        site.node.create("101")
    a.node.set_cpt(caps=0b0101)
    b.node.set_cpt(caps=0b1111)
    _start, memory = moved(a, b)
    assert b.node.memory() == memory and not set_aside(b)


@pytest.mark.parametrize("lacking, side", [("b", "this node"), ("a", "the dump's node")])
def test_without_vzcptcheck_the_dump_is_restored_with_a_warning(world, lacking, side):
    a, b = make_sites(world, "legacy")
    for site in (a, b):
        site.node.create("101")
    a.node.set_cpt(version=11)   # would not fit b, were it known
    os.unlink(os.path.join({"a": a, "b": b}[lacking].dir, "vzcptcheck"))
    start, memory = moved(a, b)
    assert b.node.memory() == memory and not set_aside(b)
    assert "cannot be told (%s)" % side in start.stderr


@pytest.mark.parametrize("extra", [(), ("avx512f",)])
def test_a_vz7_dump_is_restored_only_where_the_cpu_has_its_flags(world, extra):
    a, b = make_sites(world, "vz7")
    for site in (a, b):
        site.node.create("101")
    a.node.set_cpu_flags(CPU_FLAGS + extra)
    b.node.set_cpu_flags(CPU_FLAGS + ("rdrand",))
    start, memory = moved(a, b)
    assert (b.node.memory() == memory) == (not extra)
    assert len(set_aside(b)) == len(extra)
    if extra:
        assert "missing CPU flags avx512f" in start.stderr
        kept = os.path.join(os.path.dirname(b.dumpfile), set_aside(b)[0])
        assert os.path.isdir(kept)
        assert "avx512f" in read_record(kept + ".provenance")["cpu_flags"].split()


def test_a_vz7_dump_records_the_flags_every_cpu_has(world):
    a, = make_sites(world, "vz7", names=("a",))
    a.node.create("101")
    with open(a.node.cpuinfo, "w") as f:
        f.write("processor\t: 0\nflags\t\t: fpu sse avx\n\nprocessor\t: 1\nflags\t\t: fpu sse\n")
    assert a.checkpointing("start").rc == 0
    assert a.checkpointing("stop").rc == 0
    record = read_record(a.dumpfile + ".provenance")
    assert record["cpu_flags"] == "fpu sse"
    assert "cpt_version" not in record


def test_upstream_kernel_stop_is_hard_and_says_memory_is_not_kept(world):
    a, = make_sites(world, "legacy", names=("a",))
    a.node.create("101")
    assert a.checkpointing("start").rc == 0
    a.node.set_kernel("upstream")
    stop = a.checkpointing("stop")
    assert stop.rc == 0, stop
    assert not a.node.running()
    assert "memory is not kept" in stop.stderr
    assert "chkpnt" not in [argv[0] for argv in a.node.calls()]
    assert not os.path.lexists(a.dumpfile)
    start = a.checkpointing("start")
    assert start.rc == 0 and a.node.running()
    assert a.agent("monitor").rc == 0


def test_upstream_kernel_validate_all_depth_10_is_not_installed(world):
    a, = make_sites(world, "legacy", names=("a",))
    a.node.create("101")
    a.node.set_kernel("upstream")
    deep = a.agent("validate-all", OCF_CHECK_LEVEL="10")
    assert deep.rc == 5, deep
    assert any("ignores --dumpfile" in reason for reason in deep.reasons())
    assert a.agent("validate-all").rc == 0
    assert a.agent("validate-all", OCF_CHECK_LEVEL="10", dumpfile="").rc == 0
