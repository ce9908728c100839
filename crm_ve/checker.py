"""Run the rules over parsed CIBs and gather what they find into a :class:`Report`.

A rule that raises does not stop the others: its failure is recorded naming its plugin, the other findings are
still reported, and the run exits 2.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from crm_ve.coverage import Coverage, coverage_of
from crm_ve.errors import EXIT_CANNOT_RUN, EXIT_CLEAN, EXIT_FINDINGS
from crm_ve.findings import Finding, Severity, present
from crm_ve.model import build_model
from crm_ve.suppressions import ignored_by_resource, index_suppressions, is_meta


@dataclass
class CheckContext:
    """What a rule's ``check`` gets: the parsed input, its model, and the declared workload agents."""

    document: object
    model: object
    workload_agents: tuple
    #: The document's inline ``# crm-ve: ignore[...]`` directives (crm_ve.suppressions), read by the meta rules.
    suppressions: object = None
    #: What rules' ``prepare`` started for their ``check``, by rule code (background reads to wait for).
    prepared: dict = field(default_factory=dict)

    def is_workload(self, resource):
        """True when ``resource`` is a primitive of a declared workload agent (a container)."""
        return resource.agent is not None and any(resource.agent == agent.spec for agent in self.workload_agents)


@dataclass
class RuleFailure:
    """A rule that raised instead of returning findings."""

    plugin: str
    code: str
    file: str
    error: str

    def as_dict(self):
        return {"plugin": self.plugin, "code": self.code, "file": self.file, "error": self.error}


@dataclass
class InputFailure:
    """An input that could not be read or that its schema refused (the others are still checked): its name and
    why, one line per problem."""

    file: str
    error: str

    def as_dict(self):
        return {"file": self.file, "error": self.error}


@dataclass
class Report:
    """What a check found. ``rule_findings`` are each rule's own findings, after selection and suppression;
    ``findings`` are the same as reports show them (findings that one fix repairs merged, see
    :func:`crm_ve.findings.present`)."""

    files: List[str] = field(default_factory=list)
    findings: List[Finding] = field(default_factory=list)
    rule_findings: List[Finding] = field(default_factory=list)
    failures: List[RuleFailure] = field(default_factory=list)
    rules: Sequence = ()
    strict: bool = False
    color: bool = False
    #: the columns the text report is wrapped to (a terminal's); None: not wrapped
    width: Optional[int] = None
    notes: List[str] = field(default_factory=list)
    #: document name -> its ``source_kind`` ("xml", "crm", "shadow", "live"): which names are files of the user's.
    sources: Dict[str, str] = field(default_factory=dict)
    #: ``check --simulate``: a :class:`crm_ve.simulation_report.SimulationReport` (its exit code counts too).
    simulation: Optional[object] = None
    #: per document, what the stack rules covered (:class:`crm_ve.coverage.Coverage`)
    coverage: List[Coverage] = field(default_factory=list)
    #: inputs that could not be read or were refused, so were not checked (exit 2)
    input_errors: List[InputFailure] = field(default_factory=list)

    def is_file(self, name):
        """True when ``name`` is a file the user gave (XML or crm text), not stdin, a shadow or the live CIB."""
        return self.sources.get(name) in ("xml", "crm") and name != "<stdin>"

    def count(self, severity):
        """Findings (as shown) and coverage verdicts of ``severity``."""
        return sum(1 for item in (*self.findings, *self.coverage) if item.severity == severity)

    @property
    def exit_code(self):
        """2 when something could not run (a rule, an input, the simulation); else 1 for errors (warnings too
        with ``--strict``) or a defect the simulation shows; else 4 when the simulation left something not
        proven; else 0."""
        simulated = self.simulation.exit_code if self.simulation is not None else EXIT_CLEAN
        if self.failures or self.input_errors or simulated == EXIT_CANNOT_RUN:
            return EXIT_CANNOT_RUN
        worst = max((item.severity for item in (*self.findings, *self.coverage) if item.severity), default=None)
        if worst == Severity.ERROR or (self.strict and worst == Severity.WARNING):
            return EXIT_FINDINGS
        return simulated


def rule_matches(rule, selector):
    """A selector names a rule by code (``CV101``), code prefix (``CV1``, ``CV``) or name
    (``filesystem-not-after-promote``)."""
    selector = selector.strip()
    return rule.name == selector or rule.code.startswith(selector.upper())


def select_rules(rules, select=None, ignore=None):
    chosen = [rule for rule in rules if not select or any(rule_matches(rule, s) for s in select)]
    return [rule for rule in chosen if not ignore or not any(rule_matches(rule, s) for s in ignore)]


def check_document(document, rules, workload_agents, known_rules=None, per_resource_ignores=(), model=None):
    """Findings and failures of ``rules`` on one document, lines mapped to the user's source.

    Inline suppressions apply to every finding; the meta rules (CV9xx: unused or invalid suppressions) run last.
    ``known_rules`` (every loaded rule) tells a directive naming a deselected rule from one naming no rule.
    ``model`` is the document's model when the caller built it already.
    """
    model = model if model is not None else build_model(document)
    context = CheckContext(document=document, model=model, workload_agents=tuple(workload_agents),
                           suppressions=index_suppressions(document, known_rules or rules))
    findings, failures = [], []

    def fail(rule, exc):  # a broken rule is reported by plugin name, the others still run
        failures.append(RuleFailure(rule.plugin or "?", rule.code, document.name, f"{type(exc).__name__}: {exc}"))

    # every rule's prepare before any check: slow background work (agents' meta-data) overlaps the other rules
    unprepared = set()
    for rule in rules:
        prepare = getattr(rule, "prepare", None)
        if prepare is None:
            continue
        try:
            prepare(context)
        except Exception as exc:
            fail(rule, exc)
            unprepared.add(id(rule))

    def run(rule):
        if id(rule) in unprepared:
            return False
        try:
            found = list(rule.check(context) or ())
        except Exception as exc:
            fail(rule, exc)
            return False
        findings.extend(context.suppressions.apply(found))
        return True

    ran = [rule.code for rule in rules if not is_meta(rule) and run(rule)]
    context.suppressions.ran.update(ran)
    for rule in rules:
        if is_meta(rule):
            run(rule)
    findings = [finding for finding in findings if not ignored_by_resource(finding, per_resource_ignores)]
    for finding in findings:
        finding.file = document.name
        finding.line = document.source_line(finding.line)
    findings.sort(key=finding_order)
    return findings, failures


def finding_order(finding):
    return (finding.line or 0, -finding.severity, finding.code)


def check_documents(documents, host, select=None, ignore=None, strict=False, per_resource_ignores=()):
    rules = select_rules(host.rules, select, ignore)
    report = Report(rules=rules, strict=strict)
    for document in documents:
        model = build_model(document)
        findings, failures = check_document(document, rules, host.workload_agents, known_rules=host.rules,
                                            per_resource_ignores=per_resource_ignores, model=model)
        report.coverage.append(coverage_of(document.name, model, host.workload_agents))
        report.files.append(document.name)
        report.sources[document.name] = document.source_kind
        report.rule_findings.extend(findings)
        report.findings.extend(sorted(present(findings), key=finding_order))
        report.failures.extend(failures)
    return report


def unknown_selectors(rules, selectors: Optional[Sequence[str]]):
    """Selectors that name no rule at all (a typo in --select/--ignore is an error, not silence)."""
    return [s for s in selectors or () if not any(rule_matches(rule, s) for rule in rules)]
