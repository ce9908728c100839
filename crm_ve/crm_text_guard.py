"""What crmsh reads from crm shell text, and the allow-list it must pass before crmsh reads it.

crmsh 4.4 hands the agent of every ``primitive``/``rsc_template``/``xml`` statement to ``sh -c "crm_resource
--show-metadata CLASS:PROVIDER:TYPE"`` (and the type to ``crm_resource --list-ocf-alternatives TYPE``), and
parses ``xml`` statements with lxml's defaults, which expand entities and read external ones. Pacemaker's schema
accepts any text as an agent's provider or type (``crm_verify`` exits 0 on ``type="Dummy;id"``), so the schema is
no guard. This module is the first layer: before crmsh sees the text, every agent spec, template reference and
id, and every attribute of an ``xml`` statement, must match an explicit allow-list; anything else is one
:class:`~crm_ve.errors.InputError` line naming the file and line. The second layer, crmsh driven without a shell,
is :mod:`crm_ve.crmsh_launcher`.

The statements are split exactly as crmsh splits them (``utils.lines2cli``, then ``parse.parse``): continuation
lines joined without a space, non-ASCII characters turned into character references, ``shlex`` words (or plain
white-space words for a line starting with ``xml``). The file is given to crmsh with its line ends already
normalised (what Python's universal newlines would make of them), so both read the same statements.
"""
import re
import shlex

from lxml import etree

from crm_ve.errors import InputError
from crm_ve.printable import excerpt

#: Resource agent classes (Pacemaker's standards).
AGENT_CLASSES = ("ocf", "lsb", "heartbeat", "stonith", "upstart", "service", "systemd", "nagios")
#: An agent's provider or type; ``..`` is refused on its own (no path may climb out of the agents' directory).
AGENT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+@-]*\Z")
#: An id or a reference to one (node ids may start with a digit; the schema checks the finer XML ID grammar).
OBJECT_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
#: ``$id=ID`` and ``$id-ref=ID``, anywhere in a statement (crmsh matches them case-insensitively).
_ID_SPEC = re.compile(r"\$id(?:-ref)?=(.*)\Z", re.I | re.S)
#: Attributes of an ``xml`` statement's elements that name an object.
_XML_ID_ATTRIBUTES = ("id", "id-ref", "template", "rsc", "with-rsc", "first", "then")
#: Attributes of an ``xml`` statement's primitive or template that name its agent.
_XML_AGENT_TAGS = ("primitive", "template")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_AGENT_RULE = (f"the class one of {'|'.join(AGENT_CLASSES)}, provider and type made of letters, digits and "
               "_ . + @ - (not starting with . + @ -, no '..')")
_ID_RULE = "ids are made of letters, digits and _ . - (not starting with . or -)"


def normalise_line_ends(text):
    """``\\r\\n`` and ``\\r`` as ``\\n``: what crmsh (Python's universal newlines) reads from the file."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def lines2cli(text):
    """crmsh's ``utils.lines2cli`` with the first line of each logical line: ``[(line, logical line)]``.

    A line ending in a backslash continues on the next; the parts are stripped and joined without a space.
    """
    logical, parts, first = [], [], None
    for number, raw in enumerate(text.split("\n"), 1):
        part = raw.strip()
        first = first or number
        if part.endswith("\\"):
            parts.append(part.rstrip("\\"))
            continue
        parts.append(part)
        joined = "".join(parts).strip()
        if joined:
            logical.append((first, joined))
        parts, first = [], None
    if parts and "".join(parts):
        logical.append((first, "".join(parts)))
    return logical


class Statement:
    """One logical line as crmsh reads it: its first line in the file, its text and (lazily) its words."""

    __slots__ = ("line", "text")

    def __init__(self, line, text):
        self.line, self.text = line, text

    @property
    def is_comment(self):
        return self.text.startswith("#")

    def words(self):
        """crmsh's words of the statement (``parse.parse``); ValueError when ``shlex`` cannot split it."""
        text = self.text.encode("ascii", "xmlcharrefreplace").decode("ascii")
        if text.startswith("xml"):
            return [word for _, part in lines2cli(text) for word in part.split()]
        return shlex.split(text)


def crmsh_statements(text):
    """The statements (comments included) crmsh reads from ``text``, whose line ends are already normalised."""
    return [Statement(line, logical) for line, logical in lines2cli(text)]


def _refuse(name, line, message):
    raise InputError(f"{name}:{line}: refused before crmsh ran: {message}")


def _check_id(name, line, value, what):
    if not OBJECT_ID.match(value):
        _refuse(name, line, f"{what} '{excerpt(value)}' is not a plain id ({_ID_RULE})")


def _check_agent_name(value):
    return bool(AGENT_NAME.match(value)) and ".." not in value


def _check_agent(name, line, spec, owner):
    """``[CLASS:[PROVIDER:]]TYPE``, split as crmsh's ``ra.disambiguate_ra_type`` splits it."""
    parts = spec.split(":")
    if len(parts) == 3:
        ok = parts[0] in AGENT_CLASSES and _check_agent_name(parts[1]) and _check_agent_name(parts[2])
    elif len(parts) == 2:
        ok = parts[0] in AGENT_CLASSES and _check_agent_name(parts[1])
    else:
        ok = len(parts) == 1 and _check_agent_name(parts[0])
    if not ok:
        _refuse(name, line, f"the resource agent '{excerpt(spec)}' of {owner} is not a plain agent name "
                            f"({_AGENT_RULE})")


def _check_xml(name, line, data):
    """An ``xml`` statement: one element, parsed without a DTD or entities, whose attributes pass the lists."""
    from crm_ve.reader import refuse_doctype, safe_parser
    raw = data.encode("utf-8")
    try:
        refuse_doctype(name, raw)
        element = etree.fromstring(raw, safe_parser())
    except InputError:
        _refuse(name, line, "the xml statement holds a document type declaration")
    except (etree.XMLSyntaxError, ValueError) as exc:
        _refuse(name, line, f"the xml statement is not well-formed XML: {excerpt(str(exc))}")
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        for attribute, value in node.attrib.items():
            what = f"attribute {attribute} of <{node.tag}> in the xml statement"
            if attribute in _XML_ID_ATTRIBUTES:
                _check_id(name, line, value, what)
            elif node.tag in _XML_AGENT_TAGS and attribute == "class":
                if value not in AGENT_CLASSES:
                    _refuse(name, line, f"{what} '{excerpt(value)}' is not a resource agent class "
                                        f"({'|'.join(AGENT_CLASSES)})")
            elif node.tag in _XML_AGENT_TAGS and attribute in ("provider", "type"):
                if not _check_agent_name(value):
                    _refuse(name, line, f"{what} '{excerpt(value)}' is not a plain agent name ({_AGENT_RULE})")
            elif _CONTROL.search(value):
                _refuse(name, line, f"{what} '{excerpt(value)}' holds a control character")


def _constraint_references(words):
    """The resources a colocation, order or rsc_ticket names: words after ``ID [SCORE|KIND|TICKET:]``, without
    set brackets, ``name=value`` options and ``:ROLE``/``:ACTION`` suffixes."""
    rest = words[2:]
    if rest and rest[0].endswith(":"):
        rest = rest[1:]
    return [word.split(":")[0] for word in rest if word not in ("(", ")", "[", "]") and "=" not in word]


def _check_statement(name, statement, words):
    line = statement.line
    keyword = words[0].lower()
    if keyword == "xml":
        _check_xml(name, line, " ".join(words[1:]))
        return
    for word in words[1:]:
        spec = _ID_SPEC.match(word)
        if spec:
            _check_id(name, line, spec.group(1), f"the id in '{excerpt(word)}'")
    if len(words) < 2:
        return
    first = words[1]
    if keyword in ("property", "rsc_defaults", "op_defaults", "node"):
        if first.endswith(":") and "=" not in first:
            _check_id(name, line, first[:-1], f"the id of {keyword}")
        return
    if keyword in ("fencing_topology", "fencing-topology", "monitor"):
        return
    object_id = first[:-1] if keyword == "tag" and first.endswith(":") else first
    _check_id(name, line, object_id, f"the id of {keyword}")
    owner = f"{keyword} {excerpt(object_id)}"
    if keyword in ("primitive", "rsc_template") and len(words) > 2:
        if keyword == "primitive" and words[2].startswith("@"):
            _check_id(name, line, words[2][1:], f"the template of {owner}")
        else:
            _check_agent(name, line, words[2], owner)
    elif keyword == "group":
        for word in words[2:]:
            if "=" in word or word.lower() in ("params", "meta"):
                break
            _check_id(name, line, word, f"a member of {owner}")
    elif keyword in ("clone", "ms", "master", "tag"):
        for word in words[2:3] if keyword != "tag" else words[2:]:
            _check_id(name, line, word, f"the resource of {owner}")
    elif keyword in ("colocation", "collocation", "order", "rsc_ticket"):
        for reference in _constraint_references(words):
            _check_id(name, line, reference, f"a resource of {owner}")
    elif keyword == "location" and len(words) > 2 and words[2][:1] not in ("/", "{"):
        _check_id(name, line, words[2], f"the resource of {owner}")


def refuse_unsafe_text(text, name):
    """Raise InputError (``NAME:LINE: refused ...``) at the first statement that does not pass the allow-lists.

    ``text`` has its line ends normalised (:func:`normalise_line_ends`): it is what crmsh will read."""
    for statement in crmsh_statements(text):
        if statement.is_comment:
            continue
        try:
            words = statement.words()
        except ValueError as exc:
            _refuse(name, statement.line, f"the statement cannot be split into words as crmsh does ({exc})")
        if words:
            _check_statement(name, statement, words)
