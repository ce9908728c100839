"""Helpers for the templates tests (issue 9): the real crmsh with a private HOME, CIB checks.

See conftest.py for how crmsh is pointed at the repository's templates and scripts.
"""
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from crm_ve.package_files import data_dir
from support.cib_build import empty_cib

TEMPLATES = data_dir("templates")
SCRIPTS = TEMPLATES / "scripts"
CRMSH_SHARE = Path("/usr/share/crmsh")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMEOUT = 180


class ToolError(AssertionError):
    pass


def _clean(text):
    return _ANSI.sub("", text or "")


@dataclass
class Crmsh:
    """Runs the real ``crm`` with a private HOME whose crm.conf points crmsh at the repository's templates."""

    home: Path

    def env(self, cib=None, extra=None):
        env = {k: v for k, v in os.environ.items()
               if k not in ("CIB_file", "CIB_shadow", "CIB_shadow_dir", "CRM_CONFIG_FILE")}
        env.update(HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / ".config"),
                   XDG_CACHE_HOME=str(self.home / ".cache"))
        if cib is not None:
            env["CIB_file"] = str(cib)
        env.update(extra or {})
        return env

    def run(self, *argv, cib=None, check=True, input=None):
        proc = subprocess.run(["crm"] + [str(a) for a in argv], env=self.env(cib), capture_output=True, text=True,
                              input=input, timeout=TIMEOUT)
        if check and proc.returncode != 0:
            raise ToolError(f"crm {' '.join(map(str, argv))} (CIB_file={cib}) exited {proc.returncode}:\n"
                            f"{_clean(proc.stdout)}{_clean(proc.stderr)}")
        return proc


# --------------------------------------------------------------------------------------------------------------
# CIB helpers


def new_cib(path, schema=None):
    """An empty CIB with stonith-enabled=false and nodes node1, node2 (tests/support/cib_build.py)."""
    return Path(empty_cib(str(path), schema))


def template_examples(name):
    """{parameter: value} from the template's own ``# Example:`` / ``# %% NAME VALUE`` lines."""
    text = (TEMPLATES / name).read_text()
    return dict(re.findall(r"^# Example:\n# %% (\S+) (\S+)$", text, re.M))


def crm_verify(cib):
    proc = subprocess.run(["crm_verify", "-x", str(cib)], capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, f"crm_verify -x {cib}:\n{proc.stdout}{proc.stderr}"


def crm_ve(*argv):
    return subprocess.run([sys.executable, "-m", "crm_ve"] + [str(a) for a in argv], capture_output=True,
                          text=True, timeout=TIMEOUT)


def crm_ve_check_clean(cib):
    """``crm-ve check`` exits 0 and reports no error and no warning.

    CV406 (fencing disabled) is left out: these offline and single-node test CIBs have no fencing device, so
    they must disable fencing, and the templates do not configure fencing (a cluster-wide setting).
    """
    proc = crm_ve("check", "--format", "json", "--ignore", "CV406", cib)
    assert proc.returncode == 0, f"crm-ve check {cib} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
    report = json.loads(proc.stdout)
    loud = [f for f in report["findings"] if f.get("severity") in ("error", "warning")]
    assert not loud, f"crm-ve check {cib}: {loud}"


def xml(path):
    return etree.parse(str(path)).getroot()


def constraints(cib):
    return xml(cib).xpath("//constraints/rsc_order | //constraints/rsc_colocation")


def apply_template(crmsh, cib, config, template, params, method="update"):
    """template new + apply; the configuration (kept in ~/.config/crm/crmconf/CONFIG) is deleted afterwards."""
    crmsh.run("configure", "template", "new", config, template, "params", *params, cib=cib)
    try:
        crmsh.run("configure", "template", "apply", method, config, cib=cib)
    finally:
        crmsh.run("configure", "template", "delete", config, "force", cib=cib)


def examples_params(examples, **changes):
    """``name=value`` words for ``template new ... params`` / ``crm script`` from {name: value}."""
    merged = dict(examples, **changes)
    return [f"{k}={v}" for k, v in merged.items() if v is not None]


def script_verify_text(stdout):
    """The crm shell text in ``crm script verify`` output: its action bodies are indented by one tab, their
    continuation lines by two, without the backslashes ``crm configure load`` needs (crmsh joins them itself
    when it runs a script)."""
    lines = []
    for line in _clean(stdout).splitlines():
        if not line.startswith("\t") or not line.strip():
            continue
        line = line[1:].rstrip()
        if line.startswith("\t") and lines:
            lines[-1] += " \\"
        lines.append(line)
    assert lines, f"no configuration in crm script verify output:\n{stdout}"
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------------------
# what a stack CIB says, independent of the tool that wrote it

_ROLES = {"Master": "Promoted", "Slave": "Unpromoted", "Started": None, None: None}
_META_NAMES = {"master-max": "promoted-max", "master-node-max": "promoted-node-max"}


def seconds(value):
    """Pacemaker interval/timeout text to seconds (0, 29s, 2min, 1h)."""
    match = re.fullmatch(r"(\d+)\s*(ms|s|sec|m|min|h|hr)?", value or "0")
    assert match, value
    number, unit = int(match.group(1)), match.group(2) or "s"
    return number * {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600}[unit]


def _nvpairs(element, kind):
    return {nv.get("name"): nv.get("value") for nv in element.xpath(f"./{kind}/nvpair")}


def stack_summary(cib):
    """Resources (agent, parameters, operations, promotable parent) and constraints of a CIB, with role names,
    legacy meta names, default actions and kinds normalized: equal for equivalent CIBs."""
    root = xml(cib)
    resources = {}
    for primitive in root.iter("primitive"):
        parent = primitive.getparent()
        promotable = None
        if parent.tag in ("clone", "master"):
            meta = {_META_NAMES.get(k, k): v for k, v in _nvpairs(parent, "meta_attributes").items()}
            if parent.tag == "master":
                meta["promotable"] = "true"
            promotable = (parent.get("id"), tuple(sorted(meta.items())))
        ops = sorted((op.get("name"), seconds(op.get("interval")), _ROLES.get(op.get("role"), op.get("role")),
                      seconds(op.get("timeout"))) for op in primitive.iter("op"))
        agent = ":".join(filter(None, (primitive.get("class"), primitive.get("provider"), primitive.get("type"))))
        resources[primitive.get("id")] = (agent, tuple(sorted(_nvpairs(primitive, "instance_attributes").items())),
                                          tuple(ops), promotable)
    relations = set()
    for c in root.iter("rsc_colocation"):
        relations.add(("colocation", c.get("id"), c.get("rsc"), _ROLES.get(c.get("rsc-role")), c.get("with-rsc"),
                       _ROLES.get(c.get("with-rsc-role"), c.get("with-rsc-role")), c.get("score")))
    for o in root.iter("rsc_order"):
        first_action = o.get("first-action", "start")
        relations.add(("order", o.get("id"), o.get("first"), first_action, o.get("then"),
                       o.get("then-action", first_action), o.get("kind", "Mandatory")))
    return resources, relations


def assert_stack_orders(cib, clone, filesystem, containers):
    """crm_simulate, through crm_ve.simulate: on a cold start promote -> mount -> container start; on a move
    (standby of the primary) stop -> unmount -> demote, then promote -> mount -> start on the other node; and
    no problem in any scenario, for every container."""
    from crm_ve.simulate import Simulator, stack_facts

    with Simulator(cib, drbd_clone=clone) as sim:
        for container in containers:
            facts = {f.scenario: f for f in stack_facts(sim, clone, filesystem, container)}
            for fact in facts.values():
                assert fact.problems() == [], (container, fact)
            cold, move = facts["cold-start"], facts["standby-primary"]
            assert (cold.promote_before_mount, cold.mount_before_container_start) == (True, True), cold
            assert cold.container_nodes == cold.fs_nodes == cold.promoted_nodes and len(cold.fs_nodes) == 1
            assert (move.container_stop_before_unmount, move.unmount_before_demote, move.promote_before_mount,
                    move.mount_before_container_start) == (True, True, True, True), move
            assert move.container_nodes == move.fs_nodes == move.promoted_nodes != cold.promoted_nodes, move
            graph = move.result.graph
            primitive = sim.primitive
            old, new = cold.promoted_nodes[0], move.promoted_nodes[0]
            assert graph.waits_for((filesystem, "stop", old), (container, "stop", old))
            assert graph.waits_for((primitive, "demote", old), (filesystem, "stop", old))
            assert graph.waits_for((filesystem, "start", new), (primitive, "promote", new))
            assert graph.waits_for((container, "start", new), (filesystem, "start", new))
