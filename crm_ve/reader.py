"""Read CIB XML safely: a ``<cib>`` or a ``<configuration>`` fragment, from a file or standard input.

The input is untrusted (a file in a repository, a pipe): nothing outside it is ever read. A document type
declaration is refused before parsing (so no entity, internal or external, is ever declared, let alone expanded),
the parser resolves no entities and reaches no network, and lxml's default size limits stay on (no ``huge_tree``).
Every problem is one :class:`~crm_ve.errors.InputError` line naming the input, line and column.
"""
import codecs
import os
import re
import stat
import sys
from typing import Callable, Optional

from lxml import etree

from crm_ve.errors import InputError
from crm_ve.printable import printable

STDIN_NAME = "<stdin>"

# What may precede the root element: the XML declaration, comments, processing instructions, white space.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)


class CibDocument:
    """One parsed input.

    :param name: what to call the input in messages (a path, ``<stdin>``, ``shadow:NAME``, ``live``).
    :param root: the root element, ``<cib>`` or ``<configuration>``.
    :param configuration: the ``<configuration>`` element.
    :param validate_with: the schema (``pacemaker-3.9``...) or None for a bare fragment.
    :param map_line: maps a line of the XML to the line of the user's source (a ``.crm`` file), or None.
    :param character_references: whether the input may hold a character reference (``&#...;``), None when
        unknown; without one no attribute value holds a tab or a newline (the parser turns literal ones into
        spaces).

    A plain class, not a dataclass: this module is on the path to the first parse, which ``crm-ve check``
    starts before anything else, and making a dataclass costs a millisecond or two there.
    """

    def __init__(self, name: str, root: etree._Element, configuration: etree._Element,
                 validate_with: Optional[str] = None, map_line: Optional[Callable[[int], Optional[int]]] = None,
                 source_kind: str = "xml", character_references: Optional[bool] = None):
        self.name = name
        self.root = root
        self.configuration = configuration
        self.validate_with = validate_with
        self.map_line = map_line
        self.source_kind = source_kind
        self._comments = None  # the background read read_comments started
        self.character_references = character_references
        #: "NAME: schema not checked: WHY" when no schema could be read for it (crm_ve.schema)
        self.schema_note = None

    def __repr__(self):
        return f"CibDocument(name={self.name!r}, validate_with={self.validate_with!r})"

    def configuration_comments(self):
        """The comments inside ``configuration`` in document order: read ahead by :func:`read_comments` (the
        document is not to change after that), else walked now."""
        if self._comments is not None:
            return self._comments.result()
        return list(self.configuration.iter(etree.Comment))

    def source_line(self, line):
        """The line in the user's source for a line of the XML (identity for XML input)."""
        if line is None or self.map_line is None:
            return line
        return self.map_line(line)


_COMMENTS = etree.XPath("descendant::comment()")


def read_comments(document):
    """Start reading the comments of ``document``'s configuration (where inline suppressions live) in the
    background; :meth:`CibDocument.configuration_comments` waits for them.

    Finding them walks every node of the tree (a few hundredths of a second at 20,000 containers); an XPath
    walks without holding the GIL, so it overlaps whatever the checking thread does first (building the model)."""
    from crm_ve.background import BackgroundScan
    configuration = document.configuration
    document._comments = BackgroundScan(lambda: _COMMENTS(configuration)).start()


def _position(data, offset):
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


# Byte-order marks and the first bytes of ``<?`` in the encodings where ASCII is not ASCII (XML 1.0 appendix F).
_WIDE_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
    (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"),
)
#: UCS-4 in the unusual byte orders 2143 and 3412: no codec reads them, so nothing can be checked.
_UNREADABLE_STARTS = (b"\x00\x00<\x00", b"\x00<\x00\x00", b"\x00\x00\xff\xfe", b"\xfe\xff\x00\x00")
#: ``<?xm`` in EBCDIC: the declaration, read in code page 037, names the real code page.
_EBCDIC_START = b"\x4c\x6f\xa7\x94"
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([^"']{1,64})["']""")


def _ascii_view(data):
    """The document as ASCII-compatible bytes, so a UTF-16/32 DOCTYPE cannot slip past the byte scan."""
    for mark, encoding in _WIDE_ENCODINGS:
        if data.startswith(mark):
            text = data.decode(encoding, errors="replace").lstrip("\ufeff")
            return text.encode("utf-8")
    return data


def _passes_markup_through(codec):
    """True for the encodings in which every byte below 0x80 is that ASCII character and no byte of a
    multi-byte character is below 0x80: the byte scan reads markup in them as it is."""
    return codec in ("utf-8", "ascii", "latin-1") or codec.startswith(("iso8859-", "cp125"))


def _codec(name, declared):
    try:
        return codecs.lookup(declared).name
    except LookupError:
        raise InputError(f"{name}:1:1: refused: the encoding {printable(declared)!r} is not one crm-ve can read "
                         "to look for a document type declaration") from None


def _views(name, data):
    """The document as the byte scan reads it: ASCII-compatible bytes, and also decoded in the encoding its
    XML declaration names when that encoding hides markup (UTF-7, EBCDIC...). libxml2 may read either."""
    if data.startswith(_UNREADABLE_STARTS):
        raise InputError(f"{name}:1:1: refused: a UCS-4 byte order crm-ve cannot read to look for a document "
                         "type declaration")
    if data.startswith(_EBCDIC_START):
        declared = _DECLARED_ENCODING.match(data[:256].decode("cp037", "replace").encode("ascii", "replace"))
        codec = _codec(name, declared.group(1).decode("ascii") if declared else "cp037")
        return [data.decode(codec, errors="replace").encode("utf-8")]
    view = _ascii_view(data)
    views = [view]
    declared = _DECLARED_ENCODING.match(view, 3 if view.startswith(b"\xef\xbb\xbf") else 0)
    if view is data and declared:
        codec = _codec(name, declared.group(1).decode("ascii", "replace"))
        if not _passes_markup_through(codec):
            views.append(data.decode(codec, errors="replace").encode("utf-8"))
    return views


def refuse_doctype(name, data):
    """Refuse a DOCTYPE (and with it every DTD and entity declaration) before the parser sees it, in whatever
    encoding the document is written."""
    for view in _views(name, data):
        pos = 3 if view.startswith(b"\xef\xbb\xbf") else 0
        while True:
            match = _PROLOG_ITEM.match(view, pos)
            if not match:
                break
            pos = match.end()
        if view.startswith(b"<!DOCTYPE", pos) or view.startswith(b"<!ENTITY", pos):
            line, column = _position(view, pos)
            raise InputError(
                f"{name}:{line}:{column}: refused: a document type declaration (DTD or entity declarations) "
                "is not allowed in a CIB; nothing was expanded or fetched"
            )


def safe_parser():
    """An XML parser that resolves no entity, loads no DTD, reaches no network and keeps lxml's size limits."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_cib(data, name):
    """Parse bytes as a CIB or configuration fragment; raise InputError with file:line:column on any problem."""
    if not data or data.isspace():  # not data.strip(): that copies the whole input
        raise InputError(f"{name}:1:1: empty input: expected a <cib> or <configuration> document")
    refuse_doctype(name, data)
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 1, exc.offset or 0)
        # libxml2's messages may end in (or hold) newlines: the error stays one line.
        message = " ".join(re.sub(r", line \d+, column \d+$", "", (exc.msg or str(exc)).strip()).split())
        # libxml2 names its limits ("huge text node", "Excessive depth", "xmlSAX2Characters: huge text node"...)
        if re.search(r"huge|excessive depth|depth exceeded|too large|exceeds", message, re.I):
            message = f"document exceeds the parser's size limits: {message}"
        else:
            message = f"malformed XML: {message}"
        raise InputError(f"{name}:{line}:{column}: {message}") from None
    except ValueError as exc:  # e.g. a unicode string with an encoding declaration
        raise InputError(f"{name}:1:1: malformed XML: {exc}") from None
    if root.getroottree().docinfo.doctype or root.getroottree().docinfo.internalDTD is not None:
        # Belt and braces: an encoding the byte scan did not understand; the parser expanded and fetched nothing.
        raise InputError(
            f"{name}:1:1: refused: a document type declaration (DTD or entity declarations) "
            "is not allowed in a CIB; nothing was expanded or fetched"
        )
    if root.tag == "cib":
        configuration = root.find("configuration")
        if configuration is None:
            raise InputError(f"{name}:{root.sourceline}:1: not a CIB: <cib> has no <configuration>")
        validate_with = root.get("validate-with")
    elif root.tag == "configuration":
        configuration, validate_with = root, None
    else:
        tag = root.tag if isinstance(root.tag, str) else "a non-element"
        raise InputError(
            f"{name}:{root.sourceline or 1}:1: not a CIB: the root element is <{tag}>, "
            "expected <cib> or <configuration>"
        )
    return CibDocument(name=name, root=root, configuration=configuration, validate_with=validate_with,
                       character_references=b"&#" in data or _ascii_view(data) is not data)


#: The largest input read, in bytes, unless ``--max-input-size`` says otherwise.
DEFAULT_MAX_INPUT = 256 << 20
_CHUNK = 1 << 20


def _too_large(name, limit):
    return InputError(f"{name}: refused: larger than {limit} bytes, the input size limit (--max-input-size)")


def _read_stream(fd, name, limit):
    """A pipe, FIFO, socket or terminal: read until its end, refused once it passes ``limit``."""
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_large(name, limit)


def _read_fd(fd, name, limit):
    """The bytes behind an open descriptor: files and streams up to ``limit``; directories and devices (other
    than a terminal) are refused, since they have no end (``/dev/zero``) or are no CIB."""
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: cannot read: Is a directory")
    if stat.S_ISREG(info.st_mode):
        if info.st_size > limit:
            raise _too_large(name, limit)
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:  # the file grew while it was read
                data += _read_stream(handle.fileno(), name, limit - len(data))
        if len(data) > limit:
            raise _too_large(name, limit)
        return data
    if stat.S_ISCHR(info.st_mode) and os.isatty(fd) or stat.S_ISFIFO(info.st_mode) or \
            stat.S_ISSOCK(info.st_mode):
        return _read_stream(fd, name, limit)
    kind = "a character device" if stat.S_ISCHR(info.st_mode) else \
        "a block device" if stat.S_ISBLK(info.st_mode) else "not a regular file, pipe or FIFO"
    raise InputError(f"{name}: refused: {kind}, not a CIB file")


def read_bytes(path, limit=None):
    """The bytes of a file, or of standard input for ``-``, at most ``limit`` bytes (DEFAULT_MAX_INPUT);
    an unreadable input is one InputError line.

    A FIFO is opened without waiting for a writer: one with no writer reads as empty."""
    limit = DEFAULT_MAX_INPUT if limit is None else limit
    try:
        if path == "-":
            return STDIN_NAME, _read_fd(sys.stdin.fileno(), STDIN_NAME, limit)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        try:
            os.set_blocking(fd, True)  # a FIFO's writer may still be writing: wait for its end
            return path, _read_fd(fd, path, limit)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(f"{path if path != '-' else STDIN_NAME}: cannot read: {exc.strerror or exc}") from None


def read_cib(path, limit=None):
    """Read and parse one input (a path, or ``-`` for stdin)."""
    name, data = read_bytes(path, limit)
    return parse_cib(data, name)
