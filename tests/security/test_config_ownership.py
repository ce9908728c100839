"""Issue 17 item 3: a configuration file someone else wrote does not turn the commit gate off.

``commit`` and ``push`` find pyproject.toml / setup.cfg upward from where they run; a file found there is used
only when no one but the caller or root can have written it (the file and every directory above it owned by
the caller or root, not writable by group or others, sticky directories excepted; no symbolic link of someone
else's on the way).  Otherwise: exit 2, naming the file.  ``check`` uses what it finds and names it in every
format; ``--config FILE`` is always honoured; ``commit`` and ``push`` say which rules the configuration turns off.

The reproducer: ``nobody`` writes ``[tool.crm_ve] ignore`` into a world-writable directory above the one where
root commits a shadow with an error finding.  Runs as root (files are written as ``nobody`` with setpriv); the
"live" CIB is a file (CIB_file), as every Pacemaker tool allows.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
from lxml import etree

from support.cib_build import build_reference_crm
from support.gate_plugin import gate_plugin_path
from support.tools import in_ci, require_tools

NOBODY = 65534
ATTACK = '[tool.crm_ve]\nignore = ["GT101"]\n'
BROKEN = '<primitive id="broken-1" class="ocf" provider="pacemaker" type="Dummy"/>'


def _require_root():
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("these tests change file owners: CI runs them as root", pytrace=False)
        pytest.skip("needs root (files owned by another user)")


def as_nobody(*argv, input_text=None):
    """Run ARGV as the user nobody (setpriv: real and effective ids, no supplementary groups)."""
    proc = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", *argv],
                          input=input_text, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def site(tmp_path):
    """/tmp/X (root, 0755) / shared (mode per test) / work (root, 0755, where crm-ve runs); the live CIB file,
    a shadow and a pushable file, both with an error finding of the GT101 plugin."""
    _require_root()
    require_tools("setpriv", "cibadmin", "crm_shadow", "crm_diff")
    base = tempfile.mkdtemp(prefix="crm-ve-config-", dir="/tmp")
    os.chmod(base, 0o755)
    site = Site(base, tmp_path)
    yield site
    shutil.rmtree(base)


class Site:
    def __init__(self, base, tmp_path):
        self.base = base
        self.shared = os.path.join(base, "shared")
        self.work = os.path.join(self.shared, "work")
        os.mkdir(self.shared)
        os.mkdir(self.work)
        os.chmod(self.work, 0o755)
        self.config = os.path.join(self.shared, "pyproject.toml")
        self.live = build_reference_crm(tmp_path / "live.xml")
        shadows = tmp_path / "shadows"
        shadows.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k not in ("CIB_shadow", "NO_COLOR")}
        self.env.update(CIB_file=str(self.live), CIB_shadow_dir=str(shadows),
                        PYTHONPATH=str(gate_plugin_path(tmp_path / "plugin")))
        assert self.crm_ve("shadow", "new", "s").returncode == 0
        subprocess.run(["cibadmin", "--create", "--scope", "resources", "--xml-text", BROKEN], check=True,
                       env=dict(self.env, CIB_shadow="s"), capture_output=True, timeout=60)
        root = etree.parse(str(self.live)).getroot()
        root.find("configuration/resources").append(etree.fromstring(BROKEN))
        self.push_file = tmp_path / "push.xml"
        self.push_file.write_bytes(etree.tostring(root))

    def crm_ve(self, *args):
        return subprocess.run([sys.executable, "-m", "crm_ve", *map(str, args)], capture_output=True, text=True,
                              env=self.env, cwd=self.work, timeout=300)

    def gate(self, command, *extra):
        argv = ["commit", "s"] if command == "commit" else ["push", self.push_file]
        return self.crm_ve(*argv, *extra)

    def live_digest(self):
        return hashlib.sha256(self.live.read_bytes()).hexdigest()

    def write_config(self, text=ATTACK, by_nobody=False, mode=0o644):
        if by_nobody:
            as_nobody("tee", self.config, input_text=text)
        else:
            with open(self.config, "w") as handle:
                handle.write(text)
        os.chmod(self.config, mode)


def _nobody_writes_it(site):
    os.chmod(site.shared, 0o777)
    site.write_config(by_nobody=True)
    return "belongs to nobody"


def _root_file_in_a_world_writable_directory(site):
    os.chmod(site.shared, 0o777)
    site.write_config()
    return f"{site.shared} is writable by others"


def _group_writable_directory(site):
    os.chmod(site.shared, 0o775)
    os.chown(site.shared, 0, NOBODY)
    site.write_config()
    return f"{site.shared} is writable by its group"


def _file_writable_by_others(site):
    os.chmod(site.shared, 0o755)
    site.write_config(mode=0o646)
    return f"{site.config} is writable by others"


def _nobodys_symlink_in_a_sticky_directory(site):
    """root's own (trusted) settings, but nobody's link chose them: nobody could point it anywhere."""
    real = os.path.join(site.base, "real")
    os.mkdir(real)
    os.chmod(real, 0o755)
    with open(os.path.join(real, "pyproject.toml"), "w") as handle:
        handle.write(ATTACK)
    os.chmod(site.shared, 0o1777)
    as_nobody("ln", "-s", os.path.join(real, "pyproject.toml"), site.config)
    return f"the symbolic link {site.config} belongs to nobody"


UNTRUSTED = [_nobody_writes_it, _root_file_in_a_world_writable_directory, _group_writable_directory,
             _file_writable_by_others, _nobodys_symlink_in_a_sticky_directory]


@pytest.mark.parametrize("command", ["commit", "push"])
@pytest.mark.parametrize("make", UNTRUSTED, ids=lambda f: f.__name__.strip("_"))
def test_an_untrusted_configuration_file_stops_the_gate_naming_it(site, command, make):
    reason = make(site)
    before = site.live_digest()

    proc = site.gate(command)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"{site.config}: configuration file not used: " in proc.stderr and reason in proc.stderr
    assert site.live_digest() == before
    assert site.live.read_bytes().count(b"broken-1") == 0


@pytest.mark.parametrize("command", ["commit", "push"])
def test_a_trusted_file_in_a_sticky_directory_is_used_and_what_it_disables_is_said(site, command):
    os.chmod(site.shared, 0o1777)
    site.write_config()

    proc = site.gate(command)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"crm-ve: configuration: {site.config} [tool.crm_ve]" in proc.stderr
    assert f"crm-ve: rules disabled by {site.config}: GT101 gate-test-broken-id" in proc.stderr
    assert b"broken-1" in site.live.read_bytes()


@pytest.mark.parametrize("command", ["commit", "push"])
def test_config_names_a_file_explicitly_and_it_is_honoured(site, command):
    os.chmod(site.shared, 0o777)
    site.write_config(by_nobody=True)

    proc = site.gate(command, "--config", site.config)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"crm-ve: rules disabled by {site.config}: GT101 gate-test-broken-id" in proc.stderr


def test_without_the_configuration_the_gate_refuses_the_error(site):
    """The control: the finding the attack's file hides is an error that stops the commit."""
    proc = site.crm_ve("commit", "s", "--no-config")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "GT101" in proc.stdout and "rules disabled" not in proc.stderr


def test_check_uses_the_file_it_finds_and_names_it_in_every_format(site):
    os.chmod(site.shared, 0o777)
    site.write_config(by_nobody=True)
    target = site.push_file

    text = site.crm_ve("check", target)
    assert text.returncode == 0, text.stdout + text.stderr
    assert f"configuration: {site.config}\n" in text.stdout

    document = json.loads(site.crm_ve("check", target, "--format", "json").stdout)
    assert document["config"] == site.config

    sarif = json.loads(site.crm_ve("check", target, "--format", "sarif").stdout)
    assert sarif["runs"][0]["properties"]["config"] == site.config

    github = site.crm_ve("check", target, "--format", "github").stdout
    assert f"::notice title=crm-ve configuration::configuration: {site.config}\n" in github

    without = json.loads(site.crm_ve("check", target, "--format", "json", "--no-config").stdout)
    assert without["config"] is None and without["summary"]["error"] == 1
