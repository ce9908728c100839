"""The kernel's own list of running containers, /proc/vz/veinfo: what stop trusts when vzctl
cannot tell (vzctl exits 10 when it cannot parse a configuration, or is not installed).

Each line is "ID CLASS NPROC [IP...]" (legacy vzctl reads it so, src/vzlist.c); ID 0 is the host.
With no /proc/vz at all this is not an OpenVZ kernel and no container can run.

For tests only: MANAGEVE_TEST_VEINFO names another file in the place of /proc/vz/veinfo (the
vzctl stand-in writes one), since the test machines have no OpenVZ kernel.  Pacemaker passes
agents no such variable.
"""
import os

from ManageVE import getenv

VEINFO = "/proc/vz/veinfo"
TEST_VEINFO = "MANAGEVE_TEST_VEINFO"
MAX_BYTES = 16 << 20   # 100,000 containers' lines with a few addresses each


def veinfo_path():
    return getenv(TEST_VEINFO) or VEINFO


def source():
    """Where the answer of container_running comes from, for the log."""
    path = veinfo_path()
    if not os.path.lexists(os.path.dirname(path)):
        return "this kernel has no OpenVZ (no %s)" % os.path.dirname(path)
    return "the kernel's list of running containers (%s)" % path


def openvz_kernel():
    """Whether this kernel has OpenVZ's /proc/vz, as legacy vzctl tells the kernels apart
    (src/lib/env.c:97-98)."""
    return os.path.lexists(veinfo_path())


def running_ids(path):
    """The IDs the kernel lists as running (digits without leading zeros, names in lower case),
    an empty set when there is no OpenVZ kernel, or None when the list cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return set() if not os.path.lexists(os.path.dirname(path)) else None
    except OSError:
        return None
    chunks = []
    size = 0
    try:
        while size <= MAX_BYTES:
            data = os.read(fd, 65536)
            if not data:
                break
            chunks.append(data)
            size += len(data)
    except OSError:
        return None
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        return None
    ids = set()
    for line in b"".join(chunks).decode("ascii", "replace").splitlines():
        words = line.split()
        if words:
            ids.add(normal_id(words[0]))
    ids.discard("0")
    return ids


def normal_id(text):
    return (text.lstrip("0") or "0") if text.isdigit() else text.lower()


def id_of(veid, vz_conf):
    """The kernel's ID of container `veid`: itself if a number or UUID, else the number its name
    resolves to (legacy NAMES dir beside vz.conf: names/NAME -> conf/ID.conf), or None."""
    if veid.isdigit() or veid.count("-") == 4:
        return normal_id(veid)
    try:
        target = os.readlink(os.path.join(os.path.dirname(vz_conf), "names", veid))
    except OSError:
        return None
    base = os.path.basename(target)
    number = base[:-len(".conf")] if base.endswith(".conf") else ""
    return normal_id(number) if number.isdigit() else None


def container_running(veid, vz_conf):
    """Whether the kernel runs container `veid`: True, False, or None when it cannot be told."""
    ids = running_ids(veinfo_path())
    if ids is None:
        return None
    if not ids:
        return False
    kernel_id = id_of(veid, vz_conf)
    if kernel_id is None:
        return None
    return kernel_id in ids
