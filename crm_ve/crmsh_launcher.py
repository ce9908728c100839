"""Run crmsh with no shell: ``PYTHON -I -X utf8 crmsh_launcher.py CRM-ARGS...`` (crm_ve.crm_text runs it).

The second layer of keeping crm shell text away from a shell (the first is :mod:`crm_ve.crm_text_guard`).
crmsh runs its helpers with ``subprocess`` and ``shell=True``; its ``ra`` module builds
``crm_resource --show-metadata CLASS:PROVIDER:TYPE`` from the text it loads. Before crmsh's ``main`` runs:

- ``crmsh.ra.crm_resource`` is replaced by an argv call: the option, then everything after it as one argument,
  so an agent name reaches crm_resource as one word whatever it holds;
- every ``subprocess.Popen`` in this process runs without a shell: a command string made only of plain words
  (letters, digits, ``_ . / : = @ % + , -``) runs as those words, anything else is refused (OSError) and
  nothing runs; ``os.system`` is refused.

This file runs under crmsh's own interpreter (the one ``crm``'s ``#!`` line names), not crm-ve's: it uses the
standard library only and imports nothing of crm-ve.
"""
import errno
import os
import re
import subprocess
import sys

#: A command string that runs the same with or without a shell: plain words separated by single spaces.
PLAIN_COMMAND = re.compile(r"[A-Za-z0-9_./:=@%+,-]+(?: [A-Za-z0-9_./:=@%+,-]+)*\Z")


def _refused(command):
    return OSError(errno.EPERM, f"crm-ve refused to let crmsh run {command!r} through a shell")


def argv_of(command):
    """The argv that runs ``command`` without a shell, or OSError when a shell would read more into it."""
    if isinstance(command, str) and PLAIN_COMMAND.match(command):
        return command.split(" ")
    raise _refused(command)


class ArgvOnlyPopen(subprocess.Popen):
    """``subprocess.Popen`` that never starts a shell (``shell=True`` is honoured only for plain words)."""

    def __init__(self, args, *positional, **options):
        positional = list(positional)
        if len(positional) > 7 and positional[7]:  # ``shell`` given by position (Popen's ninth parameter)
            args, positional[7] = argv_of(args), False
        if options.get("shell"):
            args, options["shell"] = argv_of(args), False
        super().__init__(args, *positional, **options)


def no_system(command):
    raise _refused(command)


def argv_crm_resource(opts):
    """crmsh's ``ra.crm_resource(opts)``: ``crm_resource OPTION [OPERAND]`` as argv, stdout lines."""
    option, _, operand = opts.partition(" ")
    argv = ["crm_resource", option] + ([operand] if operand else [])
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          check=False)
    out = proc.stdout.decode("utf-8", "replace").strip()
    return out.split("\n") if out else []


def main():
    subprocess.Popen = ArgvOnlyPopen
    os.system = no_system
    sys.argv = ["crm"] + sys.argv[1:]
    from crmsh import log
    log.setup_logging()
    from crmsh import ra
    ra.crm_resource = argv_crm_resource
    from crmsh import main as crmsh_main
    return crmsh_main.run()


if __name__ == "__main__":
    sys.exit(main())
