"""Configuration files: ``[tool.crm_ve]`` in pyproject.toml or ``[tool:crm_ve]`` in setup.cfg.

Found from the current directory upward; the first file that has the section wins (pyproject.toml before
setup.cfg in the same directory). ``--config FILE`` names one, ``--no-config`` reads none. Keys::

    [tool:crm_ve]                              # setup.cfg
    select = CV1, CV2                          # codes, code prefixes or names
    ignore = CV601
    per-resource-ignores =                     # one RESOURCE: RULES per line (RESOURCE may be a glob)
        p_ve101: CV501, CV505
        p_ve2*: container-tied-to-no-storage
    format = text                              # text, json, sarif, github...
    strict = false

    [tool.crm_ve]                              # pyproject.toml
    select = ["CV1", "CV2"]
    per-resource-ignores = { p_ve101 = ["CV501", "CV505"] }
    strict = true

``commit`` and ``push`` (which change the live cluster, often as root) use a configuration file they found only
when no one but the caller or root can have written it: the file, and every directory above it, owned by the
caller or root and not writable by group or others (a sticky directory such as /tmp excepted), and no symbolic
link on the way owned by anyone else.  Otherwise they stop (exit 2) naming the file; ``--config FILE`` is always
honoured.  ``check`` uses what it finds (CI checks out as one user and runs as another) and names it.

The command line wins: ``--select`` replaces the file's select *and* ignore, ``--ignore`` replaces its ignore,
``--format`` and ``--strict/--no-strict`` replace theirs. A bad key or value is one line naming the file and key.
"""
import os
import pwd
import re
import stat
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from crm_ve.errors import UsageError

CFG_SECTION = "tool:crm_ve"
TOML_TABLE = ("tool", "crm_ve")
KEYS = ("select", "ignore", "per-resource-ignores", "format", "strict")
_TOML_HAS_SECTION = re.compile(r"^\s*\[\s*tool\s*\.\s*[\"']?crm_ve[\"']?\s*[\].]", re.M)
_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


@dataclass
class Config:
    """What a configuration file says; ``None`` where it says nothing."""

    path: Optional[str] = None
    section: str = ""
    select: Optional[List[str]] = None
    ignore: Optional[List[str]] = None
    per_resource_ignores: List[Tuple[str, Tuple[str, ...]]] = field(default_factory=list)
    format: Optional[str] = None
    strict: Optional[bool] = None

    def where(self, key):
        """``FILE: [section] key`` for messages about one key."""
        return f"{self.path}: [{self.section}] {key}"


def _toml_loader():
    try:
        import tomllib  # novermin (Python 3.11+; tomli below for 3.9 and 3.10)

        return tomllib
    except ImportError:
        try:
            import tomli

            return tomli
        except ImportError:
            return None


def _split_list(value):
    return [item for item in re.split(r"[\s,]+", value) if item]


def _as_list(config, key, value):
    if isinstance(value, str):
        return _split_list(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise UsageError(f"{config.where(key)}: expected a list of rule codes, prefixes or names")


def _as_bool(config, key, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]
    raise UsageError(f"{config.where(key)} = {value!r}: expected true or false")


def _per_resource_entries(config, key, value):
    """``RESOURCE: RULES`` lines (or ``;``-separated), a TOML table, or a TOML list of such strings."""
    entries = []
    if isinstance(value, dict):
        for pattern, rules in value.items():
            entries.append((str(pattern), tuple(_as_list(config, f"{key}.{pattern}", rules))))
        return entries
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = "\n".join(value)
    if not isinstance(value, str):
        raise UsageError(f"{config.where(key)}: expected lines of RESOURCE: RULES")
    for raw in re.split(r"[\n;]", value):
        line = raw.strip()
        if not line:
            continue
        pattern, colon, rules = line.partition(":")
        rules = _split_list(rules)
        if not colon or not pattern.strip() or not rules:
            raise UsageError(f"{config.where(key)}: {line!r} is not RESOURCE: RULES (e.g. p_ve101: CV501, CV505)")
        entries.append((pattern.strip(), tuple(rules)))
    return entries


def _from_mapping(config, values):
    for raw_key, value in values.items():
        key = raw_key.replace("_", "-")
        if key not in KEYS:
            raise UsageError(f"{config.where(raw_key)}: unknown key (known: {', '.join(KEYS)})")
        if key in ("select", "ignore"):
            setattr(config, key, _as_list(config, raw_key, value))
        elif key == "per-resource-ignores":
            config.per_resource_ignores = _per_resource_entries(config, raw_key, value)
        elif key == "format":
            if not isinstance(value, str) or not value.strip():
                raise UsageError(f"{config.where(raw_key)}: expected a format name")
            config.format = value.strip()
        elif key == "strict":
            config.strict = _as_bool(config, raw_key, value)
    return config


def _read_text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the configuration: {getattr(exc, 'strerror', None) or exc}") from None


def read_pyproject(path, required=False):
    """``[tool.crm_ve]`` of a pyproject.toml, or None when it has no such table (an error if ``required``)."""
    text = _read_text(path)
    mentions = bool(_TOML_HAS_SECTION.search(text))
    if not mentions and not required:
        return None
    toml = _toml_loader()
    if toml is None:
        raise UsageError(
            f"{path}: has a [tool.crm_ve] table but this Python has no TOML parser "
            "(use Python 3.11+, install tomli, or move the settings to setup.cfg [tool:crm_ve])"
        )
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    table = data.get(TOML_TABLE[0], {}).get(TOML_TABLE[1]) if isinstance(data.get(TOML_TABLE[0]), dict) else None
    if table is None:
        if required:
            raise UsageError(f"{path}: has no [tool.crm_ve] table")
        return None
    config = Config(path=str(path), section="tool.crm_ve")
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.crm_ve] must be a table")
    return _from_mapping(config, table)


def read_setup_cfg(path, required=False):
    """``[tool:crm_ve]`` of a setup.cfg (or any INI file), or None when it has no such section."""
    import configparser  # here: most runs find no setup.cfg, and the module costs 4 ms to import
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(_read_text(path), source=str(path))
    except configparser.Error as exc:
        message = " ".join(str(exc).split())
        raise UsageError(f"{path}: not a valid INI file: {message}") from None
    if not parser.has_section(CFG_SECTION):
        if required:
            raise UsageError(f"{path}: has no [{CFG_SECTION}] section")
        return None
    config = Config(path=str(path), section=CFG_SECTION)
    return _from_mapping(config, dict(parser.items(CFG_SECTION)))


def read_config_file(path):
    """An explicit ``--config FILE``: TOML when it ends in ``.toml``, INI otherwise; it must have the section."""
    if not os.path.isfile(path):
        raise UsageError(f"--config {path}: no such file")
    if str(path).endswith(".toml"):
        return read_pyproject(path, required=True)
    return read_setup_cfg(path, required=True)


def _owner(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _symlinks_on_the_way(path):
    """Each symbolic link among the components of the absolute PATH."""
    current = os.sep
    for part in path.strip(os.sep).split(os.sep):
        current = os.path.join(current, part)
        try:
            info = os.lstat(current)
        except OSError:
            return
        if stat.S_ISLNK(info.st_mode):
            yield current, info


def untrusted_reason(path):
    """Why someone other than the caller or root may have written PATH, or None when no one else can have.

    PATH (after its symbolic links) and each directory above it must be owned by the caller or root and not
    writable by group or others, a sticky directory excepted (others may add files there, not replace ours);
    a symbolic link on the way chooses the file, so it must be owned by the caller or root too.
    """
    trusted = {os.geteuid(), 0}
    literal = os.path.abspath(path)
    for link, info in _symlinks_on_the_way(literal):
        if info.st_uid not in trusted:
            return f"the symbolic link {link} belongs to {_owner(info.st_uid)}"
    current = os.path.realpath(literal)
    while True:
        try:
            info = os.stat(current)
        except OSError as exc:
            return f"{current} cannot be examined ({exc.strerror})"
        if info.st_uid not in trusted:
            return f"{current} belongs to {_owner(info.st_uid)}"
        sticky = stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not sticky:
            return f"{current} is writable by {'others' if info.st_mode & stat.S_IWOTH else 'its group'}"
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _refuse_untrusted(path, reason):
    raise UsageError(f"{path}: configuration file not used: {reason}, so it may not be the repository's own "
                     "(commit and push use only a configuration no one but you or root can write: name it with "
                     "--config FILE, or use --no-config)")


def find_config(start=None, trusted_only=False):
    """The first pyproject.toml or setup.cfg with a crm_ve section, from ``start`` (cwd) upward; or None.

    With ``trusted_only``, the file found must pass :func:`untrusted_reason` (else :class:`UsageError`).
    """
    directory = os.path.abspath(start or os.getcwd())
    while True:
        for filename, reader in (("pyproject.toml", read_pyproject), ("setup.cfg", read_setup_cfg)):
            candidate = os.path.join(directory, filename)
            if os.path.isfile(candidate):
                reason = untrusted_reason(candidate) if trusted_only else None
                try:
                    config = reader(candidate)
                except UsageError:
                    if reason:  # an untrusted file is refused as such, whatever it holds
                        _refuse_untrusted(candidate, reason)
                    raise
                if config is not None:
                    if reason:
                        _refuse_untrusted(candidate, reason)
                    return config
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load_config(config_file=None, no_config=False, start=None, trusted_only=False):
    """The configuration for this run: ``--config FILE``, none with ``--no-config``, else the nearest found
    (with ``trusted_only``, only one that :func:`untrusted_reason` finds nothing against)."""
    if no_config:
        return Config()
    if config_file:
        return read_config_file(config_file)
    return find_config(start, trusted_only) or Config()
