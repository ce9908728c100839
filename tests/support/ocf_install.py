"""Install an OCF agent into the system OCF directory for the length of a test session.

Pacemaker's executor (and crmsh, pcs) find agents only under ``/usr/lib/ocf/resource.d/PROVIDER``
(compiled in), so a test that runs an agent through a cluster installs it there, and removes it
afterwards; the library beside the agent (ra/lib) goes to ``/usr/lib/ocf/lib/crm-ve``, where the
installed agent looks for it.

Several test processes may use the same agent at once (engineers running their suites side by
side): each registers as a user under ``/run/crmve-ocf-install/PROVIDER.NAME/users`` and the last
one to leave removes the agent (the library has its own users, under ``library.crm-ve``).  Files are
removed only if a test installed them (the ``installed`` marker, which lists the directories it
created); files that were there before (a real install) are used if identical to the sources,
refused otherwise, and never overwritten or deleted.  A marker left by a test process that was
killed makes its files ours again: they are replaced or removed as needed.

``manage_ve_agent`` is the session fixture for ``ocf:crm-ve:ManageVE`` (crmsh and pcs accept an agent only
when it is installed there): a conftest.py imports it to make it available to its area.
"""
from __future__ import annotations

import contextlib
import fcntl
import filecmp
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from crm_ve.package_files import agent_path
from support.tools import in_ci

OCF_RESOURCE_DIR = Path("/usr/lib/ocf/resource.d")
#: Where an installed agent finds its library ($OCF_ROOT/lib/crm-ve, as crm-ve install places it).
OCF_LIBRARY_DIR = Path("/usr/lib/ocf/lib/crm-ve")
STATE_DIR = Path("/run/crmve-ocf-install")


class AgentInstallError(RuntimeError):
    pass


def _start_time(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _live_users(users: Path) -> list:
    """User files whose process still runs; the others are removed."""
    live = []
    for entry in users.glob("*"):
        pid, _, rest = entry.name.partition("-")
        started = rest.partition("-")[0]
        if pid.isdigit() and started and _start_time(int(pid)) == started:
            live.append(entry)
        else:
            entry.unlink(missing_ok=True)
    return live


@contextlib.contextmanager
def _locked(state: Path) -> Iterator[None]:
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _copy_into_place(source: Path, target: Path, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _make_directories(directory: Path) -> list:
    """Create ``directory`` and its missing parents (0755); the created ones, deepest first."""
    created = []
    while not directory.exists():
        created.append(directory)
        directory = directory.parent
    for path in reversed(created):
        path.mkdir(mode=0o755)
        path.chmod(0o755)
    return [str(path) for path in created]


@contextlib.contextmanager
def _shared_files(key: str, files: dict, what: str) -> Iterator[None]:
    """Install ``files`` ({target: (source, mode)}) while in the block, shared with other test processes
    under ``STATE_DIR/key`` (see the module's docstring)."""
    state = STATE_DIR / key
    users = state / "users"
    marker = state / "installed"
    me = users / f"{os.getpid()}-{_start_time(os.getpid())}-{uuid.uuid4().hex[:8]}"
    with _locked(state):
        users.mkdir(exist_ok=True)
        others = _live_users(users)
        present = [target for target in files if target.exists()]
        identical = len(present) == len(files) and all(
            filecmp.cmp(source, target, shallow=False) for target, (source, _mode) in files.items())
        if present and not identical:
            if not (marker.exists() and not others):
                raise AgentInstallError(
                    f"{present[0].parent} holds another {what}"
                    + (" (another test session is using it)" if others else
                       " (not installed by a test); not overwriting it"))
            for target, (source, mode) in files.items():   # left by a killed test run
                target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
                _copy_into_place(source, target, mode)
        elif not present:
            created = []
            for target, (source, mode) in files.items():
                created += _make_directories(target.parent)
                _copy_into_place(source, target, mode)
            marker.write_text(json.dumps({"created": created}))
        me.touch()
    try:
        yield
    finally:
        with _locked(state):
            me.unlink(missing_ok=True)
            if not _live_users(users) and marker.exists():
                try:
                    created = json.loads(marker.read_text())["created"]
                except (ValueError, KeyError, TypeError):
                    created = []
                for target in files:
                    target.unlink(missing_ok=True)
                marker.unlink()
                for directory in sorted(created, key=len, reverse=True):
                    with contextlib.suppress(OSError):
                        os.rmdir(directory)


def _library_files(source: Path) -> dict:
    """The library beside an agent (``lib/PACKAGE/*.py``), placed in OCF_LIBRARY_DIR."""
    files = {}
    for package in sorted((source.parent / "lib").glob("*/__init__.py")):
        for module in sorted(package.parent.glob("*.py")):
            files[OCF_LIBRARY_DIR / package.parent.name / module.name] = (module, 0o644)
    return files


@contextlib.contextmanager
def installed_agent(source: Path, provider: str, name: str = "") -> Iterator[Path]:
    """Install SOURCE as ocf:PROVIDER:NAME (world-readable, executable) while in the block, with the library
    beside it (SOURCE's lib/, as ra/lib beside ra/ManageVE) in OCF_LIBRARY_DIR."""
    source = Path(source)
    name = name or source.name
    target = OCF_RESOURCE_DIR / provider / name
    library = _library_files(source)
    with contextlib.ExitStack() as stack:
        if library:
            stack.enter_context(_shared_files("library.crm-ve", library, "agent library"))
        stack.enter_context(_shared_files(f"{provider}.{name}", {target: (source, 0o755)}, f"agent {name}"))
        yield target


#: Tests that use an agent installed here hold this lock shared while they run; a test that installs into the real
#: OCF directory itself (tests/install) holds it alone, so that it never takes an agent away from a running test.
DIRECTORY_LOCK = Path("/run/crm-ve-ocf-directory.lock")


@contextlib.contextmanager
def directory_turn(alone: bool) -> Iterator[None]:
    """Hold DIRECTORY_LOCK, shared or ALONE, while in the block (root only: others cannot install agents)."""
    if os.geteuid() != 0:
        yield
        return
    with open(DIRECTORY_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def manage_ve_agent():
    """ra/ManageVE installed as ocf:crm-ve:ManageVE for the session; needs root (the OCF directory is compiled
    into Pacemaker): skipped without it, failed in CI."""
    if os.geteuid() != 0:
        message = f"installing ocf:crm-ve:ManageVE into {OCF_RESOURCE_DIR} needs root"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    with installed_agent(agent_path(), "crm-ve") as path:
        yield path
