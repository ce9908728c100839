"""The committed pages in man/ are exactly what the generator produces now, under the pinned docutils."""
import os
import subprocess
import sys

import docutils

import pytest

from crm_ve.manpages import DOCUTILS_SERIES
from support.man_render import MAN_DIR

#: The committed pages are docutils 0.22's roff (Debian 12 has 0.19): not in the package build's tests.
pytestmark = pytest.mark.pypi

REGENERATE = "run '.venv/bin/crm-ve man' (or 'make man') and commit man/"


def run_man(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "crm_ve", "man", *map(str, args)], capture_output=True, text=True, timeout=300,
        env=dict(os.environ, **(env or {})),
    )


def test_docutils_is_the_pinned_series():
    # The generated roff differs between docutils releases; the pages are compared under this series only.
    assert docutils.__version__.startswith(DOCUTILS_SERIES + "."), (
        f"docutils {docutils.__version__} is installed; crm-ve pins {DOCUTILS_SERIES}.x (setup.cfg): "
        "reinstall the venv ('make venv')"
    )


def test_at_least_three_pages(generated):
    assert {"ocf_crm-ve_ManageVE.7", "crm-ve.1", "crm-ve-rules.7"} <= set(generated)


def test_committed_pages_equal_the_generated_ones(generated):
    stale = [name for name, roff in generated.items()
             if not (MAN_DIR / name).is_file() or (MAN_DIR / name).read_text(encoding="utf-8") != roff]
    assert not stale, f"man/{', man/'.join(stale)} out of date: {REGENERATE}"


def test_no_page_in_man_that_is_not_generated(generated):
    strays = sorted(p.name for p in MAN_DIR.iterdir() if p.suffix[1:].isdigit() and p.name not in generated)
    assert not strays, f"man/ has pages nothing generates: {strays}; remove them"


def test_crm_ve_man_check_passes_on_the_committed_pages():
    proc = run_man("--check")
    assert proc.returncode == 0, f"{proc.stderr}\n{REGENERATE}"


def test_generation_does_not_depend_on_terminal_time_or_locale(tmp_path):
    narrow, wide = tmp_path / "narrow", tmp_path / "wide"
    first = run_man("--output-dir", narrow, env={"COLUMNS": "40", "TZ": "Asia/Kolkata", "LC_ALL": "C"})
    second = run_man("--output-dir", wide, env={"COLUMNS": "250", "TZ": "UTC", "LC_ALL": "C.UTF-8",
                                                 "SOURCE_DATE_EPOCH": "0"})
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    names = sorted(p.name for p in narrow.iterdir())
    assert names == sorted(p.name for p in wide.iterdir())
    for name in names:
        assert (narrow / name).read_bytes() == (wide / name).read_bytes(), name


def test_regenerating_changes_nothing(tmp_path):
    assert run_man("--output-dir", tmp_path).returncode == 0
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    again = run_man("--output-dir", tmp_path)
    assert again.returncode == 0
    assert again.stdout == "", "a second run rewrote pages: " + again.stdout
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()} == before
