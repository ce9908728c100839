"""Build man pages as docutils doctrees in code, and render them with docutils' manpage writer.

Building nodes directly (instead of generating reST text) means no text from meta-data, argparse help or rule
docs ever needs reST escaping: a ``*`` or a backtick in a longdesc stays a ``*`` or a backtick.

The writer is docutils' own, with a few corrections to what 0.22 emits: the NAME heading is upper case like every
other section (``.SH Name`` otherwise); no ``.sp`` right after a ``.SH``/``.SS`` heading (mandoc warns "skipping
paragraph macro"); no hyphenation (``.nh``, ``.nr HY 0``) and a ragged right margin (``.ad l``); inline literals
never break at a hyphen (``\\%``). Output is reproducible: a fixed date instead of the build date, and nothing
that depends on the terminal width.
"""
import re

import docutils.core
import docutils.frontend
import docutils.utils
from docutils import nodes
from docutils.writers import manpage

#: docutils releases change the generated roff; the committed pages are compared under this series only.
DOCUTILS_SERIES = "0.22"

_BACKTICKS = re.compile(r"`([^`]+)`")
_WORD_START = re.compile(r"(?:^|(?<= ))(?=\S)")


class _Translator(manpage.Translator):
    def header(self):
        # No hyphenation and a ragged right margin: pages full of option names, paths and resource ids read better
        # unbroken and without stretched spaces at 80 columns. groff's man macros re-enable hyphenation at every
        # paragraph with ".hy \n[HY]", hence the register as well as .nh.
        th, name = super().header().split(".SH Name\n", 1)
        return th + ".nh\n.nr HY 0\n.ad l\n.SH NAME\n" + name

    def visit_paragraph(self, node):
        super().visit_paragraph(node)
        # A paragraph right under a heading needs no vertical space; mandoc warns "sp after SH".
        if self.body and self.body[-1] == ".sp\n":
            previous_line = "".join(self.body[-4:-1]).rstrip("\n").rsplit("\n", 1)[-1]
            if previous_line.startswith((".SH ", ".SS ")):
                self.body.pop()

    def visit_Text(self, node):
        super().visit_Text(node)
        if isinstance(node.parent, nodes.literal):
            # Never hyphenate a command, option or value: a reader would type the hyphen.
            self.body[-1] = _WORD_START.sub(r"\\%", self.body[-1])


class _Writer(manpage.Writer):
    def __init__(self):
        super().__init__()
        self.translator_class = _Translator


# -- inline content ---------------------------------------------------------------------------------------------

def bold(text):
    return nodes.strong(text=text)


def italic(text):
    return nodes.emphasis(text=text)


def code(text):
    """Something typed literally (a command, a value): bold in a man page."""
    return nodes.literal(text=text)


def manref(name, section):
    """A reference to another man page: ``crm(8)``."""
    return [bold(name), nodes.Text(f"({section})")]


def _inline(parts):
    """Flatten strings, nodes and lists of them into inline nodes; strings become plain text."""
    out = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, str):
            out.append(nodes.Text(part))
        elif isinstance(part, (list, tuple)):
            out.extend(_inline(part))
        else:
            out.append(part)
    return out


def marked(text):
    """Plain text in which `backticked` spans (as rule docs and help strings write them) are literals."""
    parts, last = [], 0
    for match in _BACKTICKS.finditer(text):
        parts.append(text[last:match.start()])
        parts.append(code(match.group(1)))
        last = match.end()
    parts.append(text[last:])
    return [part for part in parts if part != ""]


# -- block content ----------------------------------------------------------------------------------------------

def para(*parts):
    return nodes.paragraph("", "", *_inline(parts))


def paragraphs(text, inline=marked):
    """Paragraphs from text whose paragraphs are separated by blank lines; lines inside one are joined."""
    blocks = [" ".join(line.strip() for line in block.splitlines()) for block in re.split(r"\n\s*\n", text.strip())]
    return [para(inline(block)) for block in blocks if block]


def example(text):
    """A literal block (commands, configuration): kept verbatim, indented."""
    return nodes.literal_block(text=text.rstrip("\n"))


def bullets(items):
    """A bullet list; each item is a list of inline parts or a list of block nodes."""
    blist = nodes.bullet_list()
    for item in items:
        blist += nodes.list_item("", *_blocks(item))
    return blist


def terms(items):
    """A definition list of ``(term, body)``: term is inline parts, body a block node or a list of them."""
    dlist = nodes.definition_list()
    for term, body in items:
        term_parts = _inline([term])
        dlist += nodes.definition_list_item(
            "", nodes.term("", "", *term_parts), nodes.definition("", *_blocks(body))
        )
    return dlist


def _blocks(body):
    if isinstance(body, (str, nodes.Inline, nodes.Text)):
        return [para(body)]
    if isinstance(body, nodes.Element):
        return [body]
    body = list(body)
    if body and all(isinstance(b, (str, nodes.Inline, nodes.Text, list)) for b in body):
        return [para(*body)]
    out = []
    for item in body:
        out.extend(_blocks(item))
    return out


# -- pages ------------------------------------------------------------------------------------------------------

class Page:
    """One man page: its title, section, one-line summary and header fields, then sections of block nodes."""

    def __init__(self, name, section, summary, *, manual, source, date):
        settings = docutils.frontend.get_default_settings(_Writer)
        self.name = name
        self.section_number = str(section)
        self.document = docutils.utils.new_document(f"<{name}.{section}>", settings)
        self.document += nodes.title(text=name)
        self.document += nodes.subtitle(text=summary)
        docinfo = nodes.docinfo()
        docinfo += _field("Manual section", self.section_number)
        docinfo += _field("Manual group", manual)
        docinfo += nodes.version(text=source)
        docinfo += nodes.date(text=date)
        self.document += docinfo

    @property
    def filename(self):
        return f"{self.name}.{self.section_number}"

    def section(self, title, *blocks):
        """Add a top-level section (``.SH``); returns it so that callers can append blocks or subsections."""
        node = nodes.section()
        node += nodes.title(text=title.upper())
        for block in blocks:
            node += _blocks(block)
        self.document += node
        return node

    def render(self):
        """The page as roff text."""
        roff = docutils.core.publish_from_doctree(
            self.document,
            writer=_Writer(),
            settings_overrides={"report_level": 2, "halt_level": 2, "output_encoding": "utf-8"},
        )
        return roff.decode("utf-8")


def subsection(parent, title, *blocks):
    """Add a subsection (``.SS``) to a section."""
    node = nodes.section()
    node += nodes.title(text=title)
    for block in blocks:
        node += _blocks(block)
    parent += node
    return node


def _field(name, value):
    return nodes.field("", nodes.field_name(text=name), nodes.field_body("", nodes.paragraph(text=value)))
