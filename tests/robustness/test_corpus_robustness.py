"""Every CIB of Pacemaker's scheduler regression suite is checked: exit 0 or 1, never a traceback.

The corpus is found from the project root at ``../shared/corpus/pacemaker-scheduler/`` or where
``CRM_VE_CORPUS`` points. Absent, the test fails in CI (``CI=true``) and is skipped elsewhere.
"""
import json

from crm_ve.cli import main
from support.corpus import corpus_files
from support.plugin_dist import run_crm_ve
from support.sweep import sampled


def test_every_corpus_cib_is_checked_without_a_crash(capsys, monkeypatch):
    monkeypatch.setenv("CRM_VE_DISABLE_PLUGIN_AUTOLOAD", "1")
    problems, exits = [], {0: 0, 1: 0}
    files = sampled(corpus_files())
    for path in files:
        code = main(["check", "--format", "json", str(path)])  # an unexpected exception fails the test here
        out, err = capsys.readouterr()
        if code not in (0, 1) or "Traceback" in err:
            problems.append(f"{path.name}: exit {code}: {err.strip()[:300]}")
            continue
        exits[code] += 1
        report = json.loads(out)
        assert report["files"] == [str(path)] and report["failures"] == []
    assert not problems, f"{len(problems)} corpus CIBs failed:\n" + "\n".join(problems[:25])
    assert sum(exits.values()) == len(files)


def test_the_cli_reads_a_spread_of_schemas_in_one_run():
    files = corpus_files()
    by_schema = {}
    for path in files:
        head = path.read_text(errors="replace")[:600]
        schema = head.split('validate-with="', 1)[1].split('"', 1)[0] if 'validate-with="' in head else "?"
        by_schema.setdefault(schema.split("-")[-1][:1], path)  # one per major schema version (1, 2, 3, n[one])
    chosen = sorted(by_schema.values())
    assert len(chosen) >= 3
    result = run_crm_ve("check", "--format", "sarif", *chosen, env={"CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    log = json.loads(result.stdout)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True
    assert len(log["runs"][0]["artifacts"]) == len(chosen)
