"""Issue 17 item 8: ``crm-ve install --uninstall`` deletes nothing outside its destination, and install's modes
do not depend on the umask.

Uninstall removes only regular files under the destination that crm-ve installed: a manifest entry with ``..``,
an absolute path or a path crm-ve never installs to is refused (exit 2, one line, nothing removed), a symbolic
link is never followed (a symlinked directory inside the destination, or a link where a file was), and a file
whose sha256 is not the one recorded at install is kept.
"""
import hashlib
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from crm_ve import install as installer

MANIFEST = installer.MANIFEST


def crm_ve(*argv, umask=0o022):
    return subprocess.run([sys.executable, "-m", "crm_ve", *map(str, argv)], capture_output=True, text=True,
                          timeout=300, umask=umask)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree(root):
    """{relative path: (kind, mode)} of everything under root, links not followed."""
    found = {}
    for path in sorted(Path(root).rglob("*")):
        info = path.lstat()
        kind = "link" if stat.S_ISLNK(info.st_mode) else "dir" if stat.S_ISDIR(info.st_mode) else "file"
        found[path.relative_to(root).as_posix()] = (kind, stat.S_IMODE(info.st_mode))
    return found


@pytest.fixture
def installed(tmp_path):
    """A destination with crm-ve installed, and a victim file outside it."""
    dest = tmp_path / "dest"
    result = crm_ve("install", "--destdir", dest)
    assert result.returncode == 0, result.stderr
    victim = tmp_path / "victim" / "important.txt"
    victim.parent.mkdir()
    victim.write_text("must survive\n")
    return dest, victim


def add_entries(dest, entries):
    path = dest / MANIFEST
    data = json.loads(path.read_text())
    data["files"].update(entries)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("entry", [
    "../victim/important.txt",
    "usr/share/man/../../../../victim/important.txt",
    "usr/share/man/./../../../../victim/important.txt",
    "{victim}",
    "/{victim}",
    "usr/share//man/../../../../victim/important.txt",
    "var/lib/crm-ve/installed-files.json",
    "etc/passwd",
])
def test_a_hostile_manifest_entry_is_refused_and_nothing_is_removed(installed, entry):
    dest, victim = installed
    entry = entry.format(victim=victim)
    add_entries(dest, {entry: sha256(victim)})   # the right checksum: only the path check can refuse it
    before = tree(dest)
    result = crm_ve("install", "--uninstall", "--destdir", dest)
    assert result.returncode == 2, result
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"crm-ve: install: {dest / MANIFEST}: entry {entry!r} ") and "nothing was changed" in line
    assert victim.read_text() == "must survive\n"
    assert tree(dest) == before


def test_a_symlinked_directory_inside_the_destination_is_not_followed(installed, tmp_path):
    dest, _victim = installed
    templates = dest / installer.TEMPLATES_TARGET
    elsewhere = tmp_path / "elsewhere"
    templates.rename(elsewhere)            # same names, same content: the checksums match
    templates.symlink_to(elsewhere)
    outside = tree(elsewhere)
    assert outside
    result = crm_ve("install", "--uninstall", "--destdir", dest)
    assert result.returncode == 0, result
    assert tree(elsewhere) == outside
    kept = [line for line in result.stdout.splitlines() if line.startswith("kept (")]
    assert len(kept) == len(outside)
    assert all(f"{templates} is a symbolic link or not a directory: not followed" in line for line in kept)
    assert not (dest / installer.AGENT_TARGET).exists()   # the rest is removed


def test_a_file_replaced_by_a_symlink_is_not_followed(installed):
    dest, victim = installed
    agent = dest / installer.AGENT_TARGET
    victim.write_bytes(agent.read_bytes())   # the checksum the manifest records
    agent.unlink()
    agent.symlink_to(victim)
    result = crm_ve("install", "--uninstall", "--destdir", dest)
    assert result.returncode == 0, result
    assert f"kept (not a regular file): {agent}" in result.stdout.splitlines()
    assert victim.exists() and agent.is_symlink()


def test_a_changed_file_is_kept(installed):
    dest, _victim = installed
    agent = dest / installer.AGENT_TARGET
    agent.write_text("edited by an administrator\n")
    result = crm_ve("install", "--uninstall", "--destdir", dest)
    assert result.returncode == 0, result
    assert f"kept (changed since installed): {agent}" in result.stdout.splitlines()
    assert agent.read_text() == "edited by an administrator\n"


def test_install_does_not_write_through_a_symlinked_directory(tmp_path):
    dest = tmp_path / "dest"
    outside = tmp_path / "outside"
    outside.mkdir()
    (dest / "usr/share").mkdir(parents=True)
    (dest / installer.MAN_TARGET).symlink_to(outside)
    result = crm_ve("install", "--destdir", dest)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"crm-ve: install: {dest / installer.MAN_TARGET} is a symbolic link or not a directory; crm-ve does not "
        "write through it; nothing was installed"]
    assert list(outside.iterdir()) == []
    assert not (dest / installer.AGENT_TARGET).exists()


def test_modes_do_not_depend_on_the_umask(tmp_path):
    dest = tmp_path / "new" / "dest"   # the destination's missing parents too
    result = crm_ve("install", "--destdir", dest, umask=0o000)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o755
    found = tree(dest)
    assert found.pop(installer.AGENT_TARGET) == ("file", 0o755)
    directories = {path: mode for path, (kind, mode) in found.items() if kind == "dir"}
    files = {path: mode for path, (kind, mode) in found.items() if kind == "file"}
    assert set(directories.values()) == {0o755}, directories
    assert set(files.values()) == {0o644}, files
    assert f"{installer.LIBRARY_TARGET}/__pycache__" in directories
    assert any(path.startswith(f"{installer.LIBRARY_TARGET}/__pycache__/") for path in files)
    result = crm_ve("install", "--destdir", dest, "--uninstall", umask=0o077)
    assert result.returncode == 0, result.stderr
    assert not any(kind == "file" for kind, _mode in tree(dest).values())
