"""Pacemaker's value syntax: scores, integers, intervals, timeouts, booleans, roles, and a three-valued truth.

Everything here follows Pacemaker 2.1.5's parsers, so the model reads a CIB the way the scheduler does, and no
text (a 5,000-digit score, ``²``, a sign, white space) makes it raise: ``char2score`` for scores,
``pcmk__scan_min_int`` for counts (``clone-max``, ``promoted-max``, a bundle's ``masters``),
``crm_get_msec`` for timeouts, ``crm_parse_interval_spec`` (with ``crm_time_parse_duration`` for ISO 8601) for
intervals, ``crm_str_to_boolean``, ``text2role``. Their C arithmetic is part of the semantics and is kept:
``strtoll`` reads ASCII digits only and reports overflow, which ``char2score`` turns into 0 (not INFINITY;
checked with crm_simulate); an op timeout is cut to a C ``int``; an ISO 8601 duration counts its years and days
as calendar positions (``P1D`` is 0 s, ``P2D`` one day; checked with crm_simulate).
"""
import enum
import re
import sys

#: Pacemaker's INFINITY (``CRM_SCORE_INFINITY``); scores beyond it are clamped to it.
INFINITY = 1_000_000

#: Pacemaker's operation timeout when neither the op nor op_defaults set one, or theirs is invalid (20 s).
DEFAULT_OP_TIMEOUT_MS = 20_000

_LLONG_MAX, _LLONG_MIN = 2 ** 63 - 1, -2 ** 63
_INT_MAX = 2 ** 31 - 1
_GUINT_MAX = 2 ** 32 - 1

# strtoll(text, &end, 10): C white space, a sign, ASCII digits (leading zeros apart, so that a long run of
# zeros is no overflow); [0-9], not \d, which also matches other scripts' digits
_STRTOLL = re.compile(r"[ \t\n\v\f\r]*([+-]?)(0*)([0-9]*)")
_LONGEST_LLONG = len(str(_LLONG_MAX))


def _strtoll(text):
    """``(value, ok)`` as C ``strtoll(text, &end, 10)`` reads the start of ``text``: ``ok`` is False when there
    is no digit (value 0) or on overflow (value clipped to the long long range, as strtoll does)."""
    sign, zeros, digits = _STRTOLL.match(text).groups()
    if not zeros and not digits:
        return 0, False
    if len(digits) > _LONGEST_LLONG:  # never int() of thousands of digits
        return (_LLONG_MIN if sign == "-" else _LLONG_MAX), False
    value = -int(digits or "0") if sign == "-" else int(digits or "0")
    if value > _LLONG_MAX:
        return _LLONG_MAX, False
    if value < _LLONG_MIN:
        return _LLONG_MIN, False
    return value, True


def _wrap(value, bits):
    """``value`` cut to a signed C integer of ``bits`` bits (two's complement, as gcc's arithmetic does)."""
    half = 1 << (bits - 1)
    return (value + half) % (1 << bits) - half


#: words ``char2score`` maps to the node-health scores; with the default ``node-health-strategy=none`` each is
#: 0 (the score schema accepts none of them: integers and +/-INFINITY only)
_HEALTH_WORDS = ("red", "yellow", "green")


def parse_score(text):
    """An integer score as ``char2score`` reads it: exactly ``INFINITY``/``+INFINITY``/``-INFINITY``, else the
    leading integer clamped to +/-INFINITY; no integer, or one beyond a C long long, is 0 (so are ``None``, no
    attribute, and the health words ``red``/``yellow``/``green``)."""
    try:
        return _SCORES[text]
    except (KeyError, TypeError):
        pass
    if text is None:
        return 0
    if text == "-INFINITY":
        score = -INFINITY
    elif text in ("INFINITY", "+INFINITY"):
        score = INFINITY
    elif len(text) <= 6 and text.lower() in _HEALTH_WORDS:
        score = 0
    else:
        value, ok = _strtoll(text)
        score = max(-INFINITY, min(INFINITY, value)) if ok else 0
    return remember(_SCORES, text, score)


_SCORES: dict = {}


def parse_count(text, minimum=0):
    """A count (``clone-max``, ``promoted-max``, a bundle's ``masters``...) as ``pcmk__scan_min_int`` reads it:
    the leading integer, at least ``minimum`` (which stands for no or an invalid or overflowing integer too),
    at most C's INT_MAX."""
    if text is None:
        return minimum
    value, ok = _strtoll(text)
    if not ok or value < minimum:
        return minimum
    return min(value, _INT_MAX)


def decimal_up_to(text, ceiling):
    """The value of ``text`` written in ASCII digits only, or ``ceiling`` when it is larger (found without
    converting thousands of digits); None for any other text (a sign, white space, ``²``, empty)."""
    if not (text.isascii() and text.isdigit()):
        return None
    significant = text.lstrip("0")
    if len(significant) > len(str(ceiling)):
        return ceiling
    return min(int(significant or "0"), ceiling)


def format_score(score):
    """A score the way crmsh writes it in ``crm configure`` text (``inf``, ``-inf``, or the integer)."""
    if score >= INFINITY:
        return "inf"
    if score <= -INFINITY:
        return "-inf"
    return str(score)


def format_score_xml(score):
    """A score the way pcs and the CIB write it (``INFINITY``, ``-INFINITY``, or the integer)."""
    if score >= INFINITY:
        return "INFINITY"
    if score <= -INFINITY:
        return "-INFINITY"
    return str(score)


_TRUE = {"true", "on", "yes", "y", "1"}
_FALSE = {"false", "off", "no", "n", "0"}


def parse_bool(text, default=None):
    """``crm_str_to_boolean``: true/on/yes/y/1 and false/off/no/n/0 (any case); ``default`` otherwise."""
    if text is None:
        return default
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return default


def remember(memo, key, value, limit=1024):
    """``memo[key] = value`` for a memo of the ways a CIB spells something (a handful, read tens of thousands
    of times): emptied when it reaches ``limit`` entries, so that an odd CIB cannot grow it without bound."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value


#: ``@dataclass(**SLOTS)``: no ``__dict__`` per instance where Python allows it (3.10+), for the model's
#: objects that exist tens of thousands of times on a large CIB (operations, constraints).
SLOTS = {"slots": True} if sys.version_info >= (3, 10) else {}


# crm_get_msec: C white space but \\v, then the number's characters (digits and dots), white space, a unit
_MSEC_NUMBER = re.compile(r"[ \t\n\r\f]*([0-9.]+)[ \t\n\r\f]*")
#: crm_get_msec's units by their first two letters (any case), tried in its order: (multiplier, divisor)
_MSEC_UNITS = (("ms", 1, 1), ("us", 1, 1000), ("s", 1000, 1), ("m", 60_000, 1), ("h", 3_600_000, 1))
_LOWER_ASCII = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def parse_msec(text):
    """Milliseconds as ``crm_get_msec`` reads ``text``, -1 when it does not: white space, a number (its
    integer part; a number starting with ``.`` reads as -1 of the unit), white space, then a unit known by its
    first letters (``ms``/``msec``, ``us``, ``s``/``sec``, ``m``/``min``, ``h``/``hr``; no unit is seconds);
    an overflow is C's LLONG_MAX. No sign, no ISO 8601."""
    return _get_msec(text)[0]


def _get_msec(text):
    """(``crm_get_msec(text)``, whether its number had a digit before any dot)."""
    if text is None:
        return -1, False
    match = _MSEC_NUMBER.match(text)
    if match is None:
        return -1, False
    unit = text[match.end():match.end() + 2].translate(_LOWER_ASCII)  # strncasecmp: ASCII letters only
    for prefix, multiplier, divisor in _MSEC_UNITS:
        if unit.startswith(prefix):
            break
    else:
        if unit[:1] not in ("", "\n", "\r"):
            return -1, False
        multiplier, divisor = 1000, 1
    value, ok = _strtoll(match.group(1))
    digits = ok or value != 0  # an overflow read digits (and clipped them)
    if not digits:
        value = -1  # scan_ll's default
    if value > _LLONG_MAX // multiplier:
        return _LLONG_MAX, digits
    value *= multiplier
    return (value // divisor if value >= 0 else -(-value // divisor)), digits  # C division truncates to 0


def parse_timeout_ms(text):
    """An operation timeout as 2.1.5 ``unpack_timeout`` reads it: ``crm_get_msec`` cut to a C ``int``; 20 s
    when that is negative (invalid text, ``PT30S``, or a value that wrapped)."""
    return remember(_TIMEOUTS, text, _timeout_ms(text), 4096)


def _timeout_ms(text):
    value = _wrap(parse_msec(text), 32)
    return DEFAULT_OP_TIMEOUT_MS if value < 0 else value


_TIMEOUTS: dict = {}


def parse_interval_ms(text):
    """An operation interval in milliseconds as ``crm_parse_interval_spec`` reads it (0 for no text, or text
    it refuses): see :func:`parse_interval_spec`."""
    return parse_interval_spec(text) or 0


def parse_interval_spec(text):
    """Milliseconds of ``text`` as ``crm_parse_interval_spec`` reads it: an ISO 8601 duration when it starts
    with ``P``, else :func:`parse_msec`; at most 2^32-1 (a C guint); 0 for no text; None for text it refuses
    (returning 0 with ``errno`` set: what does not parse, a negative value, ``.5us``)."""
    # a CIB spells its intervals a handful of ways: remember them (tens of thousands of ops on large CIBs)
    try:
        return _INTERVALS[text]
    except (KeyError, TypeError):
        pass
    if text is None:
        return 0
    if text[:1] == "P":
        msec = _iso8601_duration_ms(text)
        refused = msec < 0
    else:
        msec, digits = _get_msec(text)
        refused = msec < 0 or (msec == 0 and not digits)
    return remember(_INTERVALS, text, None if refused else min(msec, _GUINT_MAX), 4096)


_INTERVALS: dict = {}

_C_SPACE = " \t\n\v\f\r"
# crm_time_parse_duration's parse_int: a fraction (any number of digits) or an optional sign and at most 10
# digits
_DURATION_NUMBER = re.compile(r"[.,]([0-9]*)|([-+:]?)([0-9]{0,10})")
_DAY = 86_400


def _iso8601_duration_ms(text):
    """Milliseconds of an ISO 8601 duration (``P...``) as 2.1.5 computes them, -1 when it does not parse.

    ``crm_time_parse_duration`` reads number-unit pairs up to ``/`` or white space (``T`` switches ``M`` from
    months to minutes), in C ``int`` arithmetic; a fraction reads as 0 (Pacemaker divides by zero on its
    eleventh digit). ``crm_time_get_seconds`` then counts years as the days of the calendar years before the
    given one and days as the days before it (``P1Y`` and ``P1D`` are 0 s, ``P2D`` one day), months as 30
    days; the milliseconds are a C long long.
    """
    if len(text) < 2 or text[1] in _C_SPACE:
        return -1
    years = months = days = seconds = 0
    position, end = 1, len(text)
    in_time = False
    while position < end and text[position] != "/" and text[position] not in _C_SPACE:
        if text[position] == "T":
            in_time = True
            position += 1
            continue
        match = _DURATION_NUMBER.match(text, position)
        fraction, sign, digits = match.groups()
        if not (fraction or digits):
            return -1
        value = 0 if fraction is not None else _wrap(-int(digits) if sign == "-" else int(digits), 32)
        position = match.end()
        unit = text[position:position + 1]
        if unit == "Y":
            years = value
        elif unit == "M" and not in_time:
            months = value
        elif unit in ("W", "D"):
            days = _wrap(days + _wrap(value * (7 if unit == "W" else 1), 32), 32)
        elif unit in ("H", "M", "S"):
            seconds = _wrap(seconds + _wrap(value * {"H": 3600, "M": 60, "S": 1}[unit], 32), 32)
        else:
            return -1
        position += 1
    total = seconds
    if years > 1:
        before = years - 1  # the calendar years 1 .. years-1, leap years 366 days
        total += _DAY * (365 * before + before // 4 - before // 100 + before // 400)
    if months > 0:
        total += _DAY * 30 * months
    if days > 0:
        total += _DAY * (days - 1)
    return _wrap(1000 * total, 64)


class Role(enum.Enum):
    """A resource role in a constraint, normalised: ``Started`` and no role are ANY (Pacemaker Explained,
    "Colocation Properties": ``Started`` matches any role); ``Master``/``Slave`` are the legacy names of
    ``Promoted``/``Unpromoted`` (Pacemaker Explained, "Deprecated Terminology")."""

    ANY = "Started"
    STOPPED = "Stopped"
    UNPROMOTED = "Unpromoted"
    PROMOTED = "Promoted"
    UNKNOWN = "?"

    # members are singletons compared by identity: the identity hash (C) instead of Enum's hash of the name
    # (a Python call each time a role keys a dict or set)
    __hash__ = object.__hash__

    @classmethod
    def parse(cls, text):
        # a CIB spells its roles a handful of ways: remember them (called for every op and constraint)
        try:
            return _ROLE_PARSED[text]
        except (KeyError, TypeError):
            pass
        if text is None or not text.strip():
            role = cls.ANY
        else:
            role = _ROLE_NAMES.get(text.strip().lower(), cls.UNKNOWN)
        if len(_ROLE_PARSED) < 1024:
            _ROLE_PARSED[text] = role
        return role

    @property
    def is_any(self):
        return self is Role.ANY


_ROLE_NAMES = {
    "started": Role.ANY, "unknown": Role.ANY, "stopped": Role.STOPPED,
    "slave": Role.UNPROMOTED, "unpromoted": Role.UNPROMOTED,
    "master": Role.PROMOTED, "promoted": Role.PROMOTED,
}
_ROLE_PARSED: dict = {None: Role.ANY}


class Truth(enum.Enum):
    """Three-valued truth for rules: a date or node expression "may apply" (Kleene logic)."""

    FALSE = 0
    MAYBE = 1
    TRUE = 2

    __hash__ = object.__hash__  # as Role's: singletons, identity

    @classmethod
    def of(cls, value):
        return cls.TRUE if value else cls.FALSE

    # Kleene and/or are min/max of FALSE < MAYBE < TRUE: pick the member (no Enum lookup by value)
    def __and__(self, other):
        if not isinstance(other, Truth):
            return Truth(min(self.value, other.value))
        return self if self._value_ <= other._value_ else other

    def __or__(self, other):
        if not isinstance(other, Truth):
            return Truth(max(self.value, other.value))
        return self if self._value_ >= other._value_ else other

    def __invert__(self):
        return _NEGATION[self._value_]

    @property
    def possible(self):
        """True unless certainly false."""
        return self is not Truth.FALSE

    @property
    def certain(self):
        return self is Truth.TRUE


_NEGATION = (Truth.TRUE, Truth.MAYBE, Truth.FALSE)


#: Pacemaker's action names in constraints and the inverse used for symmetrical orders (``invert_action``).
ACTIONS = ("start", "stop", "promote", "demote")
INVERSE_ACTION = {"start": "stop", "stop": "start", "promote": "demote", "demote": "promote"}
