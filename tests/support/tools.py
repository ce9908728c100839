"""Tests that need a real tool: skip outside CI when it is missing, FAIL in CI (``CI=true``)."""
import os
import shutil

import pytest


def in_ci():
    return os.environ.get("CI", "").lower() == "true"


def require_tools(*names):
    """Call at the start of a test (or fixture) that runs ``names``; returns their paths."""
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        message = f"required tool(s) not installed: {', '.join(missing)}"
        if in_ci():
            pytest.fail(message + " (CI=true: the CI image must install them)")
        pytest.skip(message)
    return [shutil.which(n) for n in names]
