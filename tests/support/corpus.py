"""Pacemaker's scheduler-suite CIBs (855 files): found from the project root at
``../shared/corpus/pacemaker-scheduler/`` or where ``CRM_VE_CORPUS`` points; a test that needs them fails when
CI=true and they are absent, and is skipped otherwise."""
import os
from pathlib import Path

import pytest

from support.tools import in_ci

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "pacemaker-scheduler"


def corpus_directory():
    return Path(os.environ.get("CRM_VE_CORPUS") or DEFAULT_CORPUS)


def corpus_files():
    """Every CIB of the corpus, sorted; fails (CI) or skips the calling test when the corpus is not there."""
    directory = corpus_directory()
    files = sorted(directory.glob("*.xml")) if directory.is_dir() else []
    if len(files) < 800:
        message = (f"the Pacemaker scheduler corpus is not at {directory} ({len(files)} CIBs found; "
                   "set CRM_VE_CORPUS to its directory)")
        if in_ci():
            pytest.fail(message + " (CI=true: the corpus must be there)")
        pytest.skip(message)
    return files
