"""``crm-ve man``: writes the pages atomically, --check names what is stale, bad input is one line."""
import os
import subprocess
import sys

import pytest

from support.man_render import CLI_PAGE

REGENERATE_HINT = "run 'crm-ve man' to regenerate"


def crm_ve_man(*args):
    return subprocess.run([sys.executable, "-m", "crm_ve", "man", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, CRM_VE_DISABLE_PLUGIN_AUTOLOAD=""))


@pytest.mark.pypi   # docutils 0.22
def test_writes_every_page_then_check_passes(tmp_path, generated):
    out = tmp_path / "man"
    proc = crm_ve_man("--output-dir", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(generated)
    assert all((out / name).read_text(encoding="utf-8") == roff for name, roff in generated.items())
    assert oct((out / CLI_PAGE).stat().st_mode & 0o777) == "0o644"
    assert crm_ve_man("--output-dir", out, "--check").returncode == 0


@pytest.mark.pypi   # docutils 0.22
def test_check_names_stale_missing_and_stray_pages_and_writes_nothing(tmp_path):
    assert crm_ve_man("--output-dir", tmp_path).returncode == 0
    (tmp_path / CLI_PAGE).write_text((tmp_path / CLI_PAGE).read_text() + ".\\\" edited\n")
    (tmp_path / "crm-ve-rules.7").unlink()
    (tmp_path / "old-page.8").write_text(".TH OLD 8\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    proc = crm_ve_man("--output-dir", tmp_path, "--check")
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert f"crm-ve: {tmp_path / CLI_PAGE} is out of date; {REGENERATE_HINT}" in lines
    assert f"crm-ve: {tmp_path / 'crm-ve-rules.7'} is missing; {REGENERATE_HINT}" in lines
    assert f"crm-ve: {tmp_path / 'old-page.8'} is not generated any more; {REGENERATE_HINT}" in lines
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.pypi   # docutils 0.22
def test_regenerating_repairs_and_leaves_no_temporary_files(tmp_path):
    assert crm_ve_man("--output-dir", tmp_path).returncode == 0
    (tmp_path / CLI_PAGE).write_text("stale\n")
    proc = crm_ve_man("--output-dir", tmp_path)
    assert proc.returncode == 0 and proc.stdout == f"wrote {tmp_path / CLI_PAGE}\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert crm_ve_man("--output-dir", tmp_path, "--check").returncode == 0


@pytest.mark.pypi   # docutils 0.22
def test_unwritable_output_is_one_line_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n")
    proc = crm_ve_man("--output-dir", blocker / "man")
    assert proc.returncode == 2
    assert proc.stderr.startswith("crm-ve: man: cannot create ") and len(proc.stderr.splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_without_docutils_or_with_another_series_one_line_says_what_to_install(tmp_path):
    """Debian 12's python3-docutils is 0.19: its roff differs from the committed pages', or it fails outright."""
    other = tmp_path / "other" / "docutils"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text('__version__ = "0.19"\n')
    hidden = tmp_path / "hidden" / "docutils"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text('raise ModuleNotFoundError("No module named docutils", name="docutils")\n')
    for path, installed in ((other.parent, "(docutils 0.19 is installed)"), (hidden.parent, "")):
        proc = subprocess.run([sys.executable, "-m", "crm_ve", "man", "--output-dir", tmp_path / "out"],
                              capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, PYTHONPATH=str(path), CRM_VE_DISABLE_PLUGIN_AUTOLOAD="1"))
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "needs docutils 0.22" in proc.stderr, proc.stderr
        assert installed in proc.stderr and "crm-ve[man]" in proc.stderr
    assert not (tmp_path / "out").exists()
