"""CV504's agent meta-data reads (crm_ve.rules.agent_advice): started as processes in ``prepare``, read in
``check``; an agent that fails or prints no meta-data gives no advice; an agent is run once per process.

The agents are small scripts in a private OCF root (``OCF_ROOT``), so each test controls what they print.
"""
from types import SimpleNamespace

import pytest

from crm_ve.rules import agent_advice

META = """<?xml version="1.0"?>
<resource-agent name="{name}"><actions>
<action name="start" timeout="{start}s"/><action name="stop" timeout="100s"/>
<action name="monitor" timeout="20s" interval="10s" role="Promoted"/>
</actions></resource-agent>"""


@pytest.fixture
def ocf_root(tmp_path, monkeypatch):
    root = tmp_path / "ocf"
    provider = root / "resource.d" / "testprov"
    provider.mkdir(parents=True)
    log = tmp_path / "runs.log"

    def agent(name, body):
        path = provider / name
        path.write_text(f"#!/bin/sh\necho {name} >> {log}\n{body}\n")
        path.chmod(0o755)

    agent("Good", f"cat <<'EOF'\n{META.format(name='Good', start=240)}\nEOF")
    agent("Fails", "echo '<resource-agent/>'; exit 1")
    agent("Garbage", "echo 'not xml at all'")
    monkeypatch.setenv("OCF_ROOT", str(root))
    agent_advice._advice.cache_clear()
    agent_advice._read.clear()
    agent_advice._started.clear()
    yield SimpleNamespace(root=root, runs=lambda: log.read_text().split() if log.exists() else [])
    agent_advice._advice.cache_clear()
    agent_advice._read.clear()
    agent_advice._started.clear()


def resource(type_):
    return SimpleNamespace(standard="ocf", provider="testprov", type=type_)


def test_started_reads_give_the_advice_and_each_agent_runs_once(ocf_root):
    resources = [resource("Good"), resource("Fails"), resource("Garbage"), resource("Good"), resource("Missing")]
    pending = agent_advice.start_prefetch(resources)
    assert sorted(key[2] for key in agent_advice._started) == ["Fails", "Garbage", "Good"]
    pending.join()
    assert not agent_advice._started
    good = agent_advice.agent_advice(resource("Good"))
    assert good.timeout_ms("start") == 240_000 and good.timeout_ms("stop") == 100_000
    assert good.source == str(ocf_root.root / "resource.d/testprov/Good")
    assert agent_advice.agent_advice(resource("Fails")) is None
    assert agent_advice.agent_advice(resource("Garbage")) is None
    assert agent_advice.agent_advice(resource("Missing")) is None
    agent_advice.start_prefetch(resources).join()  # read already: nothing is started again
    assert sorted(ocf_root.runs()) == ["Fails", "Garbage", "Good"]


def test_a_read_without_prefetch_runs_the_agent_itself(ocf_root):
    assert agent_advice.agent_advice(resource("Good")).timeout_ms("monitor", agent_advice.Role.PROMOTED) == 20_000
    agent_advice.prefetch([resource("Good"), resource("Fails")])
    assert sorted(ocf_root.runs()) == ["Fails", "Good"]
