"""Helpers for the CV4xx/CV5xx rule tests: CIBs built from the reference configuration by the real crmsh
(``ms``, Master/Slave) and the real pcs (promotable clone, Promoted), the findings of one rule, a finding's
fix applied with the same real tool, and crm_simulate on the result.

A :class:`Case` says how a CIB differs from the reference, once per tool: reference steps replaced or dropped
(``crm_changes``/``pcs_changes``, ``name=None`` drops a step) and lines or pcs argv lists added after it.
"""
import os
import shlex
import subprocess
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple

from crm_ve.checker import check_document
from crm_ve.plugins import PluginHost
from crm_ve.reader import read_cib
from crm_ve.simulate import Simulator
from support.cib_build import build_reference_crm, build_reference_pcs
from support.tools import require_tools

TOOLS = ("crm", "pcs")
TIMEOUT = 120
_HOST = None


def host():
    global _HOST
    if _HOST is None:
        _HOST = PluginHost(autoload=False)
    return _HOST


@dataclass
class Case:
    """One CIB, written once with crmsh and once with pcs."""

    name: str
    crm_changes: Dict[str, Optional[str]] = field(default_factory=dict)
    crm_extra: Tuple[str, ...] = ()
    pcs_changes: Dict[str, Optional[Sequence[str]]] = field(default_factory=dict)
    pcs_extra: Tuple[Sequence[str], ...] = ()
    force: bool = False

    def build(self, tool, directory):
        require_tools("cibadmin", "crm_attribute", "crm_simulate", tool)
        path = str(directory / f"{self.name}-{tool}.xml")
        if tool == "crm":
            build_reference_crm(path, force=self.force, extra=self.crm_extra, **self.crm_changes)
        else:
            build_reference_pcs(path, force=self.force, extra=self.pcs_extra, **self.pcs_changes)
        return path


def fs_low_ops(name, monitor_extra=()):
    """A case whose p_fs has start, stop and monitor timeouts below the advice (CV504); ``monitor_extra``
    (``name=value`` words) is added to its monitor."""
    return Case(
        name,
        crm_changes={"p_fs": "primitive p_fs Filesystem params device=/dev/drbd0 directory=/vz fstype=ext4 "
                             "op start timeout=10s interval=0 op stop timeout=60s interval=0 "
                             "op monitor interval=20s timeout=10s" + "".join(f" {w}" for w in monitor_extra)},
        pcs_changes={"p_fs": ["resource", "create", "p_fs", "ocf:heartbeat:Filesystem", "device=/dev/drbd0",
                              "directory=/vz", "fstype=ext4", "op", "start", "timeout=10s", "interval=0s", "stop",
                              "timeout=60s", "interval=0s", "monitor", "interval=20s", "timeout=10s",
                              *monitor_extra, "--no-default-ops"]})


def check(path, rules=None):
    """Every finding of the built-in rules (or of ``rules``) on ``path``, run in process like ``crm-ve check``."""
    document = read_cib(str(path))
    findings, failures = check_document(document, rules or host().rules, host().workload_agents)
    assert not failures, failures
    return findings


def findings(path, code):
    return [f for f in check(path) if f.code == code]


def run_command(command, path, tool):
    """Run one fix command (a shell command line) against the CIB file ``path``: ``CIB_file`` for crmsh,
    ``-f path`` for pcs."""
    argv = shlex.split(command)
    if tool == "pcs":
        assert argv[0] == "pcs", command
        command = "pcs -f " + shlex.quote(str(path)) + command[len("pcs"):]
    else:
        assert "crm " in command and "pcs" not in argv, command
    env = dict(os.environ, CIB_file=str(path))
    proc = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, f"{command} exited {proc.returncode}: {proc.stderr}{proc.stdout}"


def apply_fix(path, finding, tool):
    """Run ``finding``'s fix for ``tool`` ('crm' or 'pcs') on ``path``, in order."""
    commands = finding.fix.crm if tool == "crm" else finding.fix.pcs
    assert commands, f"{finding.code} has no {tool} fix: {finding.message}"
    for command in commands:
        assert command.split()[0] in (tool, "echo"), command
        run_command(command, path, tool)


def cold_start(path):
    """crm_simulate's first transition on ``path`` (all nodes online, nothing running)."""
    with Simulator(str(path)) as sim:
        return sim.cold_start()


def standby(path, node):
    """crm_simulate after a cold start, then ``node`` put in standby: (cold result, standby result)."""
    with Simulator(str(path)) as sim:
        cold = sim.cold_start()
        from crm_ve.simulate import set_standby
        copy = sim._copy_of(cold, f"standby-{node}")
        set_standby(copy, node)
        return cold, sim.run(f"standby-{node}", copy, description=f"standby of {node}")


def stack_nodes(result, fs="p_fs", ve="p_ve", clone="ms_drbd_r0"):
    """(promoted nodes, Filesystem nodes, container nodes) after a simulated transition."""
    after = result.after
    return after.promoted(clone), after.nodes(fs), after.nodes(ve)
