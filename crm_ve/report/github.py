"""Built-in plugin: ``--format github``, GitHub Actions workflow commands that annotate the checked files.

One line per finding, ``::error file=F,line=N,title=CODE name::message`` (``warning`` for warnings, ``notice``
for infos), with the fix commands on the following lines of the message. Escaping follows the Actions toolkit
(``@actions/core`` command.ts): ``%``, ``\\r`` and ``\\n`` in the message; also ``:`` and ``,`` in properties.
"""
from crm_ve import hookimpl
from crm_ve.findings import OutputFormat, Severity
from crm_ve.printable import printable

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text):
    """The Actions toolkit's escaping; the lines a message is made of are :func:`printable` already."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text):
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command, message, **properties):
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items() if value is not None)
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(finding, report):
    lines = [printable(finding.message)]
    if finding.fix.crm:
        lines.append("fix (crm shell):")
        lines.extend(f"  {printable(command)}" for command in finding.fix.crm)
    if finding.fix.pcs:
        lines.append("fix (pcs):")
        lines.extend(f"  {printable(command)}" for command in finding.fix.pcs)
    in_file = report.is_file(finding.file)
    return workflow_command(
        COMMANDS[finding.severity],
        "\n".join(lines) if in_file else f"{finding.file}: " + "\n".join(lines),
        file=finding.file if in_file else None,
        line=finding.line if in_file and finding.line else None,
        title=f"{finding.code} {finding.name}",
    )


def render(report):
    out = [annotation(finding, report) for finding in report.findings]
    for failure in report.failures:
        out.append(workflow_command(
            "error", printable(f"{failure.file}: rule {failure.code} of plugin {failure.plugin!r} failed: "
                               f"{failure.error}"),
            title=f"crm-ve plugin {failure.plugin} failed",
        ))
    for error in report.input_errors:
        out.extend(workflow_command("error", printable(line) + " (not checked)", title="crm-ve input not checked")
                   for line in error.error.splitlines())
    for coverage in report.coverage:
        if coverage.severity is not None:
            out.append(workflow_command(COMMANDS[coverage.severity], printable(coverage.line()),
                                        file=coverage.file if report.is_file(coverage.file) else None,
                                        title="crm-ve coverage"))
    out.extend(workflow_command("notice", printable(note), title="crm-ve: not checked") for note in report.notes)
    simulation = getattr(report, "simulation", None)
    if simulation is not None:  # check --simulate: what the scheduler shows that the rules do not, and notes
        out.extend(workflow_command("error", line, title="crm-ve --simulate disagreement")
                   for line in [s.verdict_line() for s in simulation.disagreements]
                   + [f"{d.name}: simulation failed: {d.error}" for d in simulation.documents if d.error])
        out.extend(workflow_command("notice", s.verdict_line(), title="crm-ve --simulate note")
                   for s in simulation.stricter)
    if getattr(report, "config", None):
        out.append(workflow_command("notice", f"configuration: {report.config}", title="crm-ve configuration"))
    counts = ", ".join(f"{report.count(s)} {s.label}{'' if report.count(s) == 1 else 's'}"
                       for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
    out.append(f"crm-ve: {counts} in {len(report.files)} file{'' if len(report.files) == 1 else 's'}.")
    return "\n".join(out) + "\n"


@hookimpl
def crm_ve_output_formats():
    return [OutputFormat("github", "GitHub Actions workflow annotations", render)]
