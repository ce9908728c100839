"""Fixtures for the templates tests (issue 9): the real crmsh pointed at the repository's templates.

crmsh 4.4 reads configuration templates only from ``<sharedir>/templates`` (``[path] sharedir`` in crm.conf,
default /usr/share/crmsh) and cluster scripts from ``~/.config/crm/scripts`` and ``<sharedir>/scripts``. The
per-user crm.conf is ``~/.config/crm/crm.conf`` (or $CRM_CONFIG_FILE). So, without root and without touching
/usr/share/crmsh or /etc/crm, a private HOME gets a crm.conf whose sharedir holds a ``templates`` link to the
repository's ``templates/`` (plus crmsh's own ``utils``, which ``crm script run`` copies to the nodes), and the
repository's scripts are linked into ``~/.config/crm/scripts``.

crmsh and pcs accept ``ocf:crm-ve:ManageVE`` only when the agent is installed in the OCF directory: the session
installs ``ra/ManageVE`` there (root) with tests/support/ocf_install.py's ``manage_ve_agent`` and removes it
afterwards.

``crm script run`` needs a cluster: test_templates_live.py uses the session's single-node cluster
(tests/support/live_cluster.py, imported here like every area that uses it).
"""
import pytest

from support.live_cluster import clean_live_cluster, live_cluster, pytest_runtest_makereport  # noqa: F401
from support.ocf_install import manage_ve_agent  # noqa: F401
from support.tools import require_tools
from templates_support import CRMSH_SHARE, SCRIPTS, TEMPLATES, Crmsh


def _link(target, link):
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


@pytest.fixture(scope="session")
def crmsh(tmp_path_factory):
    require_tools("crm", "cibadmin", "crm_attribute", "crm_verify", "crm_simulate")
    root = tmp_path_factory.mktemp("crmsh")
    share, home = root / "share", root / "home"
    _link(TEMPLATES, share / "templates")
    _link(CRMSH_SHARE / "utils", share / "utils")
    (share / "version").write_text((CRMSH_SHARE / "version").read_text())
    config = home / ".config" / "crm"
    config.mkdir(parents=True)
    (config / "crm.conf").write_text(f"[path]\nsharedir = {share}\n")
    for script in sorted(SCRIPTS.iterdir()):
        _link(script, config / "scripts" / script.name)
    return Crmsh(home)


@pytest.fixture
def pcs_tool():
    require_tools("pcs", "cibadmin", "crm_attribute")
