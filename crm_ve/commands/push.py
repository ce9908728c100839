"""``crm-ve push FILE [--diff-against ORIG]``: the commit gate of the pcs flow.

::

    pcs cluster cib ORIG && cp ORIG FILE      # a copy of the live CIB, and the copy to edit
    pcs -f FILE resource create ...           # edit it offline
    crm-ve push FILE --diff-against ORIG      # check it; push its configuration only when clean

ORIG is the live configuration FILE was made from: a live configuration that changed since is refused (exit 3);
with ``--force-overwrite`` the difference ORIG -> FILE is applied to the live configuration instead, and that
result is what is checked and pushed.  The push is the gate's conditional patch (``cibadmin --patch`` with a
versioned ``crm_diff``), not ``pcs cluster cib-push``, whose patch and replace apply to whatever CIB is live:
only FILE's configuration section is pushed, never its status nor its ``<cib>`` attributes.  See :mod:`._gate`.
"""
import tempfile

from crm_ve.commands import _gate
from crm_ve.errors import EXIT_CLEAN, UsageError
from crm_ve.help_format import HelpFormatter
from crm_ve.reader import read_cib

EXIT_STATUS = """exit status:
  0  pushed (or nothing to push, or --dry-run found nothing in the way)
  1  the check found errors (or warnings with --strict): nothing pushed
  2  could not run: unreadable FILE or ORIG, cluster not reachable, the push failed, a schema change not
     asked for, an unsafe configuration file (nothing pushed)
  3  refused: the live configuration changed since ORIG was made (or is newer than FILE), or while pushing
"""


def register(subparsers):
    parser = subparsers.add_parser(
        "push",
        help="check a CIB file made with pcs and push its configuration to the live cluster when clean",
        description=("Check FILE (made with 'pcs cluster cib FILE' and edited with 'pcs -f FILE ...') like "
        "'crm-ve check FILE'; when it is clean, push its configuration section as one patch, which the cluster "
        "applies only while the live CIB is still the version the patch was made from (FILE's status section and "
        "<cib> attributes are never pushed; a schema change only with --allow-schema-change). With "
        "--diff-against ORIG a live configuration that is no longer ORIG's is refused (exit 3); without it only "
        "Pacemaker's own version rule applies (a FILE older than the live CIB is refused) and a warning says so."),
        epilog=EXIT_STATUS,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the CIB to push (pcs cluster cib FILE, then pcs -f FILE ...)")
    parser.add_argument("--diff-against", metavar="ORIG",
                        help="the unedited copy FILE was made from (pcs cluster cib ORIG): refuse a live "
                        "configuration that changed since (with --force-overwrite: apply the difference ORIG -> FILE "
                        "to it)")
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
    candidate = _gate.checked_state(document, label, args, "pushed")
    live = _gate.read_live(args.timeout)
    schema = _gate.schema_change(label, document.root, live, args.allow_schema_change, "pushed")
    if candidate.digest == live.digest and schema is None:
        _gate.say(f"{label}: nothing to push: the live configuration is already FILE's")
        return EXIT_CLEAN
    expected = candidate
    if original is not None:
        base = _gate.state_of(original)
        _gate.refuse_changed_since(label, base, live, args.force_overwrite, f"{original.name} was made")
        if live.digest != base.digest:
            expected = _merged(document, original, live, args)
    else:
        _gate.refuse_older(label, candidate.version, live, args.force_overwrite,
                           "no --diff-against ORIG names the copy FILE was made from")
    changes = _gate.describe_changes(live, expected.configuration, schema)
    if args.dry_run:
        _gate.say(f"{label}: dry run: would patch the live configuration "
                  f"({_gate.format_version(live.version)}): {changes}")
        return EXIT_CLEAN
    after = _gate.commit_configuration(label, expected.configuration, live, args.timeout, "pushed", schema)
    _gate.say(f"{label}: pushed to the {_gate.live_name()} ({_gate.format_version(live.version)} -> "
              f"{_gate.format_version(after.version)}): {changes}")
    return EXIT_CLEAN


def _merged(document, original, live, args):
    """The live configuration with the difference ORIG -> FILE applied (configurations only), checked."""
    with tempfile.TemporaryDirectory(prefix="crm-ve-merge-") as scratch:
        patch = _gate.make_patch(_gate.target_of(live, original.configuration),
                                 _gate.target_of(live, document.configuration), scratch, args.timeout,
                                 versioned=False)
        name = f"{document.name} (merged with the live configuration)"
        proc, merged = _gate.patched(live.root, patch, scratch, args.timeout, name)
    if merged is None:
        raise _gate.ConcurrentChange(
            f"{document.name}: refused: the difference {original.name} -> {document.name} does not apply to "
            f"the live configuration: {_gate.tool_message(proc)}; nothing was changed")
    _gate.say(f"{document.name}: checking the live configuration with the difference "
              f"{original.name} -> {document.name} applied")
    return _gate.checked_state(merged, merged.name, args, "pushed")
