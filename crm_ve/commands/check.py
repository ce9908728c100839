"""``crm-ve check``: validate CIBs before they are committed.

The checker, the model and the plugins are imported when a check runs, not with this module: ``run`` first
starts reading the inputs in a thread (:class:`InputsReading`), and the imports then overlap the parsing.
"""
import argparse
import contextlib
import gc
import sys
import threading

from crm_ve.errors import InputError, UsageError
from crm_ve.inputs import input_readers, input_size
from crm_ve.printable import printable


def _split(values):
    return [item for value in values or () for item in value.split(",") if item.strip()]


def add_plugin_options(parser):
    parser.add_argument(
        "-p", dest="plugin_options", action="append", default=[], metavar="no:NAME",
        help="disable the plugin NAME (a built-in module such as crm_ve.rules.drbd_agent, or a third-party "
        "entry point name); repeatable",
    )


def add_check_options(parser, strict_help="warnings fail the check too (exit 1)"):
    """The report, rule-selection and configuration options of ``check``, which the commit gate (``commit``,
    ``push``) shares; read them back with :func:`check_settings`. STRICT_HELP says what a warning then does."""
    parser.add_argument("--format", metavar="FORMAT",
                        help="report format: text (default), json, sarif, github, or one a plugin adds")
    parser.add_argument("--select", action="append", metavar="RULES",
                        help="only these rules: codes, code prefixes or names, comma-separated")
    parser.add_argument("--ignore", action="append", metavar="RULES",
                        help="skip these rules: codes, code prefixes or names, comma-separated")
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None, help=strict_help)
    parser.add_argument("--config", metavar="FILE",
                        help="read settings from FILE ([tool.crm_ve] in *.toml, else [tool:crm_ve]) instead of "
                        "the nearest pyproject.toml or setup.cfg")
    parser.add_argument("--no-config", action="store_true", help="read no configuration file")


def plugin_host(args):
    blocked = []
    for option in args.plugin_options:
        if not option.startswith("no:") or len(option) == 3:
            raise UsageError(f"-p {option}: expected -p no:NAME")
        blocked.append(option[3:])
    from crm_ve.plugins import PluginHost
    return PluginHost(blocked=blocked)


def style_text(report, output, stream):
    """Colour and wrap the text report as ``stream`` and the environment ask (:mod:`crm_ve.terminal`); the
    machine formats are never coloured nor wrapped."""
    from crm_ve.terminal import use_color, wrap_width
    if output == "text":
        report.color, report.width = use_color(stream), wrap_width(stream)


def register(subparsers):
    parser = subparsers.add_parser(
        "check",
        help="check CIBs for storage-stack mistakes",
        description="Check CIB XML (a <cib> or a <configuration> fragment) for DRBD -> Filesystem -> container "
        "order and colocation mistakes, and print the commands that fix them.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="CIB XML files; *.crm files are crm shell text (converted by crmsh); "
                        "- reads standard input (XML, or crm shell text when it does not start with '<')")
    parser.add_argument("--shadow", action="append", metavar="NAME",
                        help="check the crm_shadow CIB NAME (where 'crm_shadow --file' finds it); repeatable")
    parser.add_argument("--live", action="store_true",
                        help="check the running cluster's CIB (cibadmin --query)")
    parser.add_argument("--max-input-size", type=input_size, metavar="SIZE",
                        help="refuse a file or standard input larger than SIZE bytes (K, M, G suffixes; "
                        "default 256M)")
    add_check_options(parser)
    parser.add_argument("--simulate", action="store_true",
                        help="also prove each recognised stack on the real scheduler (crm_simulate, on a copy): "
                        "cold start, move of the primary, in-place DRBD recovery; print the order the actions "
                        "actually take and flag any disagreement with the rules (exit 1 when the scheduler shows "
                        "a defect the rules missed; exit 4 when a stack is not proven: a scenario did not run, "
                        "timed out or did not act on it; exit 2 when crm_simulate is not installed). --live and "
                        "--shadow are simulated from their own status (what the cluster would do next)")
    parser.add_argument("--simulate-timeout", type=_seconds, default=None, metavar="SECONDS",
                        help="the overall time limit of --simulate (default 300): a scenario that has not "
                        "finished by then is not proven (exit 4)")
    add_plugin_options(parser)
    parser.set_defaults(func=run)


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def check_settings(args, config, host):
    """(format, select, ignore, strict) from the options :func:`add_check_options` declares: command line over
    configuration file over defaults; a bad configured value names the file and key."""
    from crm_ve.checker import unknown_selectors
    formats = host.output_formats
    if args.format is None and config.format is not None and config.format not in formats:
        raise UsageError(f"{config.where('format')} = {config.format}: unknown format "
                         f"(choose from {', '.join(sorted(formats))})")
    output = args.format or config.format or "text"
    if output not in formats:
        raise UsageError(f"--format {output}: unknown format (choose from {', '.join(sorted(formats))})")
    for key, values in (("select", config.select), ("ignore", config.ignore),
                        ("per-resource-ignores", [s for _, rules in config.per_resource_ignores for s in rules])):
        unknown = unknown_selectors(host.rules, values)
        if unknown:
            raise UsageError(f"{config.where(key)}: no rule matches {', '.join(unknown)} (see 'crm-ve rule')")
    select, ignore = _split(args.select), _split(args.ignore)
    unknown = unknown_selectors(host.rules, select + ignore)
    if unknown:
        raise UsageError(f"--select/--ignore: no rule matches {', '.join(unknown)} (see 'crm-ve rule')")
    if args.select is None:
        select = config.select or []
        if args.ignore is None:
            ignore = config.ignore or []
    strict = args.strict if args.strict is not None else bool(config.strict)
    return output, select, ignore, strict


@contextlib.contextmanager
def _no_collections():
    """The model and the rules' caches are millions of small long-lived objects and a check makes almost no
    cyclic garbage: every pass of the cycle collector walks them for nothing (with CPython's default thresholds
    a quarter of the CPU time at 5,000 containers, and still a tenth with rare collections). The collector is
    off while checking and back on after it; peak memory at 20,000 containers is the same either way."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class InputsReading:
    """The inputs, read and parsed in a thread while this one imports the checker and loads the plugins.

    lxml parses without holding the GIL, so with a second core the parse of a large CIB (a tenth of a second at
    5,000 containers) takes no wall time. The walk that finds the comments (:func:`read_comments`) is started
    here too, and goes on while the model is built. Whatever reading raises is raised by :meth:`documents`,
    where the inputs were always read: after the plugins', the configuration's and the options' errors.
    """

    def __init__(self, args):
        self._documents = self._error = None
        self._thread = threading.Thread(target=self._read, args=(args,), name="crm-ve inputs", daemon=True)
        self._thread.start()

    def _read(self, args):
        try:
            readers = input_readers(args)
            from crm_ve.reader import read_comments
            documents, failed = [], []
            for name, read in readers:  # each input on its own: one that cannot be read does not hide the others
                try:
                    document = read()
                except InputError as exc:
                    failed.append((name, exc.message))
                    continue
                read_comments(document)
                documents.append(document)
            self._documents, self._failed = documents, failed
        except BaseException as exc:  # noqa: B036 - handed to the main thread, which raises it
            self._error = exc

    def documents(self):
        """``(documents, [(name, error)])``: the inputs read, and those that could not be."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._documents, self._failed


def run(args):
    reading = InputsReading(args)  # first: everything below overlaps the parsing
    from crm_ve.config import load_config
    host = plugin_host(args)
    config = load_config(args.config, args.no_config)
    output, select, ignore, strict = check_settings(args, config, host)
    if args.simulate_timeout is not None and not args.simulate:
        raise UsageError("--simulate-timeout needs --simulate")
    if args.simulate:
        from crm_ve.simulation_report import require_simulator, simulate_documents
        require_simulator()
    documents, failed = reading.documents()
    from crm_ve.checker import InputFailure, check_documents
    with _no_collections():
        report = check_documents(documents, host, select=select, ignore=ignore, strict=strict,
                                 per_resource_ignores=config.per_resource_ignores)
    report.config = config.path  # every format names the configuration file used (None: none)
    report.notes.extend(document.schema_note for document in documents if document.schema_note)
    report.input_errors = [InputFailure(name, error) for name, error in failed]
    for failure in report.input_errors:  # on standard error, one line per problem, in every format; exit 2
        for line in failure.error.splitlines():
            sys.stderr.write(f"crm-ve: {printable(line)}\n")
    if args.simulate:
        from crm_ve.simulation_report import DEFAULT_TIME_LIMIT
        report.simulation = simulate_documents(documents, report, host.workload_agents,
                                               time_limit=args.simulate_timeout or DEFAULT_TIME_LIMIT,
                                               progress=sys.stderr if sys.stderr.isatty() else None)
    style_text(report, output, sys.stdout)
    sys.stdout.write(host.output_formats[output].render(report))
    return report.exit_code
