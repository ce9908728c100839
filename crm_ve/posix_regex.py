"""POSIX extended regular expressions through the C library's ``regcomp(3)``/``regexec(3)``.

Pacemaker matches a location's ``rsc-pattern`` this way (2.1.5 ``unpack_simple_location``: ``regcomp`` with
``REG_EXTENDED``, ``regexec`` on each top-level resource id), so calling the same functions gives the same
semantics, which Python's ``re`` does not have (its alternation is ordered, its syntax another) and without its
backtracking: ``^(a|aa)+$`` against sixty ``a`` and a ``b`` takes Python's ``re`` hours, the C library
microseconds.

The C library matches without backtracking unless the pattern has a back-reference (``\\1``), so those are
refused (:class:`Unchecked`) before it sees them. Two things still cost more than the input's size, and are
bounded here, refused alike: ``regcomp`` copies a bounded repetition (``a{1,1000}``) and the operand of
``+`` (so ``((a+)+)+...`` doubles with each level), and ``regexec`` on a long text takes time that grows with
the text's length times the pattern's: :data:`MAX_NODES` limits the compiled size the pattern may expand to,
:data:`MAX_TEXT` the length of a text, and :data:`MATCH_SECONDS` the time spent on one pattern's texts.

ctypes is imported when a pattern is first matched (most CIBs have none); the functions are those of the C
library this process runs with (no ``ldconfig`` is run to find it).
"""
import time

#: the most elements a pattern may expand to (``(a?){250}`` compiles in 0.04 s, ``(a?){4096}`` in 18 s)
MAX_NODES = 256
#: the longest text matched (``regexec`` of a failing unanchored pattern grows with its square)
MAX_TEXT = 4096
#: the time the texts of one pattern may take together
MATCH_SECONDS = 5.0

REG_EXTENDED = 1
#: ``sizeof(regex_t)`` is 64 bytes with glibc on 64-bit machines; the buffer leaves room for any libc
_REGEX_T_SIZE = 1024


class InvalidPattern(ValueError):
    """``regcomp`` refused the pattern; the message is its ``regerror`` text."""


class Unchecked(ValueError):
    """A pattern not matched here, for the reason given: the check says so instead of guessing."""


def _libc():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.regcomp.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    libc.regcomp.restype = ctypes.c_int
    libc.regexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_int]
    libc.regexec.restype = ctypes.c_int
    libc.regfree.argtypes = [ctypes.c_void_p]
    libc.regfree.restype = None
    libc.regerror.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    libc.regerror.restype = ctypes.c_size_t
    return libc


_LIBC = None


def extended_matches(pattern, texts):
    """The ``texts`` that the POSIX extended regular expression ``pattern`` matches (anywhere in the text, as
    ``regexec`` does), in order.

    :raises InvalidPattern: ``regcomp`` refuses ``pattern``.
    :raises Unchecked: ``pattern`` has a back-reference or expands beyond :data:`MAX_NODES`, a text is
        longer than :data:`MAX_TEXT` or matching takes over :data:`MATCH_SECONDS`.
    """
    global _LIBC
    refusal = unchecked_reason(pattern)
    if refusal:
        raise Unchecked(refusal)
    if "\0" in pattern:  # regcomp would read the pattern up to it
        raise Unchecked("it contains a NUL character")
    texts = list(texts)
    if any(len(text) > MAX_TEXT for text in texts):
        raise Unchecked(f"a resource id is longer than {MAX_TEXT} characters")
    import ctypes
    if _LIBC is None:
        _LIBC = _libc()
    regex = ctypes.create_string_buffer(_REGEX_T_SIZE)
    status = _LIBC.regcomp(regex, pattern.encode(), REG_EXTENDED)
    if status != 0:
        message = ctypes.create_string_buffer(256)
        _LIBC.regerror(status, regex, message, len(message))
        raise InvalidPattern(message.value.decode("utf-8", "replace"))
    try:
        deadline = time.monotonic() + MATCH_SECONDS
        matched = []
        for count, text in enumerate(texts):
            if count % 64 == 0 and time.monotonic() > deadline:
                raise Unchecked(f"matching it took over {MATCH_SECONDS:g} s")
            if _LIBC.regexec(regex, text.encode(), 0, None, 0) == 0:
                matched.append(text)
        return matched
    finally:
        _LIBC.regfree(regex)


def unchecked_reason(pattern):
    """Why ``pattern`` is not given to the C library (a back-reference, or more than :data:`MAX_NODES` copies
    once its repetitions are expanded), or None.

    A single pass over the ERE syntax: ``\\`` escapes the next character (``\\1``-``\\9`` refer back), a
    bracket expression (``[...]``, with ``]`` first and ``[:class:]`` inside) is one atom, ``(``/``)`` group,
    ``+`` doubles its operand (glibc compiles ``a+`` as ``aa*``) and ``{m,n}`` multiplies it by its largest
    count; every other character is one element. The estimate only has to be of the same order as what
    ``regcomp`` builds (and bounds how deep it recurses: every ``(`` is an element).
    """
    if len(pattern) > 4 * MAX_NODES:
        return f"it is longer than {4 * MAX_NODES} characters"
    groups = [[0, 0]]  # per open group: (size so far, size of its last atom)
    position, end = 0, len(pattern)
    while position < end:
        char = pattern[position]
        position += 1
        current = groups[-1]
        if char == "\\":
            if position < end and pattern[position] in "123456789":
                return "it has a back-reference, which needs backtracking (exponential time)"
            position += 1
            atom = 1
        elif char == "[":
            position = _bracket_end(pattern, position)
            atom = 1
        elif char == "(":
            current[0] += 1
            groups.append([0, 0])
            continue
        elif char == ")" and len(groups) > 1:
            inner = groups.pop()[0]
            current = groups[-1]
            atom = max(inner, 1)
        elif char in "+{":
            factor = 2
            if char == "{":
                factor, position = _bound(pattern, position)
            current[0] += current[1] * (factor - 1)
            current[1] *= factor
            if current[0] > MAX_NODES:
                return f"its repetitions expand it beyond {MAX_NODES} elements"
            continue
        elif char in "*?|":
            current[0] += 1
            if current[0] > MAX_NODES:
                return f"it is longer than {MAX_NODES} elements"
            continue
        else:
            atom = 1
        current[0] += atom
        current[1] = atom
        if current[0] > MAX_NODES:
            return f"its repetitions expand it beyond {MAX_NODES} elements"
    if sum(size for size, _ in groups) > MAX_NODES:  # groups left open
        return f"it is longer than {MAX_NODES} elements"
    return None


def _bracket_end(pattern, position):
    """The position after the bracket expression whose ``[`` ends before ``position``."""
    end = len(pattern)
    if position < end and pattern[position] == "^":
        position += 1
    if position < end and pattern[position] == "]":
        position += 1
    while position < end and pattern[position] != "]":
        if pattern[position] == "[" and position + 1 < end and pattern[position + 1] in ":.=":
            closing = pattern.find(pattern[position + 1] + "]", position + 2)
            position = end if closing < 0 else closing + 2
        else:
            position += 1
    return position + 1


def _bound(pattern, position):
    """(largest count, position after it) of the interval ``{m}``, ``{m,}``, ``{m,n}`` or ``{,n}`` whose
    ``{`` ends before ``position``; an unbounded or unreadable one counts as its lower bound plus one
    (``{m,}`` is m copies and a star); the count is capped, the cap being beyond any allowed size already."""
    closing = pattern.find("}", position)
    if closing < 0:
        return 1, position  # a literal "{" for glibc, or a regcomp error
    numbers = pattern[position:closing].split(",")
    counts = [int(number[:6]) for number in numbers if number.isascii() and number.isdigit()]
    largest = max(counts, default=0) + (1 if len(numbers) == 2 and not numbers[1] else 0)
    return max(largest, 1), closing + 1
