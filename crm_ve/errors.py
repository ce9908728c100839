"""Errors that end a crm-ve run with one line and a distinct exit code (never a traceback)."""

#: Exit codes shared by every subcommand (documented in ``crm-ve --help`` and crm-ve(1)).
EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_CANNOT_RUN = 2
EXIT_CONCURRENT_CHANGE = 3
#: ``check --simulate``: no error, but a stack or scenario the scheduler could not prove
EXIT_NOT_PROVEN = 4


class CrmVeError(Exception):
    """A problem the user can fix: printed as ``crm-ve: <message>``, exits with :attr:`exit_code`."""

    exit_code = EXIT_CANNOT_RUN

    def __init__(self, message, exit_code=None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self):
        return str(self.args[0])


class InputError(CrmVeError):
    """An input (file, stdin, shadow, live CIB, crm text) could not be read as a CIB."""


class UsageError(CrmVeError):
    """The command line or the configuration file is wrong."""


class PluginError(CrmVeError):
    """A plugin failed to load, declared something invalid, or raised while running."""


class ToolMissingError(CrmVeError):
    """An external tool (crmsh, pcs, cibadmin, crm_simulate) that this request needs is not installed."""
