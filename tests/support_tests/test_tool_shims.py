"""``--forbid-tools`` (make test-fast): a test during which a Pacemaker tool runs fails, even one that passes."""
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

INNER = '''
import subprocess

def test_expects_the_tool_to_fail():
    assert subprocess.run(["cibadmin", "--empty"], capture_output=True).returncode != 0

def test_runs_no_tool():
    assert subprocess.run(["true"]).returncode == 0
'''


def run_inner(tmp_path, *options):
    (tmp_path / "test_inner.py").write_text(INNER)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q",
                           *options, "test_inner.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": str(TESTS),
                               "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})


def test_a_test_that_runs_a_tool_fails_and_names_it(tmp_path):
    proc = run_inner(tmp_path, "--forbid-tools")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed, 1 passed" in proc.stdout, proc.stdout
    expected = "test_inner.py::test_expects_the_tool_to_fail ran Pacemaker tools under make test-fast (call): "
    assert expected in proc.stdout, proc.stdout
    assert "/cibadmin --empty" in proc.stdout and "@pytest.mark.tools" in proc.stdout


def test_without_the_option_the_shims_are_not_there(tmp_path):
    proc = run_inner(tmp_path)
    assert "ran Pacemaker tools" not in proc.stdout, proc.stdout
