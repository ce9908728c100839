"""The test tree collects as one pytest session: no two test or helper modules share a basename.

pytest's default import mode puts each test directory on sys.path and imports modules by basename, so two
``test_x.py`` in different directories break collection of the whole suite (as CI runs it).
"""
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SHARED_NAMES = {"conftest.py", "__init__.py"}


def test_module_basenames_are_unique():
    names = Counter(
        path.name for path in TESTS.rglob("*.py")
        if path.name not in SHARED_NAMES and "plugins" not in path.relative_to(TESTS).parts
    )
    assert [name for name, count in names.items() if count > 1] == []
