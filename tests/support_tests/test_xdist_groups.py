"""The installed pytest and pytest-xdist keep an xdist group on one worker (``make test`` runs the live, two-node
and install tests as one group; split across workers, they wait for each other's locks)."""
import subprocess
import sys
import textwrap

MODULE = textwrap.dedent('''\
    import os
    import time

    import pytest


    @pytest.mark.xdist_group("together")
    @pytest.mark.parametrize("case", range(8))
    def test_grouped(case):
        time.sleep(0.05)
        with open(os.path.join(os.environ["WORKERS_SEEN"], f"grouped-{case}"), "w") as seen:
            seen.write(os.environ.get("PYTEST_XDIST_WORKER", "none"))


    @pytest.mark.parametrize("case", range(8))
    def test_free(case):
        time.sleep(0.05)
''')


def test_a_group_runs_on_one_worker(tmp_path):
    (tmp_path / "test_grouping.py").write_text(MODULE)
    seen = tmp_path / "seen"
    seen.mkdir()
    # Only pytest-xdist among the installed plugins: the others cost each worker its start-up time.
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "xdist", "-n", "2", "--dist", "loadgroup", "-q",
                           "-p", "no:cacheprovider", "test_grouping.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={"WORKERS_SEEN": str(seen), "PATH": "/usr/bin:/bin",
                                                       "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workers = {path.read_text() for path in seen.iterdir()}
    assert len(list(seen.iterdir())) == 8
    assert len(workers) == 1 and workers != {"none"}, f"the group ran on {sorted(workers)}"
