"""Benchmark: ``crm-ve check`` side by side with ``crm_verify -x`` (and ``crm configure verify`` at 1,000
containers) on the same generated CIBs, printing wall time, CPU and peak memory, and the ratios of wall time.

Targets: crm-ve <= 2.0x crm_verify at 50 containers (a typical cluster: start-up, the agents' meta-data read
from the per-user cache after the first run, the rules); <= 0.25x crm_verify at 5,000 containers,
<= 0.05x at 20,000; crm-ve 20,000/5,000 <= 4.5x (linear); crm-ve's peak memory at 20,000 <= crm_verify's;
crm-ve >= 20x faster than ``crm configure verify`` at 1,000.

crm-ve is measured as users run it: the project is pip-installed (a wheel, byte-compiled) into a private venv in
a temporary directory; ``--dev`` measures the ``crm-ve`` next to this Python instead (the editable development
install, whose import finder adds some start-up time).

The tools run interleaved (crm-ve, crm_verify, crm-ve, ...), so that a load that comes and goes on the machine
weighs on both alike; a ratio is the median of the ratios of the runs side by side. At 50 containers crm-ve also
runs on the same CIB with ``validate-with="none"`` (no Relax NG schema to compile and validate against): the
difference is the schema validation's share, printed apart.

Usage: ``python bench/validator_speed.py [--sizes 50,1000,5000,20000] [--repeat 3] [--dev]``: each size is run
``--repeat`` times, 50 containers ten times as often (a run takes a few hundredths of a second and the ratio
is what is measured). Exits 1 when a target is missed.
This is a benchmark, not a test: run it on a machine as quiet as can be.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_cib import generate  # noqa: E402

STACKS = {50: 5, 1000: 50, 5000: 100, 20000: 200}
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def measure(argv, env=None):
    """Wall seconds, CPU seconds (user+sys) and peak RSS (MiB) of one run of argv (exit 0 or 1 expected)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{argv[0]} exited {code}: {process.stderr.read().decode()[:500]}")
    process.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def interleaved(commands, repeat):
    """``commands`` is ``{tool: (argv, env, runs)}`` (``runs`` at most ``repeat``): every tool's runs, one of each
    in turn, as ``{tool: [(wall, cpu, peak MiB), ...]}``."""
    runs = {tool: [] for tool in commands}
    for round_ in range(repeat):
        for tool, (argv, env, limit) in commands.items():
            if round_ < limit:
                runs[tool].append(measure(argv, env))
    return runs


def medians(runs):
    return tuple(statistics.median(values) for values in zip(*runs))


def paired_ratio(runs, tool, other):
    """The median, over the rounds both ran, of ``tool``'s wall time over ``other``'s."""
    return statistics.median(a[0] / b[0] for a, b in zip(runs[tool], runs[other]))


def without_schema(cib_text):
    """The same CIB naming no schema: crm-ve then neither compiles nor validates against one."""
    head, found, tail = cib_text.partition('validate-with="pacemaker-')
    if not found:
        raise SystemExit("the generated CIB names no pacemaker schema")
    return head + 'validate-with="none"' + tail.split('"', 1)[1]


def dev_crm_ve():
    """The ``crm-ve`` next to this Python, its package byte-compiled first (an editable install under
    PYTHONDONTWRITEBYTECODE would otherwise compile every module from source on every run)."""
    package = subprocess.run([sys.executable, "-c", "import crm_ve; print(crm_ve.__file__)"], check=True,
                             capture_output=True, text=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(package).parent)], check=True)
    return str(Path(sys.executable).with_name("crm-ve"))


def installed_crm_ve(directory):
    """``crm-ve`` pip-installed from this checkout into a new venv under ``directory``, as a user gets it."""
    venv = Path(directory) / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(PROJECT_ROOT)], check=True)
    return str(venv / "bin" / "crm-ve")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50,1000,5000,20000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dev", action="store_true", help="measure the development (editable) install")
    args = parser.parse_args()
    for tool in ("crm_verify",):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed")
    results, ratios, schema_share = {}, {}, None
    with tempfile.TemporaryDirectory() as tmp:
        crm_ve = dev_crm_ve() if args.dev else installed_crm_ve(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            cib = Path(tmp) / f"cib-{size}.xml"
            cib.write_text(generate(size, STACKS.get(size, max(50, size // 100))))
            repeat = args.repeat * 10 if size <= 50 else args.repeat
            commands = {"crm-ve": ([crm_ve, "check", str(cib)], None, repeat),
                        "crm_verify": (["crm_verify", "-x", str(cib)], None, 1 if size >= 20000 else repeat)}
            if size <= 50:
                unchecked = Path(tmp) / f"cib-{size}-no-schema.xml"
                unchecked.write_text(without_schema(cib.read_text()))
                commands["crm-ve, no schema"] = ([crm_ve, "check", str(unchecked)], None, repeat)
            if size == 1000 and shutil.which("crm"):
                commands["crm configure verify"] = (["crm", "configure", "verify"],
                                                    {**os.environ, "CIB_file": str(cib)}, 1)
            runs = interleaved(commands, repeat)
            for tool in commands:
                results[size, tool] = medians(runs[tool])
                if tool != "crm-ve":
                    ratios[size, tool] = paired_ratio(runs, "crm-ve", tool)
            if size == 50:
                schema_share = statistics.median(a[0] - b[0] for a, b in zip(runs["crm-ve"],
                                                                              runs["crm-ve, no schema"]))
    print(f"{'containers':>10}  {'tool':<22}{'wall s':>9}{'cpu s':>9}{'peak MiB':>10}{'crm-ve / tool':>15}")
    for (size, tool), (wall, cpu, rss) in results.items():
        ratio = f"{ratios[size, tool]:>14.3f}x" if (size, tool) in ratios else ""
        print(f"{size:>10}  {tool:<22}{wall:>9.3f}{cpu:>9.3f}{rss:>10.1f}{ratio}")
    if schema_share is not None:
        print(f"at 50 containers the schema validation (compiling the Relax NG schema, validating against it) "
              f"takes {schema_share:.3f} s of crm-ve's {results[50, 'crm-ve'][0]:.3f} s "
              f"({schema_share / results[50, 'crm-ve'][0]:.0%}), "
              f"{schema_share / results[50, 'crm_verify'][0]:.2f}x crm_verify's wall time")
    targets = []
    if (50, "crm-ve") in results:
        targets.append(("crm-ve / crm_verify at 50 <= 2.0", ratios[50, "crm_verify"], 2.0))
    if (5000, "crm-ve") in results:
        targets.append(("crm-ve / crm_verify at 5,000 <= 0.25", ratios[5000, "crm_verify"], 0.25))
    if (20000, "crm-ve") in results:
        targets.append(("crm-ve / crm_verify at 20,000 <= 0.05", ratios[20000, "crm_verify"], 0.05))
        targets.append(("crm-ve peak memory / crm_verify's at 20,000 <= 1",
                        results[20000, "crm-ve"][2] / results[20000, "crm_verify"][2], 1.0))
    if (5000, "crm-ve") in results and (20000, "crm-ve") in results:
        targets.append(("crm-ve 20,000 / 5,000 <= 4.5 (linear)",
                        results[20000, "crm-ve"][0] / results[5000, "crm-ve"][0], 4.5))
    if (1000, "crm configure verify") in results:
        targets.append(("crm-ve / crm configure verify at 1,000 <= 0.05 (20x faster)",
                        ratios[1000, "crm configure verify"], 0.05))
    missed = 0
    for label, value, limit in targets:
        ok = value <= limit
        missed += not ok
        print(f"{'met   ' if ok else 'MISSED'} {label}: {value:.3f}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
