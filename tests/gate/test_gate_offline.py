"""The commit gate with a CIB file standing in for the live CIB (CIB_file, as every Pacemaker tool honours it).

No cluster and no root needed: these run everywhere the Pacemaker command-line tools are installed.  The live
cluster's own tests are in tests/live/test_commit_gate.py.
"""
import hashlib
import os
import subprocess
import sys

import pytest
from lxml import etree

from support.cib_build import build_reference_crm
from support.plugin_dist import make_plugin_dist
from support.tools import require_tools


@pytest.fixture
def offline(tmp_path):
    require_tools("cibadmin", "crm_shadow", "crm_attribute", "crm")
    live = build_reference_crm(tmp_path / "live.xml")
    shadows = tmp_path / "shadows"
    shadows.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CIB_shadow", "NO_COLOR", "CRM_VE_DISABLE_PLUGIN_AUTOLOAD")}
    env.update(CIB_file=str(live), CIB_shadow_dir=str(shadows))
    return Offline(live, shadows, env)


class Offline:
    def __init__(self, live, shadows, env):
        self.live, self.shadows, self.env = live, shadows, env

    def crm_ve(self, *args):
        return subprocess.run([sys.executable, "-m", "crm_ve", *map(str, args)], capture_output=True, text=True,
                              env=self.env, timeout=300)

    def tool(self, *argv, shadow=None):
        env = dict(self.env, CIB_shadow=shadow) if shadow else self.env
        proc = subprocess.run(list(argv), capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc

    def add_status_probe(self, cib, value):
        """A transient node attribute in CIB's status section (what attrd writes on a running cluster)."""
        xml = (f'<node_state id="node1" uname="node1"><transient_attributes id="node1"><instance_attributes '
               f'id="status-node1"><nvpair id="status-node1-probe" name="probe" value="{value}"/>'
               '</instance_attributes></transient_attributes></node_state>')
        subprocess.run(["cibadmin", "--create", "--scope", "status", "--xml-text", xml], check=True,
                       capture_output=True, env=dict(self.env, CIB_file=str(cib)), timeout=60)

    def live_digest(self):
        return hashlib.sha256(self.live.read_bytes()).hexdigest()

    def shadow(self, name):
        return self.shadows / f"shadow.{name}"


def test_shadow_new_records_the_base_beside_the_shadow_and_delete_removes_both(offline):
    made = offline.crm_ve("shadow", "new", "s")
    assert made.returncode == 0, made.stderr
    assert offline.shadow("s").exists() and (offline.shadows / "shadow.s.crm-ve-base").exists()
    again = offline.crm_ve("shadow", "new", "s")
    assert again.returncode == 2 and again.stderr.startswith("crm-ve: shadow:s: crm_shadow --create:")
    assert offline.crm_ve("shadow", "new", "s", "--force").returncode == 0
    deleted = offline.crm_ve("shadow", "delete", "s")
    assert deleted.returncode == 0, deleted.stderr
    assert list(offline.shadows.iterdir()) == []


def test_concurrent_change_is_refused_and_the_live_file_is_untouched(offline):
    assert offline.crm_ve("shadow", "new", "s").returncode == 0
    offline.tool("crm", "configure", "primitive", "mine", "ocf:pacemaker:Dummy", shadow="s")
    offline.tool("crm_attribute", "--type", "crm_config", "--name", "no-quorum-policy", "--update", "ignore")
    before = offline.live_digest()

    proc = offline.crm_ve("commit", "s")

    assert proc.returncode == 3
    assert "crm_config: changed cib-bootstrap-options" in proc.stderr
    assert proc.stderr.count("crm-ve: ") == 1
    assert offline.live_digest() == before


def test_a_status_only_change_is_not_a_concurrent_change(offline):
    assert offline.crm_ve("shadow", "new", "s").returncode == 0
    offline.tool("crm", "configure", "primitive", "mine", "ocf:pacemaker:Dummy", shadow="s")
    offline.add_status_probe(offline.live, 1)
    proc = offline.crm_ve("commit", "s")
    assert proc.returncode == 0, proc.stderr
    root = etree.parse(str(offline.live)).getroot()
    assert root.find(".//primitive[@id='mine']") is not None
    # The status section of the "live" CIB was not written: the transient attribute is still there.
    assert root.find("status//nvpair[@name='probe']") is not None


def test_comments_are_configuration_and_are_committed(offline):
    """crmsh keeps inline suppressions as XML comments inside the element: they are part of the change."""
    assert offline.crm_ve("shadow", "new", "s").returncode == 0
    path = offline.shadow("s")
    root = etree.parse(str(path)).getroot()
    root.find(".//primitive[@id='p_fs']").insert(0, etree.Comment(" crm-ve: ignore[CV101] "))
    path.write_bytes(etree.tostring(root))
    dry = offline.crm_ve("commit", "s", "--dry-run")
    assert dry.returncode == 0 and "resources: changed p_fs" in dry.stderr
    assert offline.crm_ve("commit", "s").returncode == 0
    live = etree.parse(str(offline.live)).getroot()
    assert any("ignore[CV101]" in c.text for c in live.find(".//primitive[@id='p_fs']").iter(etree.Comment))


def test_a_record_of_an_earlier_shadow_of_that_name_is_ignored_with_a_warning(offline):
    assert offline.crm_ve("shadow", "new", "s").returncode == 0
    offline.tool("crm_attribute", "--type", "crm_config", "--name", "no-quorum-policy", "--update", "ignore")
    # Another tool re-creates the shadow (a new file) from the changed live CIB; crm-ve's record is stale.
    fresh = offline.shadows / "fresh.xml"
    fresh.write_bytes(offline.live.read_bytes())
    os.replace(fresh, offline.shadow("s"))
    offline.tool("crm", "configure", "primitive", "mine", "ocf:pacemaker:Dummy", shadow="s")

    proc = offline.crm_ve("commit", "s")

    assert proc.returncode == 0, proc.stderr
    assert "ignoring" in proc.stderr and "made for an earlier shadow" in proc.stderr
    assert "concurrent changes to the live CIB cannot be detected" in proc.stderr


def test_push_writes_the_configuration_only(offline, tmp_path):
    new = tmp_path / "new.xml"
    new.write_bytes(offline.live.read_bytes())
    offline.tool("cibadmin", "--create", "--scope", "resources", "--xml-text",
                 '<primitive id="added" class="ocf" provider="pacemaker" type="Dummy"/>')  # lands in live.xml
    offline.add_status_probe(new, 2)
    orig = tmp_path / "orig.xml"
    orig.write_bytes(new.read_bytes())

    refused = offline.crm_ve("push", new, "--diff-against", orig)
    assert refused.returncode == 3 and "resources: added added" in refused.stderr

    pushed = offline.crm_ve("push", new, "--force-overwrite")
    assert pushed.returncode == 0, pushed.stderr
    live = etree.parse(str(offline.live)).getroot()
    assert live.find(".//primitive[@id='added']") is None
    assert live.find("status//nvpair[@name='probe']") is None  # new.xml's status was not pushed


@pytest.mark.parametrize("argv, message", [
    (["push", "-"], "standard input cannot be pushed"),
    (["commit", "a/b"], "not a shadow name"),
    (["commit", "s", "--timeout", "0"], "must be more than 0 seconds"),
    (["push", "/nonexistent/cib.xml"], "/nonexistent/cib.xml: cannot read"),
    (["commit", "never-made"], "no shadow CIB named 'never-made'"),
])
def test_bad_input_is_one_line_exit_2(offline, argv, message):
    proc = offline.crm_ve(*argv)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_an_unreachable_cib_is_one_line_exit_2_and_the_shadow_is_kept(offline, tmp_path):
    assert offline.crm_ve("shadow", "new", "s").returncode == 0
    offline.tool("crm", "configure", "primitive", "mine", "ocf:pacemaker:Dummy", shadow="s")
    shadow = offline.shadow("s").read_bytes()
    offline.env["CIB_file"] = str(tmp_path / "gone.xml")
    proc = offline.crm_ve("commit", "s")
    assert proc.returncode == 2
    assert "cannot read the cluster's CIB" in proc.stderr and "nothing was changed" in proc.stderr
    assert offline.shadow("s").read_bytes() == shadow


RAISING_RULE = '''
from crm_ve import hookimpl
from crm_ve.findings import Rule, RuleDoc, Severity


def check(context):
    raise RuntimeError("this rule always fails")


RULE = Rule(code="GT901", name="gate-test-raises", severity=Severity.ERROR, summary="always raises", covers=(),
            suppression_target="the primitive", check=check,
            doc=RuleDoc(what_it_does="Raises.", why_is_this_bad="The gate tests say so.", example="", use_instead=""))


@hookimpl
def crm_ve_rules():
    return [RULE]
'''


@pytest.mark.parametrize("command", [["commit", "s"], ["commit", "s", "--force"], ["push", "new.xml", "--force"]])
def test_a_rule_that_raised_never_commits(offline, tmp_path, command):
    offline.env["PYTHONPATH"] = str(make_plugin_dist(tmp_path / "plugin", "crm-ve-raising", "crm_ve_raising",
                                                     RAISING_RULE))
    assert offline.crm_ve("shadow", "new", "s").returncode == 0
    offline.tool("crm", "configure", "primitive", "mine", "ocf:pacemaker:Dummy", shadow="s")
    (tmp_path / "new.xml").write_bytes(offline.shadow("s").read_bytes())
    before = offline.live_digest()

    proc = offline.crm_ve(*[str(tmp_path / arg) if arg == "new.xml" else arg for arg in command])

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "1 rule(s) failed to run" in proc.stderr and "nothing was changed" in proc.stderr
    assert offline.live_digest() == before
