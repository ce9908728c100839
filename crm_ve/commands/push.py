"""``crm-ve push FILE [--diff-against ORIG]``: the commit gate of the pcs flow.

::

    pcs cluster cib ORIG && cp ORIG FILE      # a copy of the live CIB, and the copy to edit
    pcs -f FILE resource create ...           # edit it offline
    crm-ve push FILE --diff-against ORIG      # check it; push its configuration only when clean

ORIG is the live configuration FILE was made from: a live configuration that changed since is refused (exit 3).
The push is ``pcs cluster cib-push FILE diff-against=ORIG`` (pcs's patch of the difference) or
``pcs cluster cib-push FILE --config`` (the configuration section), or, where pcs is absent (or ``--via
cibadmin``), ``cibadmin --replace --scope configuration``.  The status section is never pushed: the files handed
to pcs carry ORIG's status, so the difference holds configuration changes only.  See :mod:`._gate`.
"""
import argparse
import textwrap
import os
import shutil
import tempfile
from copy import deepcopy

from lxml import etree

from crm_ve.commands import _gate
from crm_ve.errors import EXIT_CLEAN, CrmVeError, UsageError
from crm_ve.reader import parse_cib, read_cib

EXIT_STATUS = """exit status:
  0  pushed (or nothing to push, or --dry-run found nothing in the way)
  1  the check found errors (or warnings with --strict): nothing pushed
  2  could not run: unreadable FILE or ORIG, cluster not reachable, the push failed (nothing pushed)
  3  refused: the live configuration changed since ORIG was made (or is newer than FILE)
"""


def _wrap(text):
    return textwrap.fill(text, 79)


def register(subparsers):
    parser = subparsers.add_parser(
        "push",
        help="check a CIB file made with pcs and push its configuration to the live cluster when clean",
        description=_wrap("Check FILE (made with 'pcs cluster cib FILE' and edited with 'pcs -f FILE ...') like "
        "'crm-ve check FILE'; when it is clean, push its configuration with 'pcs cluster cib-push' "
        "(diff-against=ORIG when given, else --config) or, without pcs, 'cibadmin --replace --scope "
        "configuration'. The status section is never pushed. With --diff-against ORIG a live configuration "
        "that is no longer ORIG's is refused (exit 3); without it only Pacemaker's own version rule applies (a "
        "FILE older than the live CIB is refused) and a warning says so."),
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the CIB to push (pcs cluster cib FILE, then pcs -f FILE ...)")
    parser.add_argument("--diff-against", metavar="ORIG",
                        help="the unedited copy FILE was made from (pcs cluster cib ORIG): push only the difference "
                        "and refuse a live configuration that changed since")
    parser.add_argument("--via", choices=("pcs", "cibadmin"),
                        help="push with pcs cluster cib-push (the default when pcs is installed) or cibadmin")
    _gate.add_gate_options(parser, "push")
    parser.set_defaults(func=run_push)


def _read(path, what):
    if path == "-":
        raise UsageError(f"{what}: standard input cannot be pushed (pcs needs a file)")
    return read_cib(path)


def run_push(args):
    document = _read(args.file, "FILE")
    original = _read(args.diff_against, "--diff-against") if args.diff_against else None
    label = document.name
    via = args.via or ("pcs" if shutil.which("pcs") else "cibadmin")
    if via == "pcs" and shutil.which("pcs") is None:
        raise UsageError("--via pcs: pcs is not installed")
    candidate = _gate.checked_state(document, label, args, "pushed")
    live = _gate.read_live(args.timeout)
    if candidate.digest == live.digest:
        _gate.say(f"{label}: nothing to push: the live configuration is already FILE's")
        return EXIT_CLEAN
    expected = candidate
    if original is not None:
        base = _gate.state_of(original)
        _gate.refuse_changed_since(label, base, live, args.force_overwrite, f"{original.name} was made")
        if via == "pcs" and live.digest != base.digest:
            # pcs applies the difference ORIG -> FILE to what is live now: check that result, not FILE.
            expected = _merged(document, original, live, args)
    else:
        _gate.refuse_older(label, candidate.version, live, args.force_overwrite,
                           "no --diff-against ORIG names the copy FILE was made from")
    changes = _gate.change_summary(live.configuration, expected.configuration)
    how = _describe_write(via, document, original)
    if args.dry_run:
        _gate.say(f"{label}: dry run: would push with {how} onto the live configuration "
                  f"({_gate.format_version(live.version)}): {changes}")
        return EXIT_CLEAN
    with tempfile.TemporaryDirectory(prefix="crm-ve-push-") as scratch:
        write = _writer(via, document, original, scratch, args.timeout)
        after = _gate.apply_write(label, write, expected.digest, live, args.timeout, "pushed")
    _gate.say(f"{label}: pushed with {how} to the {_gate.live_name()} ({_gate.format_version(live.version)} -> "
              f"{_gate.format_version(after.version)}): {changes}")
    return EXIT_CLEAN


def _describe_write(via, document, original):
    if via == "cibadmin":
        return "cibadmin --replace --scope configuration"
    if original is not None:
        return f"pcs cluster cib-push {document.name} diff-against={original.name}"
    return f"pcs cluster cib-push {document.name} --config"


def _with_status_of(document, status_source):
    """A copy of DOCUMENT's <cib> whose status section is STATUS_SOURCE's (or empty): nothing to push there."""
    if document.root.tag != "cib":
        root = etree.Element("cib")
        root.append(deepcopy(document.configuration))
    else:
        root = deepcopy(document.root)
    for status in root.findall("status"):
        root.remove(status)
    source = status_source.root.find("status") if status_source is not None and status_source.root.tag == "cib" \
        else None
    root.append(deepcopy(source) if source is not None else etree.Element("status"))
    return root


def _write_xml(directory, name, root):
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.write(etree.tostring(root))
    return path


def _writer(via, document, original, scratch, timeout):
    if via == "cibadmin":
        return lambda: _gate.write_configuration(document.configuration, timeout)
    if original is not None:
        orig = _write_xml(scratch, "orig.xml", _with_status_of(original, original))
        new = _write_xml(scratch, "new.xml", _with_status_of(document, original))
        return lambda: _gate.run_tool(["pcs", "cluster", "cib-push", new, f"diff-against={orig}"], timeout)
    new = _write_xml(scratch, "new.xml", _with_status_of(document, None))
    return lambda: _gate.run_tool(["pcs", "cluster", "cib-push", new, "--config"], timeout)


def _merged(document, original, live, args):
    """What the live configuration becomes when pcs applies the difference ORIG -> FILE to it, checked."""
    with tempfile.TemporaryDirectory(prefix="crm-ve-merge-") as scratch:
        orig = _write_xml(scratch, "orig.xml", _with_status_of(original, original))
        new = _write_xml(scratch, "new.xml", _with_status_of(document, original))
        diff = _gate.run_tool(["crm_diff", "--original", orig, "--new", new, "--no-version"], args.timeout)
        if diff.returncode not in (0, 1):  # 1: the files differ
            raise CrmVeError(f"{document.name}: crm_diff: {_gate.tool_message(diff)}")
        target = os.path.join(scratch, "live.xml")
        live_root = deepcopy(live.root)
        for status in live_root.findall("status"):
            live_root.remove(status)
        live_root.append(etree.Element("status"))
        with open(target, "wb") as handle:
            handle.write(etree.tostring(live_root))
        env = dict(_gate.live_env(), CIB_file=target)
        patched = _gate.run_tool(["cibadmin", "--patch", "--xml-pipe"], args.timeout, input_bytes=diff.stdout,
                                 env=env)
        if patched.returncode != 0:
            raise _gate.ConcurrentChange(
                f"{document.name}: refused: the difference {original.name} -> {document.name} does not apply to "
                f"the live configuration: {_gate.tool_message(patched)}; nothing was changed")
        with open(target, "rb") as handle:
            merged = parse_cib(handle.read(), f"{document.name} (merged with the live configuration)")
    _gate.say(f"{document.name}: checking the live configuration with the difference "
              f"{original.name} -> {document.name} applied")
    return _gate.checked_state(merged, merged.name, args, "pushed")
