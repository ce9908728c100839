"""``crm-ve check``: validate CIBs before they are committed."""
import os
import sys

from crm_ve.checker import check_documents, unknown_selectors
from crm_ve.errors import UsageError
from crm_ve.inputs import load_inputs
from crm_ve.plugins import PluginHost


def _split(values):
    return [item for value in values or () for item in value.split(",") if item.strip()]


def add_plugin_options(parser):
    parser.add_argument(
        "-p", dest="plugin_options", action="append", default=[], metavar="no:NAME",
        help="disable the plugin NAME (a built-in module such as crm_ve.rules.drbd_agent, or a third-party "
        "entry point name); repeatable",
    )


def plugin_host(args):
    blocked = []
    for option in args.plugin_options:
        if not option.startswith("no:") or len(option) == 3:
            raise UsageError(f"-p {option}: expected -p no:NAME")
        blocked.append(option[3:])
    return PluginHost(blocked=blocked)


def use_color(stream):
    return stream.isatty() and "NO_COLOR" not in os.environ


def register(subparsers):
    parser = subparsers.add_parser(
        "check",
        help="check CIBs for storage-stack mistakes",
        description="Check CIB XML (a <cib> or a <configuration> fragment) for DRBD -> Filesystem -> container "
        "order and colocation mistakes, and print the commands that fix them.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="CIB files; - reads standard input")
    parser.add_argument("--format", default="text", metavar="FORMAT", help="report format (default: text)")
    parser.add_argument("--select", action="append", metavar="RULES",
                        help="only these rules: codes, code prefixes or names, comma-separated")
    parser.add_argument("--ignore", action="append", metavar="RULES",
                        help="skip these rules: codes, code prefixes or names, comma-separated")
    parser.add_argument("--strict", action="store_true", help="warnings fail the check too (exit 1)")
    add_plugin_options(parser)
    parser.set_defaults(func=run)


def run(args):
    host = plugin_host(args)
    formats = host.output_formats
    if args.format not in formats:
        raise UsageError(f"--format {args.format}: unknown format (choose from {', '.join(sorted(formats))})")
    select, ignore = _split(args.select), _split(args.ignore)
    unknown = unknown_selectors(host.rules, select + ignore)
    if unknown:
        raise UsageError(f"--select/--ignore: no rule matches {', '.join(unknown)} (see 'crm-ve rule')")
    documents = load_inputs(args)
    report = check_documents(documents, host, select=select, ignore=ignore, strict=args.strict)
    report.color = args.format == "text" and use_color(sys.stdout)
    sys.stdout.write(formats[args.format].render(report))
    return report.exit_code
