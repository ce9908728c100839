"""Helpers for the input tests: run ``crm-ve`` in-process, only the built-in plugins."""
import pytest

from crm_ve.cli import main


@pytest.fixture
def crm_ve(capsys, monkeypatch):
    """``crm_ve(*argv) -> (exit code, stdout, stderr)``, with third-party plugin autoload off and no NO_COLOR."""
    monkeypatch.setenv("CRM_VE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)

    def run(*argv):
        code = main([str(arg) for arg in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run
