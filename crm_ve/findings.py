"""The records that flow from rules to reports: rules, findings and their fixes.

Data flows one way: input -> model -> rules -> findings -> report. A rule decides the severity of what it finds;
reports only render.
"""
import enum
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Optional, Sequence, Tuple


class Severity(enum.IntEnum):
    """How bad a finding is. Only errors make ``crm-ve check`` exit 1 (warnings too with ``--strict``)."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self):
        return self.name.lower()

    @classmethod
    def parse(cls, text):
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


@dataclass(frozen=True)
class Fix:
    """Commands that repair a finding, in order: a wrong constraint is deleted before its replacement is added."""

    crm: Tuple[str, ...] = ()
    pcs: Tuple[str, ...] = ()
    #: (tool, why) for a tool whose syntax cannot carry a value of this fix: it has no commands here
    withheld: Tuple[Tuple[str, str], ...] = ()

    def __bool__(self):
        return bool(self.crm or self.pcs or self.withheld)

    @classmethod
    def join(cls, *fixes: Optional["Fix"]) -> "Fix":
        """The commands of ``fixes`` in order; a tool withheld in one of them is withheld in the whole (half
        a fix is not printed)."""
        fixes = [f for f in fixes if f]
        withheld = tuple(dict.fromkeys(pair for f in fixes for pair in f.withheld))
        tools = {tool for tool, _ in withheld}
        return cls(crm=() if "crm" in tools else tuple(c for f in fixes for c in f.crm),
                   pcs=() if "pcs" in tools else tuple(c for f in fixes for c in f.pcs), withheld=withheld)

    def notes(self) -> str:
        """Why a tool has no command, as sentences for the finding's message ('' when none is withheld)."""
        return "".join(f" {why[:1].upper()}{why[1:]}." for _, why in self.withheld)


@dataclass(frozen=True)
class RuleDoc:
    """A rule's documentation, in ruff's sections."""

    what_it_does: str
    why_is_this_bad: str
    example: str
    use_instead: str


@dataclass
class Rule:
    """A check, as a plugin declares it through the ``crm_ve_rules`` hook.

    :param code: stable code, e.g. ``CV101``; built-in rules use the ``CV`` prefix, a plugin uses its own.
    :param name: stable kebab-case name, usable wherever a code is.
    :param severity: the severity of what it finds (a rule may lower it per finding, never raise it above error).
    :param summary: one line for listings.
    :param doc: What it does / Why is this bad? / Example / Use instead.
    :param check: ``check(context) -> iterable of Finding``; context is a :class:`crm_ve.checker.CheckContext`.
    :param covers: rows of docs/rule-catalogue.md (``C1``, ``D5``...) the rule covers.
    :param suppression_target: which element carries ``# crm-ve: ignore[CODE]`` ("filesystem", "container",
        "drbd clone", "constraint"...), in words for the docs.
    :param prepare: optional ``prepare(context)``, called for every selected rule before any rule's ``check``
        runs: where a rule starts slow work that does not need the other rules (reading agents' meta-data in
        the background), leaving what its ``check`` needs in ``context.prepared[code]``. A prepare that raises
        fails its rule like a raising check (its check does not run).
    """

    code: str
    name: str
    severity: Severity
    summary: str
    doc: RuleDoc
    check: Callable[..., Iterable["Finding"]]
    covers: Tuple[str, ...] = ()
    suppression_target: str = "the dependent resource"
    plugin: Optional[str] = None  # filled in by the plugin host
    prepare: Optional[Callable[..., None]] = None


@dataclass
class Finding:
    """One problem found in one CIB.

    ``line`` is the line in the XML the model read; the checker maps it to the user's file (e.g. a ``.crm`` file)
    and fills ``file``. ``suppress_on`` is the id of the element whose inline ``# crm-ve: ignore[CODE]``
    comment silences this finding.
    """

    code: str
    name: str
    severity: Severity
    message: str
    line: Optional[int] = None
    resources: Tuple[str, ...] = ()
    constraints: Tuple[str, ...] = ()
    fix: Fix = field(default_factory=Fix)
    suppress_on: Optional[str] = None
    file: Optional[str] = None
    #: findings of other rules that one fix repairs with this one (see :class:`Merge`, :func:`present`)
    merge: Optional["Merge"] = None
    #: for a finding :func:`present` made of several: the findings it stands for, each as its rule made it
    parts: Tuple["Finding", ...] = ()

    def __post_init__(self):
        self.message += self.fix.notes()

    @classmethod
    def of(cls, rule, message, **kwargs):
        """A finding of ``rule`` (code, name and severity taken from it unless given)."""
        kwargs.setdefault("severity", rule.severity)
        return cls(code=rule.code, name=rule.name, message=message, **kwargs)

    def as_dict(self):
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "resources": list(self.resources),
            "constraints": list(self.constraints),
            "fix": {"crm": list(self.fix.crm), "pcs": list(self.fix.pcs)},
            **({"merged": [part.as_part() for part in self.parts]} if self.parts else {}),
        }

    def as_part(self):
        """What one rule found, inside a merged finding (its fix is the merged finding's)."""
        return {key: value for key, value in self.as_dict().items() if key not in ("fix", "merged")}


@dataclass(frozen=True, eq=False)
class Merge:
    """How a finding joins the findings of other rules that one fix repairs together.

    Rules find their problems independently: ``--select``, ``--ignore`` and suppressions keep or drop each
    rule's findings alone. Only what is left is merged, by :func:`present`: findings sharing ``group`` become
    one, whose fix is ``combine(parts)`` over the ``part`` of each (a fix repairing them all, deleting a shared
    constraint once).
    """

    group: object
    part: object
    combine: Callable[[Sequence[object]], "Fix"]


def present(findings):
    """The findings as reports show them: those of one file sharing a :class:`Merge` group become one finding
    (the lowest code first, the others' messages after "Also (CODE): ..."), with the fix that repairs them all."""
    groups = {}
    for finding in findings:
        key = (finding.file, id(finding.merge.group)) if finding.merge is not None else id(finding)
        groups.setdefault(key, []).append(finding)
    shown = []
    for members in groups.values():
        if len(members) == 1:
            shown.append(members[0])
            continue
        members.sort(key=lambda f: f.code)
        head = members[0]
        shown.append(replace(
            head,
            severity=max(f.severity for f in members),
            message=" ".join([head.message] + [f"Also ({f.code}): {f.message}" for f in members[1:]]),
            resources=tuple(dict.fromkeys(r for f in members for r in f.resources)),
            constraints=tuple(dict.fromkeys(c for f in members for c in f.constraints)),
            fix=head.merge.combine([f.merge.part for f in members]),
            merge=None,
            parts=tuple(members),
        ))
    return shown


@dataclass(frozen=True)
class WorkloadAgent:
    """A resource agent whose resources are workloads that need the storage-stack checks (like ManageVE).

    :param standard: ``ocf`` ...; :param provider: ``heartbeat`` ...; :param type: ``ManageVE`` ...
    :param dump_parameter: the parameter naming a checkpoint file that must live on the Filesystem, if any.
    """

    standard: str
    provider: Optional[str]
    type: str
    dump_parameter: Optional[str] = None

    @property
    def spec(self):
        if self.provider:
            return f"{self.standard}:{self.provider}:{self.type}"
        return f"{self.standard}:{self.type}"


@dataclass(frozen=True)
class OutputFormat:
    """A report format, as a plugin declares it through ``crm_ve_output_formats``.

    ``render(report) -> str`` gets a :class:`crm_ve.checker.Report`.
    """

    name: str
    description: str
    render: Callable[..., str]
