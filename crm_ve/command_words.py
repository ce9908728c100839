"""Fix commands as words: quoted for a POSIX shell, and checked against what crmsh and pcs can read back.

Every printed fix command is built as a list of words (the argv the shell is to pass) and rendered with
:func:`shell_line`, so a pasted command runs that argv and nothing else. The shell is only the first reader:

* crmsh joins its argv with spaces (quoting a word that holds a space), splits the line again with ``shlex``
  and parses the tokens with its own grammar, where ``:`` splits ``rsc:role``, ``=`` makes a name-value pair
  and a node name with a space is two tokens; it then re-reads the whole CIB as its own text.
  ``crm resource param|meta`` pastes the value into ``sh -c "crm_resource ... '%s'"``. ``crm configure
  filter`` hands its first word to a shell.
* pcs reads its argv as given, but splits ``name=value`` at the first ``=``, takes a word starting with ``-``
  anywhere in its argv for an option (``-f FILE`` included), accepts new ids only of ASCII letters, digits
  and ``_ . -`` and booth tickets only of letters, digits and dashes.

So each value is checked, where it is put, against what the tool reads back as that same value (the
checks below); one that does not fit raises :class:`Unwritable`, and :func:`fix` then prints no command for
that tool and says why instead. No control character (a newline included) survives either tool: crmsh
splits at it and pcs writes it into XML as a space.
"""
import re
import shlex
from typing import Callable, List, Optional, Sequence

from crm_ve.findings import Fix

Words = Sequence[str]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: an id, node name, ticket or attribute name crmsh reads back as one token meaning just that
_CRM_NAME = re.compile(r"^\w[\w.@+-]*$")
#: a node name crmsh reads back (where a node is expected, and in the nodes section it re-reads)
_CRM_NODE = re.compile(r"^[\w#$-][^\s'\"\\=:]*$")
#: a rule expression value or date crmsh reads back as one token
_CRM_LITERAL = re.compile(r"^[\w.@+:/,=#-]+$")
#: one component of a ``crm configure set`` path (components are separated by ``.``)
_CRM_PATH_PART = re.compile(r"^\w[\w@+-]*$")
#: an id as pcs checks new ones (pcs.lib.pacemaker.values.validate_id)
_PCS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
#: pcs's booth ticket name (not an option: no leading dash)
_PCS_TICKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
#: a word no tool takes for an option
_NO_OPTION = re.compile(r"^(?!-)")
_NO_SINGLE_QUOTE = re.compile(r"^[^']*$")
_ASCII = re.compile(r"^[\x00-\x7f]*$")
_CRM_XML_VALUE = re.compile(r"^[^\s#'\"\\]*$")
_ANY = re.compile(r"")
_PCS_RULE_WORDS = {"and", "or", "not", "(", ")"}


class Unwritable(ValueError):
    """A value a tool's command syntax cannot carry; ``str()`` says which and why."""

    def __init__(self, tool, what, value, why):
        super().__init__(f"no {tool} command: its syntax cannot carry the {what} {value!r} ({why})")
        self.tool = tool


def shell_word(word) -> str:
    """``word`` quoted for a POSIX shell: as :func:`shlex.quote` does, or between double quotes when it holds
    a single quote and nothing a shell (or bash's history) expands between double quotes."""
    word = str(word)
    if "'" in word and not re.search(r'["$`!\n]|\\(?=["$`\\]|$)', word):
        return f'"{word}"'
    return shlex.quote(word)


def shell_line(words: Words) -> str:
    """``words`` as one POSIX shell command line that passes exactly these words."""
    return " ".join(shell_word(word) for word in words)


def _checked(tool, what, value, fits, why) -> str:
    """``value`` as text when ``fits`` it (a compiled pattern, matched from the start) and it holds no
    control character; else :class:`Unwritable` saying ``why``."""
    value = str(value)
    if _CONTROL.search(value):
        raise Unwritable(tool, what, value, "a control character")
    if not fits.match(value):
        raise Unwritable(tool, what, value, why)
    return value


def crm_name(value, what) -> str:
    """``value`` (an id, node name, ticket, attribute name) where crmsh parses a name."""
    return _checked("crm", what, value, _CRM_NAME, "crmsh reads only letters, digits and _ . @ + - there")


def crm_node(value) -> str:
    """``value`` where crmsh parses a node name."""
    return _checked("crm", "node name", value, _CRM_NODE,
                    "crmsh splits its text at white space, quotes, backslashes, '=' and ':'")


def crm_literal(value, what) -> str:
    """``value`` (a rule expression value, a date) where crmsh reads one token as it is."""
    return _checked("crm", what, value, _CRM_LITERAL,
                    "crmsh reads only letters, digits and _ . @ + : / , = # - there")


def crm_path_part(value, what) -> str:
    """``value`` as one component of a ``crm configure set`` path."""
    return _checked("crm", what, value, _CRM_PATH_PART, "crm configure set paths split at '.'")


def crm_shell_value(value, what) -> str:
    """``value`` for ``crm resource param|meta ... set NAME VALUE``, which crmsh runs as
    ``sh -c "crm_resource ... '%s'"``: no single quote; crm_resource refuses a byte outside ASCII in its
    arguments ("Invalid byte sequence in conversion input", whatever the locale) and reads a value starting
    with ``-`` as options."""
    value = _checked("crm", what, value, _NO_SINGLE_QUOTE, "crmsh puts it between single quotes in a shell command")
    value = _checked("crm", what, value, _ASCII, "crm_resource takes only ASCII in its arguments")
    return _checked("crm", what, value, _NO_OPTION, "crm_resource reads a value starting with '-' as options")


def crm_xml_value(value, what) -> str:
    """``value`` of an attribute in an ``xml ...`` statement: crmsh splits that text at white space and
    drops what follows a ``#``."""
    return _checked("crm", what, value, _CRM_XML_VALUE, "crmsh re-splits xml statements at spaces, quotes and '#'")


def sed_literal(name) -> str:
    """A crm name as a sed regular expression matching just it (basic or extended syntax)."""
    return re.sub(r"([.+])", r"[\1]", name)


def _crmsh_reads(args):
    """The words crmsh's command line parser gets from argv ``args``: it joins them with spaces (putting a
    word holding a space between quotes) and splits the line with ``shlex``."""
    joined = []
    for word in args:
        if " " in word:
            quote = "'" if '"' in word else '"'
            if quote not in word:
                word = quote + word + quote
        joined.append(word)
    try:
        return shlex.split(" ".join(joined))
    except ValueError:
        return None


def crm_line(words: Words) -> str:
    """A ``crm ...`` command line; raises :class:`Unwritable` when crmsh would not get these words back."""
    args = [str(w) for w in words[1:]]
    if _crmsh_reads(args) != args:
        bad = next((w for w in args if _crmsh_reads([w]) != [w]), " ".join(args))
        raise Unwritable("crm", "word", bad, "crmsh splits its command line again")
    return shell_line(words)


def pcs_id(value, what) -> str:
    """``value`` where pcs reads a resource or constraint id."""
    return _checked("pcs", what, value, _PCS_ID, "pcs takes only ASCII letters, digits and _ . - there")


def pcs_ticket(value) -> str:
    return _checked("pcs", "ticket", value, _PCS_TICKET,
                    "pcs takes up to 63 letters, digits or dashes, not starting with a dash")


def pcs_value(value, what) -> str:
    """``value`` as a pcs argument or the value of ``name=value`` (pcs splits at the first ``=`` only)."""
    return _checked("pcs", what, value, _ANY, "")


def pcs_arg(value, what) -> str:
    """``value`` as a positional pcs argument: pcs reads a word starting with ``-`` as an option."""
    return _checked("pcs", what, value, _NO_OPTION, "pcs reads a word starting with '-' as an option")


def pcs_rule_value(value, what) -> str:
    """``value`` as one word of a pcs rule expression, where ``and``, ``or`` and parentheses are syntax."""
    value = pcs_arg(value, what)
    if value.lower() in _PCS_RULE_WORDS or not value or any(c in value for c in "()"):
        raise Unwritable("pcs", what, value, "pcs reads it as rule syntax")
    return value


#: what ``pcs resource op add`` takes besides name=value attributes of the op element
_PCS_OP_NVPAIRS = {"OCF_CHECK_LEVEL"}


def pcs_op_options(op_element, changed) -> List[str]:
    """The ``name=value`` options re-creating ``op_element`` with ``pcs resource op add`` (its attributes
    but ``id`` and ``name``, then its ``OCF_CHECK_LEVEL``), with ``changed`` (name -> value) put in; an op
    holding other instance or meta attributes cannot be written so."""
    attrs = {k: v for k, v in op_element.attrib.items() if k not in ("id", "name")} if op_element is not None else {}
    for block in op_element.iterchildren() if op_element is not None else ():
        if not isinstance(block.tag, str):
            continue
        for nvpair in block.iterchildren("nvpair"):
            name = nvpair.get("name")
            if block.tag != "instance_attributes" or name not in _PCS_OP_NVPAIRS:
                raise Unwritable("pcs", "operation attribute", name, "pcs resource op add does not take it")
            attrs[name] = nvpair.get("value", "")
        if block.tag not in ("instance_attributes", "meta_attributes"):
            raise Unwritable("pcs", "operation element", block.tag, "pcs resource op add does not take it")
    attrs.update(changed)
    return [f"{key}={pcs_value(value, key)}" for key, value in attrs.items() if value is not None]


def pcs_line(words: Words) -> str:
    return shell_line(words)


def fix(crm: Optional[Callable[[], List[Words]]] = None, pcs: Optional[Callable[[], List[Words]]] = None,
        crm_text: Optional[Callable[[], List[str]]] = None) -> Fix:
    """A :class:`Fix` from builders of each tool's commands (lists of argv lists; ``crm_text`` builds
    finished crm command lines). A builder raising :class:`Unwritable` gives no command for that tool and
    the reason in ``Fix.withheld``."""
    crm_lines, pcs_lines, withheld = (), (), []
    if crm is not None or crm_text is not None:
        try:
            crm_lines = tuple(crm_line(words) for words in crm()) if crm is not None else tuple(crm_text())
        except Unwritable as why:
            withheld.append(("crm", str(why)))
    if pcs is not None:
        try:
            pcs_lines = tuple(pcs_line(words) for words in pcs())
        except Unwritable as why:
            withheld.append(("pcs", str(why)))
    return Fix(crm=crm_lines, pcs=pcs_lines, withheld=tuple(withheld))
