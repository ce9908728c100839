"""Built-in plugin: the human-readable report (``--format text``, the default)."""
from crm_ve import hookimpl
from crm_ve.findings import OutputFormat, Severity
from crm_ve.printable import printable

_COLORS = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[1;33m", Severity.INFO: "\033[36m"}
_RESET = "\033[0m"


def _paint(text, severity, color):
    return f"{_COLORS[severity]}{text}{_RESET}" if color else text


def render_finding(finding, color=False):
    """The finding's lines; every value from the input is :func:`printable` (no fake line, no escape code)."""
    where = f"{finding.file}:{finding.line}" if finding.line else f"{finding.file}"
    head = f"{printable(where)}: {finding.code} {finding.name} " \
           f"[{_paint(finding.severity.label, finding.severity, color)}]"
    lines = [f"{head} {printable(finding.message)}"]
    details = []
    if finding.resources:
        details.append("resources: " + ", ".join(map(printable, finding.resources)))
    if finding.constraints:
        details.append("constraints: " + ", ".join(map(printable, finding.constraints)))
    if details:
        lines.append("    " + "; ".join(details))
    if finding.fix.crm:
        lines.append("    fix (crm shell):")
        lines.extend(f"        {printable(command)}" for command in finding.fix.crm)
    if finding.fix.pcs:
        lines.append("    fix (pcs):")
        lines.extend(f"        {printable(command)}" for command in finding.fix.pcs)
    return "\n".join(lines)


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(report):
    if report.input_errors and not report.files:  # nothing was checked: standard error says why, in one line each
        return ""
    out = [render_finding(finding, report.color) for finding in report.findings]
    for failure in report.failures:
        out.append(printable(
            f"{failure.file}: rule {failure.code} of plugin {failure.plugin!r} failed: {failure.error}"
        ))
    out.extend(printable(coverage.line()) for coverage in report.coverage)
    if getattr(report, "simulation", None) is not None:  # check --simulate: its own section
        out.extend(report.simulation.text_lines())
    out.extend(map(printable, report.notes))
    if getattr(report, "config", None):
        out.append("configuration: " + printable(report.config))
    summary = ", ".join(
        _plural(report.count(severity), severity.label) for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    )
    checked = _plural(len(report.files), "file")
    counted = report.findings or any(coverage.severity for coverage in report.coverage)
    out.append(f"{summary} in {checked}" if counted else f"No problems found in {checked}")
    if report.input_errors:  # each already said on standard error, in one line
        names = ", ".join(printable(error.file) for error in report.input_errors)
        out[-1] += f"; not checked (unreadable or refused): {names}"
    out[-1] += "."
    return "\n".join(out) + "\n"


@hookimpl
def crm_ve_output_formats():
    return [OutputFormat("text", "findings with their fix commands, for people (the default)", render)]
