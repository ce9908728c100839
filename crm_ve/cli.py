"""The ``crm-ve`` command: one module per subcommand under :mod:`crm_ve.commands`.

Every failure the user can fix is one line ``crm-ve: ...`` and an exit code (see :mod:`crm_ve.errors`);
never a traceback.
"""
import argparse
import atexit
import gc
import importlib
import os
import sys

from crm_ve import __version__
from crm_ve.errors import EXIT_CANNOT_RUN, CrmVeError, UsageError
from crm_ve.help_format import HelpFormatter
from crm_ve.printable import printable

#: Subcommand modules; each has ``register(subparsers)`` which adds its parser and sets ``func(args) -> int``.
COMMANDS = (
    "crm_ve.commands.check",
    "crm_ve.commands.rule",
    "crm_ve.commands.install",
    "crm_ve.commands.stack",
    "crm_ve.commands.man",
    "crm_ve.commands.commit",
    "crm_ve.commands.push",
)

#: The subcommands each module of COMMANDS adds: a run imports only the module of the subcommand it names (a
#: check in a commit hook does not pay for the install, template and man page code); tests keep this in step.
SUBCOMMANDS = {
    "check": "crm_ve.commands.check",
    "rule": "crm_ve.commands.rule",
    "install": "crm_ve.commands.install",
    "stack": "crm_ve.commands.stack",
    "man": "crm_ve.commands.man",
    "commit": "crm_ve.commands.commit",
    "shadow": "crm_ve.commands.commit",
    "push": "crm_ve.commands.push",
}

EXIT_STATUS_HELP = """exit status:
  0  clean: no error finding (warnings and infos allowed)
  1  at least one error finding (or a warning with --strict)
  2  could not run: bad input, bad usage, a plugin that failed to load or raised
  3  refused: the live CIB changed since the shadow was made (commit gate)
  4  not proven: check --simulate found no error, but a stack it could not prove
"""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit 2."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _named_command(argv):
    """The module of the subcommand ``argv`` names (the first argument not an option: the top level has only
    flags), or None when it names none (then every subcommand is registered, for --help and errors)."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return SUBCOMMANDS.get(first)


def build_parser(argv=None):
    """The parser; given ``argv``, only its subcommand's module is imported when it names a known one."""
    parser = ArgumentParser(
        prog="crm-ve",
        description=(
            "Check and build Pacemaker stacks of DRBD -> Filesystem -> OpenVZ container: catches the order and "
            "colocation mistakes that crm_verify, crm configure verify and pcs cluster verify accept, and prints "
            "the crm shell and pcs commands that fix them."
        ),
        epilog=EXIT_STATUS_HELP,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"crm-ve {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    subparsers.required = True
    named = _named_command(argv) if argv is not None else None
    for module_name in (named,) if named else COMMANDS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv=None):
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(argv).parse_args(argv)
        return args.func(args)
    except CrmVeError as exc:
        for line in exc.message.split("\n"):  # one line per problem; no input byte starts a line of its own
            print(f"crm-ve: {printable(line)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("crm-ve: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_CANNOT_RUN
    except OSError as exc:  # inputs' errors are InputError lines already: this is the output, or a named file
        where = f"{exc.filename}" if exc.filename else "cannot write the output"
        print(f"crm-ve: {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN


def console_main():
    """The ``crm-ve`` command (console script and ``python -m crm_ve``): :func:`main`, then the process ends
    without tearing the interpreter down.

    Freeing a 20,000-container CIB and its model object by object takes about as long as checking it (a
    second); the process is ending anyway, so, as mypy's fast exit does, exit handlers run, output is flushed
    and the process exits at once. In-process callers (tests, plugins) use :func:`main`.

    The cycle collector stays off for the whole run: a check makes almost no cyclic garbage (peak memory at
    20,000 containers is the same), and turning it back on before exiting would only make it walk the whole
    model once, a tenth of a second at 5,000 containers, to free nothing the exit does not free.
    """
    gc.disable()
    code = main()
    atexit._run_exitfuncs()  # what the interpreter would run: weakref finalizers (temporary directories), logging
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away (crm-ve check ... | head): nothing more to say
        pass
    except OSError as exc:  # the output cannot be written (a full disk): say so, as the interpreter would
        try:
            os.write(2, f"crm-ve: cannot write the output: {exc.strerror or exc}\n".encode())
        except OSError:
            pass
        code = code or EXIT_CANNOT_RUN
    os._exit(code)


if __name__ == "__main__":
    console_main()
