"""Benchmark: small hostile CIBs that once made ``crm-ve check`` hang (issue 17, item 4), beside ``crm_verify -x``
on the same files: wall time, peak memory, how each run ended, and the ratio of wall times. No targets: these
record that the time is bounded and what it is.

* a rule referring to itself three times (430 bytes): crm-ve refuses it in one line (exit 2); crm_verify
  recurses until it crashes;
* a graph of rule references, each rule referring twice to the next (2**LEVELS paths), ending in a test that
  fails: crm-ve evaluates each rule once (Pacemaker stops at the first failing test of an ``and``);
* ``rsc-pattern="^(a|aa)+$"`` and a resource named sixty ``a`` and a ``b`` (Python's backtracking ``re`` did
  not finish; the C library's regexec, which Pacemaker and crm-ve use, takes microseconds);
* two unordered resource sets of 2,500 members each, in an order and in a colocation (473 KB): every member of
  one set is related to every member of the other, 6.25 million relations, which crm-ve builds one by one.

Usage: ``python bench/hostile_inputs.py [--verify-timeout 600] [--dev]`` (``--dev``: the ``crm-ve`` next to this
Python, else a private pip-installed venv, as validator_speed.py). This is a benchmark, not a test.

Measured with ``--dev --verify-timeout 400`` on this project's 2-core machine, shared with other work (load about
3), crm-ve of branch numbers at ff50d64:

| input | size | crm-ve | crm_verify -x | crm-ve / crm_verify |
|---|---:|---|---|---:|
| rule referring to itself | 0.6 KB | exit 2, 0.24 s, 23 MiB | segmentation fault, 0.57 s | 0.42 |
| rule references, 26 levels | 2.1 KB | exit 0, 0.18 s, 23 MiB | exit 0, 0.04 s | 4.0 |
| rule references, 60 levels | 4.2 KB | exit 0, 0.16 s, 23 MiB | exit 0, 0.07 s | 2.2 |
| ``^(a\\|aa)+$``, 60 a and b | 0.6 KB | exit 0, 0.25 s, 23 MiB | exit 0, 0.06 s | 4.4 |
| two unordered order sets | 460 KB | exit 0, 37 s, 2.39 GB | still running after 400 s (601 MiB) | < 0.09 |
| two unordered colocation sets | 460 KB | exit 0, 47 s, 2.19 GB | still running after 400 s (51 MiB) | < 0.12 |

With integ merged (e8b2f33: every input validated against its schema first; ``--verify-timeout 120``): the four
small inputs 0.23-0.24 s and 32 MiB each (ratios 0.30 to 5.5, crm_verify 0.04-0.79 s); the order sets 33 s and
2.41 GB, the colocation sets 23 s and 2.20 GB, crm_verify still running after 120 s on both.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validator_speed import dev_crm_ve, installed_crm_ve  # noqa: E402

HEAD = ('<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config>'
        '<cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set>'
        '</crm_config><nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>')
TAIL = "</configuration><status/></cib>\n"


def with_location(resources, rules):
    return (f"{HEAD}<resources>{resources}</resources><constraints><rsc_location id=\"l\" rsc=\"d\">{rules}"
            f"</rsc_location></constraints>{TAIL}")


def dummy(rid):
    return f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="Dummy"/>'


def self_reference():
    return with_location(dummy("d"), '<rule id="r" score="-INFINITY"><rule id-ref="r"/><rule id-ref="r"/>'
                                     '<rule id-ref="r"/></rule>')


def reference_graph(levels):
    rules = "".join(f'<rule id="r{i}"><rule id-ref="r{i + 1}"/><rule id-ref="r{i + 1}"/></rule>'
                    for i in range(levels))
    leaf = f'<rule id="r{levels}"><expression id="e" attribute="#uname" operation="eq" value="node9"/></rule>'
    return with_location(dummy("d"), f'<rule id="top" score="-INFINITY">{rules}{leaf}</rule>')


def backtracking_pattern():
    return (f'{HEAD}<resources>{dummy("a" * 60 + "b")}</resources><constraints><rsc_location id="l" '
            f'rsc-pattern="^(a|aa)+$" node="node1" score="100"/></constraints>{TAIL}')


def unordered_sets(tag, members=2500):
    resources = "".join(dummy(f"{side}{i}") for side in "ab" for i in range(members))
    sets = "".join(f'<resource_set id="s{side}" sequential="false">'
                   + "".join(f'<resource_ref id="{side}{i}"/>' for i in range(members)) + "</resource_set>"
                   for side in "ab")
    extra = 'kind="Mandatory"' if tag == "rsc_order" else 'score="INFINITY"'
    return (f'{HEAD}<resources>{resources}</resources><constraints><{tag} id="c" {extra}>{sets}</{tag}>'
            f"</constraints>{TAIL}")


CASES = (
    ("rule referring to itself", self_reference),
    ("rule references, 26 levels", lambda: reference_graph(26)),
    ("rule references, 60 levels", lambda: reference_graph(60)),
    ("^(a|aa)+$, 60 a and b", backtracking_pattern),
    ("two unordered order sets", lambda: unordered_sets("rsc_order")),
    ("two unordered colocation sets", lambda: unordered_sets("rsc_colocation")),
)


def run(argv, timeout):
    """(wall seconds, peak RSS MiB, how it ended) of one run of argv; a run still going after ``timeout`` seconds
    is killed and reported as still running."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    wall = time.perf_counter() - start
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        ended = f"still running after {timeout:g} s" if signum == signal.SIGKILL and wall >= timeout else \
            f"{signal.Signals(signum).name}"
    else:
        ended = f"exit {os.WEXITSTATUS(status)}"
    return wall, usage.ru_maxrss / 1024, ended


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verify-timeout", type=float, default=600.0)
    parser.add_argument("--dev", action="store_true", help="measure the development (editable) install")
    args = parser.parse_args()
    if not shutil.which("crm_verify"):
        raise SystemExit("crm_verify is not installed")
    print(f"{'input':<32}{'size':>9}  {'crm-ve':<30}{'crm_verify -x':<34}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        crm_ve = dev_crm_ve() if args.dev else installed_crm_ve(tmp)
        for label, make in CASES:
            path = Path(tmp) / "cib.xml"
            path.write_text(make())
            ours = run([crm_ve, "check", str(path)], max(args.verify_timeout, 600.0))
            theirs = run(["crm_verify", "-x", str(path)], args.verify_timeout)
            ratio = ours[0] / theirs[0]
            shown = f"< {ratio:.2f}" if theirs[2].startswith("still running") else f"{ratio:.2f}"
            print(f"{label:<32}{path.stat().st_size / 1024:>7.1f}KB  "
                  f"{ours[2] + f', {ours[0]:.2f} s, {ours[1]:.0f} MiB':<30}"
                  f"{theirs[2] + f', {theirs[0]:.2f} s, {theirs[1]:.0f} MiB':<34}{shown:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
