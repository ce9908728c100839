"""Fixtures for the man page tests: the pages as generated now, and their rendering at 80 columns, each made once
per test session (shared by the pytest-xdist workers: tests/support/session_cache.py)."""
from pathlib import Path

import pytest

from crm_ve.manpages import build_pages
from support.man_render import render
from support.session_cache import cached_json


@pytest.fixture(scope="session")
def generated():
    """{filename: roff} as the generator produces it now."""
    return cached_json("man pages generated", build_pages)


@pytest.fixture(scope="session")
def page_files(generated, tmp_path_factory):
    """{filename: path} of the pages as generated now, written to a temporary directory."""
    directory = tmp_path_factory.mktemp("man")
    paths = {}
    for name, roff in generated.items():
        paths[name] = Path(directory, name)
        paths[name].write_text(roff, encoding="utf-8")
    return paths


@pytest.fixture(scope="session")
def rendered(page_files):
    """{filename: man -l text at 80 columns} of the pages as generated now."""
    return cached_json("man pages rendered", lambda: {name: render(path) for name, path in page_files.items()})
