"""Whether root may act on a name in the dump directory.

Anyone who can write to the dump directory, or to a directory above it on its filesystem, can
plant a symlink where the agent writes, or an image and a record for it to restore as root.
So the agent reads, renames or removes a name there only when:

- every directory from the dump directory up to its filesystem's mount point is a real
  directory (not a symlink), owned by root (or the agent's user) and not writable by group or
  others; above the dump directory, a sticky directory such as /tmp also passes, because no
  one else can move or remove the agent's own directory in it;
- the name itself is a regular file or, for an OpenVZ 7 image, a real directory, with that
  owner and mode.

Records are read with O_NOFOLLOW|O_NONBLOCK (a FIFO never blocks), checked with fstat, and
read up to a bound; they are written with O_CREAT|O_EXCL|O_NOFOLLOW.
"""
import os
import stat

RECORD_LIMIT = 8192   # bytes; a record is a few hundred, with a CPU's flags a few thousand


class Untrusted(Exception):
    """A name the agent must not act on; str() says why."""


def ownership_problem(path, inode):
    if inode.st_uid not in (0, os.geteuid()):
        return "%s is owned by uid %d, not by root or the agent" % (path, inode.st_uid)
    if inode.st_mode & 0o022:
        return "%s is writable by group or others (mode %04o)" % (path,
                                                                 stat.S_IMODE(inode.st_mode))
    return None


def directory_problem(directory):
    """Why `directory` (absolute, normalised) cannot be trusted, or None."""
    path = directory
    for _level in range(directory.count("/") + 1):   # one step per component, up to "/"
        try:
            inode = os.lstat(path)
        except OSError as e:
            return "%s: %s" % (path, e.strerror)
        if not stat.S_ISDIR(inode.st_mode):
            return "%s is not a directory (a symlink?)" % path
        why = ownership_problem(path, inode)
        sticky_above = path != directory and inode.st_mode & stat.S_ISVTX
        if why and not (sticky_above and inode.st_uid in (0, os.geteuid())):
            return why
        if path == "/" or os.path.ismount(path):
            return None
        path = os.path.dirname(path)
    return None


def entry_problem(path, directories=False):
    """Why the name `path` is not the agent's own to act on, or None: a regular file (or,
    with `directories`, a real directory) owned by the agent and not writable by others."""
    try:
        inode = os.lstat(path)
    except OSError as e:
        return "%s: %s" % (path, e.strerror)
    if stat.S_ISLNK(inode.st_mode):
        return "%s is a symlink" % path
    if not (stat.S_ISREG(inode.st_mode) or directories and stat.S_ISDIR(inode.st_mode)):
        return "%s is not a regular file%s" % (path, " or directory" if directories else "")
    return ownership_problem(path, inode)


def read_record_text(path):
    """The text of the record at `path`, None if there is none; Untrusted if it is not a
    regular file of the agent's, is larger than RECORD_LIMIT or is not UTF-8."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
                     | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise Untrusted("cannot open %s: %s" % (path, e.strerror))
    try:
        inode = os.fstat(fd)
        if not stat.S_ISREG(inode.st_mode):
            raise Untrusted("%s is not a regular file" % path)
        why = ownership_problem(path, inode)
        if why:
            raise Untrusted(why)
        data = os.read(fd, RECORD_LIMIT + 1)
    except OSError as e:
        raise Untrusted("cannot read %s: %s" % (path, e.strerror))
    finally:
        os.close(fd)
    if len(data) > RECORD_LIMIT:
        raise Untrusted("%s is larger than %d bytes" % (path, RECORD_LIMIT))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Untrusted("%s is not UTF-8 text" % path)


def create_exclusive(path):
    """A new file at `path` for writing, mode 0600, never through a symlink; a leftover of the
    agent's own at that name (a crash) is replaced, anything else is an OSError."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o600)
    except FileExistsError:
        if entry_problem(path) is not None:
            raise
        os.unlink(path)
        return os.open(path, flags, 0o600)
