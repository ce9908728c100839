"""The pre-commit hooks (.pre-commit-hooks.yaml) run by pre-commit itself on scratch git repositories.

pre-commit installs the hook repository into a virtualenv of its own (``language: python``: ``pip install .``),
so the hook repository is a snapshot of this source tree as it is now (tracked files with their working-tree
content, the package's new files, the manifest), committed once per module.  ``pre-commit try-repo`` (the
developer's way) builds that environment in a throwaway store each time, so it is used once; the other tests
name the snapshot in a .pre-commit-config.yaml (``repo:`` a path, ``rev:`` its commit), as a user would, with
a PRE_COMMIT_HOME private to the module: one environment, and nothing in the user's cache.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.cib_build import build_reference_crm, reference_crm
from support.tools import require_tools

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
#: Untracked files of these directories are part of the package being tested (new modules not yet committed).
PACKAGE_DIRS = ("crm_ve", "ra", "templates", "man")
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "crm-ve tests", "GIT_AUTHOR_EMAIL": "tests@crm-ve.invalid",
                "GIT_COMMITTER_NAME": "crm-ve tests", "GIT_COMMITTER_EMAIL": "tests@crm-ve.invalid"}

#: The reference stack without the order between DRBD's promotion and the Filesystem: an error (CV102).
BROKEN = dict(o_drbd_before_fs=None)
#: The error the hooks must report for BROKEN.
BROKEN_CODE = "CV102"


def _git(*args, cwd, env=None, check=True):
    proc = subprocess.run(["git", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **GIT_IDENTITY, **(env or {})}, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(map(str, args))}: {proc.stdout}{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """(path, commit) of a git repository holding this source tree as it is now, manifest included."""
    require_tools("git", "crm", "cibadmin", "crm_attribute")
    assert MANIFEST.is_file(), f"{MANIFEST} is missing"
    repo = tmp_path_factory.mktemp("hook-repo")
    tracked = _git("ls-files", "-z", cwd=ROOT).stdout.split("\0")
    new = _git("ls-files", "-z", "--others", "--exclude-standard", *PACKAGE_DIRS, cwd=ROOT).stdout.split("\0")
    for name in [n for n in tracked + new if n] + [MANIFEST.name]:
        source = ROOT / name
        if source.is_file():
            target = repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git("init", "-q", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "-q", "-m", "snapshot of crm-ve for the pre-commit tests", cwd=repo)
    return repo, _git("rev-parse", "HEAD", cwd=repo).stdout.strip()


@pytest.fixture(scope="module")
def pre_commit_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow", "NO_COLOR")}
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", **GIT_IDENTITY)
    return env


def pre_commit(*args, cwd, env):
    return subprocess.run([sys.executable, "-m", "pre_commit", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=600)


def use_hooks(scratch, hook_repo, *hook_ids):
    """A .pre-commit-config.yaml naming the snapshot repository (path and commit) and HOOK_IDS."""
    repo, rev = hook_repo
    hooks = "".join(f"      - id: {hook}\n" for hook in hook_ids)
    (scratch / ".pre-commit-config.yaml").write_text(f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n{hooks}")


@pytest.fixture
def scratch(tmp_path):
    """A scratch git repository with a clean cib.xml, a broken clusters/web.cib.xml and a malformed notes.xml."""
    repo = tmp_path / "cluster-config"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    build_reference_crm(repo / "cib.xml")
    (repo / "clusters").mkdir()
    build_reference_crm(repo / "clusters" / "web.cib.xml", **BROKEN)
    (repo / "notes.xml").write_text("<notes>not a CIB, and not even well-formed")
    return repo


def test_try_repo_passes_a_clean_cib_and_fails_the_broken_one_only(hook_repo, pre_commit_env, scratch):
    repo, rev = hook_repo
    _git("add", "-A", cwd=scratch)

    clean = pre_commit("try-repo", repo, "crm-ve-check", "--ref", rev, "--files", "cib.xml",
                       cwd=scratch, env=pre_commit_env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "crm-ve check (Pacemaker CIB)" in clean.stdout and "Passed" in clean.stdout

    every = pre_commit("try-repo", repo, "crm-ve-check", "--ref", rev, "--all-files",
                       cwd=scratch, env=pre_commit_env)
    assert every.returncode == 1, every.stdout + every.stderr
    assert "Failed" in every.stdout
    assert "clusters/web.cib.xml" in every.stdout and BROKEN_CODE in every.stdout
    # The files pattern: notes.xml (malformed, and no CIB) is not handed to crm-ve.
    assert "notes.xml" not in every.stdout


def test_a_git_commit_of_a_broken_cib_is_blocked_by_the_installed_hook(hook_repo, pre_commit_env, scratch):
    use_hooks(scratch, hook_repo, "crm-ve-check")
    installed = pre_commit("install", cwd=scratch, env=pre_commit_env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    _git("add", "cib.xml", "notes.xml", ".pre-commit-config.yaml", cwd=scratch)
    first = _git("commit", "-m", "clean CIB", cwd=scratch, env=pre_commit_env, check=False)
    assert first.returncode == 0, first.stdout + first.stderr

    _git("add", "clusters/web.cib.xml", cwd=scratch)
    blocked = _git("commit", "-m", "broken CIB", cwd=scratch, env=pre_commit_env, check=False)
    assert blocked.returncode != 0
    assert BROKEN_CODE in blocked.stdout + blocked.stderr
    assert _git("rev-list", "--count", "HEAD", cwd=scratch).stdout.strip() == "1"

    # Corrected, it goes in.
    build_reference_crm(scratch / "clusters" / "web.cib.xml")
    _git("add", "clusters/web.cib.xml", cwd=scratch)
    fixed = _git("commit", "-m", "corrected CIB", cwd=scratch, env=pre_commit_env, check=False)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert _git("rev-list", "--count", "HEAD", cwd=scratch).stdout.strip() == "2"


def test_a_malformed_cib_fails_the_hook_with_one_line(hook_repo, pre_commit_env, scratch):
    use_hooks(scratch, hook_repo, "crm-ve-check")
    (scratch / "cib.xml").write_text("<cib><configuration>")
    _git("add", "-A", cwd=scratch)
    proc = pre_commit("run", "--files", "cib.xml", cwd=scratch, env=pre_commit_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "exit code: 2" in proc.stdout
    assert "crm-ve: cib.xml:1:" in proc.stdout and "Traceback" not in proc.stdout


def test_the_crm_text_hook_checks_crm_shell_files(hook_repo, pre_commit_env, scratch):
    use_hooks(scratch, hook_repo, "crm-ve-check", "crm-ve-check-crm")
    (scratch / "good.crm").write_text(reference_crm())
    (scratch / "bad.crm").write_text(reference_crm(**BROKEN))
    _git("add", "-A", cwd=scratch)

    good = pre_commit("run", "--files", "good.crm", "cib.xml", cwd=scratch, env=pre_commit_env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "crm-ve check (crm shell text)" in good.stdout

    bad = pre_commit("run", "crm-ve-check-crm", "--files", "bad.crm", cwd=scratch, env=pre_commit_env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "bad.crm:" in bad.stdout and BROKEN_CODE in bad.stdout
