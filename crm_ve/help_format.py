"""``--help`` that fits the terminal, for descriptions and epilogs written as blocks.

argparse wraps help texts to $COLUMNS, but prints a raw description or epilog (an exit status table, an
example) as written, however wide. Here a text is read block by block (blocks are separated by blank lines),
the way crm-ve(1) reads the same texts (:mod:`crm_ve.manpages.cli`).
"""
import argparse
import re

#: A table row: an indented key and a gap of two spaces or more before its text (``  2  could not run: ...``);
#: compiled on the first --help, not on every run.
_ROW = r"\s+\S{1,12}\s{2,}(?=\S)"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """A block of unindented lines is prose, reflowed to the width like any argparse help; in any other block
    (a labelled table, an example) the lines stay as written, except that a table row with the lines that go
    on under its text is reflowed under that text's column, and so is any line wider than the terminal."""

    def _fill_text(self, text, width, indent):
        import textwrap
        blocks = []
        for block in re.split(r"\n\s*\n", text.strip("\n")):
            lines = block.splitlines()
            rows = [(" ".join(block.split()), "")] if not any(line[:1].isspace() for line in lines) else _rows(lines)
            blocks.append("\n".join(
                wrapped for row, hang in rows
                for wrapped in textwrap.wrap(row, width, initial_indent=indent, subsequent_indent=indent + hang,
                                             break_long_words=False, break_on_hyphens=False) or [""]
            ))
        return "\n\n".join(blocks)


def _rows(lines):
    """(line, hanging indent) of a block's lines, a table row's continuation lines joined to it."""
    rows = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if rows and rows[-1][2] and indent == len(rows[-1][1]):
            rows[-1][0] += " " + line.strip()
            continue
        match = re.match(_ROW, line)
        rows.append([line, " " * (match.end() if match else indent), bool(match)])
    return [(line, hang) for line, hang, _ in rows]
