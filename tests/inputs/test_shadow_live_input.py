"""``--shadow NAME`` (a crm_shadow CIB) and ``--live`` (cibadmin --query), with the real Pacemaker tools."""
import json
import os
import shutil
import subprocess

from support.plugin_dist import run_crm_ve
from support.tools import require_tools

DRBD = '<primitive id="d_old" class="ocf" provider="heartbeat" type="drbd"/>'
ONLY = ("--select", "CV301")


def make_shadow(directory, name):
    """A real crm_shadow copy in ``directory`` holding one deprecated DRBD primitive."""
    crm_shadow, cibadmin = require_tools("crm_shadow", "cibadmin")
    env = dict(os.environ, CIB_shadow_dir=str(directory))
    env.pop("CIB_file", None)
    subprocess.run([crm_shadow, "--create-empty", name, "--batch", "--force"], env=env, check=True,
                   capture_output=True, timeout=60)
    subprocess.run([cibadmin, "-C", "-o", "resources", "-X", DRBD], env=dict(env, CIB_shadow=name), check=True,
                   capture_output=True, timeout=60)
    return directory / f"shadow.{name}"


def test_shadow_is_found_where_crm_shadow_says(tmp_path, crm_ve, monkeypatch):
    path = make_shadow(tmp_path, "crmve-test")
    assert path.is_file()
    monkeypatch.setenv("CIB_shadow_dir", str(tmp_path))
    code, out, err = crm_ve("check", "--format", "json", *ONLY, "--shadow", "crmve-test")
    assert code == 0, err
    report = json.loads(out)
    assert report["files"] == ["shadow:crmve-test"]
    assert [f["resources"] for f in report["findings"]] == [["d_old"]]


def test_shadow_without_crm_shadow_uses_cib_shadow_dir(tmp_path):
    make_shadow(tmp_path, "fallback")
    no_tools = tmp_path / "bin"
    no_tools.mkdir()
    result = run_crm_ve("check", "--format", "json", *ONLY, "--shadow", "fallback",
                        env={"PATH": str(no_tools), "CIB_shadow_dir": str(tmp_path),
                             "CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["findings"][0]["resources"] == ["d_old"]


def test_missing_shadow_is_one_line(tmp_path, crm_ve, monkeypatch):
    require_tools("crm_shadow")
    monkeypatch.setenv("CIB_shadow_dir", str(tmp_path))
    code, out, err = crm_ve("check", "--shadow", "nosuch")
    assert code == 2 and out == ""
    assert err == (
        f"crm-ve: shadow:nosuch: no shadow CIB named 'nosuch' ({tmp_path}/shadow.nosuch does not exist; "
        "create it with 'crm_shadow --create nosuch' or 'crm cib new nosuch')\n"
    )


def test_shadow_name_with_a_slash_is_a_usage_error(crm_ve):
    code, _, err = crm_ve("check", "--shadow", "../etc/passwd")
    assert code == 2 and err.count("\n") == 1 and "not a shadow name" in err


def test_live_reads_what_cibadmin_query_returns(tmp_path, crm_ve, monkeypatch):
    # Pacemaker's tools (cibadmin included) read CIB_file as the cluster's CIB; so does --live, naming it.
    (cibadmin,) = require_tools("cibadmin")
    cib = tmp_path / "cib.xml"
    cib.write_text(subprocess.run([cibadmin, "--empty"], capture_output=True, text=True, check=True).stdout)
    subprocess.run([cibadmin, "-C", "-o", "resources", "-X", DRBD], env=dict(os.environ, CIB_file=str(cib)),
                   check=True, capture_output=True)
    monkeypatch.setenv("CIB_file", str(cib))
    code, out, err = crm_ve("check", "--format", "json", *ONLY, "--live")
    assert code == 0, err
    report = json.loads(out)
    assert report["files"] == [f"live(CIB_file={cib})"]
    assert report["findings"][0]["resources"] == ["d_old"]


def test_live_without_a_running_cluster_is_one_line(crm_ve, monkeypatch):
    (cibadmin,) = require_tools("cibadmin")
    monkeypatch.delenv("CIB_file", raising=False)
    monkeypatch.delenv("CIB_shadow", raising=False)
    direct = subprocess.run([cibadmin, "--query"], capture_output=True, text=True, timeout=60)
    code, out, err = crm_ve("check", "--live")
    if direct.returncode == 0:  # a cluster happens to run on this machine (the live tests): it is read
        assert code in (0, 1) and out
        return
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("crm-ve: live: cannot read the cluster's CIB (is the cluster running?): cibadmin --query: ")
    assert " ".join(direct.stderr.split()) in err


def test_live_without_cibadmin_is_one_line(tmp_path):
    no_tools = tmp_path / "bin"
    no_tools.mkdir()
    env = {"PATH": str(no_tools)}
    result = run_crm_ve("check", "--live", env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("crm-ve: live")
    assert result.stderr.rstrip().endswith("--live needs cibadmin, which is not installed (install pacemaker-cli-utils)")
    assert result.stderr.count("\n") == 1
    assert shutil.which("cibadmin", path=str(no_tools)) is None


def test_sarif_of_a_shadow_has_a_logical_location(tmp_path, crm_ve, monkeypatch):
    make_shadow(tmp_path, "sarif")
    monkeypatch.setenv("CIB_shadow_dir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shadow:sarif").write_text("a file that happens to share the name")
    code, out, err = crm_ve("check", "--format", "sarif", *ONLY, "--shadow", "sarif")
    assert code == 0, err
    run = json.loads(out)["runs"][0]
    (result,) = run["results"]
    assert "physicalLocation" not in result["locations"][0]
    assert result["locations"][0]["logicalLocations"][0] == {"name": "shadow:sarif", "kind": "module"}
    assert run["artifacts"] == []
