"""Issue 17 item 10: a change to the live CIB between the gate's last read and its write is never lost.

The gate writes with ``cibadmin --patch`` and a ``crm_diff`` that carries the version it was made from, so the
CIB manager refuses the write once the live CIB has moved on.  The change is injected at the worst moment: after
``crm-ve commit`` has checked the shadow, read the live CIB and compared it with the shadow's base, just before
its write reaches the CIB manager.  A ``cibadmin`` first on crm-ve's PATH makes the change on the live cluster
with the real cibadmin when it is asked to write (``--patch`` or ``--replace``), then runs the real cibadmin
with crm-ve's arguments; nothing is stood in for.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid

import pytest
from lxml import etree

from support.live_cluster import clean_live_cluster, live_cluster  # noqa: F401 (fixtures)
from support.tools import require_tools

pytestmark = pytest.mark.live

DUMMY = ('<primitive id="{id}" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="{id}-meta">'
         '<nvpair id="{id}-meta-target-role" name="target-role" value="Stopped"/></meta_attributes></primitive>')


def _injecting_cibadmin(directory, real, plan):
    """A cibadmin that, on its first PLAN["times"] writes, first runs PLAN's cibadmin arguments with the real one."""
    (directory / "plan.json").write_text(json.dumps(plan))
    script = directory / "cibadmin"
    script.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import json, os, subprocess, sys
        here = {str(directory)!r}
        if "--patch" in sys.argv or "--replace" in sys.argv:
            plan = json.load(open(os.path.join(here, "plan.json")))
            writes = os.path.join(here, "writes")
            done = os.path.getsize(writes) if os.path.exists(writes) else 0
            with open(writes, "a") as handle:
                handle.write("x")
            if done < plan["times"]:
                args = [arg.replace("@N@", str(done)) for arg in plan["args"]]
                subprocess.run([{real!r}] + args, check=True, stdout=subprocess.DEVNULL)
        os.execv({real!r}, [{real!r}] + sys.argv[1:])
        """))
    script.chmod(0o755)


@pytest.fixture
def race(clean_live_cluster, tmp_path):
    require_tools("crm", "crm_shadow", "crm_diff")
    return Race(clean_live_cluster, tmp_path)


class Race:
    def __init__(self, cluster, tmp_path):
        self.cluster, self.tmp = cluster, tmp_path
        shadows = tmp_path / "shadows"
        shadows.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow", "NO_COLOR")}
        self.env.update(CIB_shadow_dir=str(shadows), CRM_VE_DISABLE_PLUGIN_AUTOLOAD="1")

    def crm_ve(self, *args, inject=None):
        env = dict(self.env)
        if inject is not None:
            hook = self.tmp / "hook"
            hook.mkdir()
            _injecting_cibadmin(hook, shutil.which("cibadmin"), inject)
            env["PATH"] = f"{hook}{os.pathsep}{env['PATH']}"
        return subprocess.run([sys.executable, "-m", "crm_ve", *args], capture_output=True, text=True, env=env,
                              timeout=300, cwd=self.tmp)

    def shadow_with(self, name, xml):
        made = self.crm_ve("shadow", "new", name)
        assert made.returncode == 0, made.stderr
        proc = subprocess.run(["cibadmin", "--create", "--scope", "resources", "--xml-text", xml],
                              env=dict(self.env, CIB_shadow=name), capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr

    def status_change(self):
        """cibadmin arguments that change the live status section only (a transient node attribute): a value no
        earlier test wrote, and @N@ the number of the write, so each one is a change."""
        self.token = uuid.uuid4().hex
        node = self.cluster.run("crm_node", "--cluster-id").stdout.strip()
        xml = (f'<node_state id="{node}"><transient_attributes id="{node}"><instance_attributes id="status-{node}">'
               f'<nvpair id="status-{node}-race" name="race" value="{self.token}-@N@"/></instance_attributes>'
               '</transient_attributes></node_state>')
        return ["--modify", "--scope", "status", "--xml-text", xml]

    def resources(self):
        return {e.get("id") for e in etree.fromstring(self.cluster.cib_xml("resources").encode())}

    def race_attribute(self):
        status = etree.fromstring(self.cluster.cib_xml("status").encode())
        return [e.get("value") for e in status.iter("nvpair") if e.get("name") == "race"]


def test_a_configuration_change_after_the_read_is_kept_and_the_commit_is_exit_3(race):
    race.shadow_with("mine", DUMMY.format(id="mine"))

    proc = race.crm_ve("commit", "mine", inject={
        "times": 1, "args": ["--create", "--scope", "resources", "--xml-text", DUMMY.format(id="theirs")]})

    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "refused: the live configuration changed after it was checked" in proc.stderr
    assert "resources: added theirs" in proc.stderr and "nothing was changed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert race.resources() == {"theirs"}  # their change is kept, mine is not written over it


def test_a_status_change_after_the_read_rebuilds_the_patch_and_commits(race):
    race.shadow_with("mine", DUMMY.format(id="mine"))

    proc = race.crm_ve("commit", "mine", inject={"times": 1, "args": race.status_change()})

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "only the live status changed" in proc.stderr and "building the patch again" in proc.stderr
    assert "shadow:mine: committed" in proc.stderr
    assert race.resources() == {"mine"}
    assert race.race_attribute() == [f"{race.token}-0"]  # the status written meanwhile is still there


def test_a_status_that_changes_before_every_attempt_is_exit_3_after_four_attempts(race):
    race.shadow_with("mine", DUMMY.format(id="mine"))
    digest = race.cluster.configuration_digest()

    proc = race.crm_ve("commit", "mine", inject={"times": 10, "args": race.status_change()})

    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "the live CIB's status changed before each of 4 attempts" in proc.stderr
    assert proc.stderr.count("building the patch again") == 3
    assert (race.tmp / "hook" / "writes").read_text() == "xxxx"
    assert race.cluster.configuration_digest() == digest and race.resources() == set()


def test_a_push_gets_the_same_conditional_write(race):
    """``push`` shares the gate: a configuration change injected after its read is kept, exit 3."""
    orig, new = race.tmp / "orig.xml", race.tmp / "new.xml"
    orig.write_text(race.cluster.cib_xml())
    root = etree.fromstring(orig.read_bytes())
    root.find("configuration/resources").append(etree.fromstring(DUMMY.format(id="mine")))
    new.write_bytes(etree.tostring(root))

    proc = race.crm_ve("push", str(new), "--diff-against", str(orig), inject={
        "times": 1, "args": ["--create", "--scope", "resources", "--xml-text", DUMMY.format(id="theirs")]})

    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "resources: added theirs" in proc.stderr
    assert race.resources() == {"theirs"}
