"""Helpers for the structure-rule tests (CV2xx references, CV3xx the DRBD clone, CV6xx management).

CIBs come from the real tools: the reference stack (docs/pacemaker-semantics.md §1) built by crmsh (``ms``,
Master/Slave) and by pcs (promotable clone, Promoted), changed with the same tool (forced where the tool refuses
on purpose) or with cibadmin; findings come from the real checker with every built-in rule; fixes are run with
the real tools (crm with ``CIB_file``, pcs with ``-f``); crm_verify and crm_simulate say what Pacemaker makes of
the result.
"""
import shutil
import subprocess

from lxml import etree

from crm_ve.checker import check_document
from crm_ve.plugins import PluginHost
from crm_ve.reader import read_cib
from crm_ve.simulate import Simulator, stack_facts
from support.fix_commands import apply_fix, run_tool  # noqa: F401 (re-exported to the tests)
from support.cib_build import cibadmin, cibadmin_create, crm_load, pcs_run

STACK = ("ms_drbd_r0", "p_fs", "p_ve")
TIMEOUT = 120
_HOST = []


def host():
    if not _HOST:
        _HOST.append(PluginHost(autoload=False))
    return _HOST[0]


def check(path):
    """Every built-in rule's findings on ``path``."""
    findings, failures = check_document(read_cib(str(path)), host().rules, host().workload_agents)
    assert not failures, failures
    return findings


def found(path, code):
    return [f for f in check(path) if f.code == code]


def severities(path, code):
    return sorted(f.severity.label for f in found(path, code))


def blocking(path, codes_prefixes=("CV2", "CV3", "CV6")):
    """Warnings and errors of the structure rules (what a mistake-free stack must not get)."""
    return [f for f in check(path) if f.code.startswith(codes_prefixes) and f.severity.label in ("warning", "error")]


def fix_code(path, code, tool, rounds=3):
    """Apply the fixes of every ``code`` finding until there is none; returns the findings fixed."""
    fixed = []
    for _ in range(rounds):
        now = found(path, code)
        if not now:
            return fixed
        apply_fix(path, now[0], tool)
        fixed.append(now[0])
    assert not found(path, code), [f.message for f in found(path, code)]
    return fixed


def crm_verify(path):
    """(exit code, output) of ``crm_verify -x path``."""
    proc = subprocess.run([shutil.which("crm_verify"), "-V", "-x", str(path)], capture_output=True, text=True,
                          timeout=TIMEOUT)
    return proc.returncode, proc.stdout + proc.stderr


def copy(base, path):
    shutil.copyfile(str(base), str(path))
    return str(path)


def delete_constraints(path, *ids):
    root = etree.parse(str(path)).getroot()
    for cid in ids:
        element = root.find(f".//constraints/*[@id='{cid}']")
        assert element is not None, f"no constraint {cid} in {path}"
        cibadmin(str(path), "-D", "-X", f'<{element.tag} id="{cid}"/>')


def build(base, path, tool, drop=(), crm=(), pcs=(), raw=(), force=False):
    """A copy of ``base`` with constraints ``drop`` deleted, then crm lines or pcs argv lists applied with the
    tool that built ``base``, then raw (section, XML) added with cibadmin."""
    copy(base, path)
    delete_constraints(path, *drop)
    if tool == "crm" and crm:
        crm_load(str(path), "\n".join(crm), force=force)
    if tool == "pcs":
        for argv in pcs:
            pcs_run(str(path), *argv, force=force)
    for section, xml in raw:
        cibadmin_create(str(path), section, xml)
    return str(path)


def set_meta(path, resource, name, value):
    run_tool(["crm_resource", "--resource", resource, "--meta", "--set-parameter", name, "--parameter-value",
              value], path)


def stack_problems(path, scenario=None):
    """crm_simulate's order/placement problems of the reference stack (every scenario, or one)."""
    return [p for facts in stack_facts(str(path), *STACK) if scenario in (None, facts.scenario)
            for p in facts.problems()]


def cold_start(path):
    """The cold-start simulation result (graph and placement) of ``path``."""
    with Simulator(str(path)) as sim:
        return sim.cold_start()
