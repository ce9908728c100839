"""The agent page's examples work as printed: crmsh and pcs accept them offline, and crm-ve finds no error.

Each example runs exactly as the page shows it, as a shell script, against a CIB file: ``CIB_file`` sends crmsh
there, and ``pcs`` is a shell function adding ``-f``. The agent is installed as ocf:crm-ve:ManageVE for the run
(crmsh and pcs read meta-data only from the OCF directory).
"""
import os
import re
import subprocess
import sys

import pytest

from crm_ve.manpages import agent as agent_page
from crm_ve.package_files import agent_path
from support.cib_build import cibadmin, empty_cib
from support.ocf_install import installed_agent
from support.tools import in_ci, require_tools

EXAMPLES = agent_page.examples()
PCS_OFFLINE = 'pcs() { command pcs -f "$CIB_file" "$@"; }\n'
#: crmsh's own judgement of a configuration ("WARNING: ..." or "ERROR: ..."); lines from crm_verify about the
#: offline CIB ("ERROR: (cluster_status) ...": no quorum, no fencing) start with a parenthesised function name.
_CRMSH_COMPLAINT = re.compile(r"(?:WARNING|ERROR): (?!\()(.*)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def agent_installed():
    if os.geteuid() != 0:
        message = "installing the agent into /usr/lib/ocf/resource.d needs root"
        if in_ci():
            pytest.fail(message + " (CI=true: run the tests as root)")
        pytest.skip(message)
    with installed_agent(agent_path(), agent_page.PROVIDER) as path:
        yield path


def _ids(text):
    """Resource and constraint ids the example defines (second word of crm lines, pcs create/group/clone)."""
    ids = set(re.findall(r"^(?:crm configure )?(?:primitive|group|ms|clone|colocation|order) (\S+)", text, re.M))
    ids |= set(re.findall(r"pcs resource create (\S+)", text)) | set(re.findall(r"--group (\S+)", text))
    return ids


@pytest.mark.parametrize("title,tool,text", EXAMPLES, ids=[title for title, _, _ in EXAMPLES])
def test_example_is_accepted_by_the_real_tool(agent_installed, tmp_path, title, tool, text):
    require_tools("crm" if tool == "crm" else "pcs", "cibadmin", "crm_attribute")
    cib = empty_cib(tmp_path / "cib.xml")
    script = text if tool == "crm" else PCS_OFFLINE + text
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], env=dict(os.environ, CIB_file=str(cib)),
                          capture_output=True, text=True, timeout=300)
    output = _ANSI.sub("", proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"{tool} refused the example {title!r}:\n{output}"
    complaints = _CRMSH_COMPLAINT.findall(output) if tool == "crm" else []
    assert not complaints, f"crmsh accepted {title!r} but complained: {complaints}"
    configuration = cibadmin(cib, "--query", "--scope", "configuration")
    missing = [i for i in _ids(text) if f'id="{i}"' not in configuration]
    assert not missing, f"{title!r}: not in the CIB after {tool} ran: {missing}"
    check = subprocess.run([sys.executable, "-m", "crm_ve", "check", str(cib)], capture_output=True, text=True,
                           timeout=300, env=dict(os.environ, CRM_VE_DISABLE_PLUGIN_AUTOLOAD="1"))
    assert check.returncode == 0, f"crm-ve check finds errors in the example {title!r}:\n{check.stdout}{check.stderr}"


def test_there_is_a_full_stack_example_in_both_syntaxes():
    stacks = {tool for title, tool, text in EXAMPLES
              if all(agent in text for agent in ("ocf:linbit:drbd", "ocf:heartbeat:Filesystem", "ManageVE"))}
    assert stacks == {"crm", "pcs"}
