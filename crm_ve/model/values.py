"""Pacemaker's value syntax: scores, booleans, intervals, roles, and a three-valued truth for rules.

Everything here follows Pacemaker 2.1.5's parsers (``char2score``, ``crm_str_to_boolean``,
``crm_parse_interval_spec``, ``text2role``) so the model reads a CIB the way the scheduler does.
"""
import enum
import re
import sys

#: Pacemaker's INFINITY (``CRM_SCORE_INFINITY``); scores beyond it are clamped to it.
INFINITY = 1_000_000

_INT_PREFIX = re.compile(r"\s*([+-]?\d+)")


def parse_score(text):
    """An integer score as ``char2score`` reads it: +/-INFINITY, clamped integers, 0 for anything else.

    ``None`` (no attribute) is 0; ``red`` is -INFINITY (the node-health default); ``yellow``/``green`` are 0.
    """
    if text is None:
        return 0
    value = text.strip()
    lowered = value.lower()
    if lowered == "-infinity":
        return -INFINITY
    if lowered in ("infinity", "+infinity"):
        return INFINITY
    if lowered == "red":
        return -INFINITY
    if lowered in ("yellow", "green"):
        return 0
    match = _INT_PREFIX.match(value)
    if not match:
        return 0
    return max(-INFINITY, min(INFINITY, int(match.group(1))))


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


_ISO_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$", re.I)
_UNITS_MS = {"": 1000, "s": 1000, "sec": 1000, "ms": 1, "msec": 1, "us": 0.001, "usec": 0.001,
             "m": 60_000, "min": 60_000, "h": 3_600_000, "hr": 3_600_000}
_INTERVAL = re.compile(r"^\s*(\d+)\s*([a-z]*)\s*$", re.I)


_INTERVAL_CACHE: dict = {}


def parse_interval_ms(text, default=None):
    """An interval or timeout in milliseconds (``29s``, ``1m``, ``500ms``, ``PT30S``, ``30``); ``default`` when
    unparsable. A bare number is seconds (``crm_parse_interval_spec``)."""
    if text is None:
        return default
    # a CIB spells its intervals a handful of ways: remember them (tens of thousands of ops on large CIBs)
    key = (text, default)
    try:
        return _INTERVAL_CACHE[key]
    except (KeyError, TypeError):
        pass
    result = _parse_interval_ms(text, default)
    if len(_INTERVAL_CACHE) >= 4096:
        _INTERVAL_CACHE.clear()
    try:
        _INTERVAL_CACHE[key] = result
    except TypeError:  # an unhashable default
        pass
    return result


def _parse_interval_ms(text, default):
    value = text.strip()
    if not value:
        return default
    iso = _ISO_DURATION.match(value)
    if iso and value.upper() != "P":
        parts = {k: int(v) for k, v in iso.groupdict().items() if v}
        seconds = (parts.get("years", 0) * 365 * 86400 + parts.get("months", 0) * 30 * 86400
                   + parts.get("weeks", 0) * 7 * 86400 + parts.get("days", 0) * 86400
                   + parts.get("hours", 0) * 3600 + parts.get("minutes", 0) * 60 + parts.get("seconds", 0))
        return seconds * 1000
    match = _INTERVAL.match(value)
    if not match:
        return default
    factor = _UNITS_MS.get(match.group(2).lower())
    if factor is None:
        return default
    return int(int(match.group(1)) * factor)


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
