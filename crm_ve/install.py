"""Place the agent, its library, templates, cluster scripts and man pages where Pacemaker, crmsh and man look.

These paths are fixed by Pacemaker and crmsh (the OCF root and crmsh's share directory are compiled in), not by a
prefix; ``destdir`` only prefixes them, for packagers. What was installed is recorded in a manifest (path and
sha256 of every file), so that uninstalling removes exactly that and nothing else. Nothing is half-written: every
file is written to a temporary name and renamed, and every conflict is found before the first file is written.

Every path under the destination is reached one directory at a time, by descriptor, without following a symbolic
link (``destdir`` itself may be one): neither a planted link nor a hostile manifest entry (``..``, an absolute
path, a path crm-ve never installs) makes install write, or uninstall delete, outside the destination. Modes are
set explicitly (directories and the agent 0755, data 0644), whatever the umask.
"""
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from crm_ve.errors import CrmVeError
from crm_ve.package_files import agent_library_dir, agent_path, data_dir

OCF_ROOT = "usr/lib/ocf"
AGENT_TARGET = f"{OCF_ROOT}/resource.d/crm-ve/ManageVE"
#: The agent's library, imported by the agent from $OCF_ROOT/lib/crm-ve/ (resource-agents keeps its own shared
#: Python code in $OCF_ROOT/lib/heartbeat/).
LIBRARY_TARGET = f"{OCF_ROOT}/lib/crm-ve/manage_ve"
TEMPLATES_TARGET = "usr/share/crmsh/templates"
SCRIPTS_TARGET = "usr/share/crmsh/scripts"
MAN_TARGET = "usr/share/man"
MANIFEST = "var/lib/crm-ve/installed-files.json"
#: Everything crm-ve installs lies under one of these; a manifest entry anywhere else is refused.
INSTALL_ROOTS = (f"{OCF_ROOT}/resource.d/crm-ve/", f"{OCF_ROOT}/lib/crm-ve/", f"{TEMPLATES_TARGET}/",
                 f"{SCRIPTS_TARGET}/", f"{MAN_TARGET}/")
DIRECTORY_MODE = 0o755
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class Placement:
    source: Path
    target: str  # relative to the destination root
    mode: int


def planned_files():
    """Every file crm-ve installs: (source, target relative to /, mode)."""
    placements = [Placement(agent_path(), AGENT_TARGET, 0o755)]
    library = agent_library_dir()
    for path in sorted(library.glob("*.py")):
        placements.append(Placement(path, f"{LIBRARY_TARGET}/{path.name}", 0o644))
    templates = data_dir("templates")
    for path in sorted(templates.iterdir()) if templates.is_dir() else ():
        if path.is_file() and not path.name.startswith("."):
            placements.append(Placement(path, f"{TEMPLATES_TARGET}/{path.name}", 0o644))
    scripts = templates / "scripts"
    for script_dir in sorted(scripts.iterdir()) if scripts.is_dir() else ():
        for path in sorted(script_dir.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(scripts).as_posix()
                placements.append(Placement(path, f"{SCRIPTS_TARGET}/{relative}", 0o644))
    man = data_dir("man")
    for path in sorted(man.iterdir()) if man.is_dir() else ():
        section = path.suffix.lstrip(".")
        if path.is_file() and section.isdigit():
            placements.append(Placement(path, f"{MAN_TARGET}/man{section}/{path.name}", 0o644))
    missing = [str(p.source) for p in placements + [Placement(library / "__init__.py", "", 0)]
               if not p.source.is_file()]
    if missing:
        raise CrmVeError(f"install: shipped file missing: {missing[0]} (a broken installation of crm-ve)")
    return placements


def agent_interpreter():
    """The interpreter the agent's ``#!`` line names: the one that byte-compiles its library."""
    with open(agent_path(), "rb") as stream:
        first = stream.readline(256)
    words = first[2:].decode("ascii", "replace").split() if first.startswith(b"#!") else []
    if not words or not words[0].startswith("/"):
        raise CrmVeError(f"install: {agent_path()}: no interpreter on its #! line (a broken installation of crm-ve)")
    return words[0]


class _NotFollowed(Exception):
    """A directory on the way to a path is a symbolic link or not a directory."""

    def __init__(self, relative):
        super().__init__(relative)
        self.relative = relative


class _Tree:
    """The destination root, walked one component at a time by descriptor (O_NOFOLLOW)."""

    def __init__(self, root):
        self.root = root
        self._fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def close(self):
        os.close(self._fd)

    def directories(self, parts, create=False):
        """Descriptors of the root and of each directory named by ``parts``, or None when one is missing (and
        ``create`` is false); created directories get mode 0755. The caller closes them (``release``)."""
        fds = [os.dup(self._fd)]
        try:
            for depth, name in enumerate(parts):
                try:
                    fds.append(os.open(name, _DIRECTORY_FLAGS, dir_fd=fds[-1]))
                    continue
                except FileNotFoundError:
                    if not create:
                        self.release(fds)
                        return None
                except OSError:  # ELOOP (a symbolic link), ENOTDIR
                    raise _NotFollowed("/".join(parts[:depth + 1])) from None
                os.mkdir(name, DIRECTORY_MODE, dir_fd=fds[-1])
                fds.append(os.open(name, _DIRECTORY_FLAGS, dir_fd=fds[-1]))
                os.fchmod(fds[-1], DIRECTORY_MODE)
        except BaseException:
            self.release(fds)
            raise
        return fds

    @staticmethod
    def release(fds):
        for fd in fds or ():
            os.close(fd)

    def read(self, relative):
        """(content, mode) of the regular file at ``relative``; None when absent; "irregular" when it is anything
        but a regular file (a symbolic link included, never followed)."""
        parts = relative.split("/")
        fds = self.directories(parts[:-1])
        if fds is None:
            return None
        try:
            return _read_regular(fds[-1], parts[-1])
        finally:
            self.release(fds)

    def file_state(self, relative):
        """(sha256, mode) of the regular file at ``relative``, else what ``read`` says."""
        return _fingerprint(self.read(relative))

    def write(self, relative, data, mode):
        """Write ``data`` at ``relative`` atomically (temporary name, then rename), with ``mode``."""
        parts = relative.split("/")
        fds = self.directories(parts[:-1], create=True)
        try:
            temporary = f".{parts[-1]}.{secrets.token_hex(6)}"
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                         dir_fd=fds[-1])
            try:
                with os.fdopen(fd, "wb") as stream:
                    stream.write(data)
                    os.fchmod(stream.fileno(), mode)
                os.replace(temporary, parts[-1], src_dir_fd=fds[-1], dst_dir_fd=fds[-1])
            except BaseException:
                os.unlink(temporary, dir_fd=fds[-1])
                raise
        finally:
            self.release(fds)

    def remove(self, relative, digest):
        """Remove the regular file at ``relative`` if its sha256 is ``digest``, then its directories that it
        leaves empty (except the shared ones); returns what was done."""
        parts = relative.split("/")
        fds = self.directories(parts[:-1])
        if fds is None:
            return "already absent"
        try:
            state = _fingerprint(_read_regular(fds[-1], parts[-1]))
            if state is None:
                return "already absent"
            if state == "irregular":
                return "kept (not a regular file)"
            if state[0] != digest:
                return "kept (changed since installed)"
            os.unlink(parts[-1], dir_fd=fds[-1])
            for depth in range(len(parts) - 1, 0, -1):
                directory = "/".join(parts[:depth])
                if directory in _KEEP or directory.count("/") < 2 or os.listdir(fds[depth]):
                    break
                os.rmdir(parts[depth - 1], dir_fd=fds[depth - 1])
            return "removed"
        finally:
            self.release(fds)


def _read_regular(dir_fd, name):
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError:
        return "irregular"
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "irregular"
        return stream.read(), stat.S_IMODE(info.st_mode)


def _fingerprint(content):
    if content is None or content == "irregular":
        return content
    return hashlib.sha256(content[0]).hexdigest(), content[1]


def _checked_entry(relative, digest, manifest):
    """A manifest entry, if it is a normalised relative path under crm-ve's install paths with a sha256."""
    problem = None
    if not isinstance(relative, str) or not isinstance(digest, str):
        problem = "is not a path and a sha256"
    elif relative.startswith("/"):
        problem = "is an absolute path"
    elif any(part in ("", ".", "..") for part in relative.split("/")) or "\0" in relative:
        problem = "is not a normalised relative path"
    elif not relative.startswith(INSTALL_ROOTS):
        problem = "is not under a path crm-ve installs to"
    elif not _SHA256.fullmatch(digest):
        problem = "has no sha256"
    if problem:
        raise CrmVeError(f"install: {manifest}: entry {relative!r} {problem}; nothing was changed (a manifest "
                         "crm-ve did not write)")
    return relative, digest


def _read_manifest(tree):
    path = tree.root / MANIFEST
    try:
        content = tree.read(MANIFEST)
    except _NotFollowed as exc:
        raise CrmVeError(f"install: {tree.root / exc.relative} is a symbolic link or not a directory; "
                         "crm-ve does not follow it") from None
    if content is None:
        return {}
    try:
        if content == "irregular":
            raise ValueError("not a regular file")
        files = json.loads(content[0])["files"]
        entries = dict(files)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CrmVeError(f"install: {path}: unreadable manifest ({exc}); remove it to start over") from None
    return dict(_checked_entry(relative, digest, path) for relative, digest in entries.items())


def _write_manifest(tree, files):
    data = json.dumps({"version": 1, "files": files}, indent=2, sort_keys=True).encode() + b"\n"
    tree.write(MANIFEST, data, 0o644)


def _open_root(root, create):
    """The destination as a _Tree; when ``create``, its missing directories are made 0755, whatever the umask."""
    if create:
        missing = [directory for directory in (root, *root.parents) if not directory.exists()]
        for directory in reversed(missing):
            directory.mkdir(mode=DIRECTORY_MODE)
            directory.chmod(DIRECTORY_MODE)
    return _Tree(root)


def _plan(tree, recorded, placements):
    plan = []
    for placement in placements:
        target = tree.root / placement.target
        data = placement.source.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        try:
            state = tree.file_state(placement.target)
        except _NotFollowed as exc:
            raise CrmVeError(f"install: {tree.root / exc.relative} is a symbolic link or not a directory; crm-ve "
                             "does not write through it; nothing was installed") from None
        if state is None:
            plan.append(("installed", placement, data, digest))
            continue
        if state != "irregular" and state == (digest, placement.mode):
            plan.append(("unchanged", placement, data, digest))
            continue
        if placement.target not in recorded:
            raise CrmVeError(
                f"install: {target} exists and was not installed by crm-ve; nothing was installed "
                "(move it away first)"
            )
        if state == "irregular" or recorded[placement.target] != state[0]:
            raise CrmVeError(
                f"install: {target} was changed since crm-ve installed it; nothing was installed "
                "(move it away first)"
            )
        plan.append(("updated", placement, data, digest))
    return plan


def _compile_library(tree, interpreter):
    """Byte-compile the installed library with the agent's interpreter; {pyc target: sha256}."""
    package = tree.root / LIBRARY_TARGET
    tree.release(tree.directories(f"{LIBRARY_TARGET}/__pycache__".split("/")))  # refuses a symbolic link
    subprocess.run([interpreter, "-I", "-m", "compileall", "-q", "-f", "-d", f"/{LIBRARY_TARGET}", str(package)],
                   check=True, capture_output=True, timeout=120, umask=0o022)
    compiled = {}
    for path in sorted((package / "__pycache__").glob("*.pyc")):
        relative = f"{LIBRARY_TARGET}/__pycache__/{path.name}"
        state = tree.file_state(relative)
        if state not in (None, "irregular"):
            compiled[relative] = state[0]
    return compiled


def _refuse_package_owned(paths, action):
    """Refuse (``action`` "install" or "uninstall") when a Debian package owns one of ``paths``: dpkg put it there,
    and only dpkg (apt) may change or remove it.

    ``dpkg-query -S`` names the owners (its arguments are glob patterns, hence the escaping); without dpkg no
    package owns anything. When the owner is the package this crm-ve itself comes from, the answer is apt.
    """
    dpkg_query = shutil.which("dpkg-query")
    if dpkg_query is None or not paths:
        return
    this_module = str(Path(__file__))
    queried = [this_module, *map(str, paths)]
    try:
        result = subprocess.run(
            [dpkg_query, "-S", *(re.sub(r"([*?\[\]\\])", r"\\\1", path) for path in queried)],
            capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}, timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise CrmVeError(f"{action}: cannot ask dpkg-query which package owns the files ({exc})") from None
    if result.returncode not in (0, 1):
        reason = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[0]
        raise CrmVeError(f"{action}: cannot ask dpkg-query which package owns the files ({reason})")
    owners = {}
    for line in result.stdout.splitlines():
        packages, separator, path = line.partition(": ")
        if separator and "diversion" not in packages:
            owners[path] = packages
    for path in map(str, paths):
        if path not in owners:
            continue
        if owners.get(this_module) == owners[path]:
            raise CrmVeError(
                f"{action}: this crm-ve is the Debian package {owners[path]}, which placed {path} and the other files "
                f"itself; use apt to install, upgrade or remove it (apt purge {owners[path]}); nothing was changed"
            )
        raise CrmVeError(f"{action}: {path} belongs to the Debian package {owners[path]}; nothing was changed "
                         "(apt installs and removes it)")


def install(destdir="/", dry_run=False, log=print):
    """Install every shipped file under ``destdir``; returns the list of (action, path) done (or planned)."""
    interpreter = agent_interpreter()
    if not os.access(interpreter, os.X_OK):
        raise CrmVeError(f"install: {interpreter}, the agent's interpreter, is not installed; it byte-compiles the "
                         "agent's library; nothing was installed")
    root = Path(destdir or "/")
    placements = planned_files()
    _refuse_package_owned([root / p.target for p in placements], "install")
    if dry_run and not root.exists():
        return _install_steps(None, {}, [("installed", p, None, None) for p in placements], root, interpreter,
                              dry_run, log)
    tree = _open_root(root, create=not dry_run)
    try:
        recorded = _read_manifest(tree)
        return _install_steps(tree, recorded, _plan(tree, recorded, placements), root, interpreter, dry_run, log)
    finally:
        tree.close()


def _install_steps(tree, recorded, plan, root, interpreter, dry_run, log):
    done = []
    files = dict(recorded)
    try:
        for action, placement, data, digest in plan:
            if action != "unchanged" and not dry_run:
                tree.write(placement.target, data, placement.mode)
            files[placement.target] = digest
            done.append((action, str(root / placement.target)))
            log(f"{'would be ' if dry_run and action != 'unchanged' else ''}{action}: {root / placement.target}")
        if dry_run:
            log(f"would be compiled: {root / LIBRARY_TARGET} (with {interpreter})")
            return done
        try:
            compiled = _compile_library(tree, interpreter)
        except _NotFollowed as exc:
            raise CrmVeError(f"install: {root / exc.relative} is a symbolic link or not a directory; crm-ve does "
                             "not write through it; the library was not byte-compiled") from None
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", b"") or str(exc)
            detail = " ".join(detail.decode(errors="replace").split() if isinstance(detail, bytes) else detail.split())
            raise CrmVeError(f"install: {interpreter} -m compileall {root / LIBRARY_TARGET} failed: {detail[-300:]}; "
                             "the files were installed, byte-compiling them was not") from None
        for relative, digest in compiled.items():
            action = "unchanged" if recorded.get(relative) == digest else "compiled"
            files[relative] = digest
            done.append((action, str(root / relative)))
            log(f"{action}: {root / relative}")
    finally:
        if not dry_run:
            _write_manifest(tree, files)
    return done


def uninstall(destdir="/", dry_run=False, log=print):
    """Remove exactly the files the manifest records, each only if it is still the regular file crm-ve wrote
    (a file changed since, or replaced by anything else, is kept, and said so)."""
    root = Path(destdir or "/")
    if not root.is_dir():
        log(f"nothing to uninstall: no crm-ve manifest under {root}")
        return []
    tree = _Tree(root)
    try:
        recorded = _read_manifest(tree)
        if not recorded:
            log(f"nothing to uninstall: no crm-ve manifest under {root}")
            return []
        _refuse_package_owned([root / relative for relative in sorted(recorded)], "uninstall")
        done = []
        for relative, digest in sorted(recorded.items()):
            target = root / relative
            try:
                if dry_run:
                    state = tree.file_state(relative)
                    action = ("already absent" if state is None else "kept (not a regular file)"
                              if state == "irregular" else "removed" if state[0] == digest
                              else "kept (changed since installed)")
                else:
                    action = tree.remove(relative, digest)
            except _NotFollowed as exc:
                action = f"kept ({root / exc.relative} is a symbolic link or not a directory: not followed)"
            done.append((action, str(target)))
            log(f"{'would be ' if dry_run and action == 'removed' else ''}{action}: {target}")
        if not dry_run:
            tree.remove(MANIFEST, tree.file_state(MANIFEST)[0])
        return done
    finally:
        tree.close()


# Directories that belong to the system or to other packages: never removed, even when empty.
_KEEP = {f"{OCF_ROOT}/resource.d", f"{OCF_ROOT}/lib", TEMPLATES_TARGET, SCRIPTS_TARGET, "var/lib"} | {
    f"{MAN_TARGET}/man{n}" for n in range(1, 10)
}
