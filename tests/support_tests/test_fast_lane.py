"""What keeps ``make test-fast`` fast without losing a test: sampled sweeps and a session that caches its
rewritten test modules."""
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

SWEEPING = '''
from support.sweep import examples, sampled

def test_sweep():
    print("SAMPLED", sampled(list(range(20))), "EXAMPLES", examples(400))
'''

STOPS_BYTECODE = '''
import sys
sys.dont_write_bytecode = True

def test_after():
    pass
'''


def run_inner(tmp_path, text, *options):
    (tmp_path / "test_inner.py").write_text(text)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-s",
                           *options, "test_inner.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": str(TESTS),
                               "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})


def test_sweeps_run_every_case_unless_sampled_and_the_summary_says_which(tmp_path):
    whole = run_inner(tmp_path, SWEEPING)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert "sweeps: every case" in whole.stdout
    assert f"SAMPLED {list(range(20))} EXAMPLES 400" in whole.stdout

    sample = run_inner(tmp_path, SWEEPING, "--sample-sweeps", "-q")
    assert sample.returncode == 0, sample.stdout + sample.stderr
    assert "sweeps: one case in 8" in sample.stdout and "make test runs them all" in sample.stdout
    assert "SAMPLED [0, 8, 16] EXAMPLES 50" in sample.stdout


def test_a_module_that_stops_bytecode_for_the_session_is_refused(tmp_path):
    proc = run_inner(tmp_path, STOPS_BYTECODE)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "collecting test_inner.py set sys.dont_write_bytecode" in proc.stdout + proc.stderr
