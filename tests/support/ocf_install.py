"""Install an OCF agent into the system OCF directory for the length of a test session.

Pacemaker's executor (and crmsh, pcs) find agents only under ``/usr/lib/ocf/resource.d/PROVIDER``
(compiled in), so a test that runs an agent through a cluster installs it there, and removes it
afterwards.  An agent already at that path that this helper did not put there is left alone and
refused, so a test never overwrites or deletes something it does not own.
"""
from __future__ import annotations

import contextlib
import filecmp
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

OCF_RESOURCE_DIR = Path("/usr/lib/ocf/resource.d")


class AgentInstallError(RuntimeError):
    pass


@contextlib.contextmanager
def installed_agent(source: Path, provider: str, name: str = "") -> Iterator[Path]:
    """Install SOURCE as ocf:PROVIDER:NAME (world-readable, executable); remove it on exit.

    If an identical file is already installed (a concurrent run), it is used and left in place.
    """
    source = Path(source)
    name = name or source.name
    provider_dir = OCF_RESOURCE_DIR / provider
    target = provider_dir / name
    created_dir = not provider_dir.exists()
    owned = False
    if target.exists():
        if not filecmp.cmp(source, target, shallow=False):
            raise AgentInstallError(f"{target} exists and differs from {source}; not overwriting it")
    else:
        provider_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=provider_dir, prefix=f".{name}.")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
        owned = True
    try:
        yield target
    finally:
        if owned:
            target.unlink(missing_ok=True)
        if created_dir:
            with contextlib.suppress(OSError):
                provider_dir.rmdir()
