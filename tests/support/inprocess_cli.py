"""The ``crm_ve`` fixture: run the real CLI in-process, built-in plugins only (shared by several test areas)."""
import pytest

from crm_ve.cli import main


@pytest.fixture
def crm_ve(capsys, monkeypatch):
    """``crm_ve(*argv) -> (exit code, stdout, stderr)``, with third-party plugin autoload off and neither NO_COLOR
    nor FORCE_COLOR."""
    monkeypatch.setenv("CRM_VE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)

    def run(*argv):
        code = main([str(arg) for arg in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run
