"""README.md's and crm-ve(1)'s commands do what they say, run as written where they can run offline: the checking
commands on the bundled examples, the configuration block, the stack commands, the man page's examples."""
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crm_ve.manpages.cli import EXAMPLES

from support.ocf_install import manage_ve_agent  # noqa: F401 (pcs reads ocf:crm-ve:ManageVE's meta-data)
from support.tools import require_tools

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
CRM_VE = [sys.executable, "-m", "crm_ve"]
TIMEOUT = 300


def block_after(heading, starting):
    """The indented block of the section under ``heading`` whose first line starts with ``starting``."""
    section = README.split(heading, 1)[1]
    lines = section.splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip().startswith(starting) and line.startswith("    "))
    block = []
    for line in lines[first:]:
        if not line.startswith("    ") and line.strip():
            break
        block.append(line[4:])
    return [line for line in block if line.strip()]


def command(line):
    """A README command line as argv: the comment after two spaces dropped, ``crm-ve`` as this interpreter's."""
    argv = shlex.split(line.split("  #", 1)[0])
    assert argv[0] == "crm-ve", line
    return CRM_VE + argv[1:]


@pytest.fixture
def workdir(tmp_path):
    shutil.copyfile(ROOT / "examples" / "good-stack.xml", tmp_path / "cib.xml")
    shutil.copyfile(ROOT / "examples" / "good-stack.crm", tmp_path / "site.crm")
    return tmp_path


@pytest.mark.tools  # crm text is read by crmsh
def test_every_offline_checking_command_runs_on_the_good_example(workdir):
    ran = 0
    for line in block_after("## Checking a configuration", "crm-ve check"):
        if "--shadow" in line or "--live" in line or "<(" in line:
            continue  # a crm_shadow, a running cluster or a pipe from one: tests/inputs and tests/live run those
        if "json|sarif|github" in line:
            lines = [line.replace("json|sarif|github", fmt) for fmt in ("json", "sarif", "github")]
        else:
            lines = [line]
        for variant in lines:
            proc = subprocess.run(command(variant), cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT)
            assert proc.returncode == 0, f"{variant}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
            assert "Traceback" not in proc.stderr
            ran += 1
    assert ran >= 7


def test_the_configuration_block_is_read_as_documented(tmp_path):
    block = block_after("### Configuration", "[tool:crm_ve]")
    (tmp_path / "setup.cfg").write_text("\n".join(block) + "\n")
    shutil.copyfile(ROOT / "examples" / "broken-stack.xml", tmp_path / "cib.xml")
    proc = subprocess.run(CRM_VE + ["check", "cib.xml"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert proc.returncode == 1, proc.stderr  # strict, and the example has errors
    sarif = json.loads(proc.stdout)  # format = sarif
    codes = {result["ruleId"] for result in sarif["runs"][0]["results"]}
    assert codes == {"CV101", "CV102", "CV104"}, codes  # select = CV1, CV2, CV5: no CV406
    assert sarif["runs"][0]["properties"]["config"].endswith("setup.cfg")


def test_the_configuration_block_refuses_a_rule_that_does_not_exist(tmp_path):
    block = [line.replace("CV505", "CV105") for line in block_after("### Configuration", "[tool:crm_ve]")]
    (tmp_path / "setup.cfg").write_text("\n".join(block) + "\n")
    shutil.copyfile(ROOT / "examples" / "good-stack.xml", tmp_path / "cib.xml")
    proc = subprocess.run(CRM_VE + ["check", "cib.xml"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert proc.returncode == 2 and "CV105" in proc.stderr, proc.stderr


def test_the_stack_commands_print_and_apply(workdir, manage_ve_agent):
    require_tools("pcs", "cibadmin")
    new, add = block_after("## Building a stack", "crm-ve stack new")[:2]
    assert add.startswith("crm-ve stack add-container")
    (workdir / "cib.xml").write_bytes(subprocess.run(["cibadmin", "--empty"], capture_output=True,
                                                     check=True).stdout)
    printed = subprocess.run(command(new), cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT)
    assert printed.returncode == 0 and printed.stdout.startswith("pcs resource create vz1-drbd "), printed.stderr
    applied = subprocess.run(command(new) + ["-f", "cib.xml", "--apply"], cwd=workdir, capture_output=True,
                             text=True, timeout=TIMEOUT)
    assert applied.returncode == 0, applied.stderr
    added = subprocess.run(command(add), cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT)
    assert added.returncode == 0, added.stderr
    assert re.search(r'<primitive [^>]*id="ve102"', (workdir / "cib.xml").read_text())


@pytest.mark.tools  # crm text is read by crmsh
@pytest.mark.parametrize("example", [command for command, _ in EXAMPLES
                                     if "--live" not in command and "--shadow" not in command])
def test_the_man_page_examples_run_offline(workdir, example):
    shutil.copyfile(workdir / "site.crm", workdir / "stack.crm")
    proc = subprocess.run(command(example), cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode in (0, 1), f"{example}: exit {proc.returncode}\n{proc.stderr}"
    assert proc.stdout and "Traceback" not in proc.stderr
