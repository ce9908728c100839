"""crm shell text (what ``crm configure show`` prints) -> a CIB, converted by the real crmsh, offline.

The text is loaded with ``crm -F configure load update`` into a scratch CIB made by ``cibadmin --empty`` with
``stonith-enabled=false`` (``CIB_file=``: no cluster is contacted). Findings must point at lines of the ``.crm``
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

from crm_ve.errors import InputError, ToolMissingError
from crm_ve.reader import parse_cib

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
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_DOLLAR_ID = re.compile(r"^\$id=[\"']?([^\"'\s]+)")
_XML_ID = re.compile(r"""^xml\s+<[\w-]+\s[^>]*?\bid=["']([^"']+)["']""")


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


def crm_statements(text):
    """The statements of crm shell text, with continuation lines (``\\``) folded, in order."""
    statements = []
    comments = []
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        start = number + 1
        line = lines[number]
        stripped = line.strip()
        number += 1
        if not stripped:
            continue
        if stripped.startswith("#"):
            comments.append((start, stripped))
            continue
        logical = stripped
        while logical.endswith("\\") and number < len(lines):
            logical = logical[:-1] + " " + lines[number].strip()
            number += 1
        tokens = logical.split()
        keyword = tokens[0]
        if keyword in ID_STATEMENTS:
            object_id = _statement_id(keyword, tokens)
        elif keyword == "xml":  # ``xml <tag id="..."...>``: what crmsh prints for what it cannot render
            raw_id = _XML_ID.search(logical)
            object_id = raw_id.group(1) if raw_id else None
        else:
            object_id = None
        statements.append(CrmStatement(keyword, object_id, start, comments))
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


def _crm_error(stderr, name, text_path):
    """crmsh's own complaint, as one line: ``FILE:LINE: message`` when crmsh names a line."""
    stderr = (stderr or "").replace(str(text_path), name)
    lines = [_ANSI.sub("", line).strip() for line in stderr.splitlines()]
    errors = [line[len("ERROR:"):].strip() for line in lines if line.startswith("ERROR:")]
    # "(cluster_status) ..." and friends are crm_verify's scheduler log lines, not crmsh rejecting the text.
    errors = [error for error in errors if not error.startswith("(")] or errors
    if not errors:
        tail = [line for line in lines if line]
        return f"{name}: crmsh rejected the crm shell text: {tail[-1] if tail else 'no message'}"
    located = re.match(r"^(\d+): (.*)$", errors[0])
    if located:
        first = f"{name}:{located.group(1)}: crmsh rejected the crm shell text: {located.group(2)}"
    else:
        first = f"{name}: crmsh rejected the crm shell text: {errors[0]}"
    more = len(errors) - 1
    return first + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")


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


def crm_text_to_cib(text_path, name):
    """Run the real crmsh on ``text_path``; return the scratch CIB's XML bytes (or raise one-line errors)."""
    tools = {tool: shutil.which(tool) for tool in ("crm", "cibadmin", "crm_attribute")}
    missing = [tool for tool, path in tools.items() if path is None]
    if missing:
        package = "crmsh" if "crm" in missing else "pacemaker-cli-utils"
        raise ToolMissingError(
            f"{name}: crm shell text is converted by crmsh, but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed (install {package})"
        )
    with tempfile.TemporaryDirectory(prefix="crm-ve-crm-") as scratch:
        cib_path = os.path.join(scratch, "cib.xml")
        env = _offline_env(cib_path)
        empty = _run([tools["cibadmin"], "--empty"], env, name, "cibadmin --empty")
        if empty.returncode != 0:
            raise InputError(f"{name}: cibadmin --empty failed: {empty.stderr.strip() or empty.returncode}")
        with open(cib_path, "w") as handle:
            handle.write(empty.stdout)
        # Stonith off so crm_verify's "no STONITH resources" does not drown crmsh's own messages.
        prop = _run([tools["crm_attribute"], "-t", "crm_config", "-n", "stonith-enabled", "-v", "false"],
                    env, name, "crm_attribute")
        if prop.returncode != 0:
            raise InputError(f"{name}: crm_attribute failed on the scratch CIB: {prop.stderr.strip()}")
        load = _run([tools["crm"], "-F", "configure", "load", "update", str(text_path)], env, name,
                    "crm configure load update")
        if load.returncode != 0:
            raise InputError(_crm_error(load.stderr + "\n" + load.stdout, name, text_path))
        with open(cib_path, "rb") as handle:
            return handle.read()


def read_crm_text(path, data=None, name=None):
    """Convert crm shell text (a file, or ``data`` read from stdin) to a CibDocument mapped to its lines."""
    name = name or str(path)
    if data is None:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: crm shell text is not UTF-8: {exc.reason} at byte {exc.start}") from None
    if not text.strip():
        raise InputError(f"{name}:1: empty input: expected crm shell text (what 'crm configure show' prints)")
    with tempfile.TemporaryDirectory(prefix="crm-ve-text-") as scratch:
        # crmsh reads the text from a file of ours, so stdin and odd paths work the same way.
        text_path = os.path.join(scratch, "config.crm")
        with open(text_path, "w", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
        xml = crm_text_to_cib(text_path, name)
    document = parse_cib(xml, name)
    mapping = line_map(document.root, crm_statements(text))
    document.map_line = mapping.get
    document.source_kind = "crm"
    return document
