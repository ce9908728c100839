"""Build slow things once per test session and share them with every process of the session.

tests/conftest.py makes a directory when the session starts, in the process that runs the session (under
pytest-xdist, the controller, before it starts the workers: they inherit ``CRM_VE_SESSION_CACHE``), and removes
it when the session ends. The first process that needs an entry builds it while it holds the entry's lock; the
others wait for the lock and read what it built. Without the variable (a helper run outside pytest) nothing is
cached: every call builds.
"""
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ENV = "CRM_VE_SESSION_CACHE"
_OWNED = pytest.StashKey[str]()


def begin(config):
    """Make the session's directory (a session started inside a test keeps its parent's)."""
    if os.environ.get(ENV):
        return
    directory = tempfile.mkdtemp(prefix="crm-ve-session-cache-")
    os.environ[ENV] = directory
    config.stash[_OWNED] = directory


def end(config):
    directory = config.stash.get(_OWNED, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop(ENV, None)


@contextlib.contextmanager
def _entry(key):
    """The path of KEY's entry, with its lock held; None when the session has no cache."""
    directory = os.environ.get(ENV)
    if not directory:
        yield None
        return
    entry = Path(directory, hashlib.sha256(key.encode()).hexdigest()[:40])
    with open(entry.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield entry
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def cached_file(key, target, build):
    """TARGET as ``build(path)`` writes it for KEY: built once per session, copied to TARGET; returns TARGET."""
    with _entry(key) as entry:
        if entry is None:
            build(target)
            return target
        if not entry.exists():
            partial = entry.with_suffix(".partial.xml")      # not *.bz2: Pacemaker compresses such a CIB_file
            build(partial)
            os.replace(partial, entry)
        shutil.copyfile(entry, target)
    return target


def cached_json(key, compute):
    """``compute()`` (a JSON value) for KEY, computed once per session."""
    with _entry(key) as entry:
        if entry is None:
            return compute()
        if not entry.exists():
            partial = entry.with_suffix(".partial")
            partial.write_text(json.dumps(compute()))
            os.replace(partial, entry)
        return json.loads(entry.read_text())
