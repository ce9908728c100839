"""How the text report meets the terminal: whether it is coloured, and the width it is wrapped to.

The command asks here; the report only renders what it is told (``Report.color``, ``Report.width``).
"""
import os

#: Narrower terminals are wrapped as if this wide: indented lines keep room for a few words.
NARROWEST = 40
#: The width of a terminal that does not say its own (a pseudo-terminal nobody sized).
DEFAULT_WIDTH = 80


def use_color(stream):
    """Whether to colour what goes to ``stream``, as pytest and CPython decide it.

    A non-empty NO_COLOR turns colour off (https://no-color.org/) and wins over everything; else a non-empty
    FORCE_COLOR turns it on even into a pipe or a file (https://force-color.org/); else colour goes only to a
    terminal whose TERM is not ``dumb``. An empty variable counts as unset, as both specifications say.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def wrap_width(stream):
    """The columns to wrap the text report to when ``stream`` is a terminal: COLUMNS when it is a positive
    number (as :func:`shutil.get_terminal_size` reads it), else the width of ``stream``'s own terminal (80 when it
    has none). None when ``stream`` is not a terminal: output into a pipe or a file, which tools and logs parse,
    is never wrapped."""
    if not stream.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    columns = int(columns) if columns.isdigit() else 0
    if not columns:
        try:
            columns = os.get_terminal_size(stream.fileno()).columns
        except OSError:
            columns = 0
    return max(columns or DEFAULT_WIDTH, NARROWEST)
