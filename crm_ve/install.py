"""Place the agent, templates, cluster scripts and man pages where Pacemaker, crmsh and man look.

These paths are fixed by Pacemaker and crmsh (the OCF root and crmsh's share directory are compiled in), not by a
prefix; ``destdir`` only prefixes them, for packagers. What was installed is recorded in a manifest, so that
uninstalling removes exactly that and nothing else. Nothing is half-written: every file is written to a temporary
name and renamed, and every conflict is found before the first file is written.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from crm_ve.errors import CrmVeError
from crm_ve.resources import data_dir

AGENT_TARGET = "usr/lib/ocf/resource.d/crm-ve/ManageVE"
TEMPLATES_TARGET = "usr/share/crmsh/templates"
SCRIPTS_TARGET = "usr/share/crmsh/scripts"
MAN_TARGET = "usr/share/man"
MANIFEST = "var/lib/crm-ve/installed-files.json"


@dataclass(frozen=True)
class Placement:
    source: Path
    target: str  # relative to the destination root
    mode: int


def planned_files():
    """Every file crm-ve installs: (source, target relative to /, mode)."""
    placements = [Placement(data_dir("ra") / "ManageVE", AGENT_TARGET, 0o755)]
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
    missing = [str(p.source) for p in placements if not p.source.is_file()]
    if missing:
        raise CrmVeError(f"install: shipped file missing: {missing[0]} (a broken installation of crm-ve)")
    return placements


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomically(path, data, mode):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _read_manifest(root):
    path = root / MANIFEST
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CrmVeError(f"install: {path}: unreadable manifest ({exc}); remove it to start over") from None


def _write_manifest(root, files):
    data = json.dumps({"version": 1, "files": files}, indent=2, sort_keys=True).encode() + b"\n"
    _write_atomically(root / MANIFEST, data, 0o644)


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
    root = Path(destdir or "/")
    recorded = _read_manifest(root)
    plan = []
    placements = planned_files()
    _refuse_package_owned([root / p.target for p in placements], "install")
    for placement in placements:
        target = root / placement.target
        data = placement.source.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if target.exists():
            current = _digest(target)
            if current == digest and (target.stat().st_mode & 0o7777) == placement.mode:
                plan.append(("unchanged", placement, target, data, digest))
                continue
            if placement.target not in recorded:
                raise CrmVeError(
                    f"install: {target} exists and was not installed by crm-ve; nothing was installed "
                    "(move it away first)"
                )
            if recorded[placement.target] != current:
                raise CrmVeError(
                    f"install: {target} was changed since crm-ve installed it; nothing was installed "
                    "(move it away first)"
                )
            plan.append(("updated", placement, target, data, digest))
        else:
            plan.append(("installed", placement, target, data, digest))
    done = []
    files = dict(recorded)
    for action, placement, target, data, digest in plan:
        if action != "unchanged" and not dry_run:
            _write_atomically(target, data, placement.mode)
        files[placement.target] = digest
        done.append((action, str(target)))
        log(f"{'would be ' if dry_run and action != 'unchanged' else ''}{action}: {target}")
    if not dry_run:
        _write_manifest(root, files)
    return done


def uninstall(destdir="/", dry_run=False, log=print):
    """Remove exactly the files the manifest records (a file changed since is kept, and said so)."""
    root = Path(destdir or "/")
    recorded = _read_manifest(root)
    if not recorded:
        log(f"nothing to uninstall: no crm-ve manifest under {root}")
        return []
    _refuse_package_owned([root / relative for relative in sorted(recorded)], "uninstall")
    done = []
    for relative, digest in sorted(recorded.items()):
        target = root / relative
        if not target.exists():
            action = "already absent"
        elif _digest(target) != digest:
            action = "kept (changed since installed)"
        else:
            action = "removed"
            if not dry_run:
                target.unlink()
                _remove_empty_parents(target.parent, root)
        done.append((action, str(target)))
        log(f"{'would be ' if dry_run and action == 'removed' else ''}{action}: {target}")
    if not dry_run:
        manifest = root / MANIFEST
        manifest.unlink()
        _remove_empty_parents(manifest.parent, root)
    return done


# Directories that belong to the system or to other packages: never removed, even when empty.
_KEEP = {"usr/lib/ocf/resource.d", "usr/share/crmsh/templates", "usr/share/crmsh/scripts", "var/lib"} | {
    f"usr/share/man/man{n}" for n in range(1, 10)
}


def _remove_empty_parents(directory, root):
    while directory != root and root in directory.parents:
        relative = directory.relative_to(root).as_posix()
        if relative in _KEEP or relative.count("/") < 2 or any(directory.iterdir()):
            return
        directory.rmdir()
        directory = directory.parent
