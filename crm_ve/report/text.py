"""Built-in plugin: the human-readable report (``--format text``, the default)."""
from crm_ve import hookimpl
from crm_ve.findings import OutputFormat, Severity
from crm_ve.printable import printable

_COLORS = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[1;33m", Severity.INFO: "\033[36m"}
_RESET = "\033[0m"


def _paint(text, severity, color):
    return f"{_COLORS[severity]}{text}{_RESET}" if color else text


def render_finding(finding, color=False, width=None):
    """The finding's lines; every value from the input is :func:`printable` (no fake line, no escape code).

    With a ``width`` (a terminal's), the message and the resource lines are wrapped to it under a hanging
    indent, and resources and constraints get a line each; fix commands are never broken, so that each still
    copies and pastes whole. Without one, the lines are as tools and logs parse them.
    """
    where = f"{finding.file}:{finding.line}" if finding.line else f"{finding.file}"
    label = _paint(finding.severity.label, finding.severity, color)
    # printable text has no NUL: a run of them holds the label's place while the line is wrapped uncoloured
    mark = "\0" * len(finding.severity.label) if width else label
    lines = [f"{printable(where)}: {finding.code} {finding.name} [{mark}] {printable(finding.message)}"]
    details = []
    if finding.resources:
        details.append("resources: " + ", ".join(map(printable, finding.resources)))
    if finding.constraints:
        details.append("constraints: " + ", ".join(map(printable, finding.constraints)))
    if width:
        lines = [line.replace(mark, label) for line in _wrap(lines[0], width, "")]
        for detail in details:
            lines.extend(_wrap(detail, width, _INDENT))
    elif details:
        lines.append(_INDENT + "; ".join(details))
    for tool, commands in (("crm shell", finding.fix.crm), ("pcs", finding.fix.pcs)):
        if commands:
            lines.append(f"{_INDENT}fix ({tool}):")
            lines.extend(f"{_INDENT * 2}{printable(command)}" for command in commands)
    return "\n".join(lines)


_INDENT = "    "


def _wrap(text, width, indent):
    """``text`` as lines of at most ``width`` columns from ``indent``, the lines after the first indented once
    more; a word longer than a line (a long id) is not broken."""
    import textwrap  # only for a terminal's report
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + _INDENT,
                         break_long_words=False, break_on_hyphens=False) or [indent]


def _prose(text, width):
    """A line of the report's own, wrapped like a finding's message when there is a ``width``."""
    return "\n".join(_wrap(text, width, "")) if width else text


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(report):
    if report.input_errors and not report.files:  # nothing was checked: standard error says why, in one line each
        return ""
    width = report.width
    out = [render_finding(finding, report.color, width) for finding in report.findings]
    prose = [f"{failure.file}: rule {failure.code} of plugin {failure.plugin!r} failed: {failure.error}"
             for failure in report.failures]
    prose.extend(coverage.line() for coverage in report.coverage)
    out.extend(_prose(printable(line), width) for line in prose)
    if getattr(report, "simulation", None) is not None:  # check --simulate: its own section
        out.extend(report.simulation.text_lines())
    prose = list(report.notes)
    if getattr(report, "config", None):
        prose.append(f"configuration: {report.config}")
    summary = ", ".join(
        _plural(report.count(severity), severity.label) for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    )
    checked = _plural(len(report.files), "file")
    counted = report.findings or any(coverage.severity for coverage in report.coverage)
    summary = f"{summary} in {checked}" if counted else f"No problems found in {checked}"
    if report.input_errors:  # each already said on standard error, in one line
        summary += f"; not checked (unreadable or refused): {', '.join(error.file for error in report.input_errors)}"
    prose.append(summary + ".")
    out.extend(_prose(printable(line), width) for line in prose)
    return "\n".join(out) + "\n"


@hookimpl
def crm_ve_output_formats():
    return [OutputFormat("text", "findings with their fix commands, for people (the default)", render)]
