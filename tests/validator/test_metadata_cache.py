"""Agents' meta-data is read once per agent file and kept per user across runs (crm_ve/metadata_cache.py): a
changed agent is read again, and a cache another user could have written is never used.

The agent is a script under a private OCF_ROOT that counts its runs; the checks run the real ``crm-ve`` with
XDG_CACHE_HOME pointing into the test's directory."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from crm_ve import metadata_cache

CIB = ('<cib validate-with="pacemaker-3.9" admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/><nodes/><resources>'
       '<primitive id="p_x" class="ocf" provider="test" type="Counted">'
       '<instance_attributes id="p_x-ia"><nvpair id="p_x-colour" name="colour" value="blue"/>'
       '</instance_attributes></primitive></resources><constraints/></configuration><status/></cib>')

AGENT = textwrap.dedent('''\
    #!/bin/sh
    echo run >> "{runs}"
    cat <<'EOF'
    <?xml version="1.0"?>
    <resource-agent name="Counted"><version>1.0</version>
    <parameters><parameter name="{parameter}"><content type="string"/></parameter></parameters>
    <actions><action name="start" timeout="20s"/><action name="stop" timeout="20s"/></actions>
    </resource-agent>
    EOF
''')


@pytest.fixture
def setting(tmp_path):
    root = tmp_path / "ocf"
    agent = root / "resource.d" / "test" / "Counted"
    agent.parent.mkdir(parents=True)
    runs = tmp_path / "runs"
    cib = tmp_path / "cib.xml"
    cib.write_text(CIB)
    cache_home = tmp_path / "cache"

    def write_agent(parameter):
        agent.write_text(AGENT.format(runs=runs, parameter=parameter))
        agent.chmod(0o755)

    def check():
        env = dict(os.environ, OCF_ROOT=str(root), XDG_CACHE_HOME=str(cache_home))
        proc = subprocess.run([sys.executable, "-m", "crm_ve", "check", "--select", "CV701", "--format", "json",
                               str(cib)], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode in (0, 1), proc.stderr
        messages = [f["message"] for f in json.loads(proc.stdout)["findings"]]
        return messages, (runs.read_text().count("run") if runs.exists() else 0)

    write_agent("shade")
    return write_agent, check, cache_home / "crm-ve" / "agent-metadata"


def test_an_agent_is_run_once_and_again_when_it_changes(setting):
    write_agent, check, directory = setting
    first, runs = check()
    assert runs == 1 and any("'colour' is not known" in m for m in first)
    again, runs = check()
    assert runs == 1 and again == first
    assert [oct(p.stat().st_mode & 0o777) for p in directory.iterdir()] == ["0o600"]
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    write_agent("colour")  # a new version of the agent now declares the parameter
    now, runs = check()
    assert runs == 2 and not any("'colour' is not known" in m for m in now)


def test_a_cache_directory_others_can_write_is_never_used(setting):
    write_agent, check, directory = setting
    check()
    directory.chmod(0o777)
    _, runs = check()
    assert runs == 2
    _, runs = check()
    assert runs == 3


def test_a_file_planted_by_another_user_is_never_read(setting):
    write_agent, check, directory = setting
    check()
    (entry,) = directory.iterdir()
    forged = entry.read_text().replace('name="shade"', 'name="colour"')
    entry.unlink()
    entry.write_text(forged)
    os.chown(entry, 65534, 65534)  # nobody
    entry.chmod(0o600)
    messages, runs = check()
    assert runs == 2 and any("'colour' is not known" in m for m in messages)


def test_a_symbolic_link_in_the_cache_is_not_followed(setting, tmp_path):
    write_agent, check, directory = setting
    check()
    (entry,) = directory.iterdir()
    target = tmp_path / "elsewhere"
    target.write_text(entry.read_text().replace('name="shade"', 'name="colour"'))
    entry.unlink()
    entry.symlink_to(target)
    messages, runs = check()
    assert runs == 2 and any("'colour' is not known" in m for m in messages)


def test_the_key_changes_with_the_agent_file_and_the_ocf_root(tmp_path):
    agent = tmp_path / "agent"
    agent.write_text("a")
    key = metadata_cache.cache_key(agent, "/usr/lib/ocf")
    assert key == metadata_cache.cache_key(agent, "/usr/lib/ocf")
    assert key != metadata_cache.cache_key(agent, "/opt/ocf")
    agent.write_text("ab")
    assert key != metadata_cache.cache_key(agent, "/usr/lib/ocf")
    assert metadata_cache.cache_key(tmp_path / "missing", "/usr/lib/ocf") is None
