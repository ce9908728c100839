"""pyflakes is clean over the agent, its library and crm_ve: no undefined or unused name anywhere."""
import os
import subprocess
import sys

from support.agent_sites import AGENT, REPO


def pyflakes(*paths):
    return subprocess.run([sys.executable, "-m", "pyflakes"] + list(paths), cwd=REPO,
                          capture_output=True, text=True)


def test_pyflakes_is_clean_over_ra_and_crm_ve():
    proc = pyflakes("ra", "crm_ve")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stdout + proc.stderr


def test_pyflakes_reads_the_agent_file_in_ra(tmp_path):
    """The agent has no .py suffix: pyflakes finds it by its #! line (else the check above would
    pass without reading it)."""
    ra = tmp_path / "ra"
    ra.mkdir()
    with open(AGENT) as f:
        (ra / "ManageVE").write_text(f.read() + "\nundefined_name_for_the_test\n")
    proc = pyflakes(str(ra))
    assert proc.returncode == 1 and "undefined name 'undefined_name_for_the_test'" in proc.stdout, proc
    assert os.path.basename(AGENT) in proc.stdout
