"""The entry points of one group in the installed distributions, read without importing importlib.metadata.

``crm-ve check`` runs in commit hooks and before every ``crm configure commit``: importing importlib.metadata
(email, zipfile, csv, ...) costs it about 25 ms, ten times what reading the few files takes. This reads what
importlib.metadata's ``distributions()`` reads for installed packages: ``entry_points.txt`` in every
``*.dist-info`` and ``*.egg-info`` directory of each ``sys.path`` directory, in path order. Archives on
``sys.path`` (zip files) are not searched.
"""
import importlib
import os
import sys
from dataclasses import dataclass
from typing import Iterator, List, Optional

_METADATA_DIRS = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class EntryPoint:
    name: str
    value: str
    group: str
    #: The ``*.dist-info`` / ``*.egg-info`` directory it was declared in.
    origin: str

    def load(self):
        """Import ``module[:attr.path]`` (extras in ``[...]`` are ignored, as importlib.metadata does)."""
        module_name, _, attrs = self.value.split("[", 1)[0].strip().partition(":")
        target = importlib.import_module(module_name.strip())
        for attr in filter(None, attrs.strip().split(".")):
            target = getattr(target, attr)
        return target

    @property
    def dist_name(self) -> str:
        """The distribution's ``Name`` (from METADATA or PKG-INFO), else its directory's name."""
        for header in ("METADATA", "PKG-INFO"):
            try:
                with open(os.path.join(self.origin, header), encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        if not line.strip():
                            break
                        if line.lower().startswith("name:"):
                            return line.split(":", 1)[1].strip()
            except OSError:
                continue
        return os.path.basename(self.origin).rsplit("-", 1)[0]


def parse_entry_points(text, origin) -> List[EntryPoint]:
    """Every entry point of an ``entry_points.txt`` (INI: ``[group]`` then ``name = value`` lines)."""
    found, group = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
        elif group is not None and "=" in line:
            name, value = line.split("=", 1)
            found.append(EntryPoint(name.strip(), value.strip(), group, origin))
    return found


def _metadata_dirs(path) -> Iterator[str]:
    try:
        names = os.listdir(path or ".")
    except OSError:  # a missing directory or a zip archive
        return
    for name in names:
        if name.lower().endswith(_METADATA_DIRS):
            yield os.path.join(path or ".", name)


def entry_points(group, path: Optional[List[str]] = None) -> Iterator[EntryPoint]:
    """The entry points of ``group``, distributions in ``sys.path`` order (the first of a name is the one
    Python would import, so callers keep the first of each name)."""
    for directory in sys.path if path is None else path:
        for origin in _metadata_dirs(directory):
            try:
                with open(os.path.join(origin, "entry_points.txt"), encoding="utf-8") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError):
                continue
            if f"[{group}]" not in text.replace(" ", ""):
                continue
            yield from (ep for ep in parse_entry_points(text, origin) if ep.group == group)
