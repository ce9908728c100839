"""Where CIBs come from: files, standard input (``-``), crm_shadow copies, the live cluster and crm shell text.

``input_readers(args)`` turns the ``check`` command's input options into readers of parsed
:class:`~crm_ve.reader.CibDocument`\\ s, one per input, each document checked against its schema
(:mod:`crm_ve.schema`); files and standard input are read up to ``--max-input-size`` bytes (256 MiB unless
given):

- ``FILE`` -- CIB XML (``<cib>`` or ``<configuration>``); ``*.crm`` is crm shell text, converted by crmsh;
- ``-`` -- standard input: XML, or crm shell text when it does not start with ``<`` (so is a pipe or FIFO named
  as a FILE, such as ``<(crm configure show)``);
- ``--shadow NAME`` -- the crm_shadow copy NAME (where ``crm_shadow --file`` says it lives);
- ``--live`` -- what ``cibadmin --query`` returns: the running cluster's CIB (like every Pacemaker tool,
  cibadmin honours ``CIB_file``/``CIB_shadow`` when they are set, and then the document is named after them).
"""
import os
import re
import stat

from crm_ve.errors import InputError, UsageError
from crm_ve.reader import DEFAULT_MAX_INPUT, STDIN_NAME, parse_cib, read_bytes
from crm_ve.schema import check_schema

CRM_TEXT_SUFFIX = ".crm"
#: Where Pacemaker keeps shadow CIBs when neither crm_shadow nor CIB_shadow_dir says otherwise.
DEFAULT_SHADOW_DIR = "/var/lib/pacemaker/cib"
CIBADMIN_TIMEOUT = 60
_SHADOW_NAME = re.compile(r"^[^/\s\x00]+$")
_SIZE = re.compile(r"([0-9]{1,15})([KMG]i?B?)?\Z", re.I)


def input_size(text):
    """``--max-input-size``: bytes, or a number with K, M or G (powers of 1024)."""
    found = _SIZE.match(text.strip())
    if not found or int(found.group(1)) == 0:
        raise UsageError(f"--max-input-size {text}: expected a positive size such as 268435456, 512M or 1G")
    unit = (found.group(2) or " ")[0].upper()
    return int(found.group(1)) << {"K": 10, "M": 20, "G": 30}.get(unit, 0)


def is_crm_text(path):
    return str(path).endswith(CRM_TEXT_SUFFIX)


def looks_like_xml(data):
    """Standard input is XML when its first non-blank character is ``<`` (a BOM or UTF-16 counts as XML)."""
    head = data.lstrip()
    return not head or head[:1] == b"<" or head[:3] == b"\xef\xbb\xbf" or b"\x00" in head[:4] or \
        head[:2] in (b"\xff\xfe", b"\xfe\xff")


def read_input(path, limit=None):
    """One FILE argument: XML, crm shell text (``*.crm``), or standard input or a pipe (either, sniffed); at
    most ``limit`` bytes (DEFAULT_MAX_INPUT)."""
    if path == "-":
        name, data = read_bytes(path, limit)
        if looks_like_xml(data):
            return parse_cib(data, name)
        from crm_ve.crm_text import read_crm_text  # imported for crm shell text only: XML does not need it
        return read_crm_text(None, data=data, name=STDIN_NAME)
    if is_crm_text(path):
        from crm_ve.crm_text import read_crm_text
        return read_crm_text(path, limit=limit)
    name, data = read_bytes(path, limit)
    if not looks_like_xml(data) and stat.S_ISFIFO(os.stat(path).st_mode):  # <(crm configure show): no suffix
        from crm_ve.crm_text import read_crm_text
        return read_crm_text(None, data=data, name=name)
    return parse_cib(data, name)


def shadow_path(name):
    """The file of the crm_shadow copy ``name``: crm_shadow's own answer, else CIB_shadow_dir or the default."""
    import shutil  # the shadow and live inputs' modules: not on the path to parsing a file
    import subprocess
    crm_shadow = shutil.which("crm_shadow")
    if crm_shadow:
        env = dict(os.environ, CIB_shadow=name)
        env.pop("CIB_file", None)
        try:
            proc = subprocess.run([crm_shadow, "--file"], env=env, capture_output=True, text=True,
                                  timeout=CIBADMIN_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            proc = None
        if proc is not None and proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.strip().splitlines()[-1]
    directory = os.environ.get("CIB_shadow_dir") or DEFAULT_SHADOW_DIR
    return os.path.join(directory, f"shadow.{name}")


def read_shadow(name, limit=None):
    label = f"shadow:{name}"
    if not _SHADOW_NAME.match(name or ""):
        raise UsageError(f"--shadow {name!r}: not a shadow name (no '/', no blanks)")
    path = shadow_path(name)
    if not os.path.isfile(path):
        raise InputError(
            f"{label}: no shadow CIB named {name!r} ({path} does not exist; "
            f"create it with 'crm_shadow --create {name}' or 'crm cib new {name}')"
        )
    _, data = read_bytes(path, limit)
    document = parse_cib(data, label)
    document.source_kind = "shadow"
    return document


def live_name():
    """How to call the document cibadmin returns: ``live``, or the file/shadow Pacemaker's tools are pointed at."""
    if os.environ.get("CIB_file"):
        return f"live(CIB_file={os.environ['CIB_file']})"
    if os.environ.get("CIB_shadow"):
        return f"live(CIB_shadow={os.environ['CIB_shadow']})"
    return "live"


def read_live():
    name = live_name()
    import shutil
    import subprocess
    cibadmin = shutil.which("cibadmin")
    if cibadmin is None:
        raise InputError(f"{name}: --live needs cibadmin, which is not installed (install pacemaker-cli-utils)")
    try:
        proc = subprocess.run([cibadmin, "--query"], capture_output=True, timeout=CIBADMIN_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise InputError(f"{name}: cibadmin --query did not answer within {CIBADMIN_TIMEOUT} s") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot run cibadmin: {exc}") from None
    if proc.returncode != 0:
        message = " ".join(proc.stderr.decode("utf-8", "replace").split()) or f"exit status {proc.returncode}"
        raise InputError(f"{name}: cannot read the cluster's CIB (is the cluster running?): cibadmin --query: {message}")
    document = parse_cib(proc.stdout, name)
    document.source_kind = "live"
    return document


def input_readers(args):
    """``[(name, read)]``, one per input the options name, in order: ``read()`` returns its parsed document or
    raises :class:`InputError`, so each input can be read (and fail) on its own."""
    paths = list(getattr(args, "files", None) or ())
    shadows = list(getattr(args, "shadow", None) or ())
    live = bool(getattr(args, "live", False))
    if paths.count("-") > 1:
        raise UsageError("standard input ('-') can be read only once")
    if not paths and not shadows and not live:
        raise UsageError("nothing to check: name CIB files (or - for standard input), --shadow NAME or --live")
    limit = getattr(args, "max_input_size", None) or DEFAULT_MAX_INPUT
    readers = [(STDIN_NAME if path == "-" else path, lambda path=path: checked(read_input(path, limit)))
               for path in paths]
    readers.extend((f"shadow:{name}", lambda name=name: checked(read_shadow(name, limit))) for name in shadows)
    if live:
        readers.append((live_name(), lambda: checked(read_live())))
    return readers


def checked(document):
    """``document`` once its schema accepts it (:func:`crm_ve.schema.check_schema` raises InputError)."""
    check_schema(document)
    return document
