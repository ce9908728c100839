"""Install an OCF agent into the system OCF directory for the length of a test session.

Pacemaker's executor (and crmsh, pcs) find agents only under ``/usr/lib/ocf/resource.d/PROVIDER``
(compiled in), so a test that runs an agent through a cluster installs it there, and removes it
afterwards.

Several test processes may use the same agent at once (engineers running their suites side by
side): each registers as a user under ``/run/crmve-ocf-install/PROVIDER.NAME/users`` and the last
one to leave removes the agent.  The agent is removed only if a test installed it (the
``installed`` marker); an agent that was there before (a real install) is used if it is identical
to SOURCE, refused otherwise, and never overwritten or deleted.  A marker left by a test process
that was killed makes its agent ours again: it is replaced or removed as needed.

``manage_ve_agent`` is the session fixture for ``ocf:crm-ve:ManageVE`` (crmsh and pcs accept an agent only
when it is installed there): a conftest.py imports it to make it available to its area.
"""
from __future__ import annotations

import contextlib
import fcntl
import filecmp
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from crm_ve.resources import agent_path
from support.tools import in_ci

OCF_RESOURCE_DIR = Path("/usr/lib/ocf/resource.d")
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


def _copy_into_place(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def installed_agent(source: Path, provider: str, name: str = "") -> Iterator[Path]:
    """Install SOURCE as ocf:PROVIDER:NAME (world-readable, executable) while in the block."""
    source = Path(source)
    name = name or source.name
    provider_dir = OCF_RESOURCE_DIR / provider
    target = provider_dir / name
    state = STATE_DIR / f"{provider}.{name}"
    users = state / "users"
    marker = state / "installed"
    me = users / f"{os.getpid()}-{_start_time(os.getpid())}-{uuid.uuid4().hex[:8]}"
    with _locked(state):
        users.mkdir(exist_ok=True)
        others = _live_users(users)
        if target.exists():
            if not filecmp.cmp(source, target, shallow=False):
                if marker.exists() and not others:
                    _copy_into_place(source, target)      # left by a killed test run
                else:
                    raise AgentInstallError(
                        f"{target} exists and differs from {source}"
                        + (" (another test session is using it)" if others else
                           " (not installed by a test); not overwriting it"))
        else:
            created_dir = not provider_dir.exists()
            provider_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
            _copy_into_place(source, target)
            marker.write_text("created_dir=%d\n" % created_dir)
        me.touch()
    try:
        yield target
    finally:
        with _locked(state):
            me.unlink(missing_ok=True)
            if not _live_users(users) and marker.exists():
                created_dir = "created_dir=1" in marker.read_text()
                target.unlink(missing_ok=True)
                marker.unlink()
                if created_dir:
                    with contextlib.suppress(OSError):
                        provider_dir.rmdir()


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
