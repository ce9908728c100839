"""Issue 17 item 9: ``push`` (and ``commit``) write the configuration section and nothing else.

The reproducer: a CIB file whose ``<cib>`` attributes were edited (validate-with 3.9 -> 3.0, dc-uuid,
admin_epoch) reached the live CIB, and the change summary listed none of it.  Now the live CIB keeps its own
``<cib>`` attributes (those the file changed are named), the file's status never arrives, and a schema change
is refused unless ``--allow-schema-change`` asks for it, when it is listed in the change summary.  Against the
live single-node cluster.
"""
import os
import subprocess
import sys

import pytest
from lxml import etree

from support.live_cluster import clean_live_cluster, live_cluster  # noqa: F401 (fixtures)
from support.tools import require_tools

pytestmark = pytest.mark.live

DUMMY = ('<primitive id="{id}" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="{id}-meta">'
         '<nvpair id="{id}-meta-target-role" name="target-role" value="Stopped"/></meta_attributes></primitive>')
EDITED_ROOT = {"dc-uuid": "not-the-dc", "admin_epoch": "7", "crm_feature_set": "9.9.9", "have-quorum": "0"}
FAKE_STATUS = ('<node_state id="fake-node" uname="fake-node" in_ccm="true" crmd="online" join="member" '
               'expected="member"/>')


@pytest.fixture
def cluster(clean_live_cluster):
    require_tools("cibadmin", "crm_diff", "crm_shadow")
    yield clean_live_cluster
    # a test that changed the live schema puts back the newest one (the cluster's own)
    clean_live_cluster.run("cibadmin", "--upgrade", "--force")


def _root(cluster):
    return etree.fromstring(cluster.run("cibadmin", "--query", "--no-children").stdout.encode())


def _edited_copy(cluster, path, root_attributes, resource="pushed-1"):
    """The live CIB with RESOURCE added, ROOT_ATTRIBUTES set on <cib> and a node that does not exist in status."""
    root = etree.fromstring(cluster.cib_xml().encode())
    root.find("configuration/resources").append(etree.fromstring(DUMMY.format(id=resource)))
    root.find("status").append(etree.fromstring(FAKE_STATUS))
    for name, value in root_attributes.items():
        root.set(name, value)
    path.write_bytes(etree.tostring(root))
    return path


def crm_ve(*args, env=None):
    env = dict({k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow", "NO_COLOR")}, **(env or {}))
    return subprocess.run([sys.executable, "-m", "crm_ve", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def _resources(cluster):
    return {e.get("id") for e in etree.fromstring(cluster.cib_xml("resources").encode())}


def test_edited_cib_attributes_and_status_never_reach_the_live_cib(cluster, tmp_path):
    before = _root(cluster)
    new = _edited_copy(cluster, tmp_path / "new.xml", EDITED_ROOT)

    proc = crm_ve("push", new)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = _root(cluster)
    for name in EDITED_ROOT:
        assert after.get(name) == before.get(name), name
    assert after.get("validate-with") == before.get("validate-with")
    assert "<cib> attributes are not pushed, the live CIB keeps its own" in proc.stderr
    assert "dc-uuid='not-the-dc'" in proc.stderr and "admin_epoch='7'" in proc.stderr
    assert "pushed-1" in _resources(cluster)
    assert 'id="fake-node"' not in cluster.cib_xml("status")


def test_a_schema_change_is_refused_unless_asked_for_and_then_listed(cluster, tmp_path):
    live_schema = _root(cluster).get("validate-with")
    digest = cluster.configuration_digest()
    new = _edited_copy(cluster, tmp_path / "new.xml", dict(EDITED_ROOT, **{"validate-with": "pacemaker-3.0"}))

    refused = crm_ve("push", new)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"it changes the schema (validate-with {live_schema} -> pacemaker-3.0)" in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert cluster.configuration_digest() == digest and _root(cluster).get("validate-with") == live_schema

    dry = crm_ve("push", new, "--allow-schema-change", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"schema: validate-with {live_schema} -> pacemaker-3.0; resources: added pushed-1" in dry.stderr

    pushed = crm_ve("push", new, "--allow-schema-change")

    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert f"schema: validate-with {live_schema} -> pacemaker-3.0; resources: added pushed-1" in pushed.stderr
    after = _root(cluster)
    assert after.get("validate-with") == "pacemaker-3.0"
    assert after.get("dc-uuid") != "not-the-dc" and after.get("admin_epoch") != "7"
    assert "pushed-1" in _resources(cluster)


def test_commit_keeps_the_live_cib_attributes_too(cluster, tmp_path):
    shadows = tmp_path / "shadows"
    shadows.mkdir()
    env = {"CIB_shadow_dir": str(shadows)}
    assert crm_ve("shadow", "new", "s", env=env).returncode == 0
    before = _root(cluster)
    shadow = shadows / "shadow.s"
    _edited_copy(cluster, shadow, dict(EDITED_ROOT, **{"validate-with": "pacemaker-3.0"}), resource="committed-1")

    refused = crm_ve("commit", "s", env=env)
    assert refused.returncode == 2 and "it changes the schema" in refused.stderr, refused.stderr

    root = etree.parse(str(shadow)).getroot()
    root.set("validate-with", before.get("validate-with"))
    shadow.write_bytes(etree.tostring(root))
    committed = crm_ve("commit", "s", env=env)

    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert "<cib> attributes are not committed" in committed.stderr
    after = _root(cluster)
    for name in list(EDITED_ROOT) + ["validate-with"]:
        assert after.get(name) == before.get(name), name
    assert "committed-1" in _resources(cluster)
    assert 'id="fake-node"' not in cluster.cib_xml("status")
