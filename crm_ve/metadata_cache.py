"""A per-user cache of resource agents' meta-data, so that a check does not run the same agents every time.

An agent's ``meta-data`` action is a process (a shell script sourcing ocf-shellfuncs, a Python interpreter)
that takes tens of milliseconds; a check of a typical cluster would otherwise spend most of its time there.
The output is stored under ``$XDG_CACHE_HOME/crm-ve/agent-metadata`` (default ``~/.cache/...``), one file
per key, where the key is everything that makes the output what it is: the agent file's path, device, inode,
size, modification and change times, and OCF_ROOT. A changed, replaced or touched agent is a new key.

The cache is trusted only while no one else can have written it: the directory and every file in it belong to
the user running crm-ve and are not writable by group or others; anything else is ignored (read as a miss,
never written), so another user's planted file can never become our agent's meta-data. Writes go to a new
temporary file renamed into place; a read follows no symbolic link.
"""
import hashlib
import os
import stat
from typing import Optional

#: The largest meta-data read from the cache (an agent's own output is a few tens of kilobytes).
MAX_BYTES = 1 << 20
_UNSAFE = stat.S_IWGRP | stat.S_IWOTH


def cache_directory() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "crm-ve", "agent-metadata")


def _owned_and_private(info):
    return info.st_uid == os.geteuid() and not info.st_mode & _UNSAFE


def cache_key(agent_path, ocf_root) -> Optional[str]:
    """The key of ``agent_path``'s meta-data as it is now, or None when the file cannot be looked at."""
    try:
        info = os.stat(agent_path)
    except OSError:
        return None
    text = "\0".join(str(part) for part in (os.path.abspath(agent_path), info.st_dev, info.st_ino, info.st_size,
                                             info.st_mtime_ns, info.st_ctime_ns, ocf_root))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _trusted_directory(create):
    directory = cache_directory()
    if create:
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError:
            return None
    try:
        info = os.lstat(directory)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or not _owned_and_private(info):
        return None
    return directory


def load(key) -> Optional[bytes]:
    """The cached meta-data of ``key``, or None (not cached, or the cache is not trusted)."""
    directory = _trusted_directory(create=False)
    if directory is None or key is None:
        return None
    try:
        descriptor = os.open(os.path.join(directory, key), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode) or not _owned_and_private(info) or info.st_size > MAX_BYTES:
            return None
        return stream.read(MAX_BYTES)


def store(key, metadata: bytes):
    """Keep ``metadata`` for ``key``; silently nothing when the cache cannot be used."""
    directory = _trusted_directory(create=True)
    if directory is None or key is None or len(metadata) > MAX_BYTES:
        return
    import tempfile  # a miss only: a run that finds every agent cached does not import it
    try:
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(metadata)
        os.replace(temporary, os.path.join(directory, key))
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
