"""The crm-ve command line: exit codes, one-line errors, rule explanations."""
import json

from support.plugin_dist import run_crm_ve

CLEAN = "<configuration><resources/></configuration>"
#: A <configuration> fragment names no schema: the report says so (issue 17 item 7).
NOT_CHECKED = "<stdin>: schema not checked: a <configuration> fragment names no schema (validate-with)"


def test_clean_input_exits_zero_and_says_what_it_covered():
    result = run_crm_ve("check", "-", stdin=CLEAN)
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "<stdin>: info: no DRBD/Filesystem/container resources: there is no storage stack to check",
        NOT_CHECKED, "0 errors, 0 warnings, 1 info in 1 file."]


def test_usage_errors_are_one_line_with_exit_2():
    for args in (["check", "--bogus"], ["frobnicate"], ["check", "--format", "xml", "-"], ["check"],
                 ["check", "--select", "NOPE123", "-"], ["check", "-p", "vm", "-"], ["rule", "CV000"]):
        result = run_crm_ve(*args, stdin=CLEAN)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert result.stderr.startswith("crm-ve: ") and "Traceback" not in result.stderr


def test_rule_lists_and_explains_in_ruff_sections():
    listing = run_crm_ve("rule")
    assert listing.returncode == 0 and "CV301" in listing.stdout
    explained = run_crm_ve("rule", "drbd-deprecated-agent")
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert section in explained.stdout
    catalogue = json.loads(run_crm_ve("rule", "--format", "json").stdout)
    assert all({"code", "name", "severity", "why_is_this_bad"} <= set(rule) for rule in catalogue)


def test_json_report_is_stable_and_documented_shape():
    result = run_crm_ve(
        "check", "--format", "json", "--select", "CV301", "-",
        stdin='<configuration><resources><primitive id="d" class="ocf" provider="heartbeat" type="drbd"/>'
        "</resources></configuration>",
        env={"CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    report = json.loads(result.stdout)
    assert report["version"] == 1 and report["files"] == ["<stdin>"]
    (finding,) = report["findings"]
    assert set(finding) == {"code", "name", "severity", "message", "file", "line", "resources", "constraints", "fix"}
    assert finding["severity"] == "warning" and finding["line"] == 1 and finding["resources"] == ["d"]
    # the finding, and the coverage verdict: a DRBD primitive that is in no clone is no stack
    assert report["coverage"][0]["severity"] == "warning" and "no DRBD primitive is in a clone" in \
        report["coverage"][0]["message"]
    assert report["summary"] == {"error": 0, "warning": 2, "info": 0, "exit_code": 0}


def test_strict_makes_warnings_fail():
    stdin = ('<configuration><resources><primitive id="d" class="ocf" provider="heartbeat" type="drbd"/>'
             "</resources></configuration>")
    env = {"CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"}
    assert run_crm_ve("check", "-", stdin=stdin, env=env).returncode == 0
    assert run_crm_ve("check", "--strict", "-", stdin=stdin, env=env).returncode == 1


def test_each_subcommand_imports_only_its_module_and_the_table_is_complete():
    """cli.SUBCOMMANDS maps every subcommand to the module that registers it: a run imports only that one."""
    import argparse
    import importlib

    from crm_ve import cli
    registered = {}
    for module_name in cli.COMMANDS:
        subparsers = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module_name).register(subparsers)
        registered.update({name: module_name for name in subparsers.choices})
    assert registered == cli.SUBCOMMANDS
    for name in registered:
        parser = cli.build_parser(["--version", name, "--help"])
        choices = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
        assert name in choices and set(choices) <= {n for n, m in registered.items() if m == registered[name]}


def test_a_check_imports_only_what_its_run_needs(tmp_path):
    """A check of 50 containers (no rsc-pattern, no agent whose meta-data needs a process, text output) imports
    neither ctypes, subprocess, tempfile, json nor difflib: each is imported where a run needs it."""
    import os
    import subprocess
    import sys
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "bench"))
    from gen_cib import generate
    cib = tmp_path / "cib.xml"
    cib.write_text(generate(50, 5))
    (tmp_path / "ocf").mkdir()  # an OCF root without agents: no meta-data process to start
    unneeded = ("ctypes", "subprocess", "tempfile", "json", "difflib")
    # What the dependencies import themselves (Debian 12's pluggy 1.0 imports tempfile) is not the run's doing.
    program = ("import sys, lxml.etree, pluggy\nbefore = set(sys.modules)\nfrom crm_ve.cli import main\n"
               "code = main(['check', sys.argv[1]])\n"
               f"print(code, *[name for name in {unneeded!r} if name in sys.modules and name not in before],"
               " file=sys.stderr)\n")
    env = dict(os.environ, OCF_ROOT=str(tmp_path / "ocf"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               CRM_VE_DISABLE_PLUGIN_AUTOLOAD="1")
    done = subprocess.run([sys.executable, "-c", program, str(cib)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert done.stderr.split() == ["0"], done.stderr


def test_the_fast_exit_flushes_everything_and_keeps_the_exit_code(tmp_path):
    """The command exits without tearing the interpreter down (cli.console_main): the whole report is still
    written, the exit code is the check's, and exit handlers still run (temporary directories are removed)."""
    import sys
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "bench"))
    from gen_cib import generate
    cib = tmp_path / "cib.xml"
    cib.write_text(generate(300, 20).replace('value="false"', 'value="true"').replace(
        ' with-rsc-role="Promoted"', ""))  # every Filesystem colocated with any DRBD instance: 20 errors
    result = run_crm_ve("check", "--format", "json", cib)
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["summary"]["error"] >= 20, result.stderr
    plugin = tmp_path / "finalizer_plugin.py"
    marker = tmp_path / "made"
    plugin.write_text(
        "import tempfile, pathlib\n"
        f"KEEP = tempfile.TemporaryDirectory(dir={str(tmp_path)!r})\n"
        f"pathlib.Path({str(marker)!r}).write_text(KEEP.name)\n")
    runner = tmp_path / "run.py"
    runner.write_text("import sys, finalizer_plugin\nfrom crm_ve.cli import console_main\n"
                      "sys.argv = ['crm-ve', 'check', '-']\nconsole_main()\n")
    import subprocess
    done = subprocess.run([sys.executable, str(runner)], input=CLEAN, capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0 and done.stdout.endswith(f"{NOT_CHECKED}\n0 errors, 0 warnings, 1 info in 1 file.\n"), \
        done.stderr
    assert marker.exists() and not __import__("os").path.exists(marker.read_text())


def test_an_output_that_cannot_be_written_is_one_line_and_exit_2():
    import subprocess
    import sys
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "crm_ve", "check", "-"], input=CLEAN, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr == "crm-ve: cannot write the output: No space left on device\n"


def test_inputs_read_in_the_background_keep_their_errors_in_order(tmp_path):
    """check reads and parses its inputs in a thread while it loads the plugins (commands/check.py
    InputsReading): an option's error still wins over an input's, and an input's error is still one line."""
    missing = tmp_path / "missing.xml"
    both = run_crm_ve("check", "--select", "NOPE123", missing)
    assert both.returncode == 2 and both.stderr.startswith("crm-ve: --select/--ignore: no rule matches NOPE123")
    only_input = run_crm_ve("check", missing)
    assert only_input.returncode == 2
    assert only_input.stderr == f"crm-ve: {missing}: cannot read: No such file or directory\n"
    broken = tmp_path / "broken.xml"
    broken.write_text("<cib><configuration>")
    malformed = run_crm_ve("check", clean_file(tmp_path), broken)   # the other input is still checked
    assert malformed.returncode == 2 and f"not checked (unreadable or refused): {broken}." in malformed.stdout
    assert malformed.stderr.startswith(f"crm-ve: {broken}:1:") and malformed.stderr.count("\n") == 1


def clean_file(tmp_path):
    path = tmp_path / "clean.xml"
    path.write_text(CLEAN)
    return path

