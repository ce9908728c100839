"""What crm_verify refuses, refused: duplicate ids, and the CIB against the Relax NG schema it names.

A CIB names its schema in ``validate-with`` (``pacemaker-3.9``); Pacemaker installs the schema files in
``/usr/share/pacemaker`` (``PCMK_schema_directory`` overrides it, as for Pacemaker's own tools), one
``pacemaker-X.Y.rng`` per version including the others it is made of. The document is validated with lxml
(libxml2, the library crm_verify uses), so an invalid id (one holding a newline), an unknown role spelling
(``master``), an attribute the version does not know or a reference to no id (IDREF) are refused the way
crm_verify refuses them: exit 2, one line per error. Duplicate ids are refused in every case, with or without a
schema. A CIB whose schema cannot be read (``validate-with="none"``, a ``<configuration>`` fragment, a version
newer than the installed Pacemaker) is not refused, and its document carries a "schema not checked" note that
every report format prints.

Each schema is compiled once per run (a few hundredths of a second) and only when a document names it.
"""
import os
import re

from lxml import etree

from crm_ve.errors import InputError
from crm_ve.printable import excerpt, printable

SCHEMA_DIRECTORY = "/usr/share/pacemaker"
#: The schema names Pacemaker's own files use (nothing else is looked up: no path can be built from a CIB).
_SCHEMA_NAME = re.compile(r"pacemaker-(?:[0-9]{1,3}\.[0-9]{1,3}|next)\Z")
#: At most this many schema error lines, then a count of the rest.
MAX_ERROR_LINES = 50
#: Elements whose ``id`` names something else (a reference), or is no XML ID (node ids, ACL user names).
_NOT_DEFINITIONS = frozenset({"resource_ref", "obj_ref", "role_ref", "rsc_ref", "node", "acl_target"})
_ACL_HOLDERS = frozenset({"acl_target", "acl_group", "acl_user"})
_IDREF_ERROR = re.compile(r'IDREF attribute (\S+) references an unknown ID "(.*)"\Z', re.S)

#: schema file -> its compiled RelaxNG, or the reason it cannot be used
_compiled = {}


def schema_directory():
    return os.environ.get("PCMK_schema_directory") or SCHEMA_DIRECTORY


def _schema(validate_with):
    """(RelaxNG, None) for the schema ``validate_with`` names, or (None, why it cannot be checked)."""
    if validate_with is None:
        return None, "a <configuration> fragment names no schema (validate-with)"
    if validate_with == "none":
        return None, "validate-with is none"
    if not _SCHEMA_NAME.match(validate_with):
        return None, f"validate-with={excerpt(validate_with)!r} names no Pacemaker schema"
    path = os.path.join(schema_directory(), validate_with + ".rng")
    if path not in _compiled:
        if not os.path.isfile(path):
            _compiled[path] = f"no {validate_with} schema is installed ({path} does not exist)"
        else:
            try:
                _compiled[path] = etree.RelaxNG(etree.parse(path))
            except (etree.LxmlError, OSError) as exc:
                _compiled[path] = f"{path} cannot be read as a Relax NG schema: {excerpt(str(exc))}"
    compiled = _compiled[path]
    return (None, compiled) if isinstance(compiled, str) else (compiled, None)


def _where(document, line):
    line = document.source_line(line) if line else None
    return f"{document.name}:{line}" if line else document.name


def duplicate_ids(document):
    """``NAME:LINE: duplicate id ...`` for every element of the configuration reusing an earlier id."""
    first, lines = {}, []
    for element in document.configuration.iter(etree.Element):
        identifier = element.get("id")
        if identifier is None or element.tag in _NOT_DEFINITIONS:
            continue
        if element.tag == "role" and element.getparent() is not None and element.getparent().tag in _ACL_HOLDERS:
            continue
        if identifier in first:
            earlier = document.source_line(first[identifier])
            lines.append(f"{_where(document, element.sourceline)}: duplicate id '{excerpt(identifier)}' "
                         f"(first defined on line {earlier})" if earlier else
                         f"{_where(document, element.sourceline)}: duplicate id '{excerpt(identifier)}'")
        else:
            first[identifier] = element.sourceline
    return lines


def _idref_line(document, message):
    """libxml2 reports a reference to no id without a line: the first element holding that reference."""
    found = _IDREF_ERROR.match(message)
    if not found:
        return None
    attribute, value = found.groups()
    return next((element.sourceline for element in document.root.iter(etree.Element)
                 if element.get(attribute) == value), None)


def schema_errors(document, schema):
    """One line per error libxml2 finds, in its order, without repeats."""
    if schema.validate(document.root.getroottree()):
        return []
    lines = []
    for error in schema.error_log:
        line = error.line or _idref_line(document, error.message)
        text = f"{_where(document, line)}: schema {document.validate_with}: {printable(error.message.strip())}"
        if text not in lines:
            lines.append(text)
    return lines


def check_schema(document):
    """Refuse ``document`` (InputError, one line per problem) for duplicate ids or schema errors; when its
    schema cannot be read, set ``document.schema_note`` to say so."""
    lines = duplicate_ids(document)
    schema, reason = (None, None) if lines else _schema(document.validate_with)
    if not lines and schema is not None:
        lines = schema_errors(document, schema)
    if lines:
        if len(lines) > MAX_ERROR_LINES:
            lines = lines[:MAX_ERROR_LINES] + [f"{document.name}: ({len(lines) - MAX_ERROR_LINES} more errors)"]
        raise InputError("\n".join(lines))
    if reason is not None:
        document.schema_note = f"{document.name}: schema not checked: {reason}"
