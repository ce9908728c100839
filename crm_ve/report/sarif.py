"""Built-in plugin: ``--format sarif``, SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` lists the rules that ran, with their docs (``help.text``/``help.markdown`` in
ruff's sections) and default level; each result has ``ruleId``/``ruleIndex``, ``level`` (error, warning, note),
``message.text``, and a ``physicalLocation`` (the file as given on the command line -- a ``.crm`` file for crm
shell text -- and ``region.startLine``). Inputs that are not files (standard input, ``--shadow``, ``--live``) get a
``logicalLocation`` instead. The fix commands go in ``properties.fix`` (SARIF's own ``fixes`` describe file edits,
and ours are crm shell / pcs commands). A rule that raised, or an input that could not be read,
is a ``toolExecutionNotification`` and makes ``executionSuccessful`` false; what the stack rules covered in each
input (or why there was nothing to cover) is a notification too, and what was not checked (a schema) is a
notification of level ``note``.
"""
import os

from crm_ve import __version__, hookimpl
from crm_ve.findings import OutputFormat, Severity

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Where users learn about crm-ve when the installed metadata names no project URL.
FALLBACK_INFORMATION_URI = "https://pypi.org/project/crm-ve/"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT_KEY = "crmVeFinding/v1"


def information_uri():
    from importlib import metadata  # here, not at import: every check loads this plugin, few render SARIF
    try:
        meta = metadata.metadata("crm-ve")
    except metadata.PackageNotFoundError:
        return FALLBACK_INFORMATION_URI
    home = meta.get("Home-page")
    if home and home.startswith(("http://", "https://")):
        return home
    for entry in meta.get_all("Project-URL") or ():
        url = entry.partition(",")[2].strip()
        if url.startswith(("http://", "https://")):
            return url
    return FALLBACK_INFORMATION_URI


def _indent(text):
    return "\n".join("    " + line for line in text.splitlines())


def rule_help(rule):
    """The rule's doc as plain text and as markdown (ruff's sections)."""
    doc = rule.doc
    text = (
        f"{rule.name} ({rule.code})\n\nWhat it does: {doc.what_it_does}\n\nWhy is this bad? {doc.why_is_this_bad}\n\n"
        f"Example:\n{_indent(doc.example)}\n\nUse instead:\n{_indent(doc.use_instead)}\n\n"
        f"Suppress with '# crm-ve: ignore[{rule.code}]' above {rule.suppression_target}."
    )
    markdown = (
        f"## What it does\n{doc.what_it_does}\n\n## Why is this bad?\n{doc.why_is_this_bad}\n\n"
        f"## Example\n```\n{doc.example}\n```\n\nUse instead:\n```\n{doc.use_instead}\n```\n\n"
        f"Suppress with `# crm-ve: ignore[{rule.code}]` above {rule.suppression_target}."
    )
    return {"text": text, "markdown": markdown}


def reporting_descriptor(rule):
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc.what_it_does},
        "help": rule_help(rule),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": ["crm-ve", "pacemaker", *rule.covers],
            "plugin": rule.plugin,
            "suppressionTarget": rule.suppression_target,
        },
    }


def artifact_uri(path):
    """A relative path stays relative (GitHub resolves it against the repository); an absolute one is file://."""
    from urllib.parse import quote
    if os.path.isabs(path):
        return "file://" + quote(path.replace(os.sep, "/"))
    return quote(path.replace(os.sep, "/"))


def location(finding, report):
    elements = [{"name": name, "kind": "element"} for name in (*finding.resources, *finding.constraints)]
    if report.is_file(finding.file):
        physical = {"artifactLocation": {"uri": artifact_uri(finding.file)}}
        if finding.line and finding.line > 0:
            physical["region"] = {"startLine": finding.line}
        place = {"physicalLocation": physical}
        if elements:
            place["logicalLocations"] = elements
        return place
    return {"logicalLocations": [{"name": finding.file or "?", "kind": "module"}] + elements}


def fingerprint(finding):
    """Stable across line moves: the rule, the file and the objects the finding names."""
    import hashlib
    key = "\0".join([finding.code, finding.file or "", *finding.resources, "|", *finding.constraints])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def result(finding, rule_index, report):
    entry = {"ruleId": finding.code}
    if finding.code in rule_index:
        entry["ruleIndex"] = rule_index[finding.code]
    entry.update(
        {
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [location(finding, report)],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
            "properties": {
                "name": finding.name,
                "resources": list(finding.resources),
                "constraints": list(finding.constraints),
                "fix": {"crm": list(finding.fix.crm), "pcs": list(finding.fix.pcs)},
            },
        }
    )
    return entry


def sarif_log(report):
    rules = list(report.rules)
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{failure.file}: rule {failure.code} of plugin {failure.plugin!r} failed: "
                                f"{failure.error}"},
            "descriptor": {"id": failure.code},
            "properties": {"plugin": failure.plugin, "file": failure.file},
        }
        for failure in report.failures
    ] + [
        {"level": "error", "message": {"text": f"{error.error} (not checked)"},
         "properties": {"file": error.file}}
        for error in report.input_errors
    ] + [
        {"level": LEVELS[coverage.severity] if coverage.severity else "note", "message": {"text": coverage.line()},
         "properties": {"file": coverage.file, "stacks": coverage.stacks}}
        for coverage in report.coverage
    ] + [{"level": "note", "message": {"text": note}} for note in report.notes]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "crm-ve",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": information_uri(),
                        "rules": [reporting_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {"executionSuccessful": not report.failures and not report.input_errors,
                     "exitCode": report.exit_code,
                     "toolExecutionNotifications": notifications}
                ],
                "artifacts": [{"location": {"uri": artifact_uri(name)}} for name in report.files
                              if report.is_file(name)],
                "results": [result(finding, rule_index, report) for finding in report.findings],
                "properties": {"config": getattr(report, "config", None)},
            }
        ],
    }


def render(report):
    import json  # here, not at import: every check loads this plugin, few render SARIF
    return json.dumps(sarif_log(report), indent=2) + "\n"


@hookimpl
def crm_ve_output_formats():
    return [OutputFormat("sarif", "SARIF 2.1.0 (GitHub code scanning)", render)]
