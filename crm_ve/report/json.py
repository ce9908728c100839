"""Built-in plugin: ``--format json``, a stable machine-readable report.

Schema (version 1)::

    {"version": 1,
     "files": ["cib.xml"],
     "config": "pyproject.toml",                     # the configuration file used, null when none
     "findings": [{"code", "name", "severity": "error|warning|info", "message", "file", "line",
                   "resources": [...], "constraints": [...], "fix": {"crm": [...], "pcs": [...]}}],
     "failures": [{"plugin", "code", "file", "error"}],
     "input_errors": [{"file", "error"}],          # inputs unreadable or refused: not checked (exit 2)
     "coverage": [{"file", "severity": "warning|info|null", "stacks": 1,
                   "message": "checked 1 storage stack: ms_drbd_r0 -> p_fs -> p_ve"}],
     "notes": ["cib.xml: schema not checked: validate-with is none"],   # what was not checked, and why
     "summary": {"error": 0, "warning": 0, "info": 0, "exit_code": 0}}

A finding that merges the findings of several rules (one fix repairs them all; its message says
"Also (CODE): ...") lists them in ``merged``: ``[{"code", "name", "severity", "message", "file", "line",
"resources", "constraints"}]``, each as its rule found it. ``coverage`` has one entry per checked input: the
storage stacks the rules checked, or (a warning) what was found that is not a stack, or (an info) that there
are no DRBD/Filesystem/container resources; warnings and infos there count in ``summary``.

With ``check --simulate`` a ``simulation`` key is added (absent otherwise)::

    "simulation": {
      "pacemaker": "Pacemaker 2.1.5",                # crm_simulate --version
      "time_limit": 300,                             # --simulate-timeout, seconds
      "documents": [{
        "file": "cib.xml", "status": "empty|kept",   # kept for --live/--shadow: the next transition
        "nodes": ["node1", "node2"], "notes": [...], "error": null,   # error: could not simulate (exit 2)
        "not_simulated": ["p_fs2 is on no recognised DRBD clone", ...],
        "batches": 1,                                # crm_simulate batches the stacks were proven in
        "stacks": [{
          "drbd": "ms_drbd_r0", "drbd_primitive": "p_drbd_r0", "filesystem": "p_fs", "container": "p_ve",
          "scenarios": [{"scenario": "cold-start|next-transition|move|drbd-recovery", "title": "cold start",
                         "chain": "promote ms_drbd_r0 (node1) -> start p_fs (node1) -> start p_ve (node1)",
                         "steps": [{"operation", "resource", "node", "waits_for_previous": null|true|false}],
                         "problems": ["mount does not wait for the DRBD promote on its node"],
                         "missing": ["start p_ve"]}],   # chain actions the scenario should have had
          "skipped": {"move": "a move needs a second node; ..."},
          "not_proven": ["move: not simulated: ...", "cold start: the scheduler did not start p_ve"],
          "rules": {"verdict": "clean|error", "errors": [{"code", "message"}]},
          "scheduler": {"verdict": "clean|defect", "problems": ["cold start: ..."]},
          "agreement": "agree|missed-by-rules|stricter-rules|not-proven",
          "message": "cib.xml: stack ms_drbd_r0 -> p_fs -> p_ve: the scheduler agrees with the rules (clean)"}]}],
      "disagreements": ["cib.xml: DISAGREEMENT: stack ...: the rules call it clean, but the scheduler shows: ..."],
      "not_proven": ["cib.xml: stack ...: not proven: move: not simulated: ..."],
      "notes": ["cib.xml: note: stack ...: the rules report CV103, which no simulated scenario shows ..."],
      "exit_code": 0}

``missed-by-rules`` (the scheduler misorders or misplaces a stack the rules call clean) makes the exit code 1;
``not-proven`` (a scenario did not run, did not finish within the time limit, or did not act on the stack's chain)
makes it 4 when nothing else fails; ``stricter-rules`` is a note. ``summary.exit_code`` includes the simulation's.
"""
from crm_ve import hookimpl
from crm_ve.findings import OutputFormat, Severity

SCHEMA_VERSION = 1


def render(report):
    document = {
        "version": SCHEMA_VERSION,
        "files": list(report.files),
        "config": getattr(report, "config", None),
        "findings": [finding.as_dict() for finding in report.findings],
        "failures": [failure.as_dict() for failure in report.failures],
        "input_errors": [error.as_dict() for error in report.input_errors],
        "coverage": [coverage.as_dict() for coverage in report.coverage],
        "notes": list(report.notes),
        "summary": {
            **{severity.label: report.count(severity) for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)},
            "exit_code": report.exit_code,
        },
    }
    if getattr(report, "simulation", None) is not None:
        document["simulation"] = report.simulation.as_dict()
    import json  # here, not at import: every check loads this plugin, few render JSON
    return json.dumps(document, indent=2) + "\n"


@hookimpl
def crm_ve_output_formats():
    return [OutputFormat("json", "a stable JSON document (schema version 1)", render)]
