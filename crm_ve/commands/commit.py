"""``crm-ve commit NAME`` and ``crm-ve shadow new NAME``: the commit gate of the crm shell flow.

crmsh has no plugin point in its own ``configure commit``, so the flow is::

    crm-ve shadow new NAME            # crm_shadow --create NAME, and a record of the live configuration
    crm -c NAME configure ...         # edit the shadow (or CIB_shadow=NAME crm configure ...)
    crm-ve commit NAME                # check it; commit its configuration only when clean

The record (``<shadow file>.crm-ve-base``, beside the shadow) holds the live configuration the shadow was copied
from; ``commit`` refuses (exit 3) when the live configuration is no longer that one.  See :mod:`._gate`.
"""
import json
import os
import re
import tempfile

from lxml import etree

from crm_ve.commands import _gate
from crm_ve.errors import EXIT_CLEAN, CrmVeError, InputError, UsageError
from crm_ve.help_format import HelpFormatter
from crm_ve.inputs import read_shadow, shadow_path
from crm_ve.reader import parse_cib

BASE_SUFFIX = ".crm-ve-base"
RECORD_FORMAT = 1
_SHADOW_NAME = re.compile(r"^[^/\s\x00]+$")

EXIT_STATUS = """exit status:
  0  committed (or nothing to commit, or --dry-run found nothing in the way)
  1  the check found errors (or warnings with --strict): nothing committed, the shadow is kept
  2  could not run: no such shadow, cluster not reachable, the write failed, a schema change not asked
     for, an unsafe configuration file (nothing committed)
  3  refused: the live configuration changed since 'crm-ve shadow new NAME' (or is newer than the shadow),
     or while committing
"""


def register(subparsers):
    commit = subparsers.add_parser(
        "commit",
        help="check a crm_shadow CIB and commit its configuration to the live cluster when clean",
        description=("Check the crm_shadow CIB NAME like 'crm-ve check --shadow NAME'; when it is clean, write "
        "the shadow's configuration section over the live cluster's as one patch, which the cluster applies only "
        "while the live CIB is still the version the patch was made from (the status section and the <cib> "
        "attributes are never written; a schema change only with --allow-schema-change). When the shadow was "
        "made with 'crm-ve shadow new NAME', a live configuration that changed since is refused (exit 3) with a "
        "summary of the changes; otherwise only Pacemaker's own version rule applies (a shadow older than the "
        "live CIB is refused) and a warning says so."),
        epilog=EXIT_STATUS,
        formatter_class=HelpFormatter,
    )
    commit.add_argument("name", metavar="NAME", help="the shadow CIB (as in crm_shadow --create NAME)")
    _gate.add_gate_options(commit, "commit")
    commit.set_defaults(func=run_commit)

    shadow = subparsers.add_parser(
        "shadow",
        help="make a crm_shadow CIB whose commit detects concurrent changes",
        description="Shadow CIBs for 'crm-ve commit'.",
    )
    actions = shadow.add_subparsers(dest="shadow_action", metavar="ACTION", parser_class=type(shadow))
    actions.required = True
    new = actions.add_parser(
        "new",
        help="crm_shadow --create NAME, recording the live configuration it copies",
        description="Create the shadow CIB NAME from the live CIB (crm_shadow --create NAME --batch) and record "
        "the live configuration it was copied from, so that 'crm-ve commit NAME' can refuse it when the live "
        "configuration changes meanwhile.",
    )
    new.add_argument("name", metavar="NAME", help="the shadow's name")
    new.add_argument("--force", action="store_true", help="replace an existing shadow of that name")
    new.add_argument("--timeout", type=_gate.positive_seconds, default=_gate.DEFAULT_TIMEOUT, metavar="SECONDS",
                     help=f"give up on crm_shadow after SECONDS (default {_gate.DEFAULT_TIMEOUT})")
    new.set_defaults(func=run_shadow_new)
    delete = actions.add_parser(
        "delete",
        help="crm_shadow --delete NAME --force, and the record 'shadow new' made",
        description="Delete the shadow CIB NAME (crm_shadow --delete NAME --force) and crm-ve's record beside it.",
    )
    delete.add_argument("name", metavar="NAME", help="the shadow's name")
    delete.add_argument("--timeout", type=_gate.positive_seconds, default=_gate.DEFAULT_TIMEOUT,
                        metavar="SECONDS", help=f"give up on crm_shadow after SECONDS (default {_gate.DEFAULT_TIMEOUT})")
    delete.set_defaults(func=run_shadow_delete)


def _check_name(name):
    if not _SHADOW_NAME.match(name or ""):
        raise UsageError(f"{name!r}: not a shadow name (no '/', no blanks)")


# ----------------------------------------------------------------------------------------------- records
def base_path(shadow_file):
    return shadow_file + BASE_SUFFIX


def write_base(shadow_file, state):
    """Record STATE (the live configuration) as the base of the shadow file; atomic, beside the shadow."""
    st = os.stat(shadow_file)
    record = {
        "format": RECORD_FORMAT,
        "shadow": shadow_file,
        "inode": st.st_ino,
        "device": st.st_dev,
        "version": list(state.version),
        "digest": state.digest,
        "configuration": etree.tostring(state.configuration, encoding="unicode"),
    }
    target = base_path(shadow_file)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".crm-ve-base-")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle)
        os.chmod(tmp, st.st_mode & 0o666)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_base(shadow_file, label, shadow_version):
    """The recorded base of a shadow, or None (no record, or one that belongs to an older shadow: warned)."""
    path = base_path(shadow_file)
    try:
        with open(path) as handle:
            record = json.load(handle)
        configuration = parse_cib(record["configuration"].encode(), path).configuration
        version = tuple(int(v) for v in record["version"])
        inode, device = int(record["inode"]), int(record["device"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, InputError) as exc:
        _gate.warn(f"{label}: ignoring the unreadable record {path} ({exc})")
        return None
    st = os.stat(shadow_file)
    if (st.st_ino, st.st_dev) != (inode, device) or shadow_version[:2] < version[:2]:
        _gate.warn(f"{label}: ignoring {path}: it was made for an earlier shadow of that name "
                   "(re-create shadows with 'crm-ve shadow new NAME --force')")
        return None
    return _gate.CibState(path, version, configuration, _gate.digest_of(configuration))


# ----------------------------------------------------------------------------------------------- commands
def run_shadow_new(args):
    _check_name(args.name)
    label = f"shadow:{args.name}"
    argv = ["crm_shadow", "--create", args.name, "--batch"] + (["--force"] if args.force else [])
    try:
        proc = _gate.run_tool(argv, args.timeout)
    except _gate.ToolTimeout as exc:
        raise CrmVeError(f"{label}: {exc.message}") from None
    if proc.returncode != 0:
        raise CrmVeError(f"{label}: crm_shadow --create: {_gate.tool_message(proc)}")
    shadow_file = shadow_path(args.name)
    # The shadow is a copy of the live CIB: its own configuration is the base (no race with a second read).
    state = _gate.state_of(read_shadow(args.name))
    write_base(shadow_file, state)
    _gate.say(f"{label}: created from the {_gate.live_name()} ({_gate.format_version(state.version)}) in "
              f"{shadow_file}")
    print(f"Edit it with 'crm -c {args.name} configure ...' (or CIB_shadow={args.name} crm configure ...), "
          f"then run 'crm-ve commit {args.name}'.")
    return EXIT_CLEAN


def run_shadow_delete(args):
    _check_name(args.name)
    label = f"shadow:{args.name}"
    shadow_file = shadow_path(args.name)
    if not os.path.exists(shadow_file):
        raise InputError(f"{label}: no shadow CIB named {args.name!r} ({shadow_file} does not exist)")
    try:
        proc = _gate.run_tool(["crm_shadow", "--delete", args.name, "--force"], args.timeout)
    except _gate.ToolTimeout as exc:
        raise CrmVeError(f"{label}: {exc.message}") from None
    if proc.returncode != 0:
        raise CrmVeError(f"{label}: crm_shadow --delete: {_gate.tool_message(proc)}")
    try:
        os.unlink(base_path(shadow_file))
    except FileNotFoundError:
        pass
    _gate.say(f"{label}: deleted")
    return EXIT_CLEAN


def run_commit(args):
    _check_name(args.name)
    label = f"shadow:{args.name}"
    document = read_shadow(args.name)
    shadow_file = shadow_path(args.name)
    candidate = _gate.checked_state(document, label, args, "committed")
    live = _gate.read_live(args.timeout)
    schema = _gate.schema_change(label, document.root, live, args.allow_schema_change, "committed")
    if candidate.digest == live.digest and schema is None:
        _gate.say(f"{label}: nothing to commit: the live configuration is already the shadow's")
        return EXIT_CLEAN
    base = read_base(shadow_file, label, candidate.version)
    if base is not None:
        _gate.refuse_changed_since(label, base, live, args.force_overwrite, f"'crm-ve shadow new {args.name}'")
    else:
        _gate.refuse_older(label, candidate.version, live, args.force_overwrite,
                           f"the shadow was not made with 'crm-ve shadow new {args.name}'")
    changes = _gate.describe_changes(live, candidate.configuration, schema)
    if args.dry_run:
        _gate.say(f"{label}: dry run: would patch the live configuration "
                  f"({_gate.format_version(live.version)}): {changes}")
        return EXIT_CLEAN
    after = _gate.commit_configuration(label, candidate.configuration, live, args.timeout, "committed", schema)
    # The live configuration is now the shadow's: a later commit of this shadow compares with it.
    write_base(shadow_file, after)
    _gate.say(f"{label}: committed to the {_gate.live_name()} ({_gate.format_version(live.version)} -> "
              f"{_gate.format_version(after.version)}): {changes}")
    return EXIT_CLEAN
