"""The commit gate shared by ``crm-ve commit`` (crm shell flow) and ``crm-ve push`` (pcs flow).

A candidate configuration reaches the live cluster only when

1. ``crm-ve check`` finds no error in it (``--force`` overrides, and says so);
2. the live configuration is still the one the candidate was made from (its digest, recorded when the copy was
   made: ``crm-ve shadow new``, or ``--diff-against ORIG``), else exit 3 with a summary of what changed live
   (``--force-overwrite`` overrides).  Without such a record only Pacemaker's own version rule can be applied
   -- a CIB older than the live one is refused, as ``cibadmin --replace`` of a whole CIB refuses it
   (CRM_EX_OLD) -- and a warning says that concurrent changes cannot be detected;
3. it is written in ONE conditional CIB operation that touches the configuration section only: ``cibadmin
   --patch`` with a ``crm_diff`` that records the version of the live CIB it was made from, which the CIB
   manager applies only while the live admin_epoch.epoch.num_updates are still that version.  The patch is
   made from the live CIB itself with the candidate's configuration in it, so the live status and the live
   ``<cib>`` attributes (``dc-uuid``, ``admin_epoch``...) are never written; a schema change (``validate-with``)
   only when asked for.  A refused patch is rebuilt when only the status changed meanwhile (at most
   :data:`MAX_REBUILDS` times), else exit 3.  After a failed write the live CIB is read again and the message
   says which of the two configurations it holds.

The configuration's identity is a digest of its canonical XML (C14N, comments kept: crmsh stores inline
suppressions as comments; whitespace between elements dropped): the status section and the version counters are
not part of it, so status updates (monitor results, transient attributes) are not "concurrent changes".
"""
import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from copy import deepcopy
from dataclasses import dataclass
from typing import Optional, Tuple

from lxml import etree

from crm_ve.checker import check_documents, select_rules
from crm_ve.commands.check import add_check_options, add_plugin_options, check_settings, plugin_host, style_text
from crm_ve.config import load_config
from crm_ve.errors import (EXIT_CANNOT_RUN, EXIT_CONCURRENT_CHANGE, EXIT_FINDINGS, CrmVeError, InputError,
                           ToolMissingError)
from crm_ve.findings import Severity
from crm_ve.reader import parse_cib

DEFAULT_TIMEOUT = 60
VERSION_FIELDS = ("admin_epoch", "epoch", "num_updates")


class ConcurrentChange(CrmVeError):
    """The live configuration changed since the candidate was made (exit 3)."""

    exit_code = EXIT_CONCURRENT_CHANGE


class WriteFailed(CrmVeError):
    """The write to the live CIB failed; the message says what the live CIB holds now (exit 2)."""

    exit_code = EXIT_CANNOT_RUN


# ----------------------------------------------------------------------------------------------- output
def say(message):
    """One status line on standard error (the report itself goes to standard output)."""
    print(f"crm-ve: {message}", file=sys.stderr)


def warn(message):
    print(f"crm-ve: warning: {message}", file=sys.stderr)


# ----------------------------------------------------------------------------------------------- options
def add_gate_options(parser, what):
    """The options ``commit`` and ``push`` share: the gate's, then the ones ``check`` has."""
    parser.add_argument("--dry-run", action="store_true",
                        help=f"check and compare with the live CIB, say what would change, {what} nothing")
    parser.add_argument("--force", action="store_true",
                        help=f"{what} even when the check finds errors (and say so)")
    lost = "the live changes are lost" if what == "commit" else \
        "with --diff-against the difference ORIG -> FILE is applied to them, else they are lost"
    parser.add_argument("--force-overwrite", action="store_true",
                        help=f"{what} even when the live configuration changed since the copy was made ({lost})")
    parser.add_argument("--allow-schema-change", action="store_true",
                        help=f"{what} a validate-with (schema) that differs from the live CIB's (refused otherwise)")
    parser.add_argument("--timeout", type=positive_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"give up on a cluster tool after SECONDS (default {DEFAULT_TIMEOUT})")
    add_check_options(parser, strict_help="warnings block the commit too")
    add_plugin_options(parser)


def positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


# ----------------------------------------------------------------------------------------------- checks
def check_candidate(document, args):
    """Run ``crm-ve check`` on the candidate, print its report (standard output), return the report.

    A configuration file found (not named with ``--config``) is used only when no one but the caller or root
    can have written it; what it and the options turn off is said on standard error before the check.
    """
    host = plugin_host(args)
    config = load_config(args.config, args.no_config, trusted_only=True)
    output, select, ignore, strict = check_settings(args, config, host)
    say_disabled(args, config, host.rules, select, ignore)
    report = check_documents([document], host, select=select, ignore=ignore, strict=strict,
                             per_resource_ignores=config.per_resource_ignores)
    report.config = config.path
    style_text(report, output, sys.stdout)
    sys.stdout.write(host.output_formats[output].render(report))
    sys.stdout.flush()
    return report


def say_disabled(args, config, rules, select, ignore):
    """Name the configuration file used, each rule that will not run, and each per-resource ignore."""
    if config.path:
        say(f"configuration: {config.path} [{config.section}]")
    running = select_rules(rules, select, ignore)
    off = [f"{rule.code} {rule.name}" for rule in rules if rule not in running]
    if off:
        from_file = args.select is None and (config.select or (args.ignore is None and config.ignore))
        sources = [config.path] if from_file else []
        if args.select is not None or args.ignore is not None:
            sources.append("--select/--ignore")
        say(f"rules disabled by {' and '.join(sources)}: {', '.join(off)}")
    for pattern, codes in config.per_resource_ignores:
        say(f"rules disabled by {config.path} for resources {pattern}: {', '.join(codes)}")


def checked_state(document, label, args, verb):
    """Step 1 of the gate: check DOCUMENT (report on standard output), stop unless it is clean or ``--force``
    says go on, and return its state."""
    gate_findings(check_candidate(document, args), label, args.force, verb)
    return state_of(document)


def gate_findings(report, label, force, verb):
    """Stop (exit 1, or 2 when a rule failed) unless the check is clean or ``--force`` says go on."""
    if report.failures:
        raise CrmVeError(f"{label}: not {verb}: {len(report.failures)} rule(s) failed to run "
                         "(see the report); nothing was changed", EXIT_CANNOT_RUN)
    if report.exit_code == EXIT_FINDINGS:
        counts = _finding_counts(report)
        if not force:
            raise CrmVeError(f"{label}: not {verb}: the check found {counts}; {label} is kept as it is "
                             f"(fix it and try again, or use --force)", EXIT_FINDINGS)
        warn(f"{label}: {verb} despite {counts} (--force)")


def _finding_counts(report):
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING):
        n = report.count(severity)
        if n and (severity == Severity.ERROR or report.strict):
            parts.append(f"{n} {severity.label}{'s' if n != 1 else ''}")
    return " and ".join(parts) or "findings"


# ----------------------------------------------------------------------------------------------- CIB model
@dataclass
class CibState:
    """One read of a CIB: its version, its configuration and that configuration's digest."""

    name: str
    version: Tuple[int, int, int]
    configuration: etree._Element
    digest: str
    root: Optional[etree._Element] = None


def version_of(root):
    """(admin_epoch, epoch, num_updates) of a ``<cib>`` (zeros for a bare configuration)."""
    values = []
    for field in VERSION_FIELDS:
        try:
            values.append(int(root.get(field, "0")))
        except ValueError:
            values.append(0)
    return tuple(values)


def format_version(version):
    return ".".join(str(v) for v in version)


def canonical(element):
    """Canonical bytes of an element: C14N with comments, whitespace-only text between elements dropped."""
    copy = etree.fromstring(etree.tostring(element))
    for node in copy.iter():
        if node.text is not None and not node.text.strip() and len(node):
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    copy.tail = None
    return etree.tostring(copy, method="c14n", with_comments=True)


def digest_of(configuration):
    return hashlib.sha256(canonical(configuration)).hexdigest()


def state_of(document):
    return CibState(document.name, version_of(document.root), document.configuration,
                    digest_of(document.configuration), document.root)


def _entries(configuration):
    """{(section, key): canonical bytes} for every entry of every configuration section."""
    entries = {}
    for section in configuration:
        if not isinstance(section.tag, str):
            continue
        for position, entry in enumerate(section):
            if not isinstance(entry.tag, str):
                continue
            key = entry.get("id") or f"<{entry.tag}> #{position + 1}"
            entries[(section.tag, key)] = canonical(entry)
        if not len(section):
            entries.setdefault((section.tag, None), b"")
    return entries


def change_summary(old, new):
    """What differs between two configurations, by section and id: 'resources: changed p_fs; ...'."""
    before, after = _entries(old), _entries(new)
    sections = []
    for section in dict.fromkeys(s for s, _ in list(before) + list(after)):
        keys_before = {k for s, k in before if s == section and k is not None}
        keys_after = {k for s, k in after if s == section and k is not None}
        parts = []
        added = sorted(keys_after - keys_before)
        removed = sorted(keys_before - keys_after)
        changed = sorted(k for k in keys_before & keys_after if before[(section, k)] != after[(section, k)])
        for word, ids in (("changed", changed), ("added", added), ("removed", removed)):
            if ids:
                parts.append(f"{word} {', '.join(ids)}")
        if parts:
            sections.append(f"{section}: {'; '.join(parts)}")
    return "; ".join(sections) or "no entry differs (only formatting or attributes of a section)"


# ----------------------------------------------------------------------------------------------- tools
def live_env():
    """The environment for the cluster tools: CIB_shadow would send them to a shadow instead of the live CIB.

    ``CIB_file`` is left alone: like every Pacemaker tool, the gate then treats that file as the live CIB.
    """
    env = dict(os.environ)
    env.pop("CIB_shadow", None)
    return env


def live_name():
    return f"live(CIB_file={os.environ['CIB_file']})" if os.environ.get("CIB_file") else "live CIB"


def run_tool(argv, timeout, input_bytes=None, env=None):
    """Run a cluster tool; a missing tool or a timeout is one line (exit 2).

    The tool runs in a process group of its own, killed whole on timeout: pcs runs cibadmin, which must not
    outlive it and write to the CIB after the gate has reported the failure.
    """
    exe = shutil.which(argv[0])
    if exe is None:
        raise ToolMissingError(f"{argv[0]} is not installed (the commit gate needs Pacemaker's command-line tools)")
    try:
        proc = subprocess.Popen([exe] + list(argv[1:]), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
                                env=env if env is not None else live_env(), start_new_session=True)
    except OSError as exc:
        raise CrmVeError(f"cannot run {argv[0]}: {exc}") from None
    try:
        stdout, stderr = proc.communicate(input_bytes, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ToolTimeout(f"{' '.join(argv[:2])} did not finish within {timeout:g} s") from None
    except BaseException:
        _kill_group(proc)
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()


class ToolTimeout(CrmVeError):
    """A cluster tool did not answer in time (exit 2)."""


def tool_message(proc):
    text = (proc.stderr or b"").decode("utf-8", "replace") + (proc.stdout or b"").decode("utf-8", "replace")
    return " ".join(text.split()) or f"exit status {proc.returncode}"


def describe(proc):
    """The tool and its first argument, e.g. ``cibadmin --replace``."""
    args = list(proc.args)
    return " ".join([os.path.basename(args[0])] + args[1:3])


def read_live(timeout):
    """The live CIB (``cibadmin --query``); unreadable is one line, exit 2."""
    name = live_name()
    try:
        proc = run_tool(["cibadmin", "--query"], timeout)
    except ToolTimeout as exc:
        raise InputError(f"{name}: cannot read the cluster's CIB: {exc.message}; nothing was changed") from None
    if proc.returncode != 0:
        raise InputError(f"{name}: cannot read the cluster's CIB (is the cluster running?): cibadmin --query: "
                         f"{tool_message(proc)}; nothing was changed")
    return state_of(parse_cib(proc.stdout, name))


# ----------------------------------------------------------------------------------------------- concurrency
def refuse_changed_since(label, base, live, force_overwrite, made_by):
    """Exit 3 when the live configuration is no longer BASE (the one the candidate was made from)."""
    if live.digest == base.digest:
        return
    summary = change_summary(base.configuration, live.configuration)
    if force_overwrite:
        warn(f"{label}: the live configuration changed since {made_by} "
             f"({format_version(base.version)} -> {format_version(live.version)}: {summary}); "
             "overwriting it (--force-overwrite)")
        return
    raise ConcurrentChange(
        f"{label}: refused: the live configuration changed since {made_by} "
        f"({format_version(base.version)} -> {format_version(live.version)}): {summary}; "
        "nothing was changed (start from a fresh copy of the live CIB, or use --force-overwrite)")


def refuse_older(label, candidate_version, live, force_overwrite, hint):
    """Without a record of the base: Pacemaker's own rule for a whole-CIB replace, and a warning."""
    warn(f"{label}: concurrent changes to the live CIB cannot be detected ({hint}); only Pacemaker's own "
         "version check applies")
    if candidate_version >= live.version:
        return
    message = (f"the live CIB ({format_version(live.version)}) is newer than {label} "
               f"({format_version(candidate_version)}), which Pacemaker refuses for a CIB replace")
    if force_overwrite:
        warn(f"{label}: {message}; overwriting it (--force-overwrite)")
        return
    raise ConcurrentChange(f"{label}: refused: {message}; nothing was changed (use --force-overwrite to "
                           "replace the live configuration anyway)")


# ----------------------------------------------------------------------------------------------- the root
#: ``<cib>`` attributes every write changes (or the CIB manager keeps up to date): never worth a word.
_VOLATILE_ROOT = {"epoch", "num_updates", "cib-last-written", "update-origin", "update-client", "update-user"}
SCHEMA = "validate-with"


def schema_change(label, candidate_root, live, allowed, verb):
    """The candidate's schema (``validate-with``) when it differs from the live CIB's and ALLOWED, else None.

    A schema change is refused (exit 2) unless asked for: it changes how every later update is validated.
    The other ``<cib>`` attributes (``dc-uuid``, ``admin_epoch``...) are the live CIB's own and never written;
    those the candidate has changed are named in a warning.
    """
    if candidate_root is None or candidate_root.tag != "cib":
        return None
    ignored = [f"{name}={candidate_root.get(name)!r} (live: {live.root.get(name)!r})"
               for name in sorted(set(candidate_root.attrib) | set(live.root.attrib))
               if name not in _VOLATILE_ROOT | {SCHEMA} and candidate_root.get(name) != live.root.get(name)]
    if ignored:
        warn(f"{label}: <cib> attributes are not {verb}, the live CIB keeps its own: {', '.join(ignored)}")
    wanted, current = candidate_root.get(SCHEMA), live.root.get(SCHEMA)
    if wanted is None or wanted == current:
        return None
    if not allowed:
        raise CrmVeError(f"{label}: not {verb}: it changes the schema ({SCHEMA} {current} -> {wanted}); "
                         "nothing was changed (use --allow-schema-change to change it)", EXIT_CANNOT_RUN)
    return wanted


def describe_changes(live, configuration, schema):
    """The change summary of a write: the schema change first (always listed), then the configuration's."""
    changes = change_summary(live.configuration, configuration)
    if schema is None:
        return changes
    return f"schema: {SCHEMA} {live.root.get(SCHEMA)} -> {schema}; {changes}"


# ----------------------------------------------------------------------------------------------- the write
#: How many times a patch is rebuilt after the CIB manager refused it because only the status changed.
MAX_REBUILDS = 3
#: cibadmin's exit status when the CIB manager refuses an update that is not based on the current CIB.
CRM_EX_OLD = 103


def target_of(live, configuration, schema=None):
    """The CIB a write makes of LIVE: its own ``<cib>`` attributes and status, CONFIGURATION, the epoch one up
    (a patch whose version does not grow is refused), ``validate-with`` set to SCHEMA when given."""
    root = deepcopy(live.root)
    for old in root.findall("configuration"):
        root.replace(old, deepcopy(configuration))
    root.set("epoch", str(live.version[1] + 1))
    root.set("num_updates", "0")
    if schema is not None:
        root.set(SCHEMA, schema)
    return root


def write_xml(directory, name, root):
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.write(etree.tostring(root))
    return path


def make_patch(original, new, scratch, timeout, versioned=True):
    """``crm_diff`` of two ``<cib>`` roots: the path of the patch.  A versioned patch records ORIGINAL's
    admin_epoch.epoch.num_updates, and the CIB manager applies it only to a CIB of exactly that version."""
    argv = ["crm_diff", "--original", write_xml(scratch, "original.xml", original),
            "--new", write_xml(scratch, "new.xml", new)] + ([] if versioned else ["--no-version"])
    proc = run_tool(argv, timeout)
    if proc.returncode not in (0, 1):  # 1: the two differ
        raise CrmVeError(f"crm_diff: {tool_message(proc)}; nothing was changed")
    path = os.path.join(scratch, "patch.xml")
    with open(path, "wb") as handle:
        handle.write(proc.stdout)
    return path


def patched(root, patch, scratch, timeout, name):
    """(crm_diff's process, the document NAME) of ROOT with PATCH applied by ``crm_diff --patch`` (offline: no
    version check); the document is None when crm_diff failed."""
    proc = run_tool(["crm_diff", "--original", write_xml(scratch, "target.xml", root), "--patch", patch], timeout)
    return proc, (parse_cib(proc.stdout, name) if proc.returncode == 0 else None)


def send_patch(patch, live, scratch, timeout):
    """Apply PATCH to the live CIB: ``cibadmin --patch``, which the CIB manager refuses unless the live CIB is
    still the patch's source version.

    Pacemaker's file backend (``CIB_file``) has no patch operation: there the file is read again, a version
    other than the patch's source is refused the same way, and the patched CIB replaces the file.
    """
    if not os.environ.get("CIB_file"):
        return run_tool(["cibadmin", "--patch", "--xml-file", patch], timeout)
    now = read_live(timeout)
    if now.version != live.version:
        return subprocess.CompletedProcess(["cibadmin", "--patch"], CRM_EX_OLD, b"",
                                           b"Update was older than existing configuration")
    proc, document = patched(now.root, patch, scratch, timeout, live_name())
    if document is None:
        return proc
    return run_tool(["cibadmin", "--replace", "--xml-file", write_xml(scratch, "patched.xml", document.root)],
                    timeout)


def commit_configuration(label, configuration, live, timeout, verb, schema=None):
    """Write CONFIGURATION over LIVE (the state just read and checked against) in one conditional patch.

    The patch is refused when the live CIB moved on. Then the live CIB is read again: when only its status
    changed (same configuration digest) the patch is rebuilt on the new version, at most MAX_REBUILDS times;
    a configuration that changed is exit 3. Returns the live state after the write.
    """
    candidate_digest = digest_of(configuration)
    for attempt in range(MAX_REBUILDS + 1):
        with tempfile.TemporaryDirectory(prefix="crm-ve-commit-") as scratch:
            patch = make_patch(live.root, target_of(live, configuration, schema), scratch, timeout)
            failure = _failure_of(lambda: send_patch(patch, live, scratch, timeout))
        after = _read_back(label, failure, timeout, verb)
        if failure is None or after.digest == candidate_digest:
            return _settled(label, failure, after, candidate_digest, live)
        if after.digest != live.digest:
            raise ConcurrentChange(
                f"{label}: refused: the live configuration changed after it was checked "
                f"({format_version(live.version)} -> {format_version(after.version)}): "
                f"{change_summary(live.configuration, after.configuration)}; nothing was changed")
        if after.version == live.version:
            raise WriteFailed(f"{label}: not {verb}: {failure}; nothing was changed (the live configuration is "
                              f"the one it was, {format_version(after.version)})")
        if attempt < MAX_REBUILDS:
            say(f"{label}: only the live status changed ({format_version(live.version)} -> "
                f"{format_version(after.version)}): building the patch again")
        live = after
    raise ConcurrentChange(f"{label}: not {verb}: the live CIB's status changed before each of "
                           f"{MAX_REBUILDS + 1} attempts; nothing was changed (try again)")


def _failure_of(write):
    """None when WRITE (returns a CompletedProcess) succeeded, else what went wrong, in one line."""
    try:
        proc = write()
    except ToolTimeout as exc:
        return exc.message
    return None if proc.returncode == 0 else f"{describe(proc)}: {tool_message(proc)}"


def _read_back(label, failure, timeout, verb):
    try:
        return read_live(timeout)
    except CrmVeError as exc:
        if failure:
            raise WriteFailed(f"{label}: not {verb}: {failure}; the live CIB cannot be read back to see whether "
                              f"it changed ({exc.message})") from None
        raise WriteFailed(f"{label}: {verb}, but the live CIB cannot be read back to confirm it: {exc.message}") \
            from None


def _settled(label, failure, after, candidate_digest, live_before):
    if failure is not None:
        warn(f"{label}: the write reported a failure ({failure}) but the live configuration is now the new one")
    elif after.digest != candidate_digest:
        warn(f"{label}: the live configuration differs from what was written (changed meanwhile?): "
             f"{change_summary(live_before.configuration, after.configuration)}")
    return after
