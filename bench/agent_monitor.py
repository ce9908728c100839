#!/usr/bin/env python3
"""Benchmark: CPU and wall time per call of ra/ManageVE against the upstream shell agent.

Both agents run against the same vzctl: a one-line shell stub that prints a running status
line (a Python stand-in would dominate the measurement).  The upstream agent,
/usr/lib/ocf/resource.d/heartbeat/ManageVE from the resource-agents package, is copied at run
time into a temporary directory and patched to call the stub (its vzctl path is hard-coded);
no copy of it is kept in this repository.  Runs are interleaved (ours, upstream, ours, ...),
so that load from other processes affects both alike, and medians are reported.

CPU is user+system time of the agent and everything it ran (vzctl, awk, ...), from the
rusage of os.wait4.  Target (issue 7): our monitor costs <= 0.6x upstream's CPU.

Also timed: meta-data, and start of a stopped container (a two-state shell stub: status
prints down until start has run).

Ours runs as installed: ra/ManageVE under a temporary OCF root (OCF_ROOT points there), its
library in lib/crm-ve/manage_ve byte-compiled by the agent's interpreter, as `crm-ve install`
does.  --checkout runs ra/ManageVE in place instead, importing ra/lib uncompiled (the agent
never writes bytecode), which is what a developer measures without installing.

    python3 bench/agent_monitor.py [--runs 200] [--json] [--checkout]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OURS = os.path.join(HERE, os.pardir, "ra", "ManageVE")
OURS_LIBRARY = os.path.join(HERE, os.pardir, "ra", "lib", "manage_ve")
UPSTREAM = "/usr/lib/ocf/resource.d/heartbeat/ManageVE"
UPSTREAM_VZCTL_LINE = "VZCTL=/usr/sbin/vzctl"
TARGET_RATIO = 0.6


def write_executable(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


def patched_upstream(workdir, vzctl):
    """A copy of the upstream agent that calls `vzctl` instead of /usr/sbin/vzctl."""
    with open(UPSTREAM) as f:
        text = f.read()
    if text.count(UPSTREAM_VZCTL_LINE + "\n") != 1:
        sys.exit("bench: cannot patch %s: expected one line %r" % (UPSTREAM, UPSTREAM_VZCTL_LINE))
    path = os.path.join(workdir, "upstream-ManageVE")
    write_executable(path, text.replace(UPSTREAM_VZCTL_LINE + "\n", "VZCTL=%s\n" % vzctl))
    return path


def installed_agent(ocf_root):
    """Ours as `crm-ve install` lays it out under `ocf_root`: (agent path, interpreter)."""
    provider = os.path.join(ocf_root, "resource.d", "crm-ve")
    os.makedirs(provider)
    agent = os.path.join(provider, "ManageVE")
    shutil.copy2(OURS, agent)
    library = os.path.join(ocf_root, "lib", "crm-ve", "manage_ve")
    shutil.copytree(OURS_LIBRARY, library, ignore=shutil.ignore_patterns("__pycache__"))
    with open(OURS) as f:
        interpreter = f.readline()[2:].split()[0]
    subprocess.run([interpreter, "-I", "-m", "compileall", "-q", library], check=True)
    return agent


def run_once(argv, env, before=None):
    """(rc, cpu seconds, wall seconds) of one agent call, its children included."""
    if before:
        before()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    rc = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    return rc, usage.ru_utime + usage.ru_stime, wall


def measure(cases, runs):
    """cases: [(label, argv, env, expected rc, before)]; interleaved runs, medians."""
    samples = {case[0]: [] for case in cases}
    for case in cases:   # warm up caches once, and check that each call does what we think
        rc = run_once(case[1], case[2], case[4])[0]
        if rc != case[3]:
            sys.exit("bench: %s exited %d, expected %d" % (case[0], rc, case[3]))
    for _ in range(runs):
        for label, argv, env, expected, before in cases:
            rc, cpu, wall = run_once(argv, env, before)
            if rc != expected:
                sys.exit("bench: %s exited %d, expected %d" % (label, rc, expected))
            samples[label].append((cpu, wall))
    return {label: (statistics.median(s[0] for s in values) * 1000,
                    statistics.median(s[1] for s in values) * 1000)
            for label, values in samples.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="interleaved runs per case")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--checkout", action="store_true",
                        help="run ra/ManageVE in place (uncompiled library), not as installed")
    args = parser.parse_args()
    for path in (OURS, UPSTREAM):
        if not os.access(path, os.X_OK):
            sys.exit("bench: %s is missing or not executable" % path)

    workdir = tempfile.mkdtemp(prefix="crm-ve-bench-")
    try:
        running = os.path.join(workdir, "vzctl-running")
        write_executable(running, '#!/bin/sh\necho "CTID 101 exist mounted running"\n')
        state = os.path.join(workdir, "started")
        two_state = os.path.join(workdir, "vzctl-two-state")
        write_executable(two_state, (
            '#!/bin/sh\n'
            'case "$1" in\n'
            'status) if [ -e %(s)s ]; then echo "CTID 101 exist mounted running"; '
            'else echo "CTID 101 exist unmounted down"; fi ;;\n'
            'start) : > %(s)s ;;\n'
            'esac\n') % {"s": state})
        upstream_running = patched_upstream(workdir, running)
        up_dir = os.path.join(workdir, "two")
        os.mkdir(up_dir)
        upstream_two_state = patched_upstream(up_dir, two_state)

        base = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "bench",
                "OCF_RESKEY_veid": "101", "OCF_RESKEY_CRM_meta_timeout": "20000",
                "OCF_RESKEY_CRM_meta_interval": "10000", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                # where ours looks for a default dump to set aside before a cold start
                "OCF_RESKEY_vz_conf": os.path.join(workdir, "vz.conf")}
        ours = OURS
        if not args.checkout:
            ocf_root = os.path.join(workdir, "ocf")
            ours = installed_agent(ocf_root)
            base_ours = dict(base, OCF_ROOT=ocf_root)
        else:
            base_ours = base
        ours_running = dict(base_ours, OCF_RESKEY_vzctl=running)
        ours_two_state = dict(base_ours, OCF_RESKEY_vzctl=two_state)

        def stopped():
            if os.path.exists(state):
                os.unlink(state)

        figures = measure([
            ("monitor ours", [ours, "monitor"], ours_running, 0, None),
            ("monitor upstream", [upstream_running, "monitor"], base, 0, None),
            ("meta-data ours", [ours, "meta-data"], ours_running, 0, None),
            ("meta-data upstream", [upstream_running, "meta-data"], base, 0, None),
            ("start ours", [ours, "start"], ours_two_state, 0, stopped),
            ("start upstream", [upstream_two_state, "start"], base, 0, stopped),
        ], args.runs)
    finally:
        shutil.rmtree(workdir)

    result = {"runs": args.runs, "python": sys.version.split()[0], "cpus": os.cpu_count(),
              "ours": "checkout" if args.checkout else "installed",
              "target_monitor_cpu_ratio": TARGET_RATIO, "actions": {}}
    for action in ("monitor", "meta-data", "start"):
        ours, upstream = figures[action + " ours"], figures[action + " upstream"]
        result["actions"][action] = {
            "ours_cpu_ms": round(ours[0], 2), "ours_wall_ms": round(ours[1], 2),
            "upstream_cpu_ms": round(upstream[0], 2), "upstream_wall_ms": round(upstream[1], 2),
            "cpu_ratio": round(ours[0] / upstream[0], 3),
            "wall_ratio": round(ours[1] / upstream[1], 3)}
    ratio = result["actions"]["monitor"]["cpu_ratio"]
    result["target_met"] = ratio <= TARGET_RATIO
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print("ManageVE per call, median of %d interleaved runs (Python %s, %d CPUs, ours %s)"
          % (args.runs, result["python"], result["cpus"], result["ours"]))
    print("%-10s %12s %12s %12s %12s %9s %9s" % ("action", "ours cpu", "upstr cpu",
                                                  "ours wall", "upstr wall", "cpu x", "wall x"))
    for action, f in result["actions"].items():
        print("%-10s %9.2f ms %9.2f ms %9.2f ms %9.2f ms %9.3f %9.3f"
              % (action, f["ours_cpu_ms"], f["upstream_cpu_ms"], f["ours_wall_ms"],
                 f["upstream_wall_ms"], f["cpu_ratio"], f["wall_ratio"]))
    print("monitor CPU ratio %.3f: target <= %.1f %s"
          % (ratio, TARGET_RATIO, "met" if result["target_met"] else "NOT met"))


if __name__ == "__main__":
    main()
