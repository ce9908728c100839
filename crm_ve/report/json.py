"""Built-in plugin: ``--format json``, a stable machine-readable report.

Schema (version 1)::

    {"version": 1,
     "files": ["cib.xml"],
     "findings": [{"code", "name", "severity": "error|warning|info", "message", "file", "line",
                   "resources": [...], "constraints": [...], "fix": {"crm": [...], "pcs": [...]}}],
     "failures": [{"plugin", "code", "file", "error"}],
     "summary": {"error": 0, "warning": 0, "info": 0, "exit_code": 0}}
"""
import json

from crm_ve import hookimpl
from crm_ve.findings import OutputFormat, Severity

SCHEMA_VERSION = 1


def render(report):
    document = {
        "version": SCHEMA_VERSION,
        "files": list(report.files),
        "findings": [finding.as_dict() for finding in report.findings],
        "failures": [failure.as_dict() for failure in report.failures],
        "summary": {
            **{severity.label: report.count(severity) for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)},
            "exit_code": report.exit_code,
        },
    }
    return json.dumps(document, indent=2) + "\n"


@hookimpl
def crm_ve_output_formats():
    return [OutputFormat("json", "a stable JSON document (schema version 1)", render)]
