"""The commit gate shared by ``crm-ve commit`` (crm shell flow) and ``crm-ve push`` (pcs flow).

A candidate configuration reaches the live cluster only when

1. ``crm-ve check`` finds no error in it (``--force`` overrides, and says so);
2. the live configuration is still the one the candidate was made from (its digest, recorded when the copy was
   made: ``crm-ve shadow new``, or ``--diff-against ORIG``), else exit 3 with a summary of what changed live
   (``--force-overwrite`` overrides).  Without such a record only Pacemaker's own version rule can be applied
   -- a CIB older than the live one is refused, as ``cibadmin --replace`` of a whole CIB refuses it
   (CRM_EX_OLD) -- and a warning says that concurrent changes cannot be detected;
3. it is written in ONE CIB operation that touches the configuration section only (``cibadmin --replace
   --scope configuration``, or pcs doing the same), so a failure leaves the old configuration whole.  After a
   failed write the live CIB is read again and the message says which of the two configurations it holds.

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
from dataclasses import dataclass
from typing import Optional, Tuple

from lxml import etree

from crm_ve.checker import check_documents
from crm_ve.commands.check import add_check_options, add_plugin_options, check_settings, plugin_host, use_color
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
    parser.add_argument("--force-overwrite", action="store_true",
                        help=f"{what} even when the live configuration changed since the copy was made "
                        "(the live changes are lost)")
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
    """Run ``crm-ve check`` on the candidate, print its report (standard output), return the report."""
    host = plugin_host(args)
    config = load_config(args.config, args.no_config)
    output, select, ignore, strict = check_settings(args, config, host)
    report = check_documents([document], host, select=select, ignore=ignore, strict=strict,
                             per_resource_ignores=config.per_resource_ignores)
    report.color = output == "text" and use_color(sys.stdout)
    sys.stdout.write(host.output_formats[output].render(report))
    sys.stdout.flush()
    return report


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


# ----------------------------------------------------------------------------------------------- the write
def write_configuration(configuration, timeout):
    """``cibadmin --replace --scope configuration`` with the candidate's configuration only: one operation."""
    fd, path = tempfile.mkstemp(prefix="crm-ve-configuration-", suffix=".xml")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(etree.tostring(configuration))
        return run_tool(["cibadmin", "--replace", "--scope", "configuration", "--xml-file", path], timeout)
    finally:
        os.unlink(path)


def apply_write(label, write, candidate_digest, live_before, timeout, verb):
    """Run WRITE (returns a CompletedProcess); on any failure, find out what the live CIB holds and say it."""
    try:
        proc = write()
        failure = None if proc.returncode == 0 else f"{describe(proc)}: {tool_message(proc)}"
    except ToolTimeout as exc:
        failure = exc.message
    try:
        after = read_live(timeout)
    except CrmVeError as exc:
        if failure:
            raise WriteFailed(f"{label}: not {verb}: {failure}; the live CIB cannot be read back to see whether "
                              f"it changed ({exc.message})") from None
        raise WriteFailed(f"{label}: {verb}, but the live CIB cannot be read back to confirm it: {exc.message}") \
            from None
    if failure is None:
        if after.digest != candidate_digest:
            warn(f"{label}: the live configuration differs from what was written (changed meanwhile?): "
                 f"{change_summary(live_before.configuration, after.configuration)}")
        return after
    if after.digest == live_before.digest:
        raise WriteFailed(f"{label}: not {verb}: {failure}; nothing was changed (the live configuration is the "
                          f"one it was, {format_version(after.version)})")
    if after.digest == candidate_digest:
        warn(f"{label}: the write reported a failure ({failure}) but the live configuration is now the new one")
        return after
    raise WriteFailed(f"{label}: not {verb}: {failure}; the live configuration changed meanwhile to neither the "
                      f"old nor the new one ({format_version(after.version)}): "
                      f"{change_summary(live_before.configuration, after.configuration)}")
