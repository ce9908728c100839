"""crm shell text (what ``crm configure show`` prints) -> a CIB, converted by the real crmsh, offline.

The text must first pass the allow-list of :mod:`crm_ve.crm_text_guard`; it is then loaded with
``crm -F configure load update``, crmsh run without a shell by :mod:`crm_ve.crmsh_launcher`, into a scratch CIB
made by ``cibadmin --empty`` (``CIB_file=``: no cluster is contacted) and nothing else, so every setting,
``stonith-enabled`` included, is the text's own. Findings must point at lines of the ``.crm``
file, not of the scratch XML: crm objects are id-based, so each statement's id (``primitive ID``, ``order ID``,
``ms ID``...) is mapped to the line where the statement starts, and each XML element to the statement of its
nearest ancestor-or-self whose id a statement defines. crmsh stores the ``#`` comment lines written above an
object as XML comments inside its element; they map back to their own lines.
"""
import os
import re
import shutil
import subprocess
import tempfile

from lxml import etree

from crm_ve.crm_text_guard import crmsh_statements, normalise_line_ends, refuse_unsafe_text
from crm_ve.errors import InputError, ToolMissingError
from crm_ve.printable import printable
from crm_ve.reader import parse_cib, read_bytes, safe_parser

#: The crm shell statements that define an object with an id (crmsh's ``configure`` vocabulary, crm(8)).
ID_STATEMENTS = frozenset(
    {
        "primitive", "group", "clone", "ms", "master", "bundle", "rsc_template",
        "location", "colocation", "collocation", "order", "rsc_ticket", "tag",
        "node", "property", "rsc_defaults", "op_defaults",
        "role", "user", "acl_target", "acl_group", "alert",
    }
)
#: Elements whose ``id`` attribute refers to another object instead of naming the element itself.
_REFERENCE_TAGS = frozenset({"resource_ref", "obj_ref", "role_ref", "role", "rsc_ref"})
CRM_TIMEOUT = 120
#: The script that runs crmsh with its shell-running helpers replaced (see crm_ve.crmsh_launcher).
LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "crmsh_launcher.py")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_DOLLAR_ID = re.compile(r"^\$id=(.+)$", re.I)


class CrmStatement:
    """One crm shell statement: its keyword, the id it defines, its first line and the comment lines above it."""

    __slots__ = ("keyword", "id", "line", "comments")

    def __init__(self, keyword, object_id, line, comments):
        self.keyword, self.id, self.line, self.comments = keyword, object_id, line, comments


def _statement_id(keyword, tokens):
    """The id a statement defines: ``primitive ID ...``, ``node [ID:] UNAME``, ``property [ID:] k=v ...``."""
    if len(tokens) < 2:
        return None
    token = tokens[1]
    dollar = _DOLLAR_ID.match(token)
    if dollar:
        return dollar.group(1)
    if keyword in ("property", "rsc_defaults", "op_defaults"):
        # ``property cib-bootstrap-options: a=b`` names its set; ``property a=b`` lets crmsh choose the id.
        return token[:-1] if token.endswith(":") and "=" not in token else None
    if keyword == "node" and not token.endswith(":") and len(tokens) > 2 and tokens[2].endswith(":"):
        return None
    return token.rstrip(":") or None


def _xml_statement_id(tokens):
    """The id of an ``xml <tag id="..."...>`` statement (what crmsh prints for what it cannot render)."""
    try:
        return etree.fromstring(" ".join(tokens[1:]).encode("utf-8"), safe_parser()).get("id")
    except (etree.XMLSyntaxError, ValueError):
        return None


def crm_statements(text):
    """The statements of crm shell text as crmsh reads them (continuations folded), in order, with the comment
    lines above each."""
    statements = []
    comments = []
    for statement in crmsh_statements(normalise_line_ends(text)):
        if statement.is_comment:
            # crmsh keeps the comment as an XML comment, non-ASCII characters as character references
            comments.append((statement.line, statement.text.encode("ascii", "xmlcharrefreplace").decode()))
            continue
        try:
            tokens = statement.words()
        except ValueError:
            tokens = statement.text.split()
        if not tokens:
            continue
        keyword = tokens[0].lower()
        if keyword in ID_STATEMENTS:
            object_id = _statement_id(keyword, tokens)
        elif keyword == "xml":
            object_id = _xml_statement_id(tokens)
        else:
            object_id = None
        statements.append(CrmStatement(keyword, object_id, statement.line, comments))
        comments = []
    return statements


def line_map(root, statements):
    """Map each XML line of the scratch CIB to the line of the crm statement that produced it."""
    by_id = {}
    for statement in statements:
        if statement.id is not None:
            by_id.setdefault(statement.id, statement)
    mapping = {}

    def owner(element):
        node = element
        while node is not None:
            if isinstance(node.tag, str) and node.tag not in _REFERENCE_TAGS and node.get("id") in by_id:
                return by_id[node.get("id")]
            node = node.getparent()
        return None

    for node in root.iter():
        if node.sourceline is None:
            continue
        if isinstance(node.tag, str):
            statement = owner(node)
            if statement is not None:
                mapping.setdefault(node.sourceline, statement.line)
        elif node.tag is etree.Comment and node.getparent() is not None:
            statement = owner(node.getparent())
            if statement is None:
                continue
            text = (node.text or "").strip()
            line = next((n for n, comment in statement.comments if comment == text), statement.line)
            mapping.setdefault(node.sourceline, line)
    return mapping


def _statement_lines(text):
    """crmsh's statement number (its ``ERROR: N: ...``: comments count, blank lines do not) -> file line."""
    return {number: statement.line for number, statement in enumerate(crmsh_statements(text), 1)}


def _named_line(message, statements):
    """The line of the first statement whose id ``message`` names (``constraint c references ...``)."""
    ids = {statement.id: statement.line for statement in reversed(statements) if statement.id}
    for word in re.findall(r"[A-Za-z0-9_.:-]+", message):
        if word in ids:
            return ids[word]
    return None


def _crm_error(stderr, name, text_path, text):
    """crmsh's own complaint, as one line ``FILE:LINE: message``, LINE the file's line of the statement."""
    stderr = (stderr or "").replace(str(text_path), name)
    lines = [_ANSI.sub("", line).strip() for line in stderr.splitlines()]
    errors = [line[len("ERROR:"):].strip() for line in lines if line.startswith("ERROR:")]
    # "(unpack_resources) ..." and "crm_verify: ..." are crm_verify's verdict on the scratch CIB, not crmsh
    # rejecting the text.
    errors = [error for error in errors if not error.startswith(("(", "crm_verify:"))] or errors
    if not errors:
        tail = [line for line in lines if line]
        return f"{name}: crmsh rejected the crm shell text: {printable(tail[-1]) if tail else 'no message'}"
    located = re.match(r"^(\d+): (.*)$", errors[0])
    if located:
        line, message = _statement_lines(text).get(int(located.group(1))), located.group(2)
    else:
        line, message = _named_line(errors[0], crm_statements(text)), errors[0]
    where = f"{name}:{line}" if line else name
    more = len(errors) - 1
    return (f"{where}: crmsh rejected the crm shell text: {printable(message)}"
            + (f" (and {more} more error{'s' if more > 1 else ''})" if more else ""))


def _run(argv, env, name, what):
    try:
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=CRM_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise InputError(f"{name}: {what} did not finish within {CRM_TIMEOUT} s") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot run {what}: {exc}") from None


def _offline_env(cib_path):
    env = {key: value for key, value in os.environ.items() if key not in ("CIB_shadow", "CIB_shadow_dir")}
    env["CIB_file"] = str(cib_path)
    return env


def crmsh_interpreter(crm, name):
    """The Python that runs crmsh: the one ``crm``'s ``#!`` line names (``/usr/bin/python3`` on Debian)."""
    try:
        with open(crm, "rb") as handle:
            first = handle.readline(256).decode("utf-8", "replace").strip()
    except OSError as exc:
        raise ToolMissingError(f"{name}: cannot read {crm}: {exc.strerror or exc}") from None
    words = first[2:].split() if first.startswith("#!") else []
    if words and os.path.basename(words[0]) == "env" and len(words) > 1:
        words = [shutil.which(words[1]) or words[1]]
    if not words or not os.path.basename(words[0]).startswith("python"):
        raise ToolMissingError(f"{name}: {crm} is not the Python crmsh that crm-ve knows how to run without a "
                               "shell (its first line names no python)")
    return words[0]


def crm_text_to_cib(text_path, name, text):
    """Run the real crmsh, without a shell (:mod:`crm_ve.crmsh_launcher`), on ``text_path`` (holding ``text``);
    return the scratch CIB's XML bytes (or raise one-line errors).

    The allow-list of :mod:`crm_ve.crm_text_guard` is the caller's: this is the second layer on its own."""
    tools = {tool: shutil.which(tool) for tool in ("crm", "cibadmin")}
    missing = [tool for tool, path in tools.items() if path is None]
    if missing:
        package = "crmsh" if "crm" in missing else "pacemaker-cli-utils"
        raise ToolMissingError(
            f"{name}: crm shell text is converted by crmsh, but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed (install {package})"
        )
    python = crmsh_interpreter(tools["crm"], name)
    with tempfile.TemporaryDirectory(prefix="crm-ve-crm-") as scratch:
        cib_path = os.path.join(scratch, "cib.xml")
        env = _offline_env(cib_path)
        empty = _run([tools["cibadmin"], "--empty"], env, name, "cibadmin --empty")
        if empty.returncode != 0:
            raise InputError(f"{name}: cibadmin --empty failed: {empty.stderr.strip() or empty.returncode}")
        with open(cib_path, "w") as handle:
            handle.write(empty.stdout)
        load = _run([python, "-I", "-X", "utf8", LAUNCHER, "-F", "configure", "load", "update", str(text_path)],
                    env, name, "crm configure load update")
        if load.returncode != 0:
            raise InputError(_crm_error(load.stderr + "\n" + load.stdout, name, text_path, text))
        with open(cib_path, "rb") as handle:
            return handle.read()


def read_crm_text(path, data=None, name=None, limit=None):
    """Convert crm shell text (a file, or ``data`` read from stdin) to a CibDocument mapped to its lines."""
    name = name or str(path)
    if data is None:
        _, data = read_bytes(str(path), limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: crm shell text is not UTF-8: {exc.reason} at byte {exc.start}") from None
    if not text.strip():
        raise InputError(f"{name}:1: empty input: expected crm shell text (what 'crm configure show' prints)")
    text = normalise_line_ends(text)
    refuse_unsafe_text(text, name)
    with tempfile.TemporaryDirectory(prefix="crm-ve-text-") as scratch:
        # crmsh reads the text from a file of ours, so stdin and odd paths work the same way.
        text_path = os.path.join(scratch, "config.crm")
        with open(text_path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
        xml = crm_text_to_cib(text_path, name, text)
    document = parse_cib(xml, name)
    mapping = line_map(document.root, crm_statements(text))
    document.map_line = mapping.get
    document.source_kind = "crm"
    return document
