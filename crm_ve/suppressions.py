"""Inline suppressions (``# crm-ve: ignore[CODE]``) and per-resource ignores from the configuration file.

In the crm shell a comment is written on the line(s) above an object::

    # crm-ve: ignore[CV101, filesystem-not-with-promoted-drbd]
    primitive p_fs Filesystem ...

crmsh stores each such line as an XML comment that is the first child of the object's element
(``<primitive id="p_fs"><!--# crm-ve: ignore[CV101, ...]-->``), and Pacemaker keeps comments in the CIB. In
hand-written XML the comment may also sit just before an element whose parent has no id (e.g. directly inside
``<resources>``). A finding is suppressed when the element whose id is the finding's ``suppress_on`` carries a
directive naming the finding's code or name. Codes are explicit: a blanket ``# crm-ve: ignore`` or a name that no
rule has is itself reported (CV902), and so is a directive that suppressed nothing (CV901).
"""
import fnmatch
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

#: ``crm-ve:`` anywhere at the start of a comment (after crmsh's ``#``) makes it a directive, well-formed or not.
_DIRECTIVE = re.compile(r"^#*\s*crm-ve\s*:(?P<body>.*)$", re.S | re.I)
_IGNORE = re.compile(r"^\s*ignore\s*\[(?P<tokens>[^\]]*)\]\s*(?P<rest>.*)$", re.S)
_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
#: Rules whose code starts so are meta rules: they run after the others, over what was suppressed.
META_PREFIX = "CV9"


def is_meta(rule):
    return rule.code.startswith(META_PREFIX)


def selector_matches(selector, code, name):
    """A selector names a rule by code, code prefix or name (as ``--select``/``--ignore`` do)."""
    selector = selector.strip()
    return selector == name or code.startswith(selector.upper())


def token_matches(token, code, name):
    """An inline directive names a rule exactly, by code or by name (no prefixes: codes are explicit)."""
    return token.upper() == code or token == name


@dataclass
class Directive:
    """One ``crm-ve:`` comment: the element it is attached to, its tokens, and which of them suppressed something."""

    owner_id: Optional[str]
    owner_tag: Optional[str]
    line: Optional[int]
    text: str
    tokens: Tuple[str, ...] = ()
    problem: Optional[str] = None
    used: Set[str] = field(default_factory=set)


def parse_directive(text):
    """``(tokens, problem)`` for a comment's text, or None when the comment is not a crm-ve directive."""
    match = _DIRECTIVE.match(text.strip())
    if not match:
        return None
    body = match.group("body")
    ignore = _IGNORE.match(body)
    if not ignore:
        if re.match(r"^\s*ignore\s*$", body):
            return (), "a blanket 'crm-ve: ignore' is not allowed: name the codes, e.g. crm-ve: ignore[CV101]"
        return (), "not a crm-ve directive: expected crm-ve: ignore[CODE, ...]"
    tokens = tuple(token for token in re.split(r"[\s,]+", ignore.group("tokens")) if token)
    if not tokens:
        return (), "'crm-ve: ignore[]' names no code: name the codes, e.g. crm-ve: ignore[CV101]"
    bad = [token for token in tokens if not _TOKEN.match(token)]
    if bad:
        return tokens, f"{', '.join(map(repr, bad))} is not a rule code or name"
    if ignore.group("rest").strip():
        return tokens, f"unexpected text after ']': {ignore.group('rest').strip()!r}"
    return tokens, None


def _owner(comment):
    """The element a directive comment belongs to: its parent (crmsh's form), else the next element sibling."""
    parent = comment.getparent()
    if parent is not None and parent.get("id") is not None:
        return parent
    sibling = comment.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    return sibling


class SuppressionIndex:
    """The directives of one document, by the id of the element they are attached to."""

    def __init__(self, directives, rules):
        self.directives: List[Directive] = list(directives)
        self.rules = list(rules)
        self.ran: Set[str] = set()
        self.by_owner: Dict[str, List[Directive]] = {}
        for directive in self.directives:
            if directive.owner_id is not None and directive.problem is None:
                self.by_owner.setdefault(directive.owner_id, []).append(directive)

    def rule_for(self, token):
        return next((rule for rule in self.rules if token_matches(token, rule.code, rule.name)), None)

    def suppresses(self, finding):
        """True (and the directive's token marked used) when an inline directive silences ``finding``."""
        hit = False
        for directive in self.by_owner.get(finding.suppress_on or "", ()) if finding.suppress_on else ():
            for token in directive.tokens:
                if token_matches(token, finding.code, finding.name):
                    directive.used.add(token)
                    hit = True
        return hit

    def apply(self, findings, ran=()):
        """The findings no directive silences; ``ran`` are the codes of the rules that ran without failing."""
        self.ran.update(ran)
        return [finding for finding in findings if not self.suppresses(finding)]


def index_suppressions(document, rules):
    """Every ``crm-ve:`` comment inside the document's ``<configuration>``."""
    directives = []
    for comment in document.configuration_comments():
        parsed = parse_directive(comment.text or "")
        if parsed is None:
            continue
        tokens, problem = parsed
        owner = _owner(comment)
        owner_id = owner.get("id") if owner is not None else None
        if owner_id is None and problem is None:
            problem = "is attached to no element with an id: write it on the line above a crm object"
        directives.append(
            Directive(
                owner_id=owner_id,
                owner_tag=owner.tag if owner is not None else None,
                line=comment.sourceline,
                text=(comment.text or "").strip(),
                tokens=tokens,
                problem=problem,
            )
        )
    return SuppressionIndex(directives, rules)


def ignored_by_resource(finding, per_resource_ignores):
    """True when a ``per-resource-ignores`` entry (RESOURCE glob: RULES) covers this finding."""
    if not per_resource_ignores:
        return False
    ids = [i for i in (finding.suppress_on, *finding.resources, *finding.constraints) if i]
    for pattern, selectors in per_resource_ignores:
        if any(fnmatch.fnmatchcase(i, pattern) for i in ids) and any(
            selector_matches(s, finding.code, finding.name) for s in selectors
        ):
            return True
    return False
