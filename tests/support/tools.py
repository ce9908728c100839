"""Tests that need a real tool: skip outside CI when it is missing, FAIL in CI (``CI=true``).

A test that runs one of :data:`PACEMAKER_TOOLS` carries the ``tools`` marker (``make test-fast`` leaves it out
and puts failing shims of these tools first on PATH): tests/support/tool_marks.py sets it from the fixtures and
helpers a test uses; a test that runs a tool through a plain subprocess call declares ``@pytest.mark.tools``.
"""
import os
import shutil

import pytest

#: The programs of Pacemaker, crmsh, pcs, corosync and resource-agents' ocf-tester.
PACEMAKER_TOOLS = frozenset((
    "crm", "pcs", "cibadmin", "crmadmin", "pacemakerd", "attrd_updater", "stonith_admin", "cibsecret", "iso8601",
    "crm_attribute", "crm_diff", "crm_error", "crm_failcount", "crm_master", "crm_mon", "crm_node", "crm_report",
    "crm_resource", "crm_rule", "crm_shadow", "crm_simulate", "crm_standby", "crm_ticket", "crm_verify",
    "corosync", "corosync-cfgtool", "corosync-cmapctl", "corosync-keygen", "corosync-quorumtool", "ocf-tester",
))


def in_ci():
    return os.environ.get("CI", "").lower() == "true"


def require_tools(*names):
    """Call at the start of a test (or fixture) that runs ``names``; returns their paths."""
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        message = f"required tool(s) not installed: {', '.join(missing)}"
        if in_ci():
            pytest.fail(message + " (CI=true: the CI image must install them)")
        pytest.skip(message)
    return [shutil.which(n) for n in names]
