"""Values from an input, made safe to print on one line of a terminal or a log.

A CIB value may hold any character: an id with a newline would print a line of its own (a fake "No problems
found"), an escape sequence would recolour or rewrite the terminal, a bidirectional override would reorder
what a reviewer reads. Every output format that prints such a value as text passes it through
:func:`printable`; JSON and SARIF carry values as JSON strings, whose own escaping already covers them.
"""
import re

#: C0 and C1 controls, DEL, the Unicode line and paragraph separators and the bidirectional controls.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match):
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text):
    """``text`` with every control character written as a ``\\xNN``/``\\uNNNN`` escape."""
    text = str(text)
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def excerpt(text, limit=80):
    """A printable prefix of ``text`` for a message (an input value may be megabytes long)."""
    text = str(text)
    shown = printable(text[:limit])
    return shown + "..." if len(text) > limit else shown
